"""Guarantee fees (보증료) on a special guarantee (특례보증) and the city's share of them (보증료 지원), as pure
functions: plain ``Decimal`` and ``date`` in, frozen dataclasses out; no database, no clock.

The rules:

- **Fee for a period.** ``fee = guaranteed amount x annual fee rate x days / 365`` (actual/365, whatever the year's
  length, as the credit guarantee foundations quote it). Days run from the start date to the end date: the day after
  the start through the end, ``(end - start).days``; a year that holds 29 February has 366 of them.
- **The city's share.** The program names it in percentage points of the fee rate (the fee is 0.8 %, the city pays
  0.5 %p of it, the enterprise the other 0.3 %p): ``city share = amount x city rate x days / 365``. The city rate is
  never above the fee rate.
- **Rounding.** Each amount is computed exactly and rounded once by the program's ``Rounding``, by default 10 won
  floor (절사; 국고금관리법 s47 drops amounts under 10 won in public payments). The city's share is rounded first and
  the fee is rounded; the enterprise pays ``rounded fee - rounded city share``. So the two parts always add up to the
  fee exactly, and what rounding leaves over falls to the enterprise (at most one unit). Since the city rate is at
  most the fee rate and every rounding mode is monotone, the enterprise's part is never negative.
- **Billing by guarantee year.** The fee is billed upfront for each guarantee year (보증연도) from the guarantee's
  start to its maturity. Years end on the anniversaries of the start date, each counted from the start itself (a
  start on 29 February gives 28 February in common years and 29 February again in leap years); the last year ends
  at maturity and may be short. Each year is quoted on its own days, so a year holding 29 February costs 366/365 of
  a common one.
- **Late fee (연체료).** On a share not paid by its due date: ``unpaid x annual rate (10 %/yr by default) x days
  late / 365``, days late counted like any period, from the due date to the payment date; rounded by the same rule.
  Paid on or before the due date, there is none.
- **Refund on early full repayment (보증료 환급).** When the guaranteed loan is repaid in full before the end of the
  billed guarantee year, the unused days, from the repayment date to the end of the billed period, are refunded to
  each payer. Rule chosen: the refund is *quoted afresh* for the unused days,
  ``quote_fee(amount, rates, repaid_on, period_end)`` (city share first, enterprise the rest, same rounding), then
  each payer's refund is capped at what that payer was billed for the year. Why this and not ``billed fee x unused
  days / billed days``: the exact amounts of the two are the same (``amount x rate x billed/365 x unused/billed =
  amount x rate x unused/365``), but the pro-rata form starts from an already rounded fee and rounds it again, while
  a fresh quote rounds the exact amount once, as every other amount here is; and it is the foundation's own formula
  for the remaining period, so a refund matches the bill the same days would have had. The cap is needed because
  the enterprise's part is a difference of two rounded amounts: with tiny amounts, the fresh quote can give the
  enterprise one unit more than it paid (see the tests). What a cap withholds (at most one rounding unit) stays
  billed, and the refund's ``fee`` is the sum of the capped parts, so the parts still add up.
- **Validation.** Amounts are whole won above zero (an unpaid share for a late fee may be zero), rates are not
  negative, the city rate is not above the fee rate, a period ends after it starts; anything else is a
  ``ValueError`` naming what is wrong.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from .rounding import Rounding

ZERO = Decimal(0)
DAYS_IN_YEAR = Decimal(365)
# 국고금관리법 s47: amounts under 10 won are dropped (절사) in public receipts and payments.
PUBLIC_ROUNDING = Rounding(unit=10, mode="floor")
LATE_FEE_RATE = Decimal("0.10")  # 연체료율 10 %/yr


@dataclass(frozen=True)
class FeeRates:
    """A program's annual fee rate (보증료율, ``0.008`` for 0.8 %) and the part of it the city pays (보증료 지원, in
    percentage points of the fee rate: ``0.005`` of a ``0.008`` fee). Raises ValueError on a negative rate or a city
    rate above the fee rate."""

    fee_rate: Decimal
    city_rate: Decimal = ZERO

    def __post_init__(self) -> None:
        _check_rate("fee_rate", self.fee_rate)
        _check_rate("city_rate", self.city_rate)
        if self.city_rate > self.fee_rate:
            raise ValueError(f"city_rate {self.city_rate} must not be above the fee_rate {self.fee_rate}")

    @property
    def enterprise_rate(self) -> Decimal:
        return self.fee_rate - self.city_rate


@dataclass(frozen=True)
class FeeQuote:
    """The fee for ``days`` and who pays it: ``city_share + enterprise_share == fee``. A refund has the same shape."""

    days: int
    fee: Decimal
    city_share: Decimal  # 보증료 지원: what the city pays
    enterprise_share: Decimal  # what the enterprise pays


@dataclass(frozen=True)
class YearlyBill:
    """The fee billed upfront for one guarantee year (보증연도), ``year`` 1 being the first."""

    year: int
    period_start: date
    period_end: date
    quote: FeeQuote

    @property
    def days(self) -> int:
        return self.quote.days


def anniversary(start_on: date, years: int) -> date:
    """``start_on`` plus ``years`` years; 29 February becomes 28 February in a common year."""
    year = start_on.year + years
    day = start_on.day
    if start_on.month == 2 and day == 29 and not calendar.isleap(year):
        day = 28
    return date(year, start_on.month, day)


def quote_fee(
    amount: Decimal, rates: FeeRates, start_on: date, end_on: date, *, rounding: Rounding = PUBLIC_ROUNDING
) -> FeeQuote:
    """The fee on ``amount`` guaranteed from ``start_on`` to ``end_on`` ((end - start).days days) and its split: the
    city's share rounded first, the enterprise the rest of the rounded fee. Raises ValueError on an amount that is
    not a whole number of won above zero, or a period that does not end after it starts."""
    _check_amount("amount", amount)
    _check_period(start_on, end_on)
    return _quote_days(amount, rates, (end_on - start_on).days, rounding)


def yearly_bills(
    amount: Decimal, rates: FeeRates, start_on: date, maturity_on: date, *, rounding: Rounding = PUBLIC_ROUNDING
) -> list[YearlyBill]:
    """One upfront bill per guarantee year from ``start_on`` to ``maturity_on``: each year ends on an anniversary of
    the start, the last at maturity (and may be short). Raises ValueError like ``quote_fee``."""
    _check_amount("amount", amount)
    _check_period(start_on, maturity_on)
    bills: list[YearlyBill] = []
    period_start = start_on
    year = 1
    while period_start < maturity_on:
        period_end = min(anniversary(start_on, year), maturity_on)
        quote = _quote_days(amount, rates, (period_end - period_start).days, rounding)
        bills.append(YearlyBill(year, period_start, period_end, quote))
        period_start = period_end
        year += 1
    return bills


def late_fee(
    unpaid: Decimal,
    due_on: date,
    paid_on: date,
    *,
    annual_rate: Decimal = LATE_FEE_RATE,
    rounding: Rounding = PUBLIC_ROUNDING,
) -> Decimal:
    """Simple interest on ``unpaid`` for the days from ``due_on`` to ``paid_on`` at ``annual_rate`` / 365 a day,
    rounded by the rule; zero if paid on or before the due date. Raises ValueError on an unpaid amount that is not a
    whole number of won (zero allowed) or a negative rate."""
    _check_whole_won("unpaid", unpaid)
    if unpaid < 0:
        raise ValueError(f"unpaid must not be negative, got {unpaid}")
    _check_rate("annual_rate", annual_rate)
    days_late = (paid_on - due_on).days
    if days_late <= 0:
        return ZERO
    return _exact_to_won(unpaid * annual_rate * days_late, rounding)


def refund_on_repayment(
    amount: Decimal, rates: FeeRates, bill: YearlyBill, repaid_on: date, *, rounding: Rounding = PUBLIC_ROUNDING
) -> FeeQuote:
    """What is refunded of ``bill`` when the loan is repaid in full on ``repaid_on``: the fee for the unused days
    (``repaid_on`` to the bill's end) quoted afresh, each payer's part capped at what it was billed. ``amount`` and
    ``rates`` are the ones the bill was quoted with. Raises ValueError on a repayment date outside the billed
    period, or a bill that these amount, rates and rounding do not give."""
    _check_amount("amount", amount)
    if not bill.period_start <= repaid_on <= bill.period_end:
        raise ValueError(
            f"repaid_on {repaid_on} must be within the billed period {bill.period_start} to {bill.period_end}"
        )
    if _quote_days(amount, rates, bill.days, rounding) != bill.quote:
        raise ValueError("the bill was not quoted with this amount, these rates and this rounding")
    fresh = _quote_days(amount, rates, (bill.period_end - repaid_on).days, rounding)
    city = min(fresh.city_share, bill.quote.city_share)
    enterprise = min(fresh.enterprise_share, bill.quote.enterprise_share)
    return FeeQuote(fresh.days, city + enterprise, city, enterprise)


# --- arithmetic and checks -----------------------------------------------------------------------------------------


def _quote_days(amount: Decimal, rates: FeeRates, days: int, rounding: Rounding) -> FeeQuote:
    city = _exact_to_won(amount * rates.city_rate * days, rounding)
    fee = _exact_to_won(amount * rates.fee_rate * days, rounding)
    return FeeQuote(days, fee, city, fee - city)


def _exact_to_won(amount_x_rate_x_days: Decimal, rounding: Rounding) -> Decimal:
    """``amount x rate x days / 365`` rounded once, with room enough that the division never decides the rounding."""
    with localcontext() as ctx:
        ctx.prec = 60
        return rounding(amount_x_rate_x_days / DAYS_IN_YEAR)


def _check_whole_won(name: str, amount: Decimal) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount != amount.to_integral_value():
        raise ValueError(f"{name} must be a whole number of won as a Decimal, got {amount!r}")


def _check_amount(name: str, amount: Decimal) -> None:
    _check_whole_won(name, amount)
    if amount <= 0:
        raise ValueError(f"{name} must be above zero, got {amount}")


def _check_rate(name: str, rate: Decimal) -> None:
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0:
        raise ValueError(f"{name} must be a Decimal of at least 0, got {rate!r}")


def _check_period(start_on: date, end_on: date) -> None:
    if end_on <= start_on:
        raise ValueError(f"the period must end after it starts: {start_on} to {end_on}")
