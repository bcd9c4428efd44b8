"""Rounding an exact amount to whole won by a named rule (단수 처리): unit 1, 10 or 100 won; floor (절사, the
default), ceil (절상) or half up (반올림)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

# 절사 (truncate toward zero), 절상 (away from zero), 반올림 (half up). Amounts rounded here are never negative.
ROUNDING_MODES = {"floor": ROUND_DOWN, "ceil": ROUND_UP, "half_up": ROUND_HALF_UP}


def round_won(amount: Decimal, *, unit: int = 1, mode: str = "floor") -> Decimal:
    """Round an exact Decimal to a multiple of ``unit`` won (1 or 10) by a named rule (절사 'floor' by default)."""
    if unit not in (1, 10, 100):
        raise ValueError("rounding unit must be 1, 10 or 100 won")
    if mode not in ROUNDING_MODES:
        raise ValueError(f"rounding mode must be one of {sorted(ROUNDING_MODES)}")
    step = Decimal(unit)
    return (amount / step).quantize(Decimal(1), rounding=ROUNDING_MODES[mode]) * step


@dataclass(frozen=True)
class Rounding:
    """A product's or program's rounding rule, applied when an exact amount becomes an amount of money."""

    unit: int = 1  # 1 or 10 won
    mode: str = "floor"  # floor (절사), ceil, half_up

    def __call__(self, amount: Decimal) -> Decimal:
        return round_won(amount, unit=self.unit, mode=self.mode)
