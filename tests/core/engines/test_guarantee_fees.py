"""``core.engines.guarantee_fees``: guarantee fees (보증료), the city's share of them (보증료 지원), yearly bills, late
fees and refunds on early repayment.

Known answers worked out by hand in the comments (long division, a calendar), the Daegu / Dalseong-gun program's own
figures, the errors it refuses, and hypothesis properties checked against a few lines of exact ``Fraction``
arithmetic written from the rules, not from the engine. No database.
"""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.engines.guarantee_fees import (
    FeeQuote,
    FeeRates,
    YearlyBill,
    anniversary,
    late_fee,
    quote_fee,
    refund_on_repayment,
    yearly_bills,
)
from core.engines.rounding import Rounding

D = Decimal
# Dalseong-gun (Daegu) special guarantee: 30,000,000 won per firm, fee 0.8 %/yr; the city pays 0.5 %p of it here.
DALSEONG = FeeRates(D("0.008"), D("0.005"))
PER_FIRM = D(30_000_000)


def split(quote: FeeQuote) -> tuple[int, int, int, int]:
    return quote.days, int(quote.fee), int(quote.city_share), int(quote.enterprise_share)


def periods(bills: list[YearlyBill]) -> list[tuple[int, date, date, int, int, int]]:
    return [
        (b.year, b.period_start, b.period_end, int(b.quote.fee), int(b.quote.city_share), int(b.quote.enterprise_share))
        for b in bills
    ]


# --- reference arithmetic: the rules in exact fractions ----------------------------------------------------------


def ref_round(exact: Fraction, unit: int, mode: str) -> int:
    steps = exact / unit
    if mode == "floor":
        return math.floor(steps) * unit
    if mode == "ceil":
        return math.ceil(steps) * unit
    return math.floor(steps + Fraction(1, 2)) * unit


def ref_quote(amount: int, fee_rate: Fraction, city_rate: Fraction, days: int, unit: int, mode: str) -> tuple:
    """(days, fee, city, enterprise): each rounded from amount x rate x days / 365; the enterprise pays the rest."""
    fee = ref_round(Fraction(amount) * fee_rate * days / 365, unit, mode)
    city = ref_round(Fraction(amount) * city_rate * days / 365, unit, mode)
    return days, fee, city, fee - city


# --- known answers: fee for a period -----------------------------------------------------------------------------


def test_a_full_common_year_of_the_dalseong_guarantee_costs_240_000_of_which_the_city_pays_150_000():
    # 2026-03-02 to 2027-03-02: 365 days, no 29 February.
    # fee  30,000,000 x 0.008 x 365/365 = 240,000
    # city 30,000,000 x 0.005 x 365/365 = 150,000; enterprise 240,000 - 150,000 = 90,000
    quote = quote_fee(PER_FIRM, DALSEONG, date(2026, 3, 2), date(2027, 3, 2))
    assert split(quote) == (365, 240_000, 150_000, 90_000)


def test_a_leap_year_has_366_days_and_costs_366_365ths():
    # 2028-01-01 to 2029-01-01: 366 days (29 February 2028).
    # fee  240,000 x 366 / 365 = 87,840,000 / 365 = 240,657.53 -> 240,650 (10-won floor)
    # city 150,000 x 366 / 365 = 54,900,000 / 365 = 150,410.96 -> 150,410; enterprise 240,650 - 150,410 = 90,240
    quote = quote_fee(PER_FIRM, DALSEONG, date(2028, 1, 1), date(2029, 1, 1))
    assert split(quote) == (366, 240_650, 150_410, 90_240)


def test_a_period_of_100_days():
    # 2028-03-02 to 2028-06-10: 31 (to 2 April) + 30 (to 2 May) + 31 (to 2 June) + 8 = 100 days.
    # fee  240,000 x 100 / 365 = 24,000,000 / 365 = 65,753.42 -> 65,750
    # city 150,000 x 100 / 365 = 15,000,000 / 365 = 41,095.89 -> 41,090; enterprise 65,750 - 41,090 = 24,660
    # (the enterprise's exact part is 90,000 x 100 / 365 = 24,657.53: the city's floored 5.89 won fall to it)
    quote = quote_fee(PER_FIRM, DALSEONG, date(2028, 3, 2), date(2028, 6, 10))
    assert split(quote) == (100, 65_750, 41_090, 24_660)


