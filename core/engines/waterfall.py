"""A waterfall (충당 순서): an amount spent against an ordered list of named claims, each paid in full before the
next gets anything. A loan's repayment (default interest, overdue interest, overdue principal, ...), a guarantee
recovery (costs, damages, principal) and a bond's distribution (costs, investors' principal, their return) are all
this shape; each declares its order once, as data (a tuple of ``Claim``), and everything that shows or tests the
allocation reads that declaration.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

ZERO = Decimal(0)
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Claim:
    """One step of an order: its name (what the allocation and the records call it), its short Korean label (what a
    receipt prints) and what it means."""

    name: str
    label: str
    description: str


@dataclass(frozen=True)
class Spent(Generic[K]):
    """What a waterfall paid each claim (in the claims' order) and what was left over."""

    paid: tuple[tuple[K, Decimal], ...]
    left: Decimal

    def __getitem__(self, name: K) -> Decimal:
        return dict(self.paid)[name]

    @property
    def total(self) -> Decimal:
        return sum((amount for _name, amount in self.paid), ZERO)


def waterfall(amount: Decimal, claims: Iterable[tuple[K, Decimal]]) -> Spent[K]:
    """Spend ``amount`` on ``claims`` (name, owed) in order: each is paid ``min(what is left, owed)``.
    Raises ValueError on a negative amount or claim, or a name given twice."""
    if amount < 0:
        raise ValueError("the amount must not be negative")
    left = amount
    paid: list[tuple[K, Decimal]] = []
    seen: set[K] = set()
    for name, owed in claims:
        if owed < 0:
            raise ValueError(f"claim {name!r} must not be negative")
        if name in seen:
            raise ValueError(f"claim {name!r} appears twice")
        seen.add(name)
        share = min(left, owed)
        left -= share
        paid.append((name, share))
    return Spent(tuple(paid), left)


def in_order(order: Sequence[Claim], owed: Mapping[str, Decimal]) -> list[tuple[str, Decimal]]:
    """The claims of ``order`` with what is owed on each (zero where ``owed`` has nothing), ready for
    ``waterfall``. Raises ValueError if ``owed`` names a claim the order does not have."""
    names = [claim.name for claim in order]
    unknown = set(owed) - set(names)
    if unknown:
        raise ValueError(f"not in the order: {sorted(unknown)}")
    return [(name, owed.get(name, ZERO)) for name in names]
