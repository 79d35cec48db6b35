"""chainwatch.cli."""
