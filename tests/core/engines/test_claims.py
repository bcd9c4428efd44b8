"""``core.engines.claims``: a special guarantee's claim (대위변제) and the recovery of it (구상), with no database
and no clock.

Expected figures are worked out by hand in each test's comments from the rules (claim: principal + interest at the
normal rate for (paid_on - interest_paid_to) days / 365, rounded by the program's 10 won floor, + costs, capped at
ratio x all of it, floored, and at the face amount; recovery: damages = principal x rate x days / 365, the whole won
posted and the rest carried in 365ths, then costs, damages, principal in turn), not read from the engine.
Hypothesis properties then check what must hold for any claim and any sequence of recoveries.
"""

from __future__ import annotations

import math
from dataclasses import FrozenInstanceError
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.engines.claims import (
    RECOVERY_ORDER,
    ClaimAmount,
    Recourse,
    accrue,
    charge_costs,
    claim_amount,
    open_recourse,
    owed_on,
    recover,
)
from core.engines.rounding import Rounding

D = Decimal
RATE = D("0.12")  # the program's damages rate, 12 %/yr
PAID_ON = date(2025, 6, 1)


def known_claim(ratio: str = "1", **extra) -> ClaimAmount:
    """50,000,000 outstanding at 4.5 %, interest paid to 18 March 2025, claim paid on 1 June 2025: 14 days of March
    (18-31) + 30 of April + 31 of May + 0 of June = 75 days; 300,000 of the bank's costs."""
    return claim_amount(principal=D(50_000_000), loan_rate=D("0.045"), interest_paid_to=date(2025, 3, 18),
                        paid_on=PAID_ON, costs=D(300_000), ratio=D(ratio), **extra)


# --- the claim: known answers ------------------------------------------------------------------------------------


def test_a_fully_guaranteed_claim_is_principal_interest_and_costs():
    # interest: 50,000,000 x 0.045 x 75 / 365 = 168,750,000 / 365 = 462,328.767... -> 462,320 (10 won floor)
    # position: 50,000,000 + 462,320 + 300,000 = 50,762,320; at 100 % the cap is all of it.
    claim = known_claim()
    assert claim.interest_days == 75
    assert D("462328.76") < claim.interest_exact < D("462328.77")
    assert (claim.principal, claim.interest, claim.costs) == (50_000_000, 462_320, 300_000)
    assert (claim.position, claim.cap, claim.amount, claim.cut) == (50_762_320, 50_762_320, 50_762_320, 0)


def test_a_claim_at_eighty_five_percent_is_cut_to_the_guaranteed_share():
    # 0.85 x 50,762,320 = 43,147,972 -> 43,147,970 (10 won floor); the bank keeps 50,762,320 - 43,147,970 = 7,614,350
    claim = known_claim("0.85")
    assert (claim.position, claim.cap, claim.amount, claim.cut) == (50_762_320, 43_147_970, 43_147_970, 7_614_350)


def test_the_face_amount_caps_the_claim_below_the_share():
    # 85 % of a 50,000,000 loan guaranteed: face 42,500,000 < 43,147,970, so the claim is 42,500,000;
    # cut 50,762,320 - 42,500,000 = 8,262,320
    claim = known_claim("0.85", limit=D(42_500_000))
    assert (claim.cap, claim.amount, claim.cut) == (42_500_000, 42_500_000, 8_262_320)


def test_a_face_amount_above_the_position_cuts_nothing():
    claim = known_claim(limit=D(60_000_000))
    assert (claim.cap, claim.amount, claim.cut) == (50_762_320, 50_762_320, 0)


def test_the_claims_interest_follows_the_programs_rounding():
    # 462,328.767... to the won, floor: 462,328; position 50,762,328; at 85 %: 43,147,978.8 -> 43,147,978
    claim = known_claim("0.85", rounding=Rounding(1, "floor"))
    assert (claim.interest, claim.position, claim.amount) == (462_328, 50_762_328, 43_147_978)


def test_interest_paid_to_the_payment_date_leaves_principal_and_costs():
    claim = claim_amount(principal=D(30_000_000), loan_rate=D("0.05"), interest_paid_to=PAID_ON, paid_on=PAID_ON,
                         costs=D(0))
    assert (claim.interest_days, claim.interest, claim.amount) == (0, 0, 30_000_000)


@pytest.mark.parametrize("field, value, match", [
    ("principal", D("-1"), "principal"), ("principal", D("0.5"), "principal"), ("costs", D("-1"), "costs"),
    ("ratio", D(0), "ratio"), ("ratio", D("1.01"), "ratio"), ("loan_rate", D("-0.01"), "loan_rate"),
    ("limit", D("-1"), "limit"), ("interest_paid_to", date(2025, 6, 2), "beyond"),
])
def test_a_bad_claim_is_refused(field, value, match):
    arguments = {"principal": D(50_000_000), "loan_rate": D("0.045"), "interest_paid_to": date(2025, 3, 18),
                 "paid_on": PAID_ON, "costs": D(300_000), "ratio": D(1), field: value}
    with pytest.raises(ValueError, match=match):
        claim_amount(**arguments)


