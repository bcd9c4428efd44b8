"""``core.engines.loans``: a term loan's servicing, day by day, with no database, no ledger and no clock.

States are built by hand from ``build_schedule``. Expected figures are worked out in each test's comments from the
contract's rules (interest recognised on its due date; default interest = overdue principal x default rate / 365 a
day, the part of a won carried; two consecutive missed installments accelerate the loan; a repayment spent in
``REPAYMENT_ORDER``), not read from the engine; hypothesis properties then check what must hold for any loan and
any sequence of closes and repayments.
"""

from __future__ import annotations

import copy
import math
from dataclasses import FrozenInstanceError, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from core.engines import loans as engine
from core.engines.classification import ALL, SECURED, UNSECURED, Rule
from core.engines.loans import (
    LOWER_INSTALLMENTS,
    REPAYMENT_ORDER,
    SHORTEN_TERM,
    DayClose,
    ExceedsPayoff,
    Installment,
    Span,
    State,
    Terms,
)
from core.engines.rounding import Rounding
from core.engines.schedules import DayCount, Method, build_schedule
from core.engines.schedules import Terms as ScheduleTerms

D = Decimal
ONE_DAY = timedelta(days=1)
D0 = date(2025, 1, 15)
EP, EPR, BULLET = Method.EQUAL_PAYMENT, Method.EQUAL_PRINCIPAL, Method.BULLET
MONTHLY, ACTUAL = DayCount.MONTHLY, DayCount.ACTUAL_365
CLAIMS = [claim.name for claim in REPAYMENT_ORDER]

# The default Korean table, as funds/migrations/0003_asset_class_rules.py seeds it.
TABLE = [
    Rule("normal", "정상", 0, ALL, D("0.0085"), 0),
    Rule("precautionary", "요주의", 30, ALL, D("0.0700"), 1),
    Rule("substandard", "고정", 90, SECURED, D("0.2000"), 2),
    Rule("doubtful", "회수의문", 90, UNSECURED, D("0.5000"), 3),
    Rule("estimated_loss", "추정손실", 365, UNSECURED, D("1.0000"), 4),
]


def new_loan(principal: int, rate: str, term: int, method: Method, day_count: DayCount = MONTHLY, *,
             grace: int = 0, unit: int = 1, mode: str = "floor", prepayment: str = SHORTEN_TERM, secured: int = 0,
             disbursed_on: date = D0, spread: str = "0.03", cap: str = "0.20") -> tuple[Terms, State]:
    """A new loan as the service loads it: its schedule's installments, nothing paid or recognised, closed through
    the day before disbursement. The default rate is the contract rate plus the spread, capped (연체이자율)."""
    rounding = Rounding(unit, mode)
    schedule = build_schedule(ScheduleTerms(D(principal), D(rate), term, grace, method, day_count, disbursed_on,
                                            rounding))
    terms = Terms(annual_rate=D(rate), default_rate=min(D(rate) + D(spread), D(cap)), method=method,
                  day_count=day_count, rounding=rounding, prepayment=prepayment, secured=D(secured))
    state = State(
        closed_through=disbursed_on - ONE_DAY,
        installments=tuple(Installment(number=i.number, due_on=i.due_on, period_start=i.period_start,
                                       principal_due=i.principal, interest_due=i.interest)
                           for i in schedule.installments),
        maturity_on=schedule.maturity_on,
    )
    return terms, state


def close(terms: Terms, state: State, through: date) -> State:
    return engine.close_through(terms, state, through, TABLE)[0]


def repay(terms: Terms, state: State, amount: int) -> engine.Repaid:
    """Repay on the first open day."""
    return engine.repay(terms, state, state.closed_through + ONE_DAY, D(amount), TABLE)


def paid(repaid: engine.Repaid) -> list[int]:
    return [int(repaid.paid[name]) for name in CLAIMS]


def inst(state: State, number: int) -> Installment:
    return next(i for i in state.installments if i.number == number)


def outstanding(state: State) -> Decimal:
    return sum((i.unpaid_principal for i in state.installments), D(0))


def floor_default(overdue_won_days: int, rate: str) -> int:
    """Default interest on ``overdue_won_days`` (overdue principal x days, summed) at ``rate``, actual/365, posted
    with the fraction of a won carried: the exact total floored."""
    return math.floor(Fraction(overdue_won_days) * Fraction(rate) / 365)


@pytest.fixture
def bullet():
    """12,000,000 bullet over 12 months at 3.65 %, actual/365, 1 won floor, disbursed 2025-01-15: a period's interest
    is 12,000,000 x 0.0365 x days / 365 = 1,200 x days (31 days: 37,200; February's 28: 33,600). Default rate
    3.65 % + 3 %p = 6.65 %."""
    return new_loan(12_000_000, "0.0365", 12, BULLET, ACTUAL)


@pytest.fixture
def stepped():
    """1,200,000 equal principal over 12 months at 7 %, monthly, 1 won floor, disbursed 2025-01-15: 100,000 of
    principal a month; interest on the balance x 0.07 / 12 (1,200,000: 7,000; 1,100,000: 6,416.67 -> 6,416;
    1,000,000: 5,833.33 -> 5,833). Default rate min(7 % + 3 %p, 20 %) = 10 %: 100,000 overdue accrues
    100,000 x 0.10 / 365 = 27.397... won a day."""
    return new_loan(1_200_000, "0.07", 12, EPR)


# --- closing days -------------------------------------------------------------------------------------------------


def test_the_schedules_figures_are_what_the_fixtures_say(bullet, stepped):
    assert [int(i.interest_due) for i in bullet[1].installments[:3]] == [37_200, 33_600, 37_200]
    assert [(int(i.principal_due), int(i.interest_due)) for i in stepped[1].installments[:3]] == [
        (100_000, 7_000), (100_000, 6_416), (100_000, 5_833)]


