"""``core.engines.matching``: matching pools (매칭 펀드), with no database and no clock.

Every expected figure is worked out by hand in the comments from the rules (shares in proportion, rounded down, the
shortfall from the first funder that covers it; caps per pledge, campaign and backer; the trigger; the top-up;
linear quadratic funding with and without a cap), not read from the engine. The properties are in
``test_matching_properties.py``.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest

from core.engines.matching import (
    PledgeRule,
    Split,
    pledge_match,
    quadratic,
    raw_value,
    return_to_funders,
    split_across_funders,
    top_up,
)

D = Decimal


def ones(count):
    """A campaign's backers who gave 1 won each: (sum of sqrt 1)^2 - count = count^2 - count."""
    return {backer: D(1) for backer in range(count)}


# --- several funders ----------------------------------------------------------------------------------------------


def test_the_issues_example_a_match_of_100_takes_67_and_33():
    # 100 x 100 / 150 = 66.67 -> 66; 100 x 50 / 150 = 33.33 -> 33; 99 drawn, the shortfall of 1 from the first
    # funder (it has 100 - 66 = 34 more): 67 and 33.
    split = split_across_funders(D(100), [("city", D(100)), ("bank", D(50))])
    assert split == Split(shares=(("city", D(67)), ("bank", D(33))), total=D(100), exhausted=False)
    assert split["city"] == D(67) and split["bank"] == D(33)


def test_the_issues_example_a_match_of_160_exhausts_both_funders():
    # They hold 100 + 50 = 150 < 160: the draw is everything, 150.
    split = split_across_funders(D(160), [("city", D(100)), ("bank", D(50))])
    assert split == Split(shares=(("city", D(100)), ("bank", D(50))), total=D(150), exhausted=True)


def test_a_draw_of_exactly_what_the_funders_hold_is_not_exhausted():
    split = split_across_funders(D(150), [("city", D(100)), ("bank", D(50))])
    assert split.as_dict() == {"city": D(100), "bank": D(50)} and split.total == D(150) and not split.exhausted


def test_three_equal_funders_the_first_covers_the_shortfall():
    # 200 x 100 / 300 = 66.67 -> 66 each, 198 drawn; the shortfall of 2 from the first: 68, 66, 66.
    split = split_across_funders(D(200), [(1, D(100)), (2, D(100)), (3, D(100))])
    assert split.shares == ((1, D(68)), (2, D(66)), (3, D(66)))


def test_unit_ten_shares_are_tens_and_the_first_funder_covers_the_shortfall():
    # 100 x 100 / 150 = 66.67 -> 60; 100 x 50 / 150 = 33.33 -> 30; 90 drawn, the shortfall of 10 from the first
    # funder (100 - 60 = 40 >= 10): 70 and 30.
    split = split_across_funders(D(100), [("city", D(100)), ("bank", D(50))], unit=D(10))
    assert split.shares == (("city", D(70)), ("bank", D(30)))


def test_the_shortfall_comes_from_the_first_funder_that_can_cover_it_not_simply_the_first():
    # Unit 10: 50 x 7 / 107 = 3.27 -> 0; 50 x 100 / 107 = 46.73 -> 40; 40 drawn, shortfall 10. The first funder has
    # only 7 and cannot cover it; the second has 60 more: 0 and 50. The zero share is left out.
    split = split_across_funders(D(50), [("small", D(7)), ("large", D(100))], unit=D(10))
    assert split.shares == (("large", D(50)),)
    assert split["small"] == D(0)


def test_a_shortfall_no_single_funder_can_cover_is_taken_from_the_funders_in_order():
    # Unit 10: 40 x 15 / 45 = 13.33 -> 10 each, 30 drawn, shortfall 10. Each has 5 more, none covers 10: the first
    # gives 5 (15), the second 5 (15), the third nothing more (10).
    split = split_across_funders(D(40), [("a", D(15)), ("b", D(15)), ("c", D(15))], unit=D(10))
    assert split.shares == (("a", D(15)), ("b", D(15)), ("c", D(10)))
    assert split.total == D(40)


def test_a_funder_with_nothing_left_gives_nothing_and_is_left_out():
    split = split_across_funders(D(10), [("empty", D(0)), ("city", D(100))])
    assert split.shares == (("city", D(10)),)


