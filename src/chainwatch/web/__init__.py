"""chainwatch.web."""
