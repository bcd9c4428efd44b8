"""Interest subsidies (이차보전) on guaranteed bank loans, as a pure engine: the city pays the bank part of a
guaranteed loan's interest, at a number of percentage points a year, for a window of time after the loan starts
(Daegu: 2 %p for 2 years; Dalseo-gu: 3.0 %p for 1 year). No database, no clock: a subsidy run's service loads each
guarantee's plain values, calls ``subsidy_run`` and records and pays what it returns (making the run idempotent is
the service's concern, not this module's).

The rules:
- Dates are half-open everywhere: the run's period is [period_start, period_end) and the guarantee's subsidy window
  is [window_start, window_end). A day counts when it is in both. A month's run is [1 May, 1 June); adjacent runs
  share an end and a start and neither miss nor count a day twice; a period of n days is ``end - start``. This is the
  banks' one-side count (한편넣기): the loan's first day earns interest, the day it is repaid does not.
- The loan's balance is a step function: a sorted list of changes (from_date, balance), each in effect from its date
  (that day included) until the next change. Before the first change the balance is zero (not yet disbursed). A
  repayment on a day lowers that day's balance, so the repaid amount earns nothing on the day it comes back.
- The rate is the smaller of the subsidy rate and the loan's rate: the city never pays more interest than the loan
  bears (a 3 %p subsidy on a 2.5 % loan pays 2.5 %).
- Day count actual/365, in leap years too (the won's convention): subsidy = sum over the counted days of
  balance x rate / 365 = (sum of balance x days over the balance's segments) x rate / 365, computed exactly.
- Rounded once per guarantee and run, when it becomes an amount, by the program's ``Rounding`` (10 won floor by
  default: 국고금관리법 s47 drops amounts under 10 won in public payments). What rounding drops (``dropped``) stays
  with the rest of the loan's interest, which the borrower pays the bank as usual; it is reported, never lost.

The work is a walk over each loan's balance changes (segments, never days), from the change in effect at the first
counted day (found by bisection): linear in the guarantees and their balance changes, whatever the span.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from operator import itemgetter

from .rounding import Rounding

ZERO = Decimal(0)
DAYS_IN_YEAR = Decimal(365)
DEFAULT_ROUNDING = Rounding(10, "floor")  # 10 won, 절사
_PRECISION = 50  # digits for the exact amount: far more than a won-day sum times a rate needs


def _whole_won(amount: Decimal) -> bool:
    return amount.is_finite() and amount >= 0 and amount == amount.to_integral_value()


@dataclass(frozen=True)
class GuaranteedLoan:
    """One guarantee's loan, as a subsidy run needs it. ``key`` names it in the results (the guarantee's id)."""

    key: Hashable
    balances: tuple[tuple[date, Decimal], ...]  # (from_date, balance), dates strictly increasing
    loan_rate: Decimal  # the bank's rate on the loan, 0.0450 for 4.5 %
    subsidy_rate: Decimal  # the program's subsidy, 0.0200 for 2 %p
    window_start: date  # the first day subsidised
    window_end: date  # the first day no longer subsidised

    def __post_init__(self) -> None:
        object.__setattr__(self, "balances", tuple(self.balances))
        previous: date | None = None
        for from_date, balance in self.balances:
            if previous is not None and from_date <= previous:
                raise ValueError(f"guarantee {self.key!r}: balance changes must be in strictly increasing date order")
            if not _whole_won(balance):
                raise ValueError(f"guarantee {self.key!r}: a balance must be a whole, non-negative number of won")
            previous = from_date
        if not (self.loan_rate >= 0 and self.subsidy_rate >= 0):
            raise ValueError(f"guarantee {self.key!r}: rates must not be negative")
        if self.window_end < self.window_start:
            raise ValueError(f"guarantee {self.key!r}: the window must not end before it starts")

    @property
    def rate(self) -> Decimal:
        """The rate subsidised: the subsidy, but never more than the loan's own rate."""
        return min(self.subsidy_rate, self.loan_rate)


