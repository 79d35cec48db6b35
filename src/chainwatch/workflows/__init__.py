"""chainwatch.workflows."""