# --- the recovery: known answers ---------------------------------------------------------------------------------


def test_the_recovery_order_is_costs_damages_principal():
    # 민법 s479: 비용, 이자, 원본
    assert [claim.name for claim in RECOVERY_ORDER] == ["costs", "damages", "principal"]
    assert [claim.label for claim in RECOVERY_ORDER] == ["구상비용", "지연손해금", "구상원금"]


def test_a_paid_claim_opens_a_recourse_on_what_was_paid():
    state = open_recourse(known_claim("0.85"), paid_on=PAID_ON)
    assert state == Recourse(principal=D(43_147_970), since=PAID_ON)


def test_damages_at_twelve_percent_over_a_hundred_days():
    # 30,000,000 x 0.12 x 100 / 365 = 360,000,000 / 365 = 986,301.369863...: 986,301 posted, and 360,000,000 -
    # 986,301 x 365 = 360,000,000 - 359,999,865 = 135 (365ths of a won) carried. 1 June + 100 days = 9 September.
    state, accrued = accrue(Recourse(principal=D(30_000_000), since=PAID_ON), date(2025, 9, 9), rate=RATE)
    assert accrued == 986_301
    assert (state.damages, state.damages_carry, state.since) == (986_301, 135, date(2025, 9, 9))


def test_recoveries_pay_costs_then_damages_then_principal():
    state = charge_costs(Recourse(principal=D(30_000_000), since=PAID_ON), D(200_000))
    # 9 September, 100 days: 986,301 of damages accrue (above). 500,000 pays the costs' 200,000 and 300,000 of the
    # damages; 686,301 of damages and the 30,000,000 are left.
    first = recover(state, date(2025, 9, 9), D(500_000), rate=RATE)
    assert first.accrued == 986_301
    assert list(first.paid.paid) == [("costs", 200_000), ("damages", 300_000), ("principal", 0)]
    assert first.left == 0
    assert (first.state.costs, first.state.damages, first.state.principal) == (0, 686_301, 30_000_000)
    # 9 October, 30 days on 30,000,000: 108,000,000 + the 135 carried = 108,000,135 / 365 = 295,890 (295,890 x 365
    # = 107,999,850), 285 carried. Over the whole 130 days, 468,000,000 / 365 = 1,282,191.78 -> 1,282,191
    # = 986,301 + 295,890: the carry lost nothing. 2,000,000 pays the 686,301 + 295,890 = 982,191 of damages and
    # 1,017,809 of principal: 28,982,191 left.
    second = recover(first.state, date(2025, 10, 9), D(2_000_000), rate=RATE)
    assert second.accrued == 295_890
    assert list(second.paid.paid) == [("costs", 0), ("damages", 982_191), ("principal", 1_017_809)]
    assert (second.state.damages, second.state.damages_carry, second.state.principal) == (0, 285, 28_982_191)
    # The same day again: no damages; 28,982,191 + 1,000 pays it all, 1,000 left (the service refuses it), and the
    # settled 구상채권 drops its carry (less than a won, nothing to run on).
    third = recover(second.state, date(2025, 10, 9), D(28_983_191), rate=RATE)
    assert third.accrued == 0
    assert list(third.paid.paid) == [("costs", 0), ("damages", 0), ("principal", 28_982_191)]
    assert third.left == 1_000
    assert third.state.settled and third.state.damages_carry == 0


def test_what_is_owed_on_a_day_counts_the_damages_to_it():
    state = charge_costs(Recourse(principal=D(30_000_000), since=PAID_ON), D(200_000))
    assert owed_on(state, date(2025, 9, 9), rate=RATE) == {"costs": 200_000, "damages": 986_301,
                                                           "principal": 30_000_000}
    assert owed_on(state, PAID_ON, rate=RATE) == {"costs": 200_000, "damages": 0, "principal": 30_000_000}


def test_costs_earn_no_damages_and_damages_no_damages():
    # 1,000,000 of costs and 986,301 of damages unpaid for another 100 days: damages on the 30,000,000 only,
    # 360,000,000 + 135 carried = 360,000,135 / 365 = 986,301 r 270.
    state = Recourse(principal=D(30_000_000), since=PAID_ON, costs=D(1_000_000), damages=D(986_301),
                     damages_carry=D(135))
    after, accrued = accrue(state, PAID_ON + timedelta(days=100), rate=RATE)
    assert (accrued, after.damages, after.damages_carry, after.costs) == (986_301, 1_972_602, 270, 1_000_000)


@pytest.mark.parametrize("amount", [D(-1), D("0.5")])
def test_a_negative_or_fractional_recovery_is_refused(amount):
    with pytest.raises(ValueError, match="amount"):
        recover(Recourse(principal=D(1_000), since=PAID_ON), PAID_ON, amount, rate=RATE)


