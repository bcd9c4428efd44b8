"""``funds.schedules`` against figures worked out without it.

Three independent sources of truth: a small reference implementation below, written from the textbook formulas in
exact ``Fraction`` arithmetic (it imports nothing from the engine but its enums); rows written out in full, which a
reader can check with a calculator; and hypothesis properties that must hold for any loan. No database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.engines.schedules import DayCount, Method, Rounding, Schedule, Terms, build_schedule, due_dates

EP, EPR, BULLET = Method.EQUAL_PAYMENT, Method.EQUAL_PRINCIPAL, Method.BULLET
MONTHLY, ACTUAL = DayCount.MONTHLY, DayCount.ACTUAL_365
MODES = ("floor", "ceil", "half_up")

# --- the reference implementation --------------------------------------------------------------------------------


def ref_round(exact: Fraction, unit: int, mode: str) -> int:
    """A non-negative exact amount to a multiple of ``unit``: floor (절사), ceil (절상) or half up (반올림)."""
    steps = exact / unit
    if mode == "floor":
        return math.floor(steps) * unit
    if mode == "ceil":
        return math.ceil(steps) * unit
    return math.floor(steps + Fraction(1, 2)) * unit


def ref_add_months(start: date, months: int) -> date:
    """Same day of month ``months`` later, or that month's last day if it is shorter."""
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    month += 1
    first_of_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date(year, month, min(start.day, (first_of_next - timedelta(days=1)).day))


def ref_interest(balance: int, annual_rate: Fraction, day_count: str, days: int) -> Fraction:
    """Exact interest for one period: balance x rate / 12, or balance x rate x days / 365."""
    if day_count == MONTHLY:
        return balance * annual_rate / 12
    return balance * annual_rate * days / 365


def ref_level(method: str, principal: int, annual_rate: Fraction, count: int) -> Fraction:
    """Exact level amount: A = P r / (1 - (1 + r)^-n), r = rate / 12 (equal payment), or P / n (equal principal)."""
    r = annual_rate / 12
    if method == EPR or r == 0:
        return Fraction(principal, count)
    return principal * r / (1 - (1 + r) ** -count)


@dataclass(frozen=True)
class Row:
    number: int
    due_on: date
    principal: int
    interest: int
    balance_after: int

    @property
    def total(self) -> int:
        return self.principal + self.interest


def ref_rows(
    principal: int,
    rate: Fraction,
    term: int,
    grace: int,
    method: str,
    day_count: str,
    disbursed_on: date,
    unit: int,
    mode: str,
    level: int,
) -> list[Row] | None:
    """The rows with this (rounded) level amount, or None if it would repay everything before the last row."""
    rows, previous, remaining = [], disbursed_on, principal
    for number in range(1, term + 1):
        due_on = ref_add_months(disbursed_on, number)
        interest = ref_round(ref_interest(remaining, rate, day_count, (due_on - previous).days), unit, mode)
        if number == term:
            paid = remaining  # the last row takes whatever principal is left
        elif number <= grace or method == BULLET:
            paid = 0
        elif method == EP:
            paid = max(level - interest, 0)
        else:
            paid = level
        if paid > remaining:
            return None
        remaining -= paid
        rows.append(Row(number, due_on, paid, interest, remaining))
        previous = due_on
    return rows


def reference_schedule(
    principal: int,
    rate: str | Decimal,
    term: int,
    grace: int,
    method: str,
    day_count: str,
    disbursed_on: date,
    unit: int = 1,
    mode: str = "floor",
) -> list[Row]:
    """The whole schedule. The level amount is rounded by the rule; should that repay the principal before the last
    row (a rounded-up payment, or interest rounded to nothing on a tiny balance), the next lower multiple of the
    unit is tried, and so on."""
    exact_rate = Fraction(rate)
    level = 0
    if method != BULLET:
        level = ref_round(ref_level(method, principal, exact_rate, term - grace), unit, mode)
    while (
        rows := ref_rows(principal, exact_rate, term, grace, method, day_count, disbursed_on, unit, mode, level)
    ) is None:
        level -= unit
    return rows


