"""names domain."""