def test_a_draw_of_nothing_takes_nothing():
    assert split_across_funders(D(0), [("city", D(100))]) == Split(shares=(), total=D(0), exhausted=False)
    assert split_across_funders(D(10), []) == Split(shares=(), total=D(0), exhausted=True)


def test_a_split_is_frozen():
    split = split_across_funders(D(100), [("city", D(100))])
    with pytest.raises(FrozenInstanceError):
        split.total = D(0)  # type: ignore[misc]


@pytest.mark.parametrize(("amount", "funders", "unit", "why"), [
    (D(-1), [("a", D(10))], D(1), "a negative amount"),
    (D("10.5"), [("a", D(10))], D(1), "a fraction of a won"),
    (10.0, [("a", D(10))], D(1), "a float"),
    (D("NaN"), [("a", D(10))], D(1), "not a number"),
    (D(10), [("a", D(-10))], D(1), "a negative balance"),
    (D(10), [("a", D(10)), ("a", D(5))], D(1), "a funder twice"),
    (D(10), [("a", D(10))], D(5), "a unit of 5"),
    (D(10), [("a", D(10))], D(0), "a unit of 0"),
])
def test_bad_splits_are_refused(amount, funders, unit, why):
    with pytest.raises(ValueError):
        split_across_funders(amount, funders, unit=unit)


# --- returning unspent money -------------------------------------------------------------------------------------


def test_unspent_money_goes_back_in_proportion_with_the_leftover_to_the_first_funder():
    # 1000 x 1 / 3 = 333.33 -> 333 each, 999; the leftover 1 to the first: 334, 333, 333.
    returned = return_to_funders(D(1000), [("city", D(1)), ("bank", D(1)), ("fund", D(1))])
    assert returned.shares == (("city", D(334)), ("bank", D(333)), ("fund", D(333)))
    assert returned.total == D(1000) and not returned.exhausted


def test_unspent_money_in_tens():
    # Contributed 300, 200, 100 (600); 1000: 500, 333.3 -> 330, 166.7 -> 160 = 990; the first gets 10 more: 510.
    returned = return_to_funders(D(1000), [("city", D(300)), ("bank", D(200)), ("fund", D(100))], unit=D(10))
    assert returned.shares == (("city", D(510)), ("bank", D(330)), ("fund", D(160)))


def test_the_leftover_goes_to_the_first_funder_that_contributed():
    # 5 x 1 / 2 = 2.5 -> 2 each, 4; the leftover 1 to "a", the first that gave anything.
    returned = return_to_funders(D(5), [("none", D(0)), ("a", D(1)), ("b", D(1))])
    assert returned.shares == (("a", D(3)), ("b", D(2)))


def test_nothing_to_return_returns_nothing_and_money_without_funders_is_refused():
    assert return_to_funders(D(0), [("a", D(0))]).shares == ()
    with pytest.raises(ValueError):
        return_to_funders(D(5), [("a", D(0))])
    with pytest.raises(ValueError):
        return_to_funders(D(5), [("a", D(1)), ("a", D(1))])


# --- pledge matching ----------------------------------------------------------------------------------------------

TARGET = D(3_000_000)


def match(rule, pledge, *, target=TARGET, campaign_got=0, backer_got=0, pool=10_000_000, before=0, backers=1):
    return pledge_match(rule, pledge=D(pledge), campaign_target=target, campaign_matched_so_far=D(campaign_got),
                        backer_matched_so_far=D(backer_got), pool_available=D(pool),
                        campaign_pledged_before=D(before), campaign_backers_after=backers)


def test_one_to_one_without_caps_matches_the_pledge():
    assert match(PledgeRule(), 10_000) == D(10_000)


def test_a_factor_of_a_half_is_rounded_down():
    # 10,001 x 0.5 = 5,000.5 -> 5,000
    assert match(PledgeRule(factor=D("0.5")), 10_001) == D(5_000)


def test_a_factor_of_two_doubles():
    assert match(PledgeRule(factor=D(2)), 15_000) == D(30_000)


def test_unit_ten_rounds_the_match_down_to_tens():
    # 12,345 x 1 = 12,345 -> 12,340
    assert match(PledgeRule(unit=D(10)), 12_345) == D(12_340)