# --- helpers ------------------------------------------------------------------------------------------------------


def won(amount: Decimal) -> int:
    assert amount == amount.to_integral_value(), f"{amount} is not a whole number of won"
    return int(amount)


def engine_rows(schedule: Schedule) -> list[Row]:
    return [
        Row(i.number, i.due_on, won(i.principal), won(i.interest), won(i.balance_after)) for i in schedule.installments
    ]


def loan(
    principal: int,
    rate: str,
    term: int,
    grace: int,
    method: Method,
    day_count: DayCount,
    disbursed_on: date,
    unit: int = 1,
    mode: str = "floor",
) -> Schedule:
    return build_schedule(
        Terms(
            principal=Decimal(principal),
            annual_rate=Decimal(rate),
            term_months=term,
            grace_months=grace,
            method=method,
            day_count=day_count,
            disbursed_on=disbursed_on,
            rounding=Rounding(unit, mode),
        )
    )


def reference_for(terms: Terms) -> list[Row]:
    return reference_schedule(
        int(terms.principal),
        terms.annual_rate,
        terms.term_months,
        terms.grace_months,
        terms.method,
        terms.day_count,
        terms.disbursed_on,
        terms.rounding.unit,
        terms.rounding.mode,
    )


def as_written(rows: list[Row], numbers: set[int] | None = None) -> list[tuple[int, date, int, int, int]]:
    return [
        (r.number, r.due_on, r.principal, r.interest, r.total) for r in rows if numbers is None or r.number in numbers
    ]


# --- known answers: rows written out, to check with a calculator ------------------------------------------------

# 12,000,000 at 2 %, 12 months, monthly day count, 10-won floor, disbursed 15 Jan 2026.
# Level payment 12,000,000 x (0.02/12) / (1 - (1 + 0.02/12)^-12) = 1,010,866.41 -> 1,010,860.
# Interest = balance before x 0.02 / 12, floored to 10 won: 12,000,000 -> 20,000; 11,009,140 -> 18,348.57 -> 18,340.
EQUAL_PAYMENT_12M = [
    (1, date(2026, 2, 15), 990_860, 20_000, 1_010_860),
    (2, date(2026, 3, 15), 992_520, 18_340, 1_010_860),
    (3, date(2026, 4, 15), 994_170, 16_690, 1_010_860),
    (4, date(2026, 5, 15), 995_830, 15_030, 1_010_860),
    (5, date(2026, 6, 15), 997_490, 13_370, 1_010_860),
    (6, date(2026, 7, 15), 999_150, 11_710, 1_010_860),
    (7, date(2026, 8, 15), 1_000_820, 10_040, 1_010_860),
    (8, date(2026, 9, 15), 1_002_480, 8_380, 1_010_860),
    (9, date(2026, 10, 15), 1_004_150, 6_710, 1_010_860),
    (10, date(2026, 11, 15), 1_005_830, 5_030, 1_010_860),
    (11, date(2026, 12, 15), 1_007_500, 3_360, 1_010_860),
    (12, date(2027, 1, 15), 1_009_200, 1_680, 1_010_880),  # the remaining 1,009,200 and 1,009,200 x 0.02/12 = 1,682
]

