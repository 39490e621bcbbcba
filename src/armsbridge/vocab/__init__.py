"""vocab domain."""