def test_interest_is_recognised_at_the_close_of_its_due_date_and_not_before(bullet):
    terms, state = bullet
    before, days = engine.close_through(terms, state, date(2025, 2, 14), TABLE)
    assert len(days) == 31 and not any(d.posts for d in days)  # 2025-01-15 .. 2025-02-14
    assert inst(before, 1).interest_recognized == 0 and before.days_past_due == 0
    after, days = engine.close_through(terms, before, date(2025, 2, 15), TABLE)
    # a bullet's first installment is interest only: 37,200 falls due, no principal is overdue, no default interest
    assert days == [DayClose(date(2025, 2, 15), D(37_200), D(0))]
    assert inst(after, 1).interest_recognized == 37_200 and inst(after, 2).interest_recognized == 0
    assert (after.days_past_due, after.default_interest, after.asset_class) == (1, 0, "normal")


def test_closing_nothing_returns_the_same_state(bullet):
    terms, state = bullet
    assert engine.close_through(terms, state, state.closed_through, TABLE) == (state, [])


def test_interest_paid_on_its_due_date_is_not_recognised_again_at_its_close(bullet):
    terms, state = bullet
    state = close(terms, state, date(2025, 2, 14))
    r = repay(terms, state, 37_200)
    assert paid(r) == [0, 0, 0, 37_200, 0, 0, 0] and r.recognised == 37_200  # falls due on the value date
    assert inst(r.state, 1).settled and r.state.days_past_due == 0
    after, days = engine.close_through(terms, r.state, date(2025, 2, 15), TABLE)
    assert days == [DayClose(date(2025, 2, 15), D(0), D(0))]
    assert after.days_past_due == 0 and inst(after, 1).interest_recognized == 37_200


def test_default_interest_accrues_daily_on_overdue_principal_with_the_fraction_carried(stepped):
    """Installment 1 (100,000 + 7,000, due 2025-02-15) unpaid through 2025-02-24: 10 days at 27.397... won. Each day
    posts floor(k x 27.397) - floor((k - 1) x 27.397): 27, 27, 28, 27, 27, 28, 27, 28, 27, 27 = 273 (10 x 27.397 =
    273.97); the 0.97 is carried. Only principal bears it: on 107,000 it would be 293."""
    terms, state = stepped
    closed, days = engine.close_through(terms, state, date(2025, 2, 24), TABLE)
    posted = [(d.day, int(d.interest), int(d.default_interest)) for d in days if d.posts]
    daily = Fraction(100_000) * Fraction("0.10") / 365
    assert posted == [(date(2025, 2, 15) + timedelta(days=k - 1), 7_000 if k == 1 else 0,
                       math.floor(k * daily) - math.floor((k - 1) * daily)) for k in range(1, 11)]
    assert [p[2] for p in posted] == [27, 27, 28, 27, 27, 28, 27, 28, 27, 27]
    assert closed.default_interest == 273 == floor_default(100_000 * 10, "0.10")
    # 273.9726... - 273 is carried exactly, in 365ths of a won: 10 x 100,000 x 0.10 = 100,000 = 273 x 365 + 355.
    assert closed.default_carry == 355
    assert closed.days_past_due == 10 and closed.asset_class == "normal"


@pytest.mark.parametrize(("through", "days_past_due", "asset_class"), [
    (date(2025, 2, 14), 0, "normal"),
    (date(2025, 2, 15), 1, "normal"),  # unpaid at the close of its due date: 1 day
    (date(2025, 3, 16), 30, "precautionary"),  # 2025-02-15 + 29 days; 요주의 from 30
    (date(2025, 5, 14), 89, "precautionary"),
    (date(2025, 5, 15), 90, "doubtful"),  # unsecured: 회수의문 from 90
    (date(2026, 2, 13), 364, "doubtful"),
    (date(2026, 2, 14), 365, "estimated_loss"),  # 추정손실 from 365
])
def test_days_past_due_count_from_the_oldest_unpaid_due_date_and_decide_the_class(bullet, through, days_past_due,
                                                                                    asset_class):
    terms, state = bullet
    closed = close(terms, state, through)
    assert (closed.days_past_due, closed.asset_class) == (days_past_due, asset_class)


@pytest.mark.parametrize(("secured", "at_90", "at_365"), [
    (12_000_000, "substandard", "substandard"),  # all covered: 고정, however late
    (5_000_000, "doubtful", "estimated_loss"),  # the unsecured 7,000,000 decides
    (0, "doubtful", "estimated_loss"),
])
def test_the_secured_part_is_classed_apart(secured, at_90, at_365):
    terms, state = new_loan(12_000_000, "0.0365", 12, BULLET, ACTUAL, secured=secured)
    closed = close(terms, state, date(2025, 5, 15))
    assert (closed.days_past_due, closed.asset_class) == (90, at_90)
    closed = close(terms, closed, date(2026, 2, 14))
    assert (closed.days_past_due, closed.asset_class) == (365, at_365)


def test_two_consecutive_missed_installments_accelerate_at_the_close_of_the_second_due_date(stepped):
    """Installments 1 and 2 (due 02-15 and 03-15) unpaid. At the close of 03-15: installment 2's 6,416 falls due,
    the loan is accelerated (기한이익상실), installment 3's interest is cut to one day of its 31 (5,833 x 1 / 31 =
    188.16 -> 188) and recognised, later installments' interest is cancelled; all 1,200,000 is overdue."""
    terms, state = stepped
    before = close(terms, state, date(2025, 3, 14))
    assert before.accelerated_on is None
    # 100,000 overdue for 28 days (02-15 .. 03-14): floor(28 x 27.397) = floor(767.12) = 767
    assert before.default_interest == 767 == floor_default(100_000 * 28, "0.10")
    after, days = engine.close_through(terms, before, date(2025, 3, 16), TABLE)
    assert after.accelerated_on == date(2025, 3, 15)
    assert days[0].interest == 6_416 + 188 and days[1].interest == 0
    assert [int(i.interest_due) for i in after.installments] == [7_000, 6_416, 188] + [0] * 9
    assert all(i.interest_recognized == i.interest_due for i in after.installments)
    # from the close of 03-15, all 1,200,000 bears default interest: 100,000 x 28 days + 1,200,000 x 2 days at 10 %
    # = 520,000 / 365 = 1,424.66 -> 1,424
    assert after.default_interest == 1_424 == floor_default(100_000 * 28 + 1_200_000 * 2, "0.10")
    assert after.days_past_due == 30  # from 02-15: acceleration does not change it