# Same loan, equal principal: 1,000,000 a month; interest on 12,000,000, 11,000,000, ... x 0.02/12, floored to 10.
EQUAL_PRINCIPAL_12M = [
    (1, date(2026, 2, 15), 1_000_000, 20_000, 1_020_000),
    (2, date(2026, 3, 15), 1_000_000, 18_330, 1_018_330),  # 18,333.33
    (3, date(2026, 4, 15), 1_000_000, 16_660, 1_016_660),  # 16,666.67
    (4, date(2026, 5, 15), 1_000_000, 15_000, 1_015_000),
    (5, date(2026, 6, 15), 1_000_000, 13_330, 1_013_330),
    (6, date(2026, 7, 15), 1_000_000, 11_660, 1_011_660),
    (7, date(2026, 8, 15), 1_000_000, 10_000, 1_010_000),
    (8, date(2026, 9, 15), 1_000_000, 8_330, 1_008_330),
    (9, date(2026, 10, 15), 1_000_000, 6_660, 1_006_660),
    (10, date(2026, 11, 15), 1_000_000, 5_000, 1_005_000),
    (11, date(2026, 12, 15), 1_000_000, 3_330, 1_003_330),
    (12, date(2027, 1, 15), 1_000_000, 1_660, 1_001_660),
]

# Same principal as a bullet, actual/365, disbursed 31 Jan 2026 (so the due dates clamp to month ends).
# 12,000,000 x 0.02 x days / 365: 28 days 18,410.96; 30 days 19,726.03; 31 days 20,383.56; floored to 10 won.
BULLET_12M_ACTUAL = [
    (1, date(2026, 2, 28), 0, 18_410, 18_410),
    (2, date(2026, 3, 31), 0, 20_380, 20_380),
    (3, date(2026, 4, 30), 0, 19_720, 19_720),
    (4, date(2026, 5, 31), 0, 20_380, 20_380),
    (5, date(2026, 6, 30), 0, 19_720, 19_720),
    (6, date(2026, 7, 31), 0, 20_380, 20_380),
    (7, date(2026, 8, 31), 0, 20_380, 20_380),
    (8, date(2026, 9, 30), 0, 19_720, 19_720),
    (9, date(2026, 10, 31), 0, 20_380, 20_380),
    (10, date(2026, 11, 30), 0, 19_720, 19_720),
    (11, date(2026, 12, 31), 0, 20_380, 20_380),
    (12, date(2027, 1, 31), 12_000_000, 20_380, 12_020_380),
]

# Equal payment with actual/365: the payment is still 1,010,860 (from rate / 12); principal = payment - the
# period's actual interest. 12,000,000 x 0.02 x 28/365 = 18,410.96; 11,007,550 x 0.02 x 31/365 = 18,697.76.
EQUAL_PAYMENT_12M_ACTUAL_SOME = [
    (1, date(2026, 2, 28), 992_450, 18_410, 1_010_860),
    (2, date(2026, 3, 31), 992_170, 18_690, 1_010_860),
    (3, date(2026, 4, 30), 994_400, 16_460, 1_010_860),  # 10,015,380 x 0.02 x 30/365 = 16,463.64
    (11, date(2026, 12, 31), 1_007_440, 3_420, 1_010_860),
    (12, date(2027, 1, 31), 1_008_250, 1_710, 1_009_960),  # 1,008,250 x 0.02 x 31/365 = 1,712.65
]

# 30,000,000 at 3 %, 36 months, 6 months' grace, monthly, 10-won floor, disbursed 10 Mar 2026.
# Grace interest 30,000,000 x 0.0025 = 75,000. Then 30 level payments of 30,000,000 x 0.0025 / (1 - 1.0025^-30)
# = 1,039,217.60 -> 1,039,210. Installment 8: 29,035,790 x 0.0025 = 72,589.48 -> 72,580.
EQUAL_PAYMENT_GRACE_SOME = [
    (1, date(2026, 4, 10), 0, 75_000, 75_000),
    (6, date(2026, 9, 10), 0, 75_000, 75_000),
    (7, date(2026, 10, 10), 964_210, 75_000, 1_039_210),
    (8, date(2026, 11, 10), 966_630, 72_580, 1_039_210),
    (35, date(2029, 2, 10), 1_034_040, 5_170, 1_039_210),
    (36, date(2029, 3, 10), 1_036_710, 2_590, 1_039_300),  # 1,036,710 x 0.0025 = 2,591.78
]

