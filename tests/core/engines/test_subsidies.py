"""``core.engines.subsidies``: interest subsidies (이차보전) on guaranteed loans, with no database and no clock.

Expected figures are worked out by hand in each test's comments from the rules (days in both the half-open period
and the half-open window; balance x min(subsidy rate, loan rate) / 365 a day, actual/365 in leap years too; rounded
once per guarantee by the program's rule, 10 won floor by default), not read from the engine. Hypothesis properties
then check the engine against a day-by-day reference and what must hold for any loan.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.engines.rounding import Rounding
from core.engines.subsidies import DEFAULT_ROUNDING, GuaranteedLoan, Subsidy, subsidy, subsidy_run, won_days

D = Decimal
ONE_DAY = timedelta(days=1)
HUNDRED_M = D(100_000_000)


def loan(balances, *, key="g1", loan_rate="0.045", subsidy_rate="0.02", window_start=date(2020, 1, 1),
         window_end=date(2030, 1, 1)) -> GuaranteedLoan:
    return GuaranteedLoan(key=key, balances=tuple((on, D(balance)) for on, balance in balances),
                          loan_rate=D(loan_rate), subsidy_rate=D(subsidy_rate), window_start=window_start,
                          window_end=window_end)


def april(g: GuaranteedLoan, rounding: Rounding = DEFAULT_ROUNDING) -> Subsidy:
    """April 2025: [1 April, 1 May), 30 days."""
    return subsidy(g, period_start=date(2025, 4, 1), period_end=date(2025, 5, 1), rounding=rounding)


CONSTANT = [(date(2025, 1, 10), HUNDRED_M)]  # 100,000,000 drawn on 10 January 2025 and not repaid


# --- known answers -----------------------------------------------------------------------------------------------


def test_a_constant_balance_for_thirty_days_at_two_points():
    # 100,000,000 x 0.02 x 30 / 365 = 60,000,000 / 365 = 164,383.5616... -> 164,380 (10 won floor)
    result = april(loan(CONSTANT))
    assert result.days == 30
    assert result.won_days == 3_000_000_000
    assert result.rate == D("0.02")
    assert D("164383.56") < result.exact < D("164383.57")
    assert result.amount == 164_380
    assert D("3.56") < result.dropped < D("3.57")


def test_the_program_may_round_to_the_won_half_up():
    # the same 164,383.56... -> 164,384 to the won, half up
    assert april(loan(CONSTANT), Rounding(1, "half_up")).amount == 164_384


def test_an_amortising_balance_is_summed_over_its_two_segments():
    # January 2025, [1 January, 1 February): 100,000,000 from 1 January, 40,000,000 repaid on 16 January.
    # 1-15 January: 15 days x 100,000,000 = 1,500,000,000; 16-31 January: 16 days x 60,000,000 = 960,000,000.
    # 2,460,000,000 x 0.02 / 365 = 49,200,000 / 365 = 134,794.52... -> 134,790
    g = loan([(date(2025, 1, 1), 100_000_000), (date(2025, 1, 16), 60_000_000)])
    result = subsidy(g, period_start=date(2025, 1, 1), period_end=date(2025, 2, 1))
    assert (result.days, result.won_days, result.amount) == (31, 2_460_000_000, 134_790)


def test_the_repayment_day_earns_on_the_new_balance_and_the_drawing_day_on_the_loan():
    # Drawn on 11 April: 1-10 April count (in the window) at a zero balance; 11-30 April, 20 days x 100,000,000.
    # 2,000,000,000 x 0.02 / 365 = 40,000,000 / 365 = 109,589.04... -> 109,580
    result = april(loan([(date(2025, 4, 11), 100_000_000)]))
    assert (result.days, result.won_days, result.amount) == (30, 2_000_000_000, 109_580)
    # Repaid in full on 21 April: 1-20 April, 20 days; 21 April earns nothing. Same figures.
    result = april(loan([(date(2025, 1, 1), 100_000_000), (date(2025, 4, 21), 0)]))
    assert (result.won_days, result.amount) == (2_000_000_000, 109_580)


def test_a_window_starting_and_ending_inside_the_period_counts_only_its_days():
    # window [11 April, 21 April): 11-20 April, 10 days. 100,000,000 x 0.02 x 10 / 365 = 54,794.52... -> 54,790
    result = april(loan(CONSTANT, window_start=date(2025, 4, 11), window_end=date(2025, 4, 21)))
    assert (result.days, result.won_days, result.amount) == (10, 1_000_000_000, 54_790)


def test_a_window_starting_inside_the_period_counts_from_its_first_day():
    # window [21 April 2025, 21 April 2027): 21-30 April, 10 days -> 54,790 as above
    result = april(loan(CONSTANT, window_start=date(2025, 4, 21), window_end=date(2027, 4, 21)))
    assert (result.days, result.amount) == (10, 54_790)


def test_a_window_ending_inside_the_period_stops_the_day_before_its_end():
    # window [11 April 2023, 11 April 2025): 1-10 April, 10 days -> 54,790; 11 April is not subsidised
    result = april(loan(CONSTANT, window_start=date(2023, 4, 11), window_end=date(2025, 4, 11)))
    assert (result.days, result.amount) == (10, 54_790)


def test_a_subsidy_above_the_loans_rate_pays_the_loans_rate():
    # 3 %p on a 2.5 % loan pays 2.5 %: 100,000,000 x 0.025 x 30 / 365 = 75,000,000 / 365 = 205,479.45... -> 205,470
    result = april(loan(CONSTANT, loan_rate="0.025", subsidy_rate="0.03"))
    assert (result.rate, result.amount) == (D("0.025"), 205_470)


def test_a_period_wholly_outside_the_window_pays_nothing():
    before = april(loan(CONSTANT, window_start=date(2025, 5, 1), window_end=date(2027, 5, 1)))
    after = april(loan(CONSTANT, window_start=date(2023, 1, 1), window_end=date(2025, 4, 1)))
    for result in (before, after):
        assert (result.days, result.won_days, result.exact, result.amount) == (0, 0, 0, 0)


def test_a_period_before_the_loan_is_drawn_pays_nothing_for_its_days():
    result = april(loan([(date(2025, 6, 1), 100_000_000)]))
    assert (result.days, result.won_days, result.amount) == (30, 0, 0)


def test_a_leap_february_has_twenty_nine_days_over_365():
    # [1 February 2024, 1 March 2024): 29 days. 100,000,000 x 0.02 x 29 / 365 = 58,000,000 / 365 = 158,904.10...
    # -> 158,900
    g = loan([(date(2024, 1, 1), 100_000_000)])
    result = subsidy(g, period_start=date(2024, 2, 1), period_end=date(2024, 3, 1))
    assert (result.days, result.amount) == (29, 158_900)


def test_a_leap_year_has_366_days_over_365():
    # [1 January 2024, 1 January 2025): 366 days. 100,000,000 x 0.02 x 366 / 365 = 732,000,000 / 365
    # = 2,005,479.45... -> 2,005,470 (more than the 2,000,000 of a 2 % year: the day count is actual/365)
    g = loan([(date(2024, 1, 1), 100_000_000)])
    result = subsidy(g, period_start=date(2024, 1, 1), period_end=date(2025, 1, 1))
    assert (result.days, result.amount) == (366, 2_005_470)


DALSEO = loan([(date(2025, 3, 1), 30_000_000)], key="dalseo", loan_rate="0.05", subsidy_rate="0.030",
              window_start=date(2025, 3, 1), window_end=date(2026, 3, 1))


def test_dalseo_gus_three_points_for_one_year_in_one_run():
    # 30,000,000 at 3.0 %p from 1 March 2025 for a year, [1 March 2025, 1 March 2026): 365 days (no 29 February).
    # 30,000,000 x 0.03 x 365 / 365 = 900,000 exactly.
    result = subsidy(DALSEO, period_start=date(2025, 1, 1), period_end=date(2027, 1, 1))
    assert (result.days, result.exact, result.amount) == (365, 900_000, 900_000)


def test_dalseo_gus_year_in_monthly_runs_each_rounded_on_its_own():
    # A day: 30,000,000 x 0.03 / 365 = 900,000 / 365 = 2,465.7534... won.
    # 31 days: 76,438.35... -> 76,430; 30 days: 73,972.60... -> 73,970; 28 days: 69,041.09... -> 69,040.
    # March-February: seven months of 31 days, four of 30, one of 28:
    # 7 x 76,430 + 4 x 73,970 + 69,040 = 535,010 + 295,880 + 69,040 = 899,930 (70 won dropped by twelve floors).
    starts = [date(2025, month, 1) for month in range(3, 13)] + [date(2026, 1, 1), date(2026, 2, 1)]
    ends = [*starts[1:], date(2026, 3, 1)]
    amounts = [subsidy(DALSEO, period_start=s, period_end=e).amount for s, e in zip(starts, ends, strict=True)]
    assert amounts == [76_430, 73_970, 76_430, 73_970, 76_430, 76_430, 73_970, 76_430, 73_970, 76_430, 76_430,
                       69_040]
    assert sum(amounts) == 899_930
    # The month after the window: nothing.
    assert subsidy(DALSEO, period_start=date(2026, 3, 1), period_end=date(2026, 4, 1)).amount == 0


def test_a_run_rounds_each_guarantee_and_totals_the_rounded_amounts():
    # April 2025: the 30-day 164,380 above (164,383.56...) and 54,790 for the 10-day window (54,794.52...) -> 219,170;
    # exact 60,000,000 / 365 + 20,000,000 / 365 = 80,000,000 / 365 = 219,178.08...; 8.08... dropped.
    loans = [loan(CONSTANT, key=1),
             loan(CONSTANT, key=2, window_start=date(2025, 4, 11), window_end=date(2025, 4, 21)),
             loan(CONSTANT, key=3, window_start=date(2025, 5, 1), window_end=date(2027, 5, 1))]
    run = subsidy_run(loans, period_start=date(2025, 4, 1), period_end=date(2025, 5, 1))
    assert [(r.key, r.amount) for r in run.results] == [(1, 164_380), (2, 54_790), (3, 0)]
    assert run.total == 219_170
    assert D("219178.08") < run.total_exact < D("219178.09")
    assert D("8.08") < run.dropped < D("8.09")


def test_an_empty_run_pays_nothing():
    run = subsidy_run([], period_start=date(2025, 4, 1), period_end=date(2025, 5, 1))
    assert (run.results, run.total, run.total_exact) == ((), 0, 0)


def test_a_run_of_ten_thousand_guarantees_with_many_balance_changes():
    # 10,000 loans of 30,000,000 drawn on 1 January 2025, each repaying 500,000 on the 1st of each month for five
    # years (60 changes), run for April 2027 (30 days). On 1 April 2027 each has repaid 27 times: 16,500,000 left.
    # A loan: 16,500,000 x 0.02 x 30 / 365 = 9,900,000 / 365 = 27,123.28... -> 27,120; the run: 271,200,000.
    starts = [date(2025 + (m // 12), m % 12 + 1, 1) for m in range(61)]
    balances = tuple((on, D(30_000_000 - 500_000 * n)) for n, on in enumerate(starts))
    loans = [GuaranteedLoan(key=n, balances=balances, loan_rate=D("0.045"), subsidy_rate=D("0.02"),
                            window_start=date(2025, 1, 1), window_end=date(2030, 1, 1)) for n in range(10_000)]
    run = subsidy_run(loans, period_start=date(2027, 4, 1), period_end=date(2027, 5, 1))
    assert len(run.results) == 10_000
    assert {r.amount for r in run.results} == {27_120}
    assert run.total == 271_200_000


# --- errors ------------------------------------------------------------------------------------------------------


def test_balance_changes_out_of_order_or_on_the_same_day_are_refused():
    with pytest.raises(ValueError, match="increasing"):
        loan([(date(2025, 2, 1), 1), (date(2025, 1, 1), 2)])
    with pytest.raises(ValueError, match="increasing"):
        loan([(date(2025, 1, 1), 1), (date(2025, 1, 1), 2)])


@pytest.mark.parametrize("balance", ["-1", "0.5", "NaN", "Infinity"])
def test_a_negative_fractional_or_non_finite_balance_is_refused(balance):
    with pytest.raises(ValueError, match="whole"):
        loan([(date(2025, 1, 1), balance)])


def test_negative_rates_and_a_window_ending_before_it_starts_are_refused():
    with pytest.raises(ValueError, match="rates"):
        loan(CONSTANT, subsidy_rate="-0.01")
    with pytest.raises(ValueError, match="rates"):
        loan(CONSTANT, loan_rate="-0.01")
    with pytest.raises(ValueError, match="window"):
        loan(CONSTANT, window_start=date(2025, 2, 1), window_end=date(2025, 1, 31))


def test_a_period_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="period"):
        subsidy(loan(CONSTANT), period_start=date(2025, 5, 1), period_end=date(2025, 4, 30))
    with pytest.raises(ValueError, match="period"):
        subsidy_run([], period_start=date(2025, 5, 1), period_end=date(2025, 4, 30))


def test_a_guarantee_twice_in_one_run_is_refused():
    with pytest.raises(ValueError, match="twice"):
        subsidy_run([loan(CONSTANT, key=7), loan(CONSTANT, key=7)], period_start=date(2025, 4, 1),
                    period_end=date(2025, 5, 1))


def test_the_values_are_frozen():
    g = loan(CONSTANT)
    with pytest.raises(FrozenInstanceError):
        g.subsidy_rate = D("0.05")  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        april(g).amount = D(0)  # type: ignore[misc]


# --- properties --------------------------------------------------------------------------------------------------

BASE = date(2024, 1, 1)
day_offsets = st.integers(min_value=0, max_value=1200)
balances_strategy = st.lists(st.tuples(day_offsets, st.integers(min_value=0, max_value=10**10)),
                             max_size=8, unique_by=lambda change: change[0]).map(
    lambda changes: tuple((BASE + timedelta(days=offset), D(balance)) for offset, balance in sorted(changes)))
rates = st.decimals(min_value=0, max_value=D("0.2"), places=4)


@st.composite
def loans(draw):
    window = sorted([draw(day_offsets), draw(day_offsets)])
    return GuaranteedLoan(key="p", balances=draw(balances_strategy), loan_rate=draw(rates),
                          subsidy_rate=draw(rates), window_start=BASE + timedelta(days=window[0]),
                          window_end=BASE + timedelta(days=window[1]))


@st.composite
def periods(draw, count=2):
    """``count`` + 1 sorted dates: ``count`` adjacent periods."""
    offsets = sorted(draw(st.lists(st.integers(min_value=-30, max_value=1250), min_size=count + 1,
                                   max_size=count + 1)))
    return [BASE + timedelta(days=offset) for offset in offsets]


def reference_won_days(g: GuaranteedLoan, start: date, end: date) -> int:
    """Day by day: the balance of the last change on or before each day, for the days in the window."""
    total, day = 0, start
    while day < end:
        if g.window_start <= day < g.window_end:
            in_effect = [balance for on, balance in g.balances if on <= day]
            total += int(in_effect[-1]) if in_effect else 0
        day += ONE_DAY
    return total


@given(g=loans(), bounds=periods(1))
def test_the_segments_sum_to_the_day_by_day_reference(g, bounds):
    start, end = bounds
    result = subsidy(g, period_start=start, period_end=end)
    expected = reference_won_days(g, start, end)
    assert result.won_days == expected
    exact = Fraction(expected) * Fraction(min(g.subsidy_rate, g.loan_rate)) / 365
    assert abs(Fraction(result.exact) - exact) < Fraction(1, 10**30)
    assert result.amount == (exact // 10) * 10  # 10 won floor of the exact figure


@given(g=loans(), bounds=periods(1))
def test_a_subsidy_is_never_negative_nor_more_than_its_exact_figure(g, bounds):
    result = subsidy(g, period_start=bounds[0], period_end=bounds[1])
    assert 0 <= result.amount <= result.exact
    assert 0 <= result.dropped < 10
    assert 0 <= result.days <= (bounds[1] - bounds[0]).days


@given(g=loans(), bounds=periods(2))
def test_adjacent_periods_add_up_to_the_whole_before_rounding(g, bounds):
    first, middle, end = bounds
    a = subsidy(g, period_start=first, period_end=middle)
    b = subsidy(g, period_start=middle, period_end=end)
    whole = subsidy(g, period_start=first, period_end=end)
    assert a.won_days + b.won_days == whole.won_days
    assert a.days + b.days == whole.days
    # the exact figures are exact to 50 digits: their sum agrees with the whole's far below a won
    assert abs(Fraction(a.exact) + Fraction(b.exact) - Fraction(whole.exact)) < Fraction(1, 10**30)
    # rounded on their own (each floor drops less than 10), the two parts pay the whole's amount or 10 won less
    assert whole.amount - (a.amount + b.amount) in (0, 10)


@given(g=loans(), bounds=periods(1))
def test_nothing_is_paid_outside_the_window(g, bounds):
    start, end = bounds
    before = subsidy(g, period_start=min(start, g.window_start), period_end=min(end, g.window_start))
    after = subsidy(g, period_start=max(start, g.window_end), period_end=max(end, g.window_end))
    for result in (before, after):
        assert (result.days, result.won_days, result.amount) == (0, 0, 0)


@given(g=loans(), bounds=periods(1))
def test_the_subsidised_rate_is_the_smaller_one(g, bounds):
    result = subsidy(g, period_start=bounds[0], period_end=bounds[1])
    assert result.rate == min(g.subsidy_rate, g.loan_rate)


@given(gs=st.lists(loans(), max_size=6), bounds=periods(1))
def test_a_run_is_each_guarantees_subsidy_and_their_total(gs, bounds):
    gs = [GuaranteedLoan(key=n, balances=g.balances, loan_rate=g.loan_rate, subsidy_rate=g.subsidy_rate,
                         window_start=g.window_start, window_end=g.window_end) for n, g in enumerate(gs)]
    start, end = bounds
    run = subsidy_run(gs, period_start=start, period_end=end)
    singles = [subsidy(g, period_start=start, period_end=end) for g in gs]
    assert list(run.results) == singles
    assert run.total == sum((s.amount for s in singles), D(0))
    assert run.total <= run.total_exact


@given(balances=balances_strategy, first=day_offsets, span=st.integers(min_value=0, max_value=400))
def test_won_days_of_an_empty_or_any_span_matches_the_reference(balances, first, span):
    g = GuaranteedLoan(key="w", balances=balances, loan_rate=D(1), subsidy_rate=D(1), window_start=date(2000, 1, 1),
                       window_end=date(2100, 1, 1))
    start = BASE + timedelta(days=first)
    assert won_days(balances, start, start + timedelta(days=span)) == reference_won_days(
        g, start, start + timedelta(days=span))
