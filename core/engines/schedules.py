"""Korean repayment schedules (상환 스케줄), as pure functions: no database, no clock.

Methods: equal payment (원리금균등상환), equal principal (원금균등상환), bullet (만기일시상환), each with optional
grace months (거치기간) in which only interest is paid. Day count: ``monthly`` (annual rate / 12 each period,
whatever its length) or ``actual_365`` (annual rate x days in the period / 365).

Amounts are computed exactly in ``Decimal`` and rounded once, when they become an amount, by the product's rule
(unit 1 or 10 won; mode floor = 절사 by default). Whatever rounding leaves over goes to the last installment, so
the principal parts always add up exactly to the principal.

Due dates keep the disbursement day of month, clamped to the month's end (disbursed 31 January: 28 or 29 February,
31 March, 30 April ...); each is counted from the disbursement date, so a clamped month does not drag the others.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum

from .rounding import Rounding

ZERO = Decimal(0)
DAYS_IN_YEAR = Decimal(365)
MONTHS_IN_YEAR = Decimal(12)


class Method(StrEnum):
    EQUAL_PAYMENT = "equal_payment"  # 원리금균등
    EQUAL_PRINCIPAL = "equal_principal"  # 원금균등
    BULLET = "bullet"  # 만기일시


class DayCount(StrEnum):
    MONTHLY = "monthly"  # rate / 12 per period
    ACTUAL_365 = "actual_365"  # rate x days / 365


@dataclass(frozen=True)
class Terms:
    principal: Decimal
    annual_rate: Decimal  # 0.0200 for 2 %
    term_months: int
    grace_months: int
    method: Method
    day_count: DayCount
    disbursed_on: date
    rounding: Rounding = field(default_factory=Rounding)

    def __post_init__(self) -> None:
        principal = self.principal
        if not principal.is_finite() or principal <= 0 or principal != principal.to_integral_value():
            raise ValueError("principal must be a positive whole number of won")
        if self.annual_rate < 0:
            raise ValueError("annual_rate must not be negative")
        if self.term_months < 1:
            raise ValueError("term_months must be at least 1")
        if not 0 <= self.grace_months < self.term_months:
            raise ValueError("grace_months must be at least 0 and less than term_months")
        if self.method == Method.BULLET and self.grace_months:
            raise ValueError("a bullet loan pays only interest until maturity; it has no separate grace months")


@dataclass(frozen=True)
class Installment:
    number: int
    due_on: date
    period_start: date
    days: int
    principal: Decimal
    interest: Decimal
    balance_after: Decimal  # principal still owed after this installment is paid

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


@dataclass(frozen=True)
class Schedule:
    terms: Terms
    installments: tuple[Installment, ...]

    @property
    def total_principal(self) -> Decimal:
        return sum((i.principal for i in self.installments), ZERO)

    @property
    def total_interest(self) -> Decimal:
        return sum((i.interest for i in self.installments), ZERO)

    @property
    def total(self) -> Decimal:
        return self.total_principal + self.total_interest

    @property
    def maturity_on(self) -> date:
        return self.installments[-1].due_on


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, the day of month clamped to the month's last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_dates(disbursed_on: date, count: int) -> list[date]:
    return [add_months(disbursed_on, n) for n in range(1, count + 1)]


def period_interest(balance: Decimal, annual_rate: Decimal, day_count: DayCount, days: int) -> Decimal:
    """The exact (unrounded) interest on ``balance`` for one period."""
    if day_count == DayCount.MONTHLY:
        return balance * annual_rate / MONTHS_IN_YEAR
    return balance * annual_rate * days / DAYS_IN_YEAR


def part_period_interest(balance: Decimal, annual_rate: Decimal, day_count: DayCount, days: int,
                         period_days: int) -> Decimal:
    """The exact interest on ``balance`` for ``days`` of a period of ``period_days`` (what is left of a period after a
    prepayment): monthly, that share of the month's interest; actual/365, interest for the days."""
    if day_count == DayCount.MONTHLY:
        return period_interest(balance, annual_rate, day_count, period_days) * days / period_days
    return period_interest(balance, annual_rate, day_count, days)


