"""chainwatch.store."""
