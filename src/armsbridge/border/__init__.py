"""The border officer's check: one value, the node's own records and the other service at once."""