def test_a_bullet_loan_missing_two_interest_payments_is_accelerated(bullet):
    """Installments 1 and 2 are interest only; missing both accelerates the loan at the close of 03-15, and the
    12,000,000 bears default interest at 6.65 % from that day."""
    terms, state = bullet
    closed = close(terms, state, date(2025, 3, 20))
    assert closed.accelerated_on == date(2025, 3, 15)
    # 03-15 .. 03-20: 6 days x 12,000,000 x 0.0665 / 365 = 13,117.8 -> 13,117
    assert closed.default_interest == 13_117 == floor_default(12_000_000 * 6, "0.0665")
    # installment 3 (03-15 .. 04-15) keeps one day of interest: 1,200
    assert [int(i.interest_due) for i in closed.installments[:4]] == [37_200, 33_600, 1_200, 0]


def test_a_missed_installment_caught_up_does_not_count_towards_acceleration(stepped):
    """Installment 1 is paid late (on 02-20, with 5 days of default interest: floor(5 x 27.397) = 136); installment 2
    is missed: one missed installment, no acceleration. Installment 3 is missed too: 2 and 3 are consecutive, so the
    loan is accelerated at the close of 04-15."""
    terms, state = stepped
    state = close(terms, state, date(2025, 2, 19))
    assert state.default_interest == 136
    r = repay(terms, state, 136 + 7_000 + 100_000)
    assert paid(r) == [136, 7_000, 100_000, 0, 0, 0, 0]
    assert inst(r.state, 1).settled and r.state.days_past_due == 0
    state = close(terms, r.state, date(2025, 4, 14))
    assert state.accelerated_on is None and state.days_past_due == 31  # 03-15 .. 04-14
    state = close(terms, state, date(2025, 4, 15))
    assert state.accelerated_on == date(2025, 4, 15)


@given(overdue=st.integers(min_value=1, max_value=10**9), rate=st.sampled_from(["0.03", "0.0665", "0.10", "0.20"]),
       days=st.integers(min_value=1, max_value=800))
@settings(max_examples=300, deadline=None)
def test_default_interest_over_n_days_is_n_times_the_daily_amount_floored(overdue, rate, days):
    """One installment of ``overdue`` principal, due the day before: after N days, the default interest posted is
    floor(N x overdue x rate / 365) (the fraction of each day carried to the next).

    The carry is kept exactly (in 365ths of a won), so the total is exact however close it comes to a whole won."""
    due = date(2025, 1, 1)
    terms = Terms(annual_rate=D(0), default_rate=D(rate), method=BULLET, day_count=ACTUAL, rounding=Rounding())
    state = State(closed_through=due - ONE_DAY,
                  installments=(Installment(1, due, due - timedelta(days=31), D(overdue), D(0)),))
    closed, closes = engine.close_through(terms, state, due + timedelta(days=days - 1), TABLE)
    exact = Fraction(overdue) * Fraction(rate) * days / 365
    assert closed.default_interest == sum(c.default_interest for c in closes)
    assert closed.default_interest == math.floor(exact)
    assert closed.default_carry == (exact - math.floor(exact)) * 365  # what is left, in 365ths of a won


@pytest.mark.parametrize(("overdue", "rate", "days", "exact"), [
    # A carry truncated each day (as it was until issue 13) lost up to 0.000001 won a day and posted these one short.
    (100_000, "0.10", 73, 2_000),  # 27.397260273972... a day; 73 days = 100,000 x 0.10 x 73 / 365 = 2,000
    (12_000_000, "0.0665", 365, 798_000),  # a year overdue = 12,000,000 x 6.65 % = 798,000
])
def test_default_interest_reaches_a_whole_won_when_the_exact_total_is_one(overdue, rate, days, exact):
    due = date(2025, 1, 1)
    terms = Terms(annual_rate=D(0), default_rate=D(rate), method=BULLET, day_count=ACTUAL, rounding=Rounding())
    state = State(closed_through=due - ONE_DAY,
                  installments=(Installment(1, due, due - timedelta(days=31), D(overdue), D(0)),))
    assert floor_default(overdue * days, rate) == exact
    closed = close(terms, state, due + timedelta(days=days - 1))
    assert closed.default_interest == exact


# --- by month -----------------------------------------------------------------------------------------------------


def test_closed_days_are_posted_by_calendar_month_and_months_with_nothing_are_left_out(bullet):
    """Closing 2025-01-15 .. 2025-04-20 on the bullet loan, nothing paid:
    January: nothing falls due -> no span.
    February: 37,200 falls due on 02-15.
    March: 33,600 falls due on 03-15, the loan is accelerated that day and installment 3 keeps one day (1,200);
    default interest from 03-15 on 12,000,000 at 6.65 %: 17 days x 2,186.30 = 37,167.12 -> 37,167.
    April 1-20: 37 days in all floor(80,893.15) = 80,893, less March's 37,167 = 43,726."""
    terms, state = bullet
    _, days = engine.close_through(terms, state, date(2025, 4, 20), TABLE)
    assert engine.by_month(days) == [
        Span(date(2025, 2, 1), date(2025, 2, 28), D(37_200), D(0)),
        Span(date(2025, 3, 1), date(2025, 3, 31), D(33_600 + 1_200), D(37_167)),
        Span(date(2025, 4, 1), date(2025, 4, 20), D(0), D(80_893 - 37_167)),
    ]
    assert floor_default(12_000_000 * 17, "0.0665") == 37_167 and floor_default(12_000_000 * 37, "0.0665") == 80_893


