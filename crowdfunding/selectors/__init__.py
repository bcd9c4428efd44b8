"""The contests' reads, by topic. Everything is importable from ``crowdfunding.selectors``."""

from .visibility import contests_visible_to, entries_visible_to, pool_filter, round_pool, rounds_visible_to, seats_of

__all__ = ["contests_visible_to", "entries_visible_to", "pool_filter", "round_pool", "rounds_visible_to", "seats_of"]
