"""Hypothesis strategies and small oracles shared by the servicing property tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from core.engines.loans import REPAYMENT_ORDER

# The order a repayment is spent in, as declared (the Repayment's fields and the payoff quote's claims).
ALLOCATION_ORDER = [claim.name for claim in REPAYMENT_ORDER]


@st.composite
def loan_terms(draw: Any) -> dict[str, Any]:
    """A product's terms, within what the database allows (a bullet loan has no grace months)."""
    method = draw(st.sampled_from(["equal_payment", "equal_principal", "bullet"]))
    term = draw(st.sampled_from([3, 6, 12]))
    grace = 0 if method == "bullet" else draw(st.integers(min_value=0, max_value=min(term - 1, 3)))
    return {
        "method": method,
        "term_months": term,
        "grace_months": grace,
        "annual_rate": draw(st.sampled_from([Decimal("0.00000"), Decimal("0.02000"), Decimal("0.04500"),
                                             Decimal("0.17000")])),
        "day_count": draw(st.sampled_from(["monthly", "actual_365"])),
        "rounding_unit": draw(st.sampled_from([1, 10])),
        "rounding_mode": draw(st.sampled_from(["floor", "half_up", "ceil"])),
        "prepayment_policy": draw(st.sampled_from(["lower_installments", "shorten_term"])),
    }


def won(money: Any) -> Decimal:
    return Decimal(money.amount)


def greedy(amount: Decimal, owed: list[Decimal]) -> list[Decimal]:
    """``amount`` spent on ``owed`` in order, each taking what it can."""
    parts = []
    for due in owed:
        part = min(amount, due)
        parts.append(part)
        amount -= part
    return parts