# 50,000,000 at 2.5 %, 60 months, 12 months' grace, equal principal, actual/365, 1-won floor, disbursed 31 Jan 2026.
# Principal part 50,000,000 / 48 = 1,041,666.67 -> 1,041,666; the last takes 50,000,000 - 47 x 1,041,666 = 1,041,698.
# 50,000,000 x 0.025 x 28/365 = 95,890.41; x 31/365 = 106,164.38; 48,958,334 x 0.025 x 31/365 = 103,952.63;
# 1,041,698 x 0.025 x 31/365 = 2,211.83.
EQUAL_PRINCIPAL_GRACE_ACTUAL_SOME = [
    (1, date(2026, 2, 28), 0, 95_890, 95_890),
    (2, date(2026, 3, 31), 0, 106_164, 106_164),
    (12, date(2027, 1, 31), 0, 106_164, 106_164),
    (13, date(2027, 2, 28), 1_041_666, 95_890, 1_137_556),
    (14, date(2027, 3, 31), 1_041_666, 103_952, 1_145_618),
    (59, date(2030, 12, 31), 1_041_666, 4_423, 1_046_089),  # 2 x 1,041,666 + 32 = 2,083,364 x 0.025 x 31/365
    (60, date(2031, 1, 31), 1_041_698, 2_211, 1_043_909),
]

WRITTEN_OUT = [
    pytest.param((12_000_000, "0.02", 12, 0, EP, MONTHLY, date(2026, 1, 15), 10), None, EQUAL_PAYMENT_12M, id="ep-12m"),
    pytest.param(
        (12_000_000, "0.02", 12, 0, EPR, MONTHLY, date(2026, 1, 15), 10), None, EQUAL_PRINCIPAL_12M, id="epr-12m"
    ),
    pytest.param(
        (12_000_000, "0.02", 12, 0, BULLET, ACTUAL, date(2026, 1, 31), 10), None, BULLET_12M_ACTUAL, id="bullet-12m"
    ),
    pytest.param(
        (12_000_000, "0.02", 12, 0, EP, ACTUAL, date(2026, 1, 31), 10),
        {1, 2, 3, 11, 12},
        EQUAL_PAYMENT_12M_ACTUAL_SOME,
        id="ep-12m-actual",
    ),
    pytest.param(
        (30_000_000, "0.03", 36, 6, EP, MONTHLY, date(2026, 3, 10), 10),
        {1, 6, 7, 8, 35, 36},
        EQUAL_PAYMENT_GRACE_SOME,
        id="ep-36m-grace",
    ),
    pytest.param(
        (50_000_000, "0.025", 60, 12, EPR, ACTUAL, date(2026, 1, 31), 1),
        {1, 2, 12, 13, 14, 59, 60},
        EQUAL_PRINCIPAL_GRACE_ACTUAL_SOME,
        id="epr-60m-grace-actual",
    ),
]


@pytest.mark.parametrize(("args", "numbers", "expected"), WRITTEN_OUT)
def test_the_engine_gives_the_rows_written_out_by_hand(args, numbers, expected):
    assert as_written(engine_rows(loan(*args)), numbers) == expected


@pytest.mark.parametrize(("args", "numbers", "expected"), WRITTEN_OUT)
def test_the_reference_implementation_gives_the_same_rows_written_out_by_hand(args, numbers, expected):
    assert as_written(reference_schedule(*args), numbers) == expected


def test_the_totals_of_the_written_out_schedules_add_up():
    equal_payment = loan(12_000_000, "0.02", 12, 0, EP, MONTHLY, date(2026, 1, 15), 10)
    equal_principal = loan(12_000_000, "0.02", 12, 0, EPR, MONTHLY, date(2026, 1, 15), 10)
    bullet = loan(12_000_000, "0.02", 12, 0, BULLET, ACTUAL, date(2026, 1, 31), 10)

    assert (equal_payment.total_principal, equal_payment.total_interest) == (12_000_000, 130_340)
    assert equal_payment.total == 11 * 1_010_860 + 1_010_880
    assert (equal_principal.total_principal, equal_principal.total_interest) == (12_000_000, 129_960)
    assert bullet.total_interest == 18_410 + 7 * 20_380 + 4 * 19_720
    assert bullet.maturity_on == date(2027, 1, 31)


