"""Asset soundness classification (자산건전성 분류) of a loan or claim by days past due, as pure functions.

A table of rules (the Korean supervisory rule for corporate loans by default: 정상 under 30 days, 요주의 30-89, from
90 days the part covered by collateral or a guarantee 고정 and the rest 회수의문, from 365 days the rest 추정손실) is
data the caller loads; here it is only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ALL, SECURED, UNSECURED = "all", "secured", "unsecured"  # the part of a balance a rule applies to


@dataclass(frozen=True)
class Rule:
    code: str
    korean: str
    min_days: int
    part: str  # ALL, SECURED or UNSECURED
    allowance_rate: Decimal
    severity: int  # 0 is the soundest


def _class_of(days: int, part: str, table: list[Rule]) -> Rule:
    """The rule for ``part`` of a loan ``days`` past due: of those that apply, the one with the highest threshold
    reached (ties: the more severe)."""
    fitting = [r for r in table if r.min_days <= days and r.part in (ALL, part)]
    if not fitting:
        raise LookupError("no asset class rule starts at 0 days past due")
    return max(fitting, key=lambda r: (r.min_days, r.severity))


def split(days: int, outstanding: Decimal, secured: Decimal, table: list[Rule]) -> list[tuple[Rule, Decimal]]:
    """The loan's outstanding principal by class: the secured part and the rest, each classed by its rules."""
    covered = min(max(secured, Decimal(0)), outstanding)
    parts = [(SECURED, covered), (UNSECURED, outstanding - covered)]
    return [(_class_of(days, part, table), amount) for part, amount in parts if amount > 0]


def loan_class(days: int, outstanding: Decimal, secured: Decimal, table: list[Rule]) -> str:
    """A loan's class: the most severe class of any part of it (정상 for a loan with nothing outstanding)."""
    parts = split(days, outstanding, secured, table)
    if not parts:
        return _class_of(0, UNSECURED, table).code
    return max(parts, key=lambda p: p[0].severity)[0].code
