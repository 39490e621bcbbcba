"""analysis domain."""
