"""``core.engines.bonds``: properties that must hold for any terms and any investors, checked with hypothesis (known
answers are in ``test_bonds.py``): shares add up to the amount exactly; payments never decrease as achievement rises
and never exceed the cap; the payment due never breaks the budget; distributions never pay out more than there is
or anyone more than it is owed, and the senior class is never worse off than the junior; the IRR found makes the
NPV, computed here independently in exact fractions at its neighbours, change sign.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.engines.bonds import (
    BELOW_MODES,
    JUNIOR,
    SENIOR,
    TABLE_MODES,
    AchievementTable,
    Holding,
    RateCard,
    Step,
    capital_call,
    distribute_by_class,
    payment_due,
    pro_rata,
    xirr,
)

D = Decimal
PROPERTY = settings(max_examples=200, deadline=None)

won = st.integers(min_value=0, max_value=10**12).map(D)
units = st.sampled_from([D(1), D(10), D(100)])
percents = st.integers(min_value=0, max_value=30_000).map(lambda hundredths: D(hundredths) / 100)  # 0 .. 300 %
achievements = st.integers(min_value=0, max_value=15_000).map(lambda hundredths: D(hundredths) / 100)  # 0 .. 150 %
weights = st.lists(st.tuples(st.integers(0, 20), st.integers(0, 10**9).map(D)), min_size=1, max_size=6,
                   unique_by=lambda pair: pair[0])


@st.composite
def tables(draw):
    count = draw(st.integers(1, 5))
    thresholds = sorted(draw(st.lists(st.integers(0, 10_000), min_size=count, max_size=count, unique=True)))
    rising = sorted(draw(st.lists(st.integers(0, 30_000), min_size=count, max_size=count)))
    steps = tuple(Step(D(t) / 100, D(p) / 100) for t, p in zip(thresholds, rising, strict=True))
    cap = draw(st.none() | percents)
    return AchievementTable(steps=steps, mode=draw(st.sampled_from(TABLE_MODES)), cap=cap,
                            below=draw(st.sampled_from(BELOW_MODES)))


# --- shares ----------------------------------------------------------------------------------------------------------


@PROPERTY
@given(amount=won, investors=weights, unit=units, data=st.data())
def test_shares_add_up_to_the_amount_and_only_the_named_investor_gets_the_leftover(amount, investors, unit, data):
    whole = sum((weight for _key, weight in investors), D(0))
    assume(whole or not amount)
    named = data.draw(st.sampled_from([key for key, _weight in investors]))
    shares = pro_rata(amount, investors, leftover_to=named, unit=unit)
    assert sum((share for _key, share in shares.shares), D(0)) == shares.total == amount
    receiver = named if dict(investors)[named] else next((key for key, weight in investors if weight), None)
    for key, weight in investors:
        floor_share = amount * weight // (whole * unit) * unit if whole else D(0)
        if key == receiver:
            # The leftover is less than one unit per investor.
            assert floor_share <= shares[key] < floor_share + unit * len(investors)
        else:
            assert shares[key] == floor_share


@PROPERTY
@given(investors=weights, unit=units, data=st.data())
def test_a_capital_call_never_exceeds_the_commitments_together(investors, unit, data):
    whole = sum((weight for _key, weight in investors), D(0))
    amount = data.draw(st.integers(0, int(whole)).map(D))
    call = capital_call(amount, investors, leftover_to=investors[0][0], unit=unit)
    assert call.total == amount <= whole
    assert all(0 <= share <= dict(investors)[key] for key, share in call.shares)


# --- payment terms ---------------------------------------------------------------------------------------------------


@PROPERTY
@given(table=tables(), principal=won, low=achievements, high=achievements)
def test_a_table_pays_more_for_a_better_result_and_never_above_its_ceiling(table, principal, low, high):
    low, high = min(low, high), max(low, high)
    at_low = table.pay(principal=principal, achievement=low)
    at_high = table.pay(principal=principal, achievement=high)
    assert 0 <= at_low.amount <= at_high.amount
    assert at_low.percent <= at_high.percent <= table.ceiling
    assert at_high.amount <= principal * table.ceiling // 100


@PROPERTY
@given(table=tables(), principal=won, achievement=achievements)
def test_linear_interpolation_never_pays_less_than_the_step_reached(table, principal, achievement):
    stepwise = AchievementTable(steps=table.steps, mode="stepwise", cap=table.cap, below=table.below)
    linear = AchievementTable(steps=table.steps, mode="linear", cap=table.cap, below=table.below)
    stepped = stepwise.pay(principal=principal, achievement=achievement).amount
    assert stepped <= linear.pay(principal=principal, achievement=achievement).amount
    # At a threshold the two agree.
    for step in table.steps:
        assert (stepwise.pay(principal=principal, achievement=step.threshold)
                == linear.pay(principal=principal, achievement=step.threshold))


@PROPERTY
@given(price=st.integers(0, 10**9).map(D), max_units=st.integers(0, 1_000).map(D),
       low=st.integers(0, 2_000).map(D), high=st.integers(0, 2_000).map(D))
def test_a_rate_card_is_monotone_and_capped(price, max_units, low, high):
    card = RateCard(price=price, max_units=max_units)
    low, high = min(low, high), max(low, high)
    assert card.pay(units=low).amount <= card.pay(units=high).amount <= price * max_units
    assert card.pay(units=high).amount == price * min(high, max_units)


@PROPERTY
@given(earned=won, paid=won, budget=won, final=st.booleans(), share=st.integers(0, 100).map(D))
def test_the_payment_due_never_breaks_the_budget(earned, paid, budget, final, share):
    assume(paid <= budget)
    due = payment_due(earned=earned, already_paid=paid, max_payment=budget, final=final, interim_percent=share)
    assert 0 <= due.due <= due.cap_left == budget - paid
    assert paid + due.due <= budget
    assert paid + due.due <= max(paid, earned)
    if final:
        # The final payment brings the total to what was earned, unless the budget or what was already paid
        # (never clawed back) says otherwise.
        assert paid + due.due == min(max(paid, earned), budget)


# --- distributions with classes --------------------------------------------------------------------------------------


@st.composite
def holdings(draw):
    count = draw(st.integers(1, 6))
    rows = []
    for index in range(count):
        paid_in = draw(st.integers(0, 10**6))
        returned = draw(st.integers(0, paid_in))
        rows.append(Holding(index, draw(st.sampled_from([SENIOR, JUNIOR])), D(paid_in), principal_returned=D(returned)))
    assume(any(row.paid_in for row in rows))
    return rows


@PROPERTY
@given(rows=holdings(), amount=st.integers(0, 5 * 10**6).map(D), unit=units,
       senior_return=st.integers(0, 50).map(D), split=st.none() | st.integers(0, 100).map(D), data=st.data())
def test_a_distribution_pays_out_exactly_the_amount_and_nobody_more_than_it_is_owed(rows, amount, unit,
                                                                                    senior_return, split, data):
    named = data.draw(st.sampled_from([row.investor for row in rows]))
    result = distribute_by_class(amount, rows, leftover_to=named, senior_return_percent=senior_return,
                                 senior_share_of_rest=split, unit=unit)
    assert sum((share.total for share in result.shares), D(0)) == result.total == amount
    assert sum((paid for _name, paid in result.steps), D(0)) == amount
    for row, share in zip(rows, result.shares, strict=True):
        assert share.investor == row.investor
        assert 0 <= share.principal <= row.paid_in - row.principal_returned
        defined = row.paid_in * senior_return // 100 if row.share_class == SENIOR else D(0)
        assert 0 <= share.senior_return <= defined
        assert share.rest >= 0


@PROPERTY
@given(rows=holdings(), amount=st.integers(0, 5 * 10**6).map(D), senior_return=st.integers(0, 50).map(D),
       data=st.data())
def test_the_senior_class_is_never_worse_off_than_the_junior(rows, amount, senior_return, data):
    # Fresh holdings (nothing returned yet). Up to the principal and the senior return, each senior recovers at least
    # the share of its paid-in capital that any junior does; a junior recovers anything only once every senior has
    # its principal back.
    rows = [Holding(row.investor, row.share_class, row.paid_in) for row in rows]
    named = data.draw(st.sampled_from([row.investor for row in rows]))
    result = distribute_by_class(amount, rows, leftover_to=named, senior_return_percent=senior_return)
    seniors = [(row, result[row.investor]) for row in rows if row.share_class == SENIOR and row.paid_in]
    juniors = [(row, result[row.investor]) for row in rows if row.share_class == JUNIOR and row.paid_in]
    if any(share.total for _row, share in juniors):
        assert all(share.principal == row.paid_in for row, share in seniors)
    claims = sum((row.paid_in + (row.paid_in * senior_return // 100 if row.share_class == SENIOR else 0)
                  for row in rows), D(0))
    if amount <= claims:
        for senior, senior_share in seniors:
            for junior, junior_share in juniors:
                assert Fraction(senior_share.total) / Fraction(senior.paid_in) >= (
                    Fraction(junior_share.total) / Fraction(junior.paid_in))


# --- IRR -------------------------------------------------------------------------------------------------------------


def npv(rate: Fraction, flows) -> float:
    """The NPV at ``rate``, Actual/365, in floats from exact fractions (independent of the engine's Decimal XNPV)."""
    start = min(on for on, _amount in flows)
    return math.fsum(float(amount) / (1 + float(rate)) ** ((on - start).days / 365) for on, amount in flows)


@PROPERTY
@given(invested=st.lists(st.integers(1, 10**9), min_size=1, max_size=3),
       received=st.lists(st.integers(0, 2 * 10**9), min_size=1, max_size=4),
       gaps=st.lists(st.integers(1, 800), min_size=7, max_size=7))
def test_the_irr_found_is_a_root_of_the_npv(invested, received, gaps):
    # Calls first, then distributions (a conventional investor's flows: one change of sign, so one root).
    assume(any(received))
    flows = []
    on = date(2016, 7, 1)
    for index, amount in enumerate([-value for value in invested] + received):
        flows.append((on, D(amount)))
        on += timedelta(days=gaps[index])
    found = xirr(flows)
    if found is None:
        return  # pyxirr found no rate the Decimal check accepts (extreme rates); never a wrong one
    assert found >= -1
    quantum = Fraction(1, 10**6)
    scale = float(max(abs(amount) for _on, amount in flows))
    # The NPV falls as the rate rises: positive below the root, negative above it (or zero within a float's error).
    # A rate rounded to -100 % (a near-total loss, paid back a won or so) has no rate below it to try.
    assert npv(Fraction(found) + quantum, flows) <= 1e-9 * scale
    if Fraction(found) - quantum > -1:
        assert npv(Fraction(found) - quantum, flows) >= -1e-9 * scale
