"""imports domain."""
