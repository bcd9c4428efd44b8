"""``core.engines.matching``: properties that must hold for any pool, checked with hypothesis (known answers are in
``test_matching.py``). Amounts are small enough to give ties, zero balances and rounding shortfalls, large enough to
give many digits of square roots.
"""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from core.engines.matching import (
    PledgeRule,
    pledge_match,
    quadratic,
    raw_value,
    return_to_funders,
    split_across_funders,
    top_up,
)

D = Decimal
PROPERTY = settings(max_examples=200, deadline=None)

won = st.integers(min_value=0, max_value=1_000_000).map(D)
small_won = st.integers(min_value=0, max_value=2_000).map(D)
units = st.sampled_from([D(1), D(10), D(100)])
funder_lists = st.lists(st.tuples(st.integers(0, 50), won), max_size=6, unique_by=lambda pair: pair[0])
backers = st.dictionaries(st.integers(0, 30), st.integers(0, 10_000).map(D), max_size=8)
rounds = st.dictionaries(st.sampled_from("ABCDEFG"), backers, max_size=7)


# --- splits -------------------------------------------------------------------------------------------------------


@PROPERTY
@given(amount=won, funders=funder_lists, unit=units)
def test_a_split_never_takes_more_than_a_funder_has_and_sums_to_what_can_be_drawn(amount, funders, unit):
    split = split_across_funders(amount, funders, unit=unit)
    left = dict(funders)
    holding = sum(left.values(), D(0))
    for funder, share in split.shares:
        assert D(0) < share <= left[funder]
    assert sum((share for _funder, share in split.shares), D(0)) == split.total == min(amount, holding)
    assert split.exhausted == (amount > holding)
    assert [funder for funder, _share in split.shares] == [funder for funder, _left in funders if split[funder]]


