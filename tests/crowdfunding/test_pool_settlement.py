"""Settling a matching pool: once its campaigns have settled, what is left on each funder's account goes back to it."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.errors import InvalidState
from crowdfunding import accounts as chart
from crowdfunding.models import Campaign, MatchingPool, PoolReturn
from crowdfunding.services.campaign_settlement import campaign_settle, pool_settle
from ledger.models import Journal
from ledger.selectors import ledger_check
from tests.crowdfunding.campaign_factories import CampaignFactory, campaign, pool

from .settlement_world import AFTER_FUNDING, SETTLE_ON, balance, charged, close, funder_of, matched

pytestmark = pytest.mark.django_db


def settled_world():
    """A pool of two funders, 600,000 and 400,000; a campaign drew 120,000 from the first and 80,000 from the second
    (a match of 200,000 split 60:40) and settled; a draft campaign of the contest takes no part."""
    made = CampaignFactory(target=100_000)
    matching = pool(made.contest, funders=(600_000, 400_000))
    first = charged(made, 100_000)
    matched(matching, made, 120_000, of=first, funder=funder_of(matching, 0))
    matched(matching, made, 80_000, of=first, funder=funder_of(matching, 1))
    close(made, Campaign.State.SUCCEEDED)
    campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)
    campaign(made.contest, state="draft")
    return made, matching


def test_each_funder_gets_back_what_is_left_on_its_account():
    made, matching = settled_world()
    returns = pool_settle(pool_id=matching.pk, on_date=AFTER_FUNDING)
    # left: 600,000 - 120,000 = 480,000 and 400,000 - 80,000 = 320,000 (still 60:40, as they put in)
    assert [(r.funder.position, int(r.amount.amount)) for r in returns] == [(0, 480_000), (1, 320_000)]
    for funder, left in zip(matching.funders.order_by("position"), (480_000, 320_000), strict=True):
        funder.account.refresh_from_db()
        assert funder.account.balance.amount == 0
        inst = funder.institution_id
        assert balance(made, chart.funder_payable_code(inst)) == left
        # what it put in, less what it returned: the 120,000 or 80,000 its pool granted
        assert balance(made, chart.pool_contribution_code(matching.pk, inst)) == {0: 120_000, 1: 80_000}[
            funder.position]
    assert balance(made, chart.POOLS_OUTGOING) == 200_000 + 800_000  # the campaign's matches and the returns
    matching.refresh_from_db()
    assert matching.state == MatchingPool.State.SETTLED and matching.settled_on == AFTER_FUNDING
    assert ledger_check().ok


def test_settling_a_pool_again_changes_nothing():
    _made, matching = settled_world()
    first = pool_settle(pool_id=matching.pk, on_date=AFTER_FUNDING)
    journals = Journal.objects.count()
    again = pool_settle(pool_id=matching.pk, on_date=AFTER_FUNDING)
    assert [r.pk for r in again] == [r.pk for r in first] and Journal.objects.count() == journals


def test_a_funder_with_nothing_left_gets_no_return():
    made = CampaignFactory(target=100_000)
    matching = pool(made.contest, funders=(50_000, 400_000))
    first = charged(made, 100_000)
    matched(matching, made, 50_000, of=first, funder=funder_of(matching, 0))
    close(made, Campaign.State.SUCCEEDED)
    campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)
    returns = pool_settle(pool_id=matching.pk, on_date=AFTER_FUNDING)
    assert [(r.funder.position, int(r.amount.amount)) for r in returns] == [(1, 400_000)]


def test_a_pool_waits_for_the_end_of_the_funding_phase():
    _made, matching = settled_world()
    with pytest.raises(InvalidState) as refused, translation.override("en"):
        pool_settle(pool_id=matching.pk, on_date=AFTER_FUNDING.replace(day=1, month=6))
    assert "2026-06-30" in str(refused.value)
    assert not PoolReturn.objects.exists()


def test_a_pool_waits_for_every_campaign_it_applies_to():
    made, matching = settled_world()
    live = campaign(made.contest)
    with pytest.raises(InvalidState) as refused, translation.override("en"):
        pool_settle(pool_id=matching.pk, on_date=AFTER_FUNDING)
    assert refused.value.fields == {"campaigns": [f"not settled: {live.pk}"]}
    matching.refresh_from_db()
    assert matching.state == MatchingPool.State.OPEN and not PoolReturn.objects.exists()