def test_the_cap_per_pledge_limits_the_part_that_is_matched():
    # min(80,000, 50,000) x 1 = 50,000; x 2 = 100,000; a pledge under the cap is matched in full.
    assert match(PledgeRule(cap_per_pledge=D(50_000)), 80_000) == D(50_000)
    assert match(PledgeRule(cap_per_pledge=D(50_000), factor=D(2)), 80_000) == D(100_000)
    assert match(PledgeRule(cap_per_pledge=D(50_000)), 30_000) == D(30_000)


def test_the_cap_per_campaign_amount_less_what_the_campaign_already_got():
    rule = PledgeRule(cap_per_campaign_amount=D(300_000))
    # 300,000 - 280,000 = 20,000 left for the campaign; the pledge would bring 50,000.
    assert match(rule, 50_000, campaign_got=280_000) == D(20_000)
    assert match(rule, 50_000, campaign_got=300_000) == D(0)
    # A campaign above the cap (the cap was lowered) gets nothing, never a negative match.
    assert match(rule, 50_000, campaign_got=310_000) == D(0)


def test_the_cap_per_campaign_as_a_percent_of_the_target():
    # 10 % of 3,000,000 = 300,000; 300,000 - 290,000 = 10,000.
    rule = PledgeRule(cap_per_campaign_percent=D(10))
    assert rule.campaign_cap(TARGET) == D(300_000)
    assert match(rule, 50_000, campaign_got=290_000) == D(10_000)


def test_a_percent_cap_of_an_uneven_target_is_rounded_down_to_the_unit():
    # 10 % of 1,234,567 = 123,456.7 -> unit 10: 123,450; less 120,000 = 3,450.
    rule = PledgeRule(cap_per_campaign_percent=D(10), unit=D(10))
    assert rule.campaign_cap(D(1_234_567)) == D(123_450)
    assert match(rule, 10_000, target=D(1_234_567), campaign_got=120_000) == D(3_450)


def test_with_both_campaign_caps_the_smaller_applies():
    # 10 % of 3,000,000 = 300,000 against 250,000: 250,000 applies; 250,000 - 240,000 = 10,000.
    rule = PledgeRule(cap_per_campaign_amount=D(250_000), cap_per_campaign_percent=D(10))
    assert rule.campaign_cap(TARGET) == D(250_000)
    assert match(rule, 50_000, campaign_got=240_000) == D(10_000)
    # 5 % = 150,000 against 250,000: 150,000 applies; 150,000 - 140,000 = 10,000.
    rule = PledgeRule(cap_per_campaign_amount=D(250_000), cap_per_campaign_percent=D(5))
    assert match(rule, 50_000, campaign_got=140_000) == D(10_000)
    assert PledgeRule().campaign_cap(TARGET) is None


def test_the_cap_per_backer_less_what_the_backer_already_got():
    # 30,000 - 25,000 = 5,000 of the 10,000 the pledge would bring.
    rule = PledgeRule(cap_per_backer=D(30_000))
    assert match(rule, 10_000, backer_got=25_000) == D(5_000)
    assert match(rule, 10_000, backer_got=30_000) == D(0)


def test_funds_exhausted_the_match_is_what_the_pool_has_left():
    assert match(PledgeRule(), 10_000, pool=7_777) == D(7_777)
    # Unit 10: 7,777 -> 7,770; the 7 won stay in the pool.
    assert match(PledgeRule(unit=D(10)), 10_000, pool=7_777) == D(7_770)
    assert match(PledgeRule(), 10_000, pool=0) == D(0)


def test_the_smallest_of_all_the_limits_applies():
    # min(80,000, 50,000) x 2 = 100,000; campaign 300,000 - 230,000 = 70,000; backer 100,000 - 40,000 = 60,000;
    # pool 65,000: 60,000 (the backer's cap). With the backer's cap out of the way: 65,000 (the pool).
    rule = PledgeRule(factor=D(2), cap_per_pledge=D(50_000), cap_per_campaign_amount=D(300_000),
                      cap_per_backer=D(100_000))
    assert match(rule, 80_000, campaign_got=230_000, backer_got=40_000, pool=65_000) == D(60_000)
    assert match(rule, 80_000, campaign_got=230_000, backer_got=0, pool=65_000) == D(65_000)
    assert match(rule, 80_000, campaign_got=230_000, backer_got=0, pool=1_000_000) == D(70_000)


