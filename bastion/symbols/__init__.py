"""Symbols in images never seen before: local features of registered emblems, found by geometric verification."""
