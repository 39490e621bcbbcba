"""armsbridge: a node of the cross-border platform against illicit arms trafficking."""

__version__ = "0.1.0"