# The trigger: 25 % of a 1,000,000 target (250,000) and 10 unique backers, both counting the pledge itself.
TRIGGERED = PledgeRule(trigger_percent=D(25), trigger_backers=10)
MILLION = D(1_000_000)


def test_a_pledge_one_won_below_the_percent_trigger_is_not_matched():
    # 240,000 + 9,999 = 249,999 < 250,000
    assert match(TRIGGERED, 9_999, target=MILLION, before=240_000, backers=10) == D(0)


def test_the_pledge_that_reaches_the_percent_trigger_is_matched_in_full():
    # 240,000 + 10,000 = 250,000 = 25 %: matched, all 10,000 of it (not only the part above the threshold).
    assert match(TRIGGERED, 10_000, target=MILLION, before=240_000, backers=10) == D(10_000)
    assert match(TRIGGERED, 10_000, target=MILLION, before=500_000, backers=30) == D(10_000)


def test_a_pledge_with_one_backer_too_few_is_not_matched():
    # 250,000 reached, but 9 < 10 backers; the tenth backer's pledge is matched.
    assert match(TRIGGERED, 10_000, target=MILLION, before=240_000, backers=9) == D(0)
    assert match(TRIGGERED, 10_000, target=MILLION, before=240_000, backers=10) == D(10_000)


def test_without_a_trigger_the_first_pledge_is_matched():
    assert match(PledgeRule(), 1_000, target=MILLION, before=0, backers=1) == D(1_000)


def test_a_rule_is_frozen_and_checks_its_values():
    with pytest.raises(FrozenInstanceError):
        PledgeRule().factor = D(2)  # type: ignore[misc]
    for bad in ({"factor": D(-1)}, {"factor": 1.5}, {"cap_per_pledge": D("-1")}, {"cap_per_backer": D("0.5")},
                {"cap_per_campaign_percent": D(-10)}, {"trigger_percent": D("NaN")}, {"trigger_backers": -1},
                {"trigger_backers": True}, {"unit": D(3)}):
        with pytest.raises(ValueError):
            PledgeRule(**bad)


@pytest.mark.parametrize("bad", [{"pledge": D(-1)}, {"pledge": D("0.5")}, {"pool": -1}, {"campaign_got": -1},
                                 {"backers": 0}])
def test_bad_pledge_inputs_are_refused(bad):
    pledge = bad.pop("pledge", D(1000))
    with pytest.raises(ValueError):
        match(PledgeRule(), pledge, **bad)


# --- top-up -------------------------------------------------------------------------------------------------------

TEN_MILLION = D(10_000_000)


def topped(counted, *, target=TEN_MILLION, threshold=70, pool=5_000_000, unit=1):
    return top_up(counted=D(counted), target=D(target), threshold_percent=D(threshold), pool_available=D(pool),
                  unit=D(unit))


def test_a_campaign_at_the_threshold_gets_the_rest_of_its_target():
    # 70 % of 10,000,000 = 7,000,000: 10,000,000 - 7,000,000 = 3,000,000 from a pool of 5,000,000.
    assert topped(7_000_000) == D(3_000_000)


def test_a_campaign_one_won_below_the_threshold_gets_nothing():
    assert topped(6_999_999) == D(0)


def test_a_campaign_between_the_threshold_and_its_target_gets_the_rest():
    assert topped(8_500_000) == D(1_500_000)
    assert topped(9_999_999) == D(1)


def test_a_campaign_at_or_above_its_target_gets_nothing():
    assert topped(10_000_000) == D(0)
    assert topped(12_000_000) == D(0)


def test_the_top_up_is_limited_by_the_pool():
    # 3,000,000 wanted, 2,000,000 held.
    assert topped(7_000_000, pool=D(2_000_000)) == D(2_000_000)


def test_in_tens_the_top_up_is_rounded_up_to_reach_the_target_and_the_pool_down():
    # 10,000,000 - 7,000,005 = 2,999,995 -> up to 3,000,000 (rounded down, the campaign would end 5 won short).
    assert topped(7_000_005, unit=D(10)) == D(3_000_000)
    # A pool of 1,234,567 gives 1,234,560 in tens.
    assert topped(7_000_000, pool=D(1_234_567), unit=D(10)) == D(1_234_560)


