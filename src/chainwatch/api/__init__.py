"""chainwatch.api."""
