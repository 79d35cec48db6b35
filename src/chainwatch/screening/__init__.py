"""chainwatch.screening."""
