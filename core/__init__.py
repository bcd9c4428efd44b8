"""Shared kernel base: the domain error hierarchy, KRW money helpers and the hash-chained audit trail.

Every other package may import from here; this package imports from none of them.
"""
