"""db domain."""
