"""Pledge matching (후원 매칭, as Goteo): each pledge draws its match from the pools of its contest, within the caps,
after the trigger, from the funders in proportion to what each has left; a match that goes back goes to its own
funder. Known answers worked out by hand in the comments, through the services and the ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crowdfunding.models import BackerTotal, Campaign, Match
from tests.factories import UserFactory

from .campaign_factories import CampaignFactory, campaign, pool
from .matching_helpers import cancel, drawn_by_funder, funder_balances, ledger_is_clean, matched_balance, pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def live() -> Campaign:
    """A live campaign with a target of 10,000,000."""
    return CampaignFactory()


def backers(count: int) -> list:
    return [UserFactory() for _ in range(count)]


def test_a_match_of_100_from_funders_holding_100_and_50_takes_67_and_33(live) -> None:
    matching = pool(live.contest, funders=(100, 50))
    made = pledge(live, UserFactory(), 100)
    # 100 x 100/150 = 66.67 -> 66, 100 x 50/150 = 33.33 -> 33; the shortfall of 1 from the first funder: 67 and 33
    assert drawn_by_funder(made) == [67, 33]
    assert made.matched.amount == 100
    assert funder_balances(matching) == [33, 17]
    ledger_is_clean()


def test_a_match_of_160_from_funders_holding_100_and_50_takes_everything_they_hold(live) -> None:
    matching = pool(live.contest, funders=(100, 50))
    made = pledge(live, UserFactory(), 160)
    # 1:1 asks 160; the pool holds 150 (funds exhausted): the match is 150, 100 and 50
    assert drawn_by_funder(made) == [100, 50]
    assert made.matched.amount == 150
    assert funder_balances(matching) == [0, 0]
    following = pledge(live, UserFactory(), 10_000)
    assert following.matched.amount == 0 and not following.matches.exists()
    ledger_is_clean()


def test_the_counters_of_the_pledge_the_campaign_and_the_backer_follow_the_matches(live) -> None:
    pool(live.contest, funders=(1_000_000,), factor=Decimal(2))
    backer = UserFactory()
    first, second = pledge(live, backer, 10_000), pledge(live, backer, 5_000)
    live.refresh_from_db()
    # 2:1: 20,000 and 10,000
    assert (first.matched.amount, second.matched.amount) == (20_000, 10_000)
    assert live.matched.amount == 30_000 == matched_balance(live)
    assert BackerTotal.objects.get(campaign=live, backer=backer).matched.amount == 30_000


def test_the_cap_per_pledge_limits_the_part_of_a_pledge_that_is_matched(live) -> None:
    pool(live.contest, funders=(1_000_000,), factor=Decimal(2), cap_per_pledge=10_000)
    # min(30,000, 10,000) x 2 = 20,000; a pledge of 4,000: 4,000 x 2 = 8,000
    assert pledge(live, UserFactory(), 30_000).matched.amount == 20_000
    assert pledge(live, UserFactory(), 4_000).matched.amount == 8_000


def test_a_half_match_is_rounded_down_to_the_pools_unit(live) -> None:
    pool(live.contest, funders=(1_000_000,), factor=Decimal("0.5"), unit=10)
    # 10,005 x 0.5 = 5,002.5 -> 5,000 (10 won unit, rounded down)
    assert pledge(live, UserFactory(), 10_005).matched.amount == 5_000


def test_the_cap_per_campaign_as_an_amount_stops_the_matching_at_it(live) -> None:
    pool(live.contest, funders=(1_000_000,), cap_per_campaign=25_000)
    # 10,000, 10,000, then 5,000 (25,000 - 20,000), then nothing
    assert [pledge(live, UserFactory(), 10_000).matched.amount for _ in range(4)] == [10_000, 10_000, 5_000, 0]
    other = campaign(live.contest)
    assert pledge(other, UserFactory(), 10_000).matched.amount == 10_000  # another campaign has its own cap
    ledger_is_clean()


def test_the_cap_per_campaign_as_a_percent_of_its_target(live) -> None:
    pool(live.contest, funders=(1_000_000,), cap_per_campaign_percent=Decimal("0.5"))
    # 0.5 % of 10,000,000 = 50,000: 30,000, then 20,000, then 0
    assert [pledge(live, UserFactory(), 30_000).matched.amount for _ in range(3)] == [30_000, 20_000, 0]


def test_with_both_campaign_caps_the_smaller_one_holds(live) -> None:
    pool(live.contest, funders=(1_000_000,), cap_per_campaign=40_000, cap_per_campaign_percent=Decimal("0.5"))
    # min(40,000, 50,000) = 40,000: 30,000 then 10,000
    assert [pledge(live, UserFactory(), 30_000).matched.amount for _ in range(2)] == [30_000, 10_000]


def test_the_cap_per_backer_counts_only_that_backers_matches(live) -> None:
    pool(live.contest, funders=(1_000_000,), cap_per_backer=15_000)
    first, second = UserFactory(), UserFactory()
    # the first backer: 10,000, then 5,000 (15,000 - 10,000), then 0; the second its own 10,000
    assert [pledge(live, first, 10_000).matched.amount for _ in range(3)] == [10_000, 5_000, 0]
    assert pledge(live, second, 10_000).matched.amount == 10_000


def test_a_pool_running_out_gives_what_is_left_then_nothing(live) -> None:
    matching = pool(live.contest, funders=(25_000,))
    # 10,000, 10,000, then the 5,000 left (funds exhausted), then nothing
    assert [pledge(live, UserFactory(), 10_000).matched.amount for _ in range(4)] == [10_000, 10_000, 5_000, 0]
    assert funder_balances(matching) == [0]
    ledger_is_clean()


def test_the_pledge_that_reaches_the_percent_after_the_backers_is_the_first_matched() -> None:
    live = CampaignFactory(target=1_000_000)
    pool(live.contest, funders=(1_000_000,), trigger_percent=10, trigger_backers=3)
    # 10,000 each: 1 %, 2 %, 3 % with 1, 2, 3 backers: below 10 %, not matched
    early = [pledge(live, backer, 10_000).matched.amount for backer in backers(3)]
    # a fourth backer's 70,000 takes the campaign to 100,000 = 10 % exactly, with 4 backers: matched in full
    crossing = pledge(live, UserFactory(), 70_000)
    assert early == [0, 0, 0] and crossing.matched.amount == 70_000
    # the earlier pledges are not matched afterwards; the next one is
    assert Match.objects.filter(campaign=live).count() == 1
    assert pledge(live, UserFactory(), 5_000).matched.amount == 5_000


def test_the_pledge_that_brings_the_last_backer_after_the_percent_is_the_first_matched() -> None:
    live = CampaignFactory(target=1_000_000)
    pool(live.contest, funders=(1_000_000,), trigger_percent=10, trigger_backers=3)
    # 150,000 = 15 % with 1 backer, then a second backer's 10,000 (16 %, 2 backers): not matched
    first, second = pledge(live, UserFactory(), 150_000), pledge(live, UserFactory(), 10_000)
    # the third backer crosses both thresholds: matched
    third = pledge(live, UserFactory(), 10_000)
    assert [first.matched.amount, second.matched.amount, third.matched.amount] == [0, 0, 10_000]


def test_several_pools_each_add_their_match_in_pool_order(live) -> None:
    whole = pool(live.contest, funders=(1_000_000,), name="1:1")
    half = pool(live.contest, funders=(1_000_000,), factor=Decimal("0.5"), name="1:0.5")
    made = pledge(live, UserFactory(), 10_000)
    # 10,000 from the first, 5,000 from the second
    assert [(m.pool_id, m.amount.amount) for m in made.matches.order_by("pk")] == [(whole.pk, 10_000),
                                                                                  (half.pk, 5_000)]
    assert made.matched.amount == 15_000


def test_a_pool_naming_campaigns_matches_only_theirs(live) -> None:
    other = campaign(live.contest)
    named = pool(live.contest, funders=(1_000_000,))
    named.campaigns.set([other])
    assert pledge(live, UserFactory(), 10_000).matched.amount == 0
    assert pledge(other, UserFactory(), 10_000).matched.amount == 10_000


def test_top_up_and_quadratic_pools_do_not_match_pledges(live) -> None:
    pool(live.contest, funders=(1_000_000,), rule="top_up", top_up_threshold_percent=70)
    pool(live.contest, funders=(1_000_000,), rule="quadratic")
    assert pledge(live, UserFactory(), 10_000).matched.amount == 0


def test_a_cancelled_pledges_match_goes_back_to_its_own_funders_and_can_be_drawn_again(live) -> None:
    matching = pool(live.contest, funders=(100, 50))
    backer = UserFactory()
    made = pledge(live, backer, 100)
    assert funder_balances(matching) == [33, 17]
    # the 67 goes back to the first funder, the 33 to the second
    assert cancel(made) == 100
    assert funder_balances(matching) == [100, 50]
    assert set(made.matches.values_list("state", flat=True)) == {"returned"}
    live.refresh_from_db()
    assert made.matched.amount == 0 and live.matched.amount == 0 == matched_balance(live)
    assert BackerTotal.objects.get(campaign=live, backer=backer).matched.amount == 0
    # the next pledge draws the same money again: 160 asks 160, the pool holds 150
    assert drawn_by_funder(pledge(live, UserFactory(), 160)) == [100, 50]
    ledger_is_clean()


def test_a_returned_match_frees_the_campaigns_and_the_backers_caps(live) -> None:
    pool(live.contest, funders=(1_000_000,), cap_per_campaign=10_000, cap_per_backer=10_000)
    backer = UserFactory()
    made = pledge(live, backer, 10_000)
    assert pledge(live, backer, 10_000).matched.amount == 0
    cancel(made)
    assert pledge(live, backer, 10_000).matched.amount == 10_000


def test_a_pledge_with_nothing_held_returns_nothing(live) -> None:
    made = pledge(live, UserFactory(), 10_000)
    assert cancel(made) == 0
    ledger_is_clean()
