"""chainwatch.network."""