# 12,345,678 at 0.8 %, city 0.5 %p, 200 days:
#   fee  12,345,678 x 0.008 = 98,765.424; x 200 = 19,753,084.8; / 365 = 54,118.04 (365 x 54,118 = 19,753,070, 14.8 over)
#   city 12,345,678 x 0.005 = 61,728.39;  x 200 = 12,345,678;   / 365 = 33,823.78 (365 x 33,823 = 12,345,395, 283 over)
@pytest.mark.parametrize(
    ("unit", "mode", "fee", "city", "enterprise"),
    [
        (10, "floor", 54_110, 33_820, 20_290),  # the default: 54,118.04 -> 54,110; 33,823.78 -> 33,820
        (1, "floor", 54_118, 33_823, 20_295),
        (10, "half_up", 54_120, 33_820, 20_300),  # 54,118.04 -> 54,120; 33,823.78 -> 33,820
        (10, "ceil", 54_120, 33_830, 20_290),
        (100, "floor", 54_100, 33_800, 20_300),
    ],
)
def test_the_rounding_rule_decides_the_won(unit, mode, fee, city, enterprise):
    rates = FeeRates(D("0.008"), D("0.005"))
    start = date(2026, 1, 1)
    quote = quote_fee(D(12_345_678), rates, start, start + timedelta(days=200), rounding=Rounding(unit, mode))
    assert split(quote) == (200, fee, city, enterprise)


def test_the_default_rounding_is_the_public_10_won_floor():
    start = date(2026, 1, 1)
    default = quote_fee(D(12_345_678), DALSEONG, start, start + timedelta(days=200))
    assert default == quote_fee(D(12_345_678), DALSEONG, start, start + timedelta(days=200), rounding=Rounding(10))


def test_without_city_support_the_enterprise_pays_the_whole_fee():
    quote = quote_fee(PER_FIRM, FeeRates(D("0.008")), date(2026, 3, 2), date(2027, 3, 2))
    assert split(quote) == (365, 240_000, 0, 240_000)


def test_a_city_paying_the_whole_rate_leaves_the_enterprise_nothing():
    # 100 days: 65,753.42 -> 65,750 for both the fee and the city's share.
    quote = quote_fee(PER_FIRM, FeeRates(D("0.008"), D("0.008")), date(2028, 3, 2), date(2028, 6, 10))
    assert split(quote) == (100, 65_750, 65_750, 0)


def test_a_single_day_is_counted_as_one_day():
    # 30,000,000 x 0.008 / 365 = 657.53 -> 650; city 150,000 / 365 = 410.96 -> 410; enterprise 240.
    quote = quote_fee(PER_FIRM, DALSEONG, date(2026, 3, 2), date(2026, 3, 3))
    assert split(quote) == (1, 650, 410, 240)


# --- known answers: yearly bills ---------------------------------------------------------------------------------


def test_the_dalseong_five_year_guarantee_is_billed_year_by_year_with_the_leap_year_dearer():
    # Years end on 2 March: 2027 (365 days), 2028 (366: 29 February 2028), 2029, 2030, 2031 (365 each).
    # Common year 240,000 / 150,000 / 90,000; the leap year 240,650 / 150,410 / 90,240 (worked out above).
    # In all: fee 4 x 240,000 + 240,650 = 1,200,650; city 4 x 150,000 + 150,410 = 750,410; enterprise 450,240.
    bills = yearly_bills(PER_FIRM, DALSEONG, date(2026, 3, 2), date(2031, 3, 2))
    assert periods(bills) == [
        (1, date(2026, 3, 2), date(2027, 3, 2), 240_000, 150_000, 90_000),
        (2, date(2027, 3, 2), date(2028, 3, 2), 240_650, 150_410, 90_240),
        (3, date(2028, 3, 2), date(2029, 3, 2), 240_000, 150_000, 90_000),
        (4, date(2029, 3, 2), date(2030, 3, 2), 240_000, 150_000, 90_000),
        (5, date(2030, 3, 2), date(2031, 3, 2), 240_000, 150_000, 90_000),
    ]
    assert [b.days for b in bills] == [365, 366, 365, 365, 365]
    assert sum(b.quote.fee for b in bills) == 1_200_650
    assert sum(b.quote.city_share for b in bills) == 750_410
    assert sum(b.quote.enterprise_share for b in bills) == 450_240