def test_a_month_is_split_at_its_end_whatever_the_days_given():
    def day(y: int, m: int, d: int, interest: int = 0, default: int = 0) -> DayClose:
        return DayClose(date(y, m, d), D(interest), D(default))

    days = [day(2025, 1, 30), day(2025, 1, 31, interest=5), day(2025, 2, 1), day(2025, 2, 28),
            day(2025, 3, 1, default=2), day(2025, 3, 2, default=3), day(2026, 3, 1, interest=1)]
    assert engine.by_month(days) == [
        Span(date(2025, 1, 30), date(2025, 1, 31), D(5), D(0)),  # February posts nothing: left out
        Span(date(2025, 3, 1), date(2025, 3, 2), D(0), D(5)),
        Span(date(2026, 3, 1), date(2026, 3, 1), D(1), D(0)),  # March of another year is another month
    ]
    assert engine.by_month([]) == []
    assert engine.by_month([day(2025, 1, 1), day(2025, 1, 2)]) == []


# --- position and quote -------------------------------------------------------------------------------------------


def test_the_quote_closes_the_days_before_and_counts_the_interest_accrued_to_the_day(stepped):
    """Paying off on 2025-02-25, nothing paid: default interest through 02-24 (273, see above), installment 1's 7,000
    and 100,000 overdue, installment 2 accrued for 10 of its 28 days (6,416 x 10 / 28 = 2,291.4 -> 2,291) and the
    1,100,000 not yet due."""
    terms, state = stepped
    quote = engine.quote(terms, state, date(2025, 2, 25), TABLE)
    assert quote == engine.Position(on=date(2025, 2, 25), default_interest=D(273), overdue_interest=D(7_000),
                                    overdue_principal=D(100_000), interest=D(0), principal=D(0),
                                    accrued_interest=D(2_291), future_principal=D(1_100_000))
    assert quote.due == 107_273
    assert quote.payoff == 273 + 7_000 + 100_000 + 2_291 + 1_100_000 == 1_209_564
    assert list(quote.owed()) == CLAIMS
    assert quote.owed()["prepayment"] == 1_100_000
    closed = close(terms, state, date(2025, 2, 24))
    assert engine.position(terms, closed, date(2025, 2, 25)) == quote


def test_on_a_due_date_that_days_installment_is_its_own_claim():
    """12,000,000 equal payment at 2 %, monthly, 10 won floor, disbursed 2026-01-15 (tests/core/engines/
    test_schedules.py): installment 1 is 990,860 + 20,000, due 2026-02-15; on that day it is due, not overdue, and
    the current period (from 02-15) has accrued nothing yet."""
    terms, state = new_loan(12_000_000, "0.02", 12, EP, unit=10, disbursed_on=date(2026, 1, 15))
    quote = engine.quote(terms, state, date(2026, 2, 15), TABLE)
    assert (quote.overdue_interest, quote.overdue_principal, quote.interest, quote.principal) == (0, 0, 20_000,
                                                                                                  990_860)
    assert (quote.accrued_interest, quote.future_principal) == (0, 12_000_000 - 990_860)
    assert (quote.due, quote.payoff) == (1_010_860, 12_020_000)


def test_after_acceleration_everything_is_overdue_and_nothing_accrues(stepped):
    """Quote on 03-17 (closed through 03-16, accelerated on 03-15): interest 7,000 + 6,416 + 188 = 13,604 overdue,
    all 1,200,000 overdue, default interest 1,424 (see the acceleration test)."""
    terms, state = stepped
    quote = engine.quote(terms, state, date(2025, 3, 17), TABLE)
    assert (quote.default_interest, quote.overdue_interest, quote.overdue_principal) == (1_424, 13_604, 1_200_000)
    assert (quote.interest, quote.principal, quote.accrued_interest, quote.future_principal) == (0, 0, 0, 0)
    assert quote.payoff == 1_215_028
    r = repay(terms, close(terms, state, date(2025, 3, 16)), 1_215_028)
    assert r.state.paid_off_on == date(2025, 3, 17)
    assert paid(r) == [1_424, 13_604, 1_200_000, 0, 0, 0, 0]


# --- repayments ---------------------------------------------------------------------------------------------------

# Paying on 2025-03-15 (closed through 03-14, not yet accelerated): default 767 (28 days), installment 1's 7,000
# and 100,000 overdue, installment 2's 6,416 and 100,000 due that day, nothing accrued of period 3 (it starts on
# 03-15), 1,000,000 not yet due.
OWED_ON_MARCH_15 = [767, 7_000, 100_000, 6_416, 100_000, 0, 1_000_000]


@pytest.mark.parametrize(("amount", "expected"), [
    (500, [500, 0, 0, 0, 0, 0, 0]),
    (767, [767, 0, 0, 0, 0, 0, 0]),
    (767 + 3_000, [767, 3_000, 0, 0, 0, 0, 0]),
    (767 + 7_000 + 1, [767, 7_000, 1, 0, 0, 0, 0]),
    (767 + 7_000 + 100_000 + 6_000, [767, 7_000, 100_000, 6_000, 0, 0, 0]),
    (767 + 7_000 + 100_000 + 6_416 + 99_999, [767, 7_000, 100_000, 6_416, 99_999, 0, 0]),
    (767 + 7_000 + 100_000 + 6_416 + 100_000 + 250_000, [767, 7_000, 100_000, 6_416, 100_000, 0, 250_000]),
])
def test_a_repayment_on_a_late_loan_is_spent_in_the_declared_order(stepped, amount, expected):
    terms, state = stepped
    state = close(terms, state, date(2025, 3, 14))
    owed = engine.position(terms, state, date(2025, 3, 15)).owed()
    assert [int(owed[name]) for name in CLAIMS] == OWED_ON_MARCH_15
    r = repay(terms, state, amount)
    assert paid(r) == expected and r.paid.total == amount and r.paid.left == 0
    assert r.default_interest == expected[0]
    assert r.interest == expected[1] + expected[3] + expected[5]
    assert r.principal == expected[2] + expected[4] + expected[6]
    assert r.recognised == 6_416  # installment 2's interest falls due on the value date
    assert r.state.default_interest == 767 - expected[0]
    first, second = inst(r.state, 1), inst(r.state, 2)
    assert (first.interest_paid, first.principal_paid) == (expected[1], expected[2])
    assert (second.interest_paid, second.principal_paid) == (expected[3], expected[4])
    assert second.interest_recognized == 6_416
    assert r.state.accelerated_on is None and r.state.paid_off_on is None
    # days past due as of the close of the day before: 28 while installment 1 is not settled, then 0
    assert r.state.days_past_due == (0 if expected[2] == 100_000 else 28)