@pytest.mark.parametrize(
    ("unit", "mode", "payment"),
    [
        (1, "floor", 872_436),
        (10, "floor", 872_430),
        (1, "ceil", 872_437),
        (10, "ceil", 872_440),
        (1, "half_up", 872_436),
        (10, "half_up", 872_440),
    ],
)
def test_the_level_payment_is_rounded_by_the_products_rule(unit, mode, payment):
    # 30,000,000 x 0.0025 / (1 - 1.0025^-36) = 872,436.29. Rounding it up repays nothing early on a loan this size,
    # so a ceiling (절상) or half-up (반올림) rule must not fall back to the floor.
    schedule = loan(30_000_000, "0.03", 36, 0, EP, MONTHLY, date(2026, 3, 10), unit, mode)

    assert {i.total for i in schedule.installments[:-1]} == {payment}


def test_a_level_payment_that_would_repay_a_tiny_loan_early_is_lowered_by_a_unit():
    # 1,000 won at 10 % over 60 months, 10-won floor: the payment 21.25 -> 20, but interest on 1,000 won or less
    # floors to 0, so 20 a month would repay everything by month 50. 10 a month leaves 410 for the last.
    schedule = loan(1_000, "0.10", 60, 0, EP, MONTHLY, date(2026, 1, 15), 10)

    assert [(i.principal, i.interest) for i in schedule.installments[:-1]] == [(10, 0)] * 59
    assert (schedule.installments[-1].principal, schedule.installments[-1].interest) == (410, 0)


# --- known answers: the reference implementation, for every method, day count, grace and rounding rule ------------

KNOWN_LOANS = [
    (12_000_000, "0.02", 12, 0, date(2026, 1, 15)),
    (12_000_000, "0.02", 12, 0, date(2026, 1, 31)),
    (30_000_000, "0.03", 36, 6, date(2026, 3, 10)),
    (30_000_000, "0.03", 36, 0, date(2027, 8, 31)),
    (50_000_000, "0.025", 60, 12, date(2026, 1, 31)),
    (50_000_000, "0.025", 60, 0, date(2027, 12, 29)),
]
KNOWN_ANSWERS = [
    pytest.param(
        (principal, rate, term, grace, method, day_count, disbursed_on, unit, mode),
        id=f"{principal}-{rate}-{term}m-grace{grace}-{disbursed_on}-{method}-{day_count}-unit{unit}-{mode}",
    )
    for principal, rate, term, grace, disbursed_on in KNOWN_LOANS
    for method in Method
    if not (method == BULLET and grace)
    for day_count in DayCount
    for unit in (1, 10)
    for mode in MODES
]


@pytest.mark.parametrize("args", KNOWN_ANSWERS)
def test_the_engine_matches_the_reference_on_known_loans(args):
    assert engine_rows(loan(*args)) == reference_schedule(*args)


# --- due dates ----------------------------------------------------------------------------------------------------


def test_due_dates_from_the_31st_clamp_to_each_months_end_without_drifting():
    assert due_dates(date(2026, 1, 31), 12) == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
        date(2026, 7, 31),
        date(2026, 8, 31),
        date(2026, 9, 30),
        date(2026, 10, 31),
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 31),
    ]


def test_due_dates_in_a_leap_year_fall_on_29_february():
    assert due_dates(date(2028, 1, 31), 2) == [date(2028, 2, 29), date(2028, 3, 31)]
    assert due_dates(date(2028, 1, 29), 1) == [date(2028, 2, 29)]
    assert due_dates(date(2027, 1, 29), 2) == [date(2027, 2, 28), date(2027, 3, 29)]