def test_the_last_guarantee_year_is_short_when_maturity_is_not_an_anniversary():
    # Matures 2028-06-10: two full years, then 2028-03-02 to 2028-06-10, 100 days: 65,750 / 41,090 / 24,660.
    bills = yearly_bills(PER_FIRM, DALSEONG, date(2026, 3, 2), date(2028, 6, 10))
    assert periods(bills) == [
        (1, date(2026, 3, 2), date(2027, 3, 2), 240_000, 150_000, 90_000),
        (2, date(2027, 3, 2), date(2028, 3, 2), 240_650, 150_410, 90_240),
        (3, date(2028, 3, 2), date(2028, 6, 10), 65_750, 41_090, 24_660),
    ]


def test_a_guarantee_shorter_than_a_year_has_one_short_bill():
    bills = yearly_bills(PER_FIRM, DALSEONG, date(2028, 3, 2), date(2028, 6, 10))
    assert periods(bills) == [(1, date(2028, 3, 2), date(2028, 6, 10), 65_750, 41_090, 24_660)]


def test_a_guarantee_starting_on_29_february_has_its_years_end_on_28_february_except_in_leap_years():
    # 2028-02-29 + 1 year = 2029-02-28 (365 days: 1 March 2028 to 28 February 2029), then 2030-02-28, 2031-02-28,
    # 2032-02-29 (366: it holds 29 February 2032), 2033-02-28. Each counted from the start, so 2032 is back on the 29th.
    bills = yearly_bills(PER_FIRM, DALSEONG, date(2028, 2, 29), date(2033, 2, 28))
    assert [(b.period_start, b.period_end, b.days) for b in bills] == [
        (date(2028, 2, 29), date(2029, 2, 28), 365),
        (date(2029, 2, 28), date(2030, 2, 28), 365),
        (date(2030, 2, 28), date(2031, 2, 28), 365),
        (date(2031, 2, 28), date(2032, 2, 29), 366),
        (date(2032, 2, 29), date(2033, 2, 28), 365),
    ]