def test_between_due_dates_accrued_interest_is_paid_before_any_prepayment(stepped):
    """On 2025-02-25: 273 + 7,000 + 100,000 = 107,273 overdue, then the 2,291 accrued of period 2, then 436 of
    principal not yet due out of 110,000. The accrued interest is recognised as it is paid."""
    terms, state = stepped
    state = close(terms, state, date(2025, 2, 24))
    r = repay(terms, state, 110_000)
    assert paid(r) == [273, 7_000, 100_000, 0, 0, 2_291, 436]
    assert r.recognised == 2_291
    second = inst(r.state, 2)
    assert second.interest_paid == second.interest_recognized == 2_291
    assert outstanding(r.state) == 1_100_000 - 436


def test_a_part_payment_of_overdue_interest_leaves_the_rest_owed(stepped):
    """7,100 on 2025-02-25: 273 of default interest, 6,827 of installment 1's 7,000; the payoff is 7,100 less."""
    terms, state = stepped
    state = close(terms, state, date(2025, 2, 24))
    r = repay(terms, state, 7_100)
    assert paid(r) == [273, 6_827, 0, 0, 0, 0, 0]
    assert r.state.default_interest == 0 and inst(r.state, 1).interest_paid == 6_827
    assert r.state.days_past_due == 10
    assert engine.position(terms, r.state, date(2025, 2, 25)).payoff == 1_209_564 - 7_100 == 1_202_464


def test_paying_exactly_the_payoff_pays_the_loan_off(stepped):
    """1,209,564 on 2025-02-25 (see the quote): installment 2's interest becomes what accrued (2,291), later
    installments' interest is cancelled, every installment is settled."""
    terms, state = stepped
    state = close(terms, state, date(2025, 2, 24))
    r = repay(terms, state, 1_209_564)
    assert paid(r) == [273, 7_000, 100_000, 0, 0, 2_291, 1_100_000]
    assert (r.principal, r.interest, r.default_interest) == (1_200_000, 9_291, 273)
    new = r.state
    assert new.paid_off_on == date(2025, 2, 25)
    assert all(i.settled for i in new.installments)
    assert [int(i.interest_due) for i in new.installments] == [7_000, 2_291] + [0] * 10
    assert (new.default_interest, new.default_carry, new.days_past_due) == (0, 0, 0)
    assert outstanding(new) == 0


def test_paying_off_a_bullet_loan_before_its_first_due_date(bullet):
    """On 2025-02-01, 17 days into the first period: 17 x 1,200 = 20,400 accrued; payoff 12,020,400."""
    terms, state = bullet
    state = close(terms, state, date(2025, 1, 31))
    assert engine.position(terms, state, date(2025, 2, 1)).payoff == 12_020_400
    r = repay(terms, state, 12_020_400)
    assert paid(r) == [0, 0, 0, 0, 0, 20_400, 12_000_000] and r.recognised == 20_400
    assert r.state.paid_off_on == date(2025, 2, 1)
    assert [int(i.interest_due) for i in r.state.installments] == [20_400] + [0] * 11


def test_more_than_the_payoff_is_refused_with_the_payoff(stepped):
    terms, state = stepped
    state = close(terms, state, date(2025, 2, 24))
    with pytest.raises(ExceedsPayoff) as exc:
        repay(terms, state, 1_209_565)
    assert exc.value.payoff == 1_209_564
    assert isinstance(exc.value, ValueError) and "1209564" in str(exc.value)


@pytest.mark.parametrize("amount", [0, -1])
def test_a_repayment_must_be_more_than_zero(stepped, amount):
    terms, state = stepped
    with pytest.raises(ValueError, match="more than zero"):
        repay(terms, state, amount)


@pytest.mark.parametrize("days_after", [0, 2, -3])
def test_a_repayment_must_fall_on_the_first_open_day(stepped, days_after):
    terms, state = stepped
    state = close(terms, state, date(2025, 2, 24))
    with pytest.raises(ValueError, match="day before"):
        engine.repay(terms, state, state.closed_through + timedelta(days=days_after), D(1_000), TABLE)


# --- prepayments --------------------------------------------------------------------------------------------------


def test_a_prepayment_that_shortens_the_term_drops_the_last_installments(stepped):
    """303,838 on 2025-02-01: 7,000 x 17 / 31 = 3,838.7 -> 3,838 accrued, then 300,000 prepaid. The last three
    installments' 100,000 each come off: nine are left, maturity 2025-10-15. Installment 1 keeps the 3,838 and
    accrues the rest of its period (14 of 31 days) on 900,000: 5,250 x 14 / 31 = 2,370.97 -> 2,370; 6,208 in all.
    Later interest on the new balances: 800,000 -> 4,666.67 -> 4,666, ... 100,000 -> 583."""
    terms, state = stepped
    state = close(terms, state, date(2025, 1, 31))
    r = repay(terms, state, 303_838)
    assert paid(r) == [0, 0, 0, 0, 0, 3_838, 300_000]
    new = r.state
    assert [i.number for i in new.installments] == list(range(1, 10))
    assert new.maturity_on == date(2025, 10, 15)
    assert all(i.principal_due == 100_000 for i in new.installments)
    first = inst(new, 1)
    assert (first.interest_due, first.interest_paid, first.interest_fixed, first.accrual_start) == (
        6_208, 3_838, 3_838, date(2025, 2, 1))
    assert [int(i.interest_due) for i in new.installments[1:]] == [4_666, 4_083, 3_500, 2_916, 2_333, 1_750, 1_166,
                                                                    583]
    assert outstanding(new) == 900_000


