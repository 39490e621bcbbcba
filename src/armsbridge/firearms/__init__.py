"""firearms domain."""