@PROPERTY
@given(amount=won, funders=funder_lists, unit=units)
def test_no_funder_gives_less_than_its_proportional_share_rounded_down(amount, funders, unit):
    # The rounding shortfall is only ever added, so each share is at least floor(amount x left / holding) in units.
    holding = sum((left for _funder, left in funders), D(0))
    split = split_across_funders(amount, funders, unit=unit)
    if amount < holding:
        for funder, left in funders:
            assert split[funder] >= (amount * left // (holding * unit)) * unit


@PROPERTY
@given(amount=won, funders=funder_lists, unit=units)
def test_returned_money_adds_up_to_the_amount(amount, funders, unit):
    if amount and not any(given for _funder, given in funders):
        return  # refused: nobody to return it to (a known answer in test_matching.py)
    returned = return_to_funders(amount, funders, unit=unit)
    assert sum((share for _funder, share in returned.shares), D(0)) == returned.total == amount
    contributed = dict(funders)
    whole = sum(contributed.values(), D(0))
    first = next((funder for funder, given in funders if given), None)
    for funder, share in returned.shares:
        proportional = amount * contributed[funder] // (whole * unit) * unit
        # Everyone but the first contributor gets exactly its rounded-down share; the first gets what is left over,
        # less than one unit per funder.
        if funder == first:
            assert proportional <= share < proportional + unit * len(funders)
        else:
            assert share == proportional


# --- pledge matching ----------------------------------------------------------------------------------------------

optional_won = st.one_of(st.none(), won)
rules = st.builds(
    PledgeRule,
    factor=st.sampled_from([D(0), D("0.5"), D(1), D("1.5"), D(2), D(3)]),
    cap_per_pledge=optional_won,
    cap_per_campaign_amount=optional_won,
    cap_per_campaign_percent=st.one_of(st.none(), st.integers(0, 200).map(D)),
    cap_per_backer=optional_won,
    trigger_percent=st.integers(0, 100).map(D),
    trigger_backers=st.integers(0, 20),
    unit=units,
)


@PROPERTY
@given(rule=rules, pledge=won, target=st.integers(1, 5_000_000).map(D), campaign_got=won, backer_got=won,
       pool=won, before=won, backers=st.integers(1, 40))
def test_a_match_is_never_above_the_pool_or_any_cap(rule, pledge, target, campaign_got, backer_got, pool, before,
                                                    backers):
    matched = pledge_match(rule, pledge=pledge, campaign_target=target, campaign_matched_so_far=campaign_got,
                           backer_matched_so_far=backer_got, pool_available=pool, campaign_pledged_before=before,
                           campaign_backers_after=backers)
    assert D(0) <= matched <= pool
    assert matched % rule.unit == 0
    base = pledge if rule.cap_per_pledge is None else min(pledge, rule.cap_per_pledge)
    assert matched <= base * rule.factor
    campaign_cap = rule.campaign_cap(target)
    if campaign_cap is not None:
        assert matched <= max(D(0), campaign_cap - campaign_got)
    if rule.cap_per_backer is not None:
        assert matched <= max(D(0), rule.cap_per_backer - backer_got)
    if (before + pledge) * 100 < rule.trigger_percent * target or backers < rule.trigger_backers:
        assert matched == 0


@PROPERTY
@given(pledge=won, pool=won, unit=units)
def test_without_caps_or_trigger_a_pledge_gets_its_match_or_whatever_the_pool_has(pledge, pool, unit):
    matched = pledge_match(PledgeRule(unit=unit), pledge=pledge, campaign_target=D(1_000_000),
                           campaign_matched_so_far=D(0), backer_matched_so_far=D(0), pool_available=pool,
                           campaign_pledged_before=D(0), campaign_backers_after=1)
    assert matched == min(pledge, pool) // unit * unit


# --- top-up -------------------------------------------------------------------------------------------------------


@PROPERTY
@given(counted=won, target=st.integers(1, 1_000_000).map(D), threshold=st.integers(0, 100).map(D), pool=won,
       unit=units)
def test_a_top_up_completes_the_target_at_most_and_never_overdraws_the_pool(counted, target, threshold, pool, unit):
    paid = top_up(counted=counted, target=target, threshold_percent=threshold, pool_available=pool, unit=unit)
    assert D(0) <= paid <= pool and paid % unit == 0
    if counted >= target or counted * 100 < threshold * target:
        assert paid == 0
    else:
        assert counted + paid < target + unit  # never more than the rest of the target, rounded up to the unit
        gap, step = int(target - counted), int(unit)
        assert paid == min(-(-gap // step) * step, int(pool) // step * step)  # Python ints: // floors


# --- quadratic funding --------------------------------------------------------------------------------------------


@PROPERTY
@given(contributions=rounds, pot=won, cap=st.one_of(st.none(), won), unit=units)
def test_quadratic_matches_never_exceed_the_pot_or_the_cap(contributions, pot, cap, unit):
    result = quadratic(contributions, pot, cap, unit=unit)
    assert set(result.matches) == set(contributions)
    assert result.total + result.leftover == pot and result.leftover >= 0
    for campaign, matched in result.matches.items():
        assert matched >= 0 and matched % unit == 0
        if cap is not None:
            assert matched <= cap
        if result.raw[campaign] == 0:
            assert matched == 0


@PROPERTY
@given(contributions=rounds, pot=won, cap=st.one_of(st.none(), won), unit=units)
def test_the_pot_is_spent_unless_rounding_every_campaign_capped_or_no_raw_value_keeps_it(contributions, pot, cap,
                                                                                         unit):
    result = quadratic(contributions, pot, cap, unit=unit)
    rounding = unit * len(contributions)  # at most one unit less per campaign
    open_ = [campaign for campaign, raw in result.raw.items() if raw > 0 and campaign not in result.capped]
    if not any(raw > 0 for raw in result.raw.values()):
        assert result.leftover == pot
    elif open_:
        assert result.leftover < rounding  # the uncapped campaigns share all the rest
    else:
        assert cap is not None
        assert result.leftover < pot - cap * len(result.capped) + rounding


@PROPERTY
@given(contributions=rounds, pot=won, cap=st.one_of(st.none(), won))
def test_quadratic_shares_follow_the_raw_values(contributions, pot, cap):
    # Between two uncapped campaigns, the one with the larger raw value never gets less (before rounding to 1 won,
    # the matches are in proportion to the raw values; rounding down keeps the order).
    result = quadratic(contributions, pot, cap)
    free = [campaign for campaign in result.matches if campaign not in result.capped]
    for first in free:
        for second in free:
            if result.raw[first] > result.raw[second]:
                assert result.matches[first] >= result.matches[second]
    for campaign in result.capped:  # a capped campaign got the cap, which no uncapped one exceeds
        assert result.matches[campaign] == cap
        assert all(result.matches[other] <= cap for other in free)


@PROPERTY
@given(backers_=backers, newcomer=st.integers(100, 200), amount=st.integers(0, 10_000).map(D))
def test_adding_a_backer_never_lowers_a_campaigns_raw_value(backers_, newcomer, amount):
    before = raw_value(backers_)
    after = raw_value({**backers_, newcomer: amount})
    assert after >= before
    if amount and any(backers_.values()):
        assert after > before  # a new backer who gives something, next to one who did, always adds


@PROPERTY
@given(contributions=rounds, pot=won, cap=st.one_of(st.none(), won), unit=units, seed=st.integers(0, 2**32))
def test_the_order_of_backers_and_campaigns_does_not_matter(contributions, pot, cap, unit, seed):
    shuffler = random.Random(seed)
    campaigns = list(contributions.items())
    shuffler.shuffle(campaigns)
    shuffled = {}
    for campaign, given_by in campaigns:
        pairs = list(given_by.items())
        shuffler.shuffle(pairs)
        shuffled[campaign] = dict(pairs)
    first = quadratic(contributions, pot, cap, unit=unit)
    second = quadratic(shuffled, pot, cap, unit=unit)
    assert dict(first.matches) == dict(second.matches)
    assert dict(first.raw) == dict(second.raw)
    assert first.leftover == second.leftover and first.capped == second.capped