def test_anniversaries_of_29_february():
    assert anniversary(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert anniversary(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert anniversary(date(2026, 3, 2), 2) == date(2028, 3, 2)
    assert anniversary(date(2026, 3, 2), 0) == date(2026, 3, 2)


def test_the_daegu_program_capacity_of_400_firms_costs_the_city_60_million_a_year_in_fee_support():
    # Daegu contributes 1,000,000,000 won; the foundation guarantees 12 x that, 12,000,000,000, at 30,000,000 a
    # firm: 400 firms. A common year's support is 150,000 each: 400 x 150,000 = 60,000,000; the fees
    # 400 x 240,000 = 96,000,000.
    firms = 12 * 1_000_000_000 // 30_000_000
    first_year = yearly_bills(PER_FIRM, DALSEONG, date(2026, 3, 2), date(2031, 3, 2))[0].quote
    assert firms == 400
    assert (firms * first_year.city_share, firms * first_year.fee) == (60_000_000, 96_000_000)


# --- known answers: late fees ------------------------------------------------------------------------------------


def test_a_late_enterprise_share_pays_10_percent_a_year_for_the_days_late():
    # 90,000 due 2026-03-02, paid 2026-04-01: 30 days late. 90,000 x 0.10 x 30 / 365 = 270,000 / 365 = 739.73 -> 730.
    assert late_fee(D(90_000), date(2026, 3, 2), date(2026, 4, 1)) == 730
    assert late_fee(D(90_000), date(2026, 3, 2), date(2026, 4, 1), rounding=Rounding(1)) == 739


def test_a_late_fee_at_another_rate():
    # 90,000 x 0.12 x 30 / 365 = 324,000 / 365 = 887.67 -> 880.
    assert late_fee(D(90_000), date(2026, 3, 2), date(2026, 4, 1), annual_rate=D("0.12")) == 880


def test_a_share_paid_on_or_before_its_due_date_has_no_late_fee():
    assert late_fee(D(90_000), date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert late_fee(D(90_000), date(2026, 3, 2), date(2026, 2, 20)) == 0
    assert late_fee(D(0), date(2026, 3, 2), date(2026, 4, 1)) == 0


def test_a_late_fee_under_10_won_is_dropped():
    # One day: 90,000 x 0.10 / 365 = 24.66 -> 20; 1,000 x 0.10 x 30 / 365 = 8.22 -> 0.
    assert late_fee(D(90_000), date(2026, 3, 2), date(2026, 3, 3)) == 20
    assert late_fee(D(1_000), date(2026, 3, 2), date(2026, 4, 1)) == 0


# --- known answers: refunds on early repayment -------------------------------------------------------------------


def test_an_early_repayment_refunds_the_unused_days_to_each_payer():
    # Year 1, 2026-03-02 to 2027-03-02, billed 240,000 / 150,000 / 90,000. Repaid in full 2026-09-01.
    # Unused: 2026-09-01 to 2027-03-02 = 30 + 31 + 30 + 31 + 31 + 28 (to 1 March) + 1 = 182 days.
    # fee  240,000 x 182 / 365 = 43,680,000 / 365 = 119,671.23 -> 119,670
    # city 150,000 x 182 / 365 = 27,300,000 / 365 = 74,794.52  -> 74,790; enterprise 119,670 - 74,790 = 44,880
    # Kept for the 183 days used: 120,330 / 75,210 / 45,120.
    bill = yearly_bills(PER_FIRM, DALSEONG, date(2026, 3, 2), date(2031, 3, 2))[0]
    refund = refund_on_repayment(PER_FIRM, DALSEONG, bill, date(2026, 9, 1))
    assert split(refund) == (182, 119_670, 74_790, 44_880)
    kept = (
        bill.quote.fee - refund.fee,
        bill.quote.city_share - refund.city_share,
        bill.quote.enterprise_share - refund.enterprise_share,
    )
    assert kept == (120_330, 75_210, 45_120)


def test_a_refund_in_a_short_last_year():
    # Last year 2028-03-02 to 2028-06-10 (100 days), billed 65,750 / 41,090 / 24,660; repaid 2028-05-01:
    # unused 2028-05-01 to 2028-06-10 = 30 + 10 = 40 days.
    # fee 240,000 x 40 / 365 = 9,600,000 / 365 = 26,301.37 -> 26,300; city 6,000,000 / 365 = 16,438.36 -> 16,430;
    # enterprise 26,300 - 16,430 = 9,870.
    bill = yearly_bills(PER_FIRM, DALSEONG, date(2026, 3, 2), date(2028, 6, 10))[-1]
    assert split(refund_on_repayment(PER_FIRM, DALSEONG, bill, date(2028, 5, 1))) == (40, 26_300, 16_430, 9_870)


def test_a_repayment_on_the_first_day_of_the_billed_year_refunds_it_all_and_on_the_last_day_nothing():
    bill = yearly_bills(PER_FIRM, DALSEONG, date(2026, 3, 2), date(2031, 3, 2))[1]
    assert refund_on_repayment(PER_FIRM, DALSEONG, bill, bill.period_start) == bill.quote
    assert split(refund_on_repayment(PER_FIRM, DALSEONG, bill, bill.period_end)) == (0, 0, 0, 0)


def test_the_enterprise_is_never_refunded_more_than_it_was_billed():
    # A tiny guarantee shows the one case where the cap bites. 4,000 won at 0.8 %, city 0.5 %p, 2026-01-01 to
    # 2027-01-01 (365 days): fee 32 -> 30, city 20 -> 20, enterprise 10.
    # Repaid 2026-01-23: 343 days unused. Fresh quote: fee 32 x 343 / 365 = 30.07 -> 30, city 20 x 343 / 365 = 18.79
    # -> 10, enterprise 30 - 10 = 20: more than the 10 it paid. Capped at 10; the city gets its 10: refund 20 in all,
    # and the 10 won the cap withholds stay billed.
    bill = yearly_bills(D(4_000), DALSEONG, date(2026, 1, 1), date(2027, 1, 1))[0]
    assert split(bill.quote) == (365, 30, 20, 10)
    assert split(refund_on_repayment(D(4_000), DALSEONG, bill, date(2026, 1, 23))) == (343, 20, 10, 10)


# --- what it refuses ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [D(0), D(-1), D("30000000.5"), D("NaN"), D("Infinity"), 30_000_000])
def test_an_amount_must_be_a_whole_number_of_won_above_zero(amount):
    with pytest.raises(ValueError, match="amount"):
        quote_fee(amount, DALSEONG, date(2026, 3, 2), date(2027, 3, 2))
    with pytest.raises(ValueError, match="amount"):
        yearly_bills(amount, DALSEONG, date(2026, 3, 2), date(2027, 3, 2))


@pytest.mark.parametrize(
    ("fee_rate", "city_rate", "message"),
    [
        (D("-0.001"), D(0), "fee_rate"),
        (D("0.008"), D("-0.001"), "city_rate"),
        (D("0.008"), D("0.0081"), "above the fee_rate"),
        (D("NaN"), D(0), "fee_rate"),
        (0.008, D(0), "fee_rate"),
    ],
)
def test_rates_are_not_negative_and_the_city_pays_no_more_than_the_fee(fee_rate, city_rate, message):
    with pytest.raises(ValueError, match=message):
        FeeRates(fee_rate, city_rate)


@pytest.mark.parametrize("end", [date(2026, 3, 2), date(2026, 3, 1)])
def test_a_period_must_end_after_it_starts(end):
    with pytest.raises(ValueError, match="must end after it starts"):
        quote_fee(PER_FIRM, DALSEONG, date(2026, 3, 2), end)
    with pytest.raises(ValueError, match="must end after it starts"):
        yearly_bills(PER_FIRM, DALSEONG, date(2026, 3, 2), end)


@pytest.mark.parametrize(("unpaid", "rate"), [(D(-10), D("0.10")), (D("10.5"), D("0.10")), (D(10), D("-0.01"))])
def test_a_late_fee_needs_a_whole_non_negative_unpaid_amount_and_a_non_negative_rate(unpaid, rate):
    with pytest.raises(ValueError, match=r"unpaid|annual_rate"):
        late_fee(unpaid, date(2026, 3, 2), date(2026, 4, 1), annual_rate=rate)


@pytest.mark.parametrize("repaid_on", [date(2026, 3, 1), date(2027, 3, 3)])
def test_a_refund_is_for_a_repayment_within_the_billed_year(repaid_on):
    bill = yearly_bills(PER_FIRM, DALSEONG, date(2026, 3, 2), date(2031, 3, 2))[0]
    with pytest.raises(ValueError, match="within the billed period"):
        refund_on_repayment(PER_FIRM, DALSEONG, bill, repaid_on)


def test_a_refund_refuses_a_bill_quoted_on_other_terms():
    bill = yearly_bills(PER_FIRM, DALSEONG, date(2026, 3, 2), date(2031, 3, 2))[0]
    with pytest.raises(ValueError, match="not quoted with this amount"):
        refund_on_repayment(D(20_000_000), DALSEONG, bill, date(2026, 9, 1))
    with pytest.raises(ValueError, match="not quoted with this amount"):
        refund_on_repayment(PER_FIRM, FeeRates(D("0.008")), bill, date(2026, 9, 1))


# --- properties --------------------------------------------------------------------------------------------------

# Small amounts too: that is where rounding shows (a fee of a few tens of won), and where the refund's cap bites.
amounts = st.one_of(st.integers(min_value=1, max_value=100_000), st.integers(min_value=1, max_value=10**15)).map(D)
days_ = st.integers(min_value=1, max_value=3 * 366)
starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
roundings = st.builds(Rounding, st.sampled_from([1, 10, 100]), st.sampled_from(["floor", "ceil", "half_up"]))


@st.composite
def fee_rates(draw: st.DrawFn) -> FeeRates:
    """A fee rate of 0 to 3 % in steps of 0.01 %p, and a city rate between 0 and it."""
    fee_bp = draw(st.integers(min_value=0, max_value=300))
    city_bp = draw(st.integers(min_value=0, max_value=fee_bp))
    return FeeRates(D(fee_bp) / 10_000, D(city_bp) / 10_000)


@given(amounts, fee_rates(), starts, days_, roundings)
def test_a_quote_is_the_exact_arithmetic_rounded_and_its_parts_add_up(amount, rates, start, days, rounding):
    quote = quote_fee(amount, rates, start, start + timedelta(days=days), rounding=rounding)
    expected = ref_quote(
        int(amount), Fraction(rates.fee_rate), Fraction(rates.city_rate), days, rounding.unit, rounding.mode
    )
    assert split(quote) == expected
    assert quote.city_share + quote.enterprise_share == quote.fee
    assert min(quote.fee, quote.city_share, quote.enterprise_share) >= 0
    assert all(part % rounding.unit == 0 for part in (quote.fee, quote.city_share, quote.enterprise_share))


@given(amounts, fee_rates(), starts, days_, days_, roundings)
def test_the_fee_and_the_city_share_never_fall_as_the_days_grow(amount, rates, start, a, b, rounding):
    shorter, longer = sorted((a, b))
    q1 = quote_fee(amount, rates, start, start + timedelta(days=shorter), rounding=rounding)
    q2 = quote_fee(amount, rates, start, start + timedelta(days=longer), rounding=rounding)
    assert q1.fee <= q2.fee
    assert q1.city_share <= q2.city_share


@given(amounts, fee_rates(), starts, st.integers(min_value=1, max_value=12 * 366), roundings)
def test_yearly_bills_cover_the_whole_guarantee_without_gap_or_overlap(amount, rates, start, span, rounding):
    maturity = start + timedelta(days=span)
    bills = yearly_bills(amount, rates, start, maturity, rounding=rounding)
    assert bills[0].period_start == start
    assert bills[-1].period_end == maturity
    assert [b.year for b in bills] == list(range(1, len(bills) + 1))
    for before, after in itertools.pairwise(bills):
        assert before.period_end == after.period_start
    for bill in bills[:-1]:  # every year but the last ends on an anniversary and is a full year
        assert bill.period_end == anniversary(start, bill.year)
        assert bill.days in (365, 366)
    assert 0 < bills[-1].days <= 366
    assert bills[-1].period_end <= anniversary(start, len(bills))
    assert sum(b.days for b in bills) == span
    for bill in bills:
        assert bill.days == (bill.period_end - bill.period_start).days
        assert bill.quote == quote_fee(amount, rates, bill.period_start, bill.period_end, rounding=rounding)


@given(amounts, fee_rates(), starts, st.integers(min_value=1, max_value=6 * 366), st.data(), roundings)
def test_a_refund_never_exceeds_what_each_payer_was_billed(amount, rates, start, span, data, rounding):
    bills = yearly_bills(amount, rates, start, start + timedelta(days=span), rounding=rounding)
    bill = data.draw(st.sampled_from(bills))
    repaid_on = bill.period_start + timedelta(days=data.draw(st.integers(min_value=0, max_value=bill.days)))
    refund = refund_on_repayment(amount, rates, bill, repaid_on, rounding=rounding)
    assert refund.days == (bill.period_end - repaid_on).days
    assert 0 <= refund.city_share <= bill.quote.city_share
    assert 0 <= refund.enterprise_share <= bill.quote.enterprise_share
    assert refund.city_share + refund.enterprise_share == refund.fee <= bill.quote.fee
    if refund.days == 0:
        assert split(refund) == (0, 0, 0, 0)
    else:
        fresh = quote_fee(amount, rates, start, start + timedelta(days=refund.days), rounding=rounding)
        # The city gets the fresh quote's share; the cap withholds at most one rounding unit from the enterprise.
        assert refund.city_share == fresh.city_share
        assert 0 <= fresh.enterprise_share - refund.enterprise_share <= rounding.unit


@given(
    st.integers(min_value=0, max_value=10**12).map(D),
    st.integers(min_value=0, max_value=2000).map(lambda bp: D(bp) / 10_000),
    starts,
    st.integers(min_value=-400, max_value=3 * 366),
    st.integers(min_value=0, max_value=400),
    roundings,
)
def test_a_late_fee_is_the_exact_simple_interest_rounded_and_grows_with_the_days(
    unpaid, rate, due_on, late, more, rounding
):
    fee = late_fee(unpaid, due_on, due_on + timedelta(days=late), annual_rate=rate, rounding=rounding)
    exact = Fraction(int(unpaid)) * Fraction(rate) * max(late, 0) / 365
    assert fee == ref_round(exact, rounding.unit, rounding.mode)
    assert fee >= 0
    later = late_fee(unpaid, due_on, due_on + timedelta(days=late + more), annual_rate=rate, rounding=rounding)
    assert later >= fee