def test_a_recovery_before_the_last_one_is_refused():
    with pytest.raises(ValueError, match="already"):
        recover(Recourse(principal=D(1_000), since=PAID_ON), PAID_ON - timedelta(days=1), D(10), rate=RATE)


def test_a_negative_rate_bad_costs_and_a_bad_state_are_refused():
    state = Recourse(principal=D(1_000), since=PAID_ON)
    with pytest.raises(ValueError, match="rate"):
        accrue(state, PAID_ON, rate=D("-0.01"))
    with pytest.raises(ValueError, match="costs"):
        charge_costs(state, D("-5"))
    with pytest.raises(ValueError, match="principal"):
        Recourse(principal=D("-1"), since=PAID_ON)
    with pytest.raises(ValueError, match="carry"):
        Recourse(principal=D(1), since=PAID_ON, damages_carry=D(365))


def test_the_values_are_frozen():
    with pytest.raises(FrozenInstanceError):
        Recourse(principal=D(1), since=PAID_ON).principal = D(0)  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        known_claim().amount = D(0)  # type: ignore[misc]


# --- properties --------------------------------------------------------------------------------------------------

won = st.integers(min_value=0, max_value=10**10).map(D)
rates = st.decimals(min_value=0, max_value=D("0.25"), places=4)
ratios = st.decimals(min_value=D("0.01"), max_value=1, places=2)


@given(principal=won, costs=won, rate=rates, days=st.integers(min_value=0, max_value=2000), ratio=ratios,
       limit=st.none() | won)
def test_a_claim_is_the_position_cut_to_the_share_and_never_more(principal, costs, rate, days, ratio, limit):
    claim = claim_amount(principal=principal, loan_rate=rate, interest_paid_to=PAID_ON - timedelta(days=days),
                         paid_on=PAID_ON, costs=costs, ratio=ratio, limit=limit)
    exact_interest = Fraction(principal) * Fraction(rate) * days / 365
    assert claim.interest == math.floor(exact_interest / 10) * 10
    assert claim.position == principal + claim.interest + costs
    assert 0 <= claim.amount <= claim.position
    assert claim.amount <= claim.position * ratio
    assert limit is None or claim.amount <= limit
    assert claim.cut >= 0 and claim.amount + claim.cut == claim.position


recoveries = st.lists(st.tuples(st.integers(min_value=0, max_value=400), won), max_size=8)


@given(principal=won, costs=won, rate=rates, steps=recoveries)
def test_recoveries_pay_in_order_and_never_increase_what_is_owed(principal, costs, rate, steps):
    state = Recourse(principal=principal, since=PAID_ON, costs=costs)
    for gap, amount in steps:
        on = state.since + timedelta(days=gap)
        result = recover(state, on, amount, rate=rate)
        new = result.state
        # what was paid and what was left make up the amount; nothing is negative
        assert result.paid.total + result.left == amount
        assert all(share >= 0 for _, share in result.paid.paid) and result.left >= 0
        assert min(new.costs, new.damages, new.principal, new.damages_carry, result.accrued) >= 0
        # the principal and the costs never increase; the damages only by what accrued
        assert new.principal <= state.principal and new.costs <= state.costs
        assert new.damages <= state.damages + result.accrued
        # a later claim is paid only once the earlier ones are paid in full
        owed = {"costs": state.costs, "damages": state.damages + result.accrued, "principal": state.principal}
        names = [claim.name for claim in RECOVERY_ORDER]
        for index, name in enumerate(names):
            if result.paid[name] > 0:
                assert all(result.paid[earlier] == owed[earlier] for earlier in names[:index])
        assert result.left == max(amount - sum(owed.values(), D(0)), D(0))
        state = new


@given(principal=won, rate=rates, gaps=st.lists(st.integers(min_value=0, max_value=400), max_size=8))
def test_damages_accrued_in_steps_are_the_floor_of_the_whole_spans_damages(principal, rate, gaps):
    state = Recourse(principal=principal, since=PAID_ON)
    for gap in gaps:
        state, _ = accrue(state, state.since + timedelta(days=gap), rate=rate)
    days = sum(gaps)
    exact = Fraction(principal) * Fraction(rate) * days / 365
    assert state.damages == math.floor(exact)
    assert Fraction(state.damages) + Fraction(state.damages_carry) / 365 == exact


@given(principal=won, rate=rates, gaps=st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=6))
def test_a_recovery_of_nothing_only_accrues(principal, rate, gaps):
    stepped = direct = Recourse(principal=principal, since=PAID_ON)
    for gap in gaps:
        stepped = recover(stepped, stepped.since + timedelta(days=gap), D(0), rate=rate).state
    direct, _ = accrue(direct, PAID_ON + timedelta(days=sum(gaps)), rate=rate)
    assert stepped == direct
