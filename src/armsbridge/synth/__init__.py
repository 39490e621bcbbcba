"""synth domain."""