def test_a_loan_disbursed_on_the_15th_falls_due_on_the_15th():
    assert [d.day for d in due_dates(date(2026, 1, 15), 24)] == [15] * 24


def test_a_12_month_schedule_matures_a_year_after_disbursement():
    assert loan(12_000_000, "0.02", 12, 0, EP, MONTHLY, date(2026, 1, 31)).maturity_on == date(2027, 1, 31)
    assert loan(12_000_000, "0.02", 12, 0, EP, MONTHLY, date(2026, 3, 15)).maturity_on == date(2027, 3, 15)
    # Disbursed on a leap day: matures on 28 February, and the months in between keep the 29th.
    leap = loan(12_000_000, "0.02", 12, 0, EP, ACTUAL, date(2028, 2, 29))
    assert leap.maturity_on == date(2029, 2, 28)
    assert leap.installments[0].due_on == date(2028, 3, 29)


def test_each_period_runs_from_the_previous_due_date_and_counts_its_days():
    schedule = loan(12_000_000, "0.02", 4, 0, EP, ACTUAL, date(2026, 1, 31))

    assert [(i.period_start, i.due_on, i.days) for i in schedule.installments] == [
        (date(2026, 1, 31), date(2026, 2, 28), 28),
        (date(2026, 2, 28), date(2026, 3, 31), 31),
        (date(2026, 3, 31), date(2026, 4, 30), 30),
        (date(2026, 4, 30), date(2026, 5, 31), 31),
    ]


# --- properties -----------------------------------------------------------------------------------------------------


@st.composite
def any_terms(draw) -> Terms:
    method = draw(st.sampled_from(Method))
    term = draw(st.integers(1, 120))
    return Terms(
        # Tiny loans are where rounding bites, so they are drawn often.
        principal=Decimal(draw(st.one_of(st.integers(1, 100_000), st.integers(1, 10**12)))),
        annual_rate=Decimal(draw(st.integers(0, 20_000))) / 100_000,  # 0 to 20 %, in steps of 0.001 %
        term_months=term,
        grace_months=0 if method == BULLET else draw(st.integers(0, term - 1)),
        method=method,
        day_count=draw(st.sampled_from(DayCount)),
        disbursed_on=draw(st.dates(date(2000, 1, 1), date(2060, 12, 31))),
        rounding=Rounding(draw(st.sampled_from([1, 10])), draw(st.sampled_from(MODES))),
    )


PROPERTY = settings(max_examples=300, deadline=None)


@PROPERTY
@given(any_terms())
def test_the_engine_matches_the_reference_for_any_loan(terms):
    assert engine_rows(build_schedule(terms)) == reference_for(terms)


@PROPERTY
@given(any_terms())
def test_the_principal_parts_add_up_exactly_to_the_principal(terms):
    schedule = build_schedule(terms)

    assert sum(i.principal for i in schedule.installments) == terms.principal
    assert schedule.total_principal == terms.principal
    assert len(schedule.installments) == terms.term_months


@PROPERTY
@given(any_terms())
def test_no_amount_is_negative(terms):
    for i in build_schedule(terms).installments:
        assert i.principal >= 0
        assert i.interest >= 0
        assert i.balance_after >= 0


@PROPERTY
@given(any_terms())
def test_the_balance_falls_by_each_principal_part_to_exactly_zero(terms):
    before = terms.principal
    for i in build_schedule(terms).installments:
        assert i.balance_after == before - i.principal
        assert i.balance_after <= before
        before = i.balance_after
    assert before == 0


@PROPERTY
@given(any_terms())
def test_equal_payments_are_equal_after_the_grace_months_except_the_last(terms):
    if terms.method != EP or terms.day_count != MONTHLY:
        return
    amortizing = build_schedule(terms).installments[terms.grace_months : -1]

    assert len({i.total for i in amortizing}) <= 1