@dataclass(frozen=True)
class Subsidy:
    """One guarantee's subsidy for one period."""

    key: Hashable
    days: int  # days both in the period and in the window (a zero balance on some of them included)
    won_days: Decimal  # sum over those days of the balance (exact, whole)
    rate: Decimal  # min(subsidy rate, loan rate)
    exact: Decimal  # won_days x rate / 365, before rounding
    amount: Decimal  # exact, rounded by the program's rule

    @property
    def dropped(self) -> Decimal:
        """What rounding left out (the borrower's, with the rest of the interest)."""
        return self.exact - self.amount


@dataclass(frozen=True)
class Run:
    """A subsidy run over many guarantees for one period: each guarantee's subsidy, in the order given, and the
    total to pay (the sum of the rounded amounts)."""

    period_start: date
    period_end: date
    results: tuple[Subsidy, ...]
    total: Decimal
    total_exact: Decimal

    @property
    def dropped(self) -> Decimal:
        return self.total_exact - self.total


def counted_days(loan: GuaranteedLoan, period_start: date, period_end: date) -> tuple[date, date]:
    """The days both in the period and in the loan's window, as a half-open [first, end) (empty: first == end)."""
    first = max(period_start, loan.window_start)
    end = min(period_end, loan.window_end)
    return (first, end) if first < end else (first, first)


def won_days(balances: tuple[tuple[date, Decimal], ...], first: date, end: date) -> Decimal:
    """The sum over the days of [first, end) of the balance in effect on each: each segment's balance x the days of
    it inside the span. Zero before the first change."""
    if end <= first or not balances:
        return ZERO
    total = ZERO
    index = max(bisect_right(balances, first, key=itemgetter(0)) - 1, 0)  # the change in effect on ``first``
    for position in range(index, len(balances)):
        from_date, balance = balances[position]
        start = max(from_date, first)
        if start >= end:
            break
        stop = min(balances[position + 1][0], end) if position + 1 < len(balances) else end
        if stop > start and balance:
            total += balance * (stop - start).days
    return total


def _validate_period(period_start: date, period_end: date) -> None:
    if period_end < period_start:
        raise ValueError("the period must not end before it starts")


def _subsidy(loan: GuaranteedLoan, period_start: date, period_end: date, rounding: Rounding) -> Subsidy:
    first, end = counted_days(loan, period_start, period_end)
    total = won_days(loan.balances, first, end)
    rate = loan.rate
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        exact = total * rate / DAYS_IN_YEAR
    return Subsidy(key=loan.key, days=(end - first).days, won_days=total, rate=rate, exact=exact,
                   amount=rounding(exact))


def subsidy(loan: GuaranteedLoan, *, period_start: date, period_end: date,
            rounding: Rounding = DEFAULT_ROUNDING) -> Subsidy:
    """The subsidy of one guarantee for the period [period_start, period_end), rounded once by ``rounding``.
    Raises ValueError for a period that ends before it starts."""
    _validate_period(period_start, period_end)
    return _subsidy(loan, period_start, period_end, rounding)


def subsidy_run(loans: Iterable[GuaranteedLoan], *, period_start: date, period_end: date,
                rounding: Rounding = DEFAULT_ROUNDING) -> Run:
    """Every guarantee's subsidy for the period [period_start, period_end), each rounded on its own, in the order
    given, with the total. Raises ValueError for a period that ends before it starts, or a guarantee given twice (it
    would be paid twice)."""
    _validate_period(period_start, period_end)
    results: list[Subsidy] = []
    seen: set[Hashable] = set()
    total = total_exact = ZERO
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        for loan in loans:
            if loan.key in seen:
                raise ValueError(f"guarantee {loan.key!r} appears twice in the run")
            seen.add(loan.key)
            result = _subsidy(loan, period_start, period_end, rounding)
            results.append(result)
            total += result.amount
            total_exact += result.exact
    return Run(period_start=period_start, period_end=period_end, results=tuple(results), total=total,
               total_exact=total_exact)