def test_a_prepayment_of_part_of_an_installment_keeps_the_rest_of_it(stepped):
    """250,000 prepaid: installments 12 and 11 go, installment 10 keeps 50,000."""
    terms, state = stepped
    state = close(terms, state, date(2025, 1, 31))
    r = repay(terms, state, 3_838 + 250_000)
    assert [int(i.principal_due) for i in r.state.installments] == [100_000] * 9 + [50_000]
    assert r.state.maturity_on == date(2025, 11, 15)
    assert int(inst(r.state, 10).interest_due) == 291  # 50,000 x 0.07 / 12 = 291.67


def test_a_prepayment_that_lowers_the_installments_keeps_the_dates(stepped):
    """The same 300,000 with lower installments: 900,000 re-amortised over the same twelve dates, 75,000 each.
    Installment 1: 3,838 + 2,370 = 6,208 as above; installment 2 on 825,000: 4,812.5 -> 4,812."""
    terms, state = stepped
    terms = replace(terms, prepayment=LOWER_INSTALLMENTS)
    state = close(terms, state, date(2025, 1, 31))
    r = repay(terms, state, 303_838)
    new = r.state
    assert [i.due_on for i in new.installments] == [i.due_on for i in state.installments]
    assert new.maturity_on == date(2026, 1, 15)
    assert all(i.principal_due == 75_000 for i in new.installments)
    assert [int(i.interest_due) for i in new.installments[:3]] == [6_208, 4_812, 4_375]  # 750,000 x 0.07 / 12
    assert outstanding(new) == 900_000


EQUAL_PAYMENT_DATES = [date(2026, m, 15) for m in range(2, 13)] + [date(2027, 1, 15)]


@pytest.mark.parametrize(("policy", "principals", "interests"), [
    # shorten_term: 3,000,000 comes off the last installments (1,009,200 + 1,007,500, then 983,300 of 1,005,830:
    # 22,530 left); the principal parts before it stay. Interest on the new balances, 0.02 / 12, 10 won floor:
    # 8,009,140 -> 13,348.57 -> 13,340; 7,016,620 -> 11,694.37 -> 11,690; ... 22,530 -> 37.55 -> 30.
    (SHORTEN_TERM,
     [992_520, 994_170, 995_830, 997_490, 999_150, 1_000_820, 1_002_480, 1_004_150, 22_530],
     [13_340, 11_690, 10_030, 8_370, 6_710, 5_040, 3_380, 1_710, 30]),
    # lower_installments: 8,009,140 over the eleven dates left: 8,009,140 x r / (1 - (1 + r)^-11), r = 0.02 / 12,
    # = 735,404.88 -> 735,400 a month: 735,400 - 13,340 = 722,060; then 7,287,080 x r = 12,145.13 -> 12,140,
    # 735,400 - 12,140 = 723,260; ...; the last takes what is left.
    (LOWER_INSTALLMENTS,
     [722_060, 723_260, 724_470, 725_670, 726_880, 728_090, 729_310, 730_520, 731_740, 732_960, 734_180],
     [13_340, 12_140, 10_930, 9_730, 8_520, 7_310, 6_090, 4_880, 3_660, 2_440, 1_220]),
])
def test_a_prepayment_on_a_due_date_of_an_equal_payment_loan(policy, principals, interests):
    """12,000,000 equal payment at 2 %, 10 won floor, disbursed 2026-01-15: on 2026-02-15 installment 1 (990,860 +
    20,000) and 3,000,000 more are paid. 12,000,000 - 990,860 - 3,000,000 = 8,009,140 is left."""
    terms, state = new_loan(12_000_000, "0.02", 12, EP, unit=10, disbursed_on=date(2026, 1, 15), prepayment=policy)
    state = close(terms, state, date(2026, 2, 14))
    r = repay(terms, state, 1_010_860 + 3_000_000)
    assert paid(r) == [0, 0, 0, 20_000, 990_860, 0, 3_000_000] and r.recognised == 20_000
    assert sum(principals) == 8_009_140
    assert inst(r.state, 1).settled
    rest = r.state.installments[1:]
    assert [i.due_on for i in rest] == EQUAL_PAYMENT_DATES[1:len(principals) + 1]
    assert [int(i.principal_due) for i in rest] == principals
    assert [int(i.interest_due) for i in rest] == interests
    assert r.state.maturity_on == rest[-1].due_on
    assert outstanding(r.state) == 8_009_140


def test_a_prepayment_on_a_bullet_loan_lowers_the_interest_of_every_period(bullet):
    """1,000,000 on 2025-02-01: 20,400 accrued (17 x 1,200), 979,600 prepaid; 11,020,400 left, all due at
    maturity. Installment 1: 20,400 + 11,020,400 x 0.0365 x 14 / 365 (= x 0.0014 = 15,428.56 -> 15,428) = 35,828.
    Installment 2 (28 days): 11,020,400 x 0.0028 = 30,857.12 -> 30,857; 3 (31 days): x 0.0031 = 34,163.24."""
    terms, state = bullet
    state = close(terms, state, date(2025, 1, 31))
    r = repay(terms, state, 1_000_000)
    assert paid(r) == [0, 0, 0, 0, 0, 20_400, 979_600]
    new = r.state
    assert len(new.installments) == 12 and new.maturity_on == date(2026, 1, 15)
    assert [int(i.principal_due) for i in new.installments] == [0] * 11 + [11_020_400]
    assert [int(i.interest_due) for i in new.installments[:3]] == [35_828, 30_857, 34_163]
    # the rest of installment 1 falls due on its date as usual: 35,828 - 20,400 recognised at the close of 02-15
    _, days = engine.close_through(terms, new, date(2025, 2, 15), TABLE)
    assert sum(d.interest for d in days) == 15_428


