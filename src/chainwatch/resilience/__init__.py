"""chainwatch.resilience."""
