"""chainwatch.lists."""
