"""The tables of revision 0001 (the initial schema), one module a domain, frozen with it."""