def level_payment(principal: Decimal, annual_rate: Decimal, installments: int) -> Decimal:
    """The exact equal payment (원리금균등 상환액) that repays ``principal`` in ``installments`` monthly payments
    at ``annual_rate`` / 12 per month: P r / (1 - (1 + r)^-n)."""
    if annual_rate == 0:
        return principal / installments
    with localcontext() as ctx:
        ctx.prec = 50
        r = annual_rate / MONTHS_IN_YEAR
        return principal * r / (1 - (1 + r) ** -installments)


def amortize(
    *,
    balance: Decimal,
    annual_rate: Decimal,
    method: Method,
    day_count: DayCount,
    rounding: Rounding,
    start: date,
    dates: list[date],
    interest_only: int = 0,
    first_number: int = 1,
) -> tuple[Installment, ...]:
    """Repay ``balance`` on ``dates`` (after ``start``): the first ``interest_only`` installments pay interest only,
    the rest repay the balance by ``method``. Used for a new loan and for re-amortising after a prepayment."""
    if not dates:
        raise ValueError("at least one due date is needed")
    if not 0 <= interest_only < len(dates):
        raise ValueError("interest_only must leave at least one installment to repay the balance")

    def repay(level: Decimal) -> tuple[Installment, ...] | None:
        """The installments with this level amount (equal payment or equal principal part), or None if they would
        repay the balance before the last installment."""
        installments = []
        previous = start
        remaining = balance
        for index, due_on in enumerate(dates):
            days = (due_on - previous).days
            interest = rounding(period_interest(remaining, annual_rate, day_count, days))
            is_last = index == len(dates) - 1
            if is_last:
                principal = remaining
            elif index < interest_only or method == Method.BULLET:
                principal = ZERO
            elif method == Method.EQUAL_PAYMENT:
                principal = max(level - interest, ZERO)
            else:
                principal = level
            if principal > remaining:
                return None
            remaining -= principal
            installments.append(
                Installment(
                    number=first_number + index,
                    due_on=due_on,
                    period_start=previous,
                    days=days,
                    principal=principal,
                    interest=interest,
                    balance_after=remaining,
                )
            )
            previous = due_on
        return tuple(installments)

    amortizing = len(dates) - interest_only
    level = ZERO
    if method == Method.EQUAL_PAYMENT:
        level = rounding(level_payment(balance, annual_rate, amortizing))
    elif method == Method.EQUAL_PRINCIPAL:
        level = rounding(balance / amortizing)
    installments = repay(level)
    if installments is not None:
        return installments
    # Rounding the level amount up (or, on a tiny balance, rounding its interest down to nothing) would repay the
    # balance before the last installment. Take instead the largest multiple of the unit that does not: zero never
    # does, and a larger level amount repays no later, so bisect.
    unit = Decimal(rounding.unit)
    fitting, low, high = repay(ZERO), 0, int(level / unit)
    while high - low > 1:
        middle = (low + high) // 2
        candidate = repay(middle * unit)
        if candidate is None:
            high = middle
        else:
            fitting, low = candidate, middle
    assert fitting is not None  # a zero level amount repays nothing before the last installment
    return fitting


def build_schedule(terms: Terms) -> Schedule:
    """The whole schedule of a new loan."""
    installments = amortize(
        balance=terms.principal,
        annual_rate=terms.annual_rate,
        method=terms.method,
        day_count=terms.day_count,
        rounding=terms.rounding,
        start=terms.disbursed_on,
        dates=due_dates(terms.disbursed_on, terms.term_months),
        interest_only=terms.grace_months,
    )
    return Schedule(terms=terms, installments=installments)
