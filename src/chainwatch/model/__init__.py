"""Pure domain types. Imports nothing else of chainwatch."""
