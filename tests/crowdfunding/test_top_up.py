"""Top-up at a campaign's deadline (목표 채움, as Busan's BEF): a campaign that reached the pool's threshold of its
target (pledged + matched) gets the rest of its target, as much as the pool holds. Known answers by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from crowdfunding.models import Campaign, Match
from crowdfunding.services import top_up_campaign
from tests.factories import UserFactory

from .campaign_factories import CampaignFactory, pool
from .matching_helpers import PLEDGED_ON, funder_balances, krw, ledger_is_clean, matched_balance, pledge

pytestmark = pytest.mark.django_db
M = 1_000_000


def topped_up(campaign: Campaign) -> Decimal:
    """Run the top-up as the campaign's close does (the campaign locked); what it drew."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update(no_key=True).select_related("contest__book").get(pk=campaign.pk)
        drawn = top_up_campaign(campaign=locked, on_date=PLEDGED_ON)
    campaign.refresh_from_db()
    return sum((m.amount.amount for m in drawn), Decimal(0))


def test_a_campaign_at_the_threshold_gets_the_rest_of_its_target() -> None:
    live = CampaignFactory(target=10 * M, pledged=krw(7 * M))
    matching = pool(live.contest, funders=(2 * M, 2 * M), rule="top_up", top_up_threshold_percent=70)
    # 7,000,000 is 70 % of 10,000,000: the pool pays 3,000,000, 1,500,000 from each funder (2 : 2)
    assert topped_up(live) == 3 * M
    assert funder_balances(matching) == [500_000, 500_000]
    assert live.matched.amount == 3 * M == matched_balance(live)
    assert live.pledged.amount + live.matched.amount == live.target.amount
    assert set(Match.objects.filter(campaign=live).values_list("kind", flat=True)) == {"top_up"}
    ledger_is_clean()


def test_a_campaign_one_won_below_the_threshold_gets_nothing() -> None:
    live = CampaignFactory(target=10 * M, pledged=krw(7 * M - 1))
    pool(live.contest, funders=(5 * M,), rule="top_up", top_up_threshold_percent=70)
    assert topped_up(live) == 0 and live.matched.amount == 0


def test_a_campaign_at_or_above_its_target_gets_nothing() -> None:
    live = CampaignFactory(target=10 * M, pledged=krw(10 * M))
    pool(live.contest, funders=(5 * M,), rule="top_up", top_up_threshold_percent=70)
    assert topped_up(live) == 0


def test_matched_money_counts_toward_the_threshold_and_the_target() -> None:
    live = CampaignFactory(target=10 * M, pledged=krw(6_500_000))
    pool(live.contest, funders=(5 * M,))  # 1:1 matching
    pool(live.contest, funders=(5 * M,), rule="top_up", top_up_threshold_percent=70)
    pledge(live, UserFactory(), 500_000)  # 6,500,000 + 500,000 pledged, matched 1:1
    live.refresh_from_db()
    # pledged 7,000,000 + matched 500,000 = 7,500,000 (75 %): the top-up is 2,500,000
    assert (live.pledged.amount, live.matched.amount) == (7 * M, 500_000)
    assert topped_up(live) == 2_500_000
    assert live.matched.amount == 3 * M == matched_balance(live)
    ledger_is_clean()


def test_a_pool_holding_less_than_the_rest_gives_what_it_holds() -> None:
    live = CampaignFactory(target=10 * M, pledged=krw(8 * M))
    matching = pool(live.contest, funders=(600_000, 400_000), rule="top_up", top_up_threshold_percent=70)
    # the rest is 2,000,000; the pool holds 1,000,000: all of it, 600,000 and 400,000
    assert topped_up(live) == 1 * M
    assert funder_balances(matching) == [0, 0]


def test_a_second_top_up_pool_tops_up_only_what_the_first_left() -> None:
    live = CampaignFactory(target=10 * M, pledged=krw(8 * M))
    pool(live.contest, funders=(500_000,), rule="top_up", top_up_threshold_percent=70)
    pool(live.contest, funders=(5 * M,), rule="top_up", top_up_threshold_percent=70)
    # the first gives its 500,000 (8,500,000 counted), the second the 1,500,000 left
    assert topped_up(live) == 2 * M
    assert sorted(m.amount.amount for m in Match.objects.filter(campaign=live)) == [500_000, 1_500_000]


def test_a_top_up_run_twice_draws_once() -> None:
    live = CampaignFactory(target=10 * M, pledged=krw(9 * M))
    pool(live.contest, funders=(5 * M,), rule="top_up", top_up_threshold_percent=70)
    assert topped_up(live) == 1 * M
    assert topped_up(live) == 0
    assert live.matched.amount == 1 * M
    ledger_is_clean()
