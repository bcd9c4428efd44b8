"""Pledges made, cancelled, declined out and closed through the pledge services, with the payment stand-in, draw on
and give back to the matching pools (the matching arithmetic itself: test_pledge_matching.py, test_top_up.py).

Two funders hold 100,000 and 50,000 won in a 1:1 pool. A pledge of 10,000 is matched 10,000: in proportion to
what each holds, 10,000 x 100/150 = 6,666.67 and 10,000 x 50/150 = 3,333.33, each rounded down (6,666 and 3,333),
the 1 won short taken from the first funder that can cover it: 6,667 and 3,333.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from crowdfunding.models import Match, Pledge
from crowdfunding.services import campaign_close, pledge_cancel, pledges_charge_due
from ledger.selectors import ledger_check
from tests.factories import BackerFactory
from tests.payments import CARD_INSUFFICIENT

from .campaign_factories import CampaignFactory, pool
from .pledge_helpers import AFTER, ON, pledge

pytestmark = pytest.mark.django_db


def balances(matching_pool) -> list[Decimal]:
    return [funder.account.balance.amount for funder in matching_pool.funders.select_related("account")]


def test_a_pledge_is_matched_from_both_funders_and_its_cancel_gives_each_its_share_back(payment_provider):
    campaign = CampaignFactory()
    matching = pool(campaign.contest, funders=(100_000, 50_000))
    backer = BackerFactory()

    made = pledge(payment_provider, campaign, backer, 10_000)

    assert made.matched.amount == 10_000
    assert sorted(Match.objects.filter(pledge=made).values_list("amount", flat=True)) == [3_333, 6_667]
    assert balances(matching) == [93_333, 46_667]
    campaign.refresh_from_db()
    assert (campaign.pledged.amount, campaign.matched.amount) == (10_000, 10_000)

    pledge_cancel(pledge_id=made.pk, actor=backer, on_date=ON)

    made.refresh_from_db()
    campaign.refresh_from_db()
    assert made.state == Pledge.State.CANCELLED and made.matched.amount == 0
    assert set(Match.objects.filter(pledge=made).values_list("state", flat=True)) == {Match.State.RETURNED}
    assert balances(matching) == [100_000, 50_000]
    assert (campaign.pledged.amount, campaign.matched.amount, campaign.backers) == (0, 0, 0)
    assert ledger_check().problems == []


def test_a_pledge_declined_out_after_success_gives_its_match_back(payment_provider):
    campaign = CampaignFactory(target=20_000)
    matching = pool(campaign.contest, funders=(100_000,))
    good, bad = BackerFactory(), BackerFactory()
    pledge(payment_provider, campaign, good, 10_000)
    declined = pledge(payment_provider, campaign, bad, 10_000, card=CARD_INSUFFICIENT)
    assert balances(matching) == [80_000]

    # 20,000 pledged + 20,000 matched >= 20,000: it succeeded; charges from the next day, 4 attempts for the card.
    assert campaign_close(campaign_id=campaign.pk, on_date=AFTER).state == "succeeded"
    for day in range(4):
        pledges_charge_due(on_date=AFTER.replace(day=AFTER.day + day))

    declined.refresh_from_db()
    assert (declined.state, declined.charge_attempts, declined.matched.amount) == ("cancelled", 4, 0)
    assert balances(matching) == [90_000]
    campaign.refresh_from_db()
    assert (campaign.pledged.amount, campaign.charged.amount, campaign.matched.amount) == (10_000, 10_000, 10_000)
    assert ledger_check().problems == []


def test_a_top_up_pool_carries_an_all_or_nothing_campaign_over_its_target_at_the_deadline(payment_provider):
    # Target 100,000; 75,000 pledged (75 % >= the 70 % threshold): the pool pays the last 25,000 and the campaign
    # succeeds. Without the pool it would fail (the next campaign, the same pledges, no top-up pool of its own).
    campaign = CampaignFactory(target=100_000)
    topping = pool(campaign.contest, funders=(30_000,), rule="top_up", top_up_threshold_percent=70,
                   name="부산형 목표 채움")
    topping.campaigns.add(campaign)
    other = CampaignFactory(target=100_000, entry__contest=campaign.contest)
    for backer_amount in (50_000, 25_000):
        pledge(payment_provider, campaign, BackerFactory(), backer_amount)
        pledge(payment_provider, other, BackerFactory(), backer_amount)

    assert campaign_close(campaign_id=campaign.pk, on_date=AFTER).state == "succeeded"
    assert campaign_close(campaign_id=other.pk, on_date=AFTER).state == "failed"

    campaign.refresh_from_db()
    assert campaign.matched.amount == 25_000
    assert list(Match.objects.filter(campaign=campaign).values_list("kind", "amount")) == [("top_up", 25_000)]
    assert balances(topping) == [5_000]
    assert set(Pledge.objects.filter(campaign=other).values_list("state", flat=True)) == {"released"}
    assert ledger_check().problems == []