def test_a_threshold_of_zero_tops_up_any_campaign_below_its_target():
    assert topped(0, threshold=D(0)) == D(5_000_000)  # the pool's 5,000,000 of the 10,000,000 wanted


@pytest.mark.parametrize("bad", [{"target": D(0)}, {"threshold": D(101)}, {"threshold": D(-1)},
                                 {"pool": D(-1)}, {"unit": D(7)}])
def test_bad_top_up_inputs_are_refused(bad):
    with pytest.raises(ValueError):
        topped(7_000_000, **bad)


# --- quadratic funding --------------------------------------------------------------------------------------------


def test_raw_values_by_hand():
    # Four backers of 1: (1 + 1 + 1 + 1)^2 - 4 = 12. One backer of 100: 10^2 - 100 = 0. 9 and 4: (3 + 2)^2 - 13 = 12.
    # 4 and 1: (2 + 1)^2 - 5 = 4. A backer of 0 is no backer: {0, 4} is one backer, 0.
    assert raw_value(ones(4)) == D(12)
    assert raw_value({"b": D(100)}) == D(0)
    assert raw_value({"b": D(9), "c": D(4)}) == D(12)
    assert raw_value({"b": D(4), "c": D(1)}) == D(4)
    assert raw_value({"b": D(0), "c": D(4)}) == D(0)
    assert raw_value({}) == D(0)
    # 2 and 3: (sqrt 2 + sqrt 3)^2 - 5 = 2 sqrt 6 = 4.89897948556635619639...
    assert abs(raw_value({"b": D(2), "c": D(3)}) - D("4.898979485566356196394568149411782783931894961313")) < D("1e-45")


def test_many_small_backers_beat_one_large_one():
    # A: four backers of 1, raw 12; B: one backer of 100, raw 0. A takes the whole pot of 1,000.
    result = quadratic({"A": ones(4), "B": {"b": D(100)}}, D(1000), None)
    assert dict(result.matches) == {"A": D(1000), "B": D(0)}
    assert result.leftover == D(0) and result.capped == frozenset()


def test_three_campaigns_without_a_cap_in_tens():
    # A: four of 1, raw 12; C: 4 and 1, raw 4; E: 9 and 16, (3 + 4)^2 - 25 = 24. Sum 40. Pot 999, unit 10:
    # A 999 x 12/40 = 299.7 -> 290; C 999 x 4/40 = 99.9 -> 90; E 999 x 24/40 = 599.4 -> 590. 970 paid, 29 left.
    result = quadratic({"A": ones(4), "C": {1: D(4), 2: D(1)}, "E": {1: D(9), 2: D(16)}}, D(999), None, unit=D(10))
    assert dict(result.matches) == {"A": D(290), "C": D(90), "E": D(590)}
    assert result.leftover == D(29)


def test_three_campaigns_with_an_irrational_raw_value():
    # A raw 12; B one backer, raw 0; C (2, 3) raw 2 sqrt 6. A's share 12 / (12 + 2 sqrt 6) = 6 / (6 + sqrt 6)
    # = (6 - sqrt 6) / 5; x 10,000 = 12,000 - 2,000 sqrt 6 = 12,000 - 4,898.98 = 7,101.02 -> 7,101.
    # C's = 10,000 - 7,101.02 = 2,898.98 -> 2,898. Leftover 10,000 - 9,999 = 1.
    result = quadratic({"A": ones(4), "B": {1: D(100)}, "C": {1: D(2), 2: D(3)}}, D(10_000), None)
    assert dict(result.matches) == {"A": D(7101), "B": D(0), "C": D(2898)}
    assert result.leftover == D(1)


def test_when_every_campaign_has_one_backer_the_whole_pot_is_left():
    result = quadratic({"A": {1: D(100)}, "B": {2: D(5)}, "C": {}}, D(1000), None)
    assert dict(result.matches) == {"A": D(0), "B": D(0), "C": D(0)}
    assert result.leftover == D(1000)