# --- needed: settled history can be left out ----------------------------------------------------------------------


def test_needed_leaves_out_only_installments_settled_and_due_by_the_closed_day(stepped):
    terms, state = stepped
    state = close(terms, state, date(2025, 2, 14))
    r = repay(terms, state, 107_000)  # installment 1, on its due date
    assert inst(r.state, 1).settled
    # closed through 02-14: installment 1 falls due on 02-15, not yet closed: it stays
    assert [i.number for i in engine.needed(list(r.state.installments), r.state.closed_through)] == list(range(1, 13))
    closed = close(terms, r.state, date(2025, 3, 20))  # installment 2 missed
    kept = engine.needed(list(closed.installments), closed.closed_through)
    assert [i.number for i in kept] == list(range(2, 13))


def test_a_state_without_its_settled_history_gives_the_same_results(stepped):
    terms, state = stepped
    state = close(terms, state, date(2025, 2, 14))
    state = repay(terms, state, 107_000).state
    state = close(terms, state, date(2025, 3, 20))
    trimmed = replace(state, installments=tuple(engine.needed(list(state.installments), state.closed_through)))
    full_closed, full_days = engine.close_through(terms, state, date(2025, 4, 20), TABLE)
    trim_closed, trim_days = engine.close_through(terms, trimmed, date(2025, 4, 20), TABLE)
    assert full_days == trim_days
    assert replace(full_closed, installments=full_closed.installments[1:]) == trim_closed
    assert full_closed.accelerated_on == date(2025, 4, 15)  # 2 and 3 missed; 1 (settled, left out) is not needed


# --- properties ---------------------------------------------------------------------------------------------------

SHARE = 1_000  # a repayment of SHARE / SHARE is exactly the payoff
TO_NEXT_DUE = "to the day before the next due date"  # so that the repayment falls on a due date
DUE = "what is due"  # a repayment of the installments due and overdue (with default interest), if any


