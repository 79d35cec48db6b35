"""chainwatch.engine."""