def test_a_cap_that_forces_redistribution_twice():
    # Raw: A seven of 1 = 49 - 7 = 42; B six of 1 = 30; C four of 1 = 12; D 9 and 4 = 12. Sum 96. Pot 960, cap 250.
    # Round 1: 960 / 96 = 10 a raw point: A 420, B 300, C 120, D 120. A > 250: A = 250.
    # Round 2: 710 left over B, C, D (raw 54): B 710 x 30 / 54 = 394.44 > 250: B = 250; C = D = 157.78.
    # Round 3: 460 left over C, D (raw 24): 230 each, under the cap. Matches 250, 250, 230, 230 = 960, nothing left.
    contributions = {"A": ones(7), "B": ones(6), "C": ones(4), "D": {1: D(9), 2: D(4)}}
    result = quadratic(contributions, D(960), D(250))
    assert dict(result.matches) == {"A": D(250), "B": D(250), "C": D(230), "D": D(230)}
    assert result.capped == frozenset({"A", "B"})
    assert result.leftover == D(0)
    assert dict(result.raw) == {"A": D(42), "B": D(30), "C": D(12), "D": D(12)}


def test_a_cap_with_rounding_left_in_the_pool():
    # The same campaigns, pot 1,000, cap 260. Round 1: A 1000 x 42/96 = 437.5 > 260: A = 260. Round 2: 740 over 54:
    # B 740 x 30/54 = 411.11 > 260: B = 260. Round 3: 480 over 24: C = D = 240. Unit 100: 260 -> 200, 240 -> 200.
    # 800 paid, 200 left.
    contributions = {"A": ones(7), "B": ones(6), "C": ones(4), "D": {1: D(9), 2: D(4)}}
    result = quadratic(contributions, D(1000), D(260))
    assert dict(result.matches) == {"A": D(260), "B": D(260), "C": D(240), "D": D(240)}
    in_hundreds = quadratic(contributions, D(1000), D(260), unit=D(100))
    assert dict(in_hundreds.matches) == {"A": D(200), "B": D(200), "C": D(200), "D": D(200)}
    assert in_hundreds.leftover == D(200)


def test_when_every_campaign_is_capped_the_rest_is_left():
    # A raw 12, C raw 4: 750 and 250 of 1,000, both above 100: 100 each, 800 left.
    result = quadratic({"A": ones(4), "C": {1: D(4), 2: D(1)}}, D(1000), D(100))
    assert dict(result.matches) == {"A": D(100), "C": D(100)}
    assert result.leftover == D(800) and result.capped == frozenset({"A", "C"})


def test_a_capped_campaign_leaves_its_excess_to_nobody_when_the_others_have_no_raw_value():
    # A raw 12 takes 1,000 > 300: 300; B (one backer) cannot take the rest: 700 left.
    result = quadratic({"A": ones(4), "B": {1: D(50)}}, D(1000), D(300))
    assert dict(result.matches) == {"A": D(300), "B": D(0)} and result.leftover == D(700)


def test_an_empty_round_leaves_the_pot():
    assert quadratic({}, D(500), None).leftover == D(500)


@pytest.mark.parametrize(("contributions", "pot", "cap", "unit"), [
    ({"A": {1: D(-1)}}, D(100), None, D(1)),
    ({"A": {1: D("0.5")}}, D(100), None, D(1)),
    ({"A": {1: 2.0}}, D(100), None, D(1)),
    ({"A": ones(2)}, D(-100), None, D(1)),
    ({"A": ones(2)}, D(100), D(-1), D(1)),
    ({"A": ones(2)}, D(100), None, D(2)),
])
def test_bad_quadratic_inputs_are_refused(contributions, pot, cap, unit):
    with pytest.raises(ValueError):
        quadratic(contributions, pot, cap, unit=unit)


def test_one_campaign_with_an_irrational_raw_value_takes_the_whole_pot():
    # Backers 1 and 2: raw (1 + sqrt 2)^2 - 3 = 2 sqrt 2, irrational. Alone, its share is 4 x r / r = 4 exactly; the
    # 50-digit quotient must not come out as 3.99...9 and lose a won to the rounding down.
    result = quadratic({"A": {1: D(1), 2: D(2)}}, D(4), None)
    assert dict(result.matches) == {"A": D(4)} and result.leftover == D(0)


def test_amounts_of_more_than_eighteen_digits_are_refused():
    with pytest.raises(ValueError):
        quadratic({"A": ones(2)}, D(10) ** 18, None)
    with pytest.raises(ValueError):
        split_across_funders(D(10) ** 18, [("a", D(1))])
