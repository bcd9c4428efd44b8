"""The guarantee capacity of a special guarantee program (특례보증 보증한도), as a pure function: plain ``Decimal`` in,
a frozen dataclass out; no database, no clock.

The rules:

- **Capacity.** ``capacity = (contributions - net losses) x multiple`` (출연금 x 보증배수): the city puts 10억 into the
  credit guarantee foundation, which may guarantee 12 times that. Net losses are the claims the program paid
  (대위변제) less what it recovered (구상): they eat the contributions, and so capacity. Net assets below zero give no
  capacity at all, never a negative one. The product is floored to the won (절사): a capacity is a ceiling, and
  rounding it up would let a guarantee exceed what the contributions back.
- **Available** is ``capacity - used`` (what is outstanding under guarantees), never below zero: a program whose
  losses cut its capacity below what is already guaranteed has nothing left to give, and the excess stays used.
- **Utilisation** is ``used / capacity`` to four decimals (rounded down), 0 when there is no capacity.
- **The guaranteed share** of a loan (보증금액) is ``loan x ratio`` (보증비율: 100 %, 90 %, 85 %), floored to the won:
  the program never stands behind more than its ratio of the loan. It is what a guarantee holds of the capacity
  (the approved amount's share until the bank lends, then the balance's share as the loan is repaid).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class Capacity:
    net_assets: Decimal  # contributions - net losses
    capacity: Decimal  # net assets x multiple, floored to the won, never negative
    used: Decimal
    available: Decimal  # capacity - used, never negative
    utilisation: Decimal  # used / capacity, four decimals, rounded down; 0 without capacity


def guarantee_capacity(*, contributions: Decimal, net_losses: Decimal, multiple: Decimal,
                       used: Decimal = ZERO) -> Capacity:
    """The capacity of a program with ``contributions`` paid in, ``net_losses`` (claims paid - recoveries) and a
    ``multiple`` (배수, above zero), of which ``used`` is outstanding. Raises ValueError on a multiple not above zero
    or a negative contribution or use."""
    if multiple <= 0:
        raise ValueError("the multiple must be above zero")
    if contributions < 0 or used < 0:
        raise ValueError("contributions and use are never negative")
    net_assets = contributions - net_losses
    capacity = max(net_assets * multiple, ZERO).quantize(Decimal(1), rounding=ROUND_DOWN)
    available = max(capacity - used, ZERO)
    utilisation = (used / capacity).quantize(Decimal("0.0001"), rounding=ROUND_DOWN) if capacity else ZERO
    return Capacity(net_assets=net_assets, capacity=capacity, used=used, available=available,
                    utilisation=utilisation)


def guaranteed_share(amount: Decimal, ratio: Decimal) -> Decimal:
    """What a guarantee of ``ratio`` (above 0, at most 1) stands behind of a loan (or balance) of ``amount`` whole
    won: ``amount x ratio``, floored to the won. Raises ValueError on a negative or fractional amount or a ratio out
    of range."""
    if not amount.is_finite() or amount < 0 or amount != amount.to_integral_value():
        raise ValueError("the amount must be a whole, non-negative number of won")
    if not ZERO < ratio <= 1:
        raise ValueError("the ratio must be above 0 and at most 1")
    return (amount * ratio).quantize(Decimal(1), rounding=ROUND_DOWN)