@PROPERTY
@given(any_terms())
def test_equal_principal_parts_are_equal_after_the_grace_months_except_the_last(terms):
    if terms.method != EPR:
        return
    amortizing = build_schedule(terms).installments[terms.grace_months : -1]

    assert len({i.principal for i in amortizing}) <= 1


@PROPERTY
@given(any_terms())
def test_grace_months_pay_interest_only(terms):
    schedule = build_schedule(terms)

    for i in schedule.installments[: terms.grace_months]:
        assert i.principal == 0
        assert i.balance_after == terms.principal


@PROPERTY
@given(any_terms())
def test_a_bullet_loan_repays_all_its_principal_at_maturity(terms):
    if terms.method != BULLET:
        return
    *before, last = build_schedule(terms).installments

    assert all(i.principal == 0 for i in before)
    assert last.principal == terms.principal


@PROPERTY
@given(any_terms())
def test_every_amount_is_a_multiple_of_the_rounding_unit_but_the_last_principal(terms):
    unit = terms.rounding.unit
    *before, last = build_schedule(terms).installments

    assert all(i.principal % unit == 0 and i.interest % unit == 0 for i in before)
    assert last.interest % unit == 0
    assert last.principal == last.principal.to_integral_value()


@PROPERTY
@given(any_terms())
def test_each_interest_is_the_rounded_exact_interest_on_the_balance_before_it(terms):
    rate, unit, mode = Fraction(terms.annual_rate), terms.rounding.unit, terms.rounding.mode
    balance, previous = int(terms.principal), terms.disbursed_on
    for i in build_schedule(terms).installments:
        days = (i.due_on - previous).days
        assert i.interest == ref_round(ref_interest(balance, rate, terms.day_count, days), unit, mode)
        balance, previous = int(i.balance_after), i.due_on


@PROPERTY
@given(st.dates(date(2000, 1, 1), date(2060, 12, 31)), st.integers(1, 120))
def test_due_dates_keep_the_disbursement_day_clamped_to_the_months_end(disbursed_on, count):
    dates = due_dates(disbursed_on, count)

    assert dates == [ref_add_months(disbursed_on, n) for n in range(1, count + 1)]
    assert all(earlier < later for earlier, later in zip([disbursed_on, *dates], dates, strict=False))


# --- terms that are refused ---------------------------------------------------------------------------------------


def valid(**changes) -> dict:
    return {
        "principal": Decimal(12_000_000),
        "annual_rate": Decimal("0.02"),
        "term_months": 12,
        "grace_months": 0,
        "method": EP,
        "day_count": MONTHLY,
        "disbursed_on": date(2026, 1, 15),
    } | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"principal": Decimal(0)}, "principal"),
        ({"principal": Decimal(-1)}, "principal"),
        ({"principal": Decimal("1000.5")}, "principal"),
        ({"principal": Decimal("0.1")}, "principal"),
        ({"principal": Decimal("Infinity")}, "principal"),
        ({"principal": Decimal("NaN")}, "principal"),
        ({"annual_rate": Decimal("-0.0001")}, "annual_rate"),
        ({"term_months": 0}, "term_months"),
        ({"term_months": -12}, "term_months"),
        ({"grace_months": 12}, "grace_months"),
        ({"grace_months": 13}, "grace_months"),
        ({"grace_months": -1}, "grace_months"),
        ({"method": BULLET, "grace_months": 1}, "bullet"),
    ],
)
def test_invalid_terms_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        Terms(**valid(**changes))


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"principal": Decimal(1)},
        {"principal": Decimal("1000.000")},
        {"annual_rate": Decimal(0)},
        {"term_months": 1},
        {"grace_months": 11},
        {"method": BULLET},
    ],
)
def test_boundary_terms_are_accepted(changes):
    Terms(**valid(**changes))
