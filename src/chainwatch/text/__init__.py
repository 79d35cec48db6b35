"""chainwatch.text."""