@st.composite
def loans(draw) -> tuple[Terms, State]:
    method = draw(st.sampled_from(list(Method)))
    term = draw(st.sampled_from([1, 3, 6, 12]))
    grace = 0 if method == BULLET else draw(st.integers(min_value=0, max_value=min(term - 1, 3)))
    principal = draw(st.one_of(st.integers(min_value=1_000_000, max_value=50_000_000),
                               st.integers(min_value=1, max_value=5_000)))
    return new_loan(
        principal, draw(st.sampled_from(["0", "0.02", "0.045", "0.17"])), term, method,
        draw(st.sampled_from(list(DayCount))), grace=grace, unit=draw(st.sampled_from([1, 10])),
        mode=draw(st.sampled_from(["floor", "ceil", "half_up"])),
        prepayment=draw(st.sampled_from([SHORTEN_TERM, LOWER_INSTALLMENTS])),
        secured=draw(st.sampled_from([0, principal // 2, principal])),
        disbursed_on=draw(st.sampled_from([D0, date(2025, 1, 31), date(2024, 2, 29)])),
    )


# Each step closes some days (or up to a due date), then perhaps repays: nothing, what is due, a share of the payoff
# (often small: a prepayment) or, now and then, all of it.
steps = st.lists(
    st.tuples(st.one_of(st.integers(min_value=0, max_value=75), st.just(TO_NEXT_DUE)),
              st.one_of(st.none(), st.just(DUE), st.just(DUE), st.integers(min_value=1, max_value=SHARE // 4),
                        st.integers(min_value=1, max_value=SHARE))),
    min_size=1, max_size=10)


def close_to(state: State, how: int | str) -> date:
    if how == TO_NEXT_DUE:
        upcoming = [i.due_on for i in state.installments if i.due_on > state.closed_through + ONE_DAY]
        return upcoming[0] - ONE_DAY if upcoming else state.closed_through
    return state.closed_through + timedelta(days=how)


def amount_of(owed: engine.Position, share: int | str) -> Decimal | None:
    """What a step repays, or None for nothing (nothing due)."""
    if share == DUE:
        return owed.due or None
    return max(D(1), owed.payoff * int(share) // SHARE)


def check_installments(state: State) -> None:
    for i in state.installments:
        assert 0 <= i.interest_paid <= i.interest_recognized <= i.interest_due, i
        assert 0 <= i.principal_paid <= i.principal_due, i
        assert i.interest_fixed <= i.interest_due, i
    numbers = [i.number for i in state.installments]
    assert numbers == sorted(numbers) and [i.due_on for i in state.installments] == sorted(
        i.due_on for i in state.installments)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loan=loans(), plan=steps)
def test_any_sequence_of_closes_and_repayments_keeps_the_books_whole(loan, plan):
    """After any sequence of closes and repayments (each at most the payoff):
    - principal repaid + principal outstanding = the principal lent;
    - interest paid <= interest recognised <= interest due, on every installment;
    - interest recognised (by closes and repayments) = the installments' interest recognised;
    - default interest accrued - default interest paid = the default interest receivable;
    - a repayment pays exactly its amount, greedily in the declared order;
    - paying exactly the payoff, at any point, pays the loan off; one won more is refused;
    - the engine never changes what it is given."""
    terms, state = loan
    lent = outstanding(state)
    principal_repaid = interest_recognised = default_accrued = default_paid = D(0)
    for how, share in plan:
        if state.paid_off_on is not None:
            break
        given_state, before = state, copy.deepcopy(state)
        state, closes = engine.close_through(terms, given_state, close_to(given_state, how), TABLE)
        interest_recognised += sum((c.interest for c in closes), D(0))
        default_accrued += sum((c.default_interest for c in closes), D(0))
        on = state.closed_through + ONE_DAY
        owed = engine.position(terms, state, on)
        assert owed.payoff > 0
        assert engine.quote(terms, given_state, on, TABLE) == owed
        assert given_state == before

        snapshot = copy.deepcopy(state)
        payoff = engine.repay(terms, state, on, owed.payoff, TABLE)  # what paying it all would do
        assert payoff.state.paid_off_on == on and all(i.settled for i in payoff.state.installments)
        assert payoff.state.default_interest == 0 and outstanding(payoff.state) == 0
        with pytest.raises(ExceedsPayoff) as exc:
            engine.repay(terms, state, on, owed.payoff + 1, TABLE)
        assert exc.value.payoff == owed.payoff
        assert state == snapshot

        if state.accelerated_on:
            event("accelerated")
        amount = None if share is None else amount_of(owed, share)
        if amount is None:
            continue
        note(f"{on}: pay {amount} of {owed}")
        r = engine.repay(terms, state, on, amount, TABLE)
        assert state == snapshot
        assert r.paid.total == amount and r.paid.left == 0
        left = amount
        for name in CLAIMS:
            assert r.paid[name] == min(left, owed.owed()[name])
            left -= r.paid[name]
        assert (r.state.paid_off_on == on) == (amount == owed.payoff)
        event("paid off" if r.state.paid_off_on else "part paid")
        if r.paid["prepayment"] and not r.state.paid_off_on:
            event(f"prepaid, {terms.prepayment}")
        if owed.default_interest:
            event("with default interest")
        principal_repaid += r.principal
        interest_recognised += r.recognised
        default_paid += r.default_interest
        state = r.state
        check_installments(state)
        assert principal_repaid + outstanding(state) == lent
        assert interest_recognised == sum((i.interest_recognized for i in state.installments), D(0))
        assert default_accrued - default_paid == state.default_interest

    check_installments(state)
    assert principal_repaid + outstanding(state) == lent
    assert interest_recognised == sum((i.interest_recognized for i in state.installments), D(0))
    assert default_accrued - default_paid == state.default_interest
    assert 0 <= state.default_carry < 365  # less than a won, in 365ths


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loan=loans(), plan=steps)
def test_settled_history_left_out_changes_no_result(loan, plan):
    """Two copies of the same loan take the same closes and repayments; one is trimmed to ``needed`` before each
    step. Every close, every repayment and every scalar of the state agree, and the trimmed copy holds exactly the
    full copy's installments it kept."""
    terms, full = loan
    trimmed = full
    for how, share in plan:
        if full.paid_off_on is not None:
            break
        trimmed = replace(trimmed, installments=tuple(engine.needed(list(trimmed.installments),
                                                                    trimmed.closed_through)))
        through = close_to(full, how)
        full, full_days = engine.close_through(terms, full, through, TABLE)
        trimmed, trim_days = engine.close_through(terms, trimmed, through, TABLE)
        assert full_days == trim_days
        same(full, trimmed)
        on = full.closed_through + ONE_DAY
        assert engine.quote(terms, trimmed, on, TABLE) == engine.position(terms, full, on)
        amount = None if share is None else amount_of(engine.position(terms, full, on), share)
        if amount is None:
            continue
        a = engine.repay(terms, full, on, amount, TABLE)
        b = engine.repay(terms, trimmed, on, amount, TABLE)
        assert (a.paid, a.recognised) == (b.paid, b.recognised)
        full, trimmed = a.state, b.state
        same(full, trimmed)
        if len(trimmed.installments) < len(full.installments):
            event("history left out")


def same(full: State, trimmed: State) -> None:
    assert replace(full, installments=()) == replace(trimmed, installments=())
    kept = {i.number for i in trimmed.installments}
    assert trimmed.installments == tuple(i for i in full.installments if i.number in kept)
    left_out = [i for i in full.installments if i.number not in kept]
    assert all(i.settled for i in left_out)


@settings(max_examples=60, deadline=None)
@given(loan=loans(), first=st.integers(min_value=0, max_value=200), second=st.integers(min_value=0, max_value=200))
def test_closing_in_two_steps_is_closing_in_one(loan, first, second):
    terms, state = loan
    middle = state.closed_through + timedelta(days=first)
    end = middle + timedelta(days=second)
    once, once_days = engine.close_through(terms, state, end, TABLE)
    half, half_days = engine.close_through(terms, state, middle, TABLE)
    twice, twice_days = engine.close_through(terms, half, end, TABLE)
    assert (once, once_days) == (twice, half_days + twice_days)
    assert engine.by_month(once_days) == engine.by_month(half_days + twice_days)
    assert [d.day for d in once_days] == [state.closed_through + timedelta(days=n)
                                          for n in range(1, len(once_days) + 1)]
    spans = engine.by_month(once_days)
    assert sum((s.interest for s in spans), D(0)) == sum((d.interest for d in once_days), D(0))
    assert sum((s.default_interest for s in spans), D(0)) == once.default_interest
    assert all((s.first.year, s.first.month) == (s.last.year, s.last.month) for s in spans)


def test_states_and_their_parts_are_frozen(stepped):
    terms, state = stepped
    with pytest.raises(FrozenInstanceError):
        state.closed_through = date(2030, 1, 1)  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        state.installments[0].principal_paid = D(1)  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        terms.annual_rate = D(1)  # type: ignore[misc]
    snapshot = copy.deepcopy(state)
    closed = close(terms, state, date(2025, 3, 20))
    engine.quote(terms, closed, date(2025, 3, 21), TABLE)
    repay(terms, closed, 50_000)
    assert state == snapshot
    assert closed == close(terms, snapshot, date(2025, 3, 20))
