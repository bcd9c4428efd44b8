"""The funding phase's daily run (``crowdfunding.run_funding``): close, charge, share quadratic pools, settle
campaigns, settle pools; a second run the same day does nothing more.

These tests call h-pledges' ``campaigns_close_due`` and ``pledges_charge_due`` (crowdfunding/services/pledges.py)
and h-matching's ``pool_allocate_quadratic`` (crowdfunding/services/matching.py) through the run: they pass once
those branches are merged. The worlds need no payment provider: keep-it-all campaigns whose pledges were charged at
once (closing one calls no provider), so nothing is left to charge.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings

from crowdfunding import accounts as chart
from crowdfunding.models import Campaign, CampaignSettlement, MatchingPool, PoolReturn
from crowdfunding.tasks import run_funding_task
from ledger.models import Journal
from ledger.selectors import ledger_check
from tests.crowdfunding.campaign_factories import CampaignFactory, pool
from tests.factories import UserFactory

from .settlement_world import AFTER_FUNDING, balance, charged

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fees")]


@pytest.fixture
def fees():
    with override_settings(CROWDFUNDING_PLATFORM_FEE_RATE=Decimal("0.05"),
                           CROWDFUNDING_PAYMENT_FEE_RATE=Decimal("0.025"), CROWDFUNDING_FEE_UNIT=1):
        yield


def test_the_run_is_in_the_beat_schedule_after_the_phases():
    entry = settings.CELERY_BEAT_SCHEDULE["contest-funding-daily"]
    phases = settings.CELERY_BEAT_SCHEDULE["contest-phases-daily"]["schedule"]
    assert entry["task"] == "crowdfunding.run_funding"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {20})
    assert (phases.hour, phases.minute) == ({0}, {10})


def kia_world():
    """A live keep-it-all campaign past its deadline (2026-06-20) with 10,000 and 40,000 charged at once by two
    backers; a quadratic pool of 30,000 and an unused pledge-matching pool of 100,000 (a funder each)."""
    made = CampaignFactory(target=1_000_000, mode="kia")
    charged(made, 10_000, on=made.starts_on, backer=UserFactory())
    charged(made, 40_000, on=made.starts_on, backer=UserFactory())
    quadratic = pool(made.contest, funders=(30_000,), rule="quadratic")
    matching = pool(made.contest, funders=(100_000,))
    return made, quadratic, matching


def test_one_run_after_the_funding_phase_closes_shares_settles_and_gives_back():
    made, quadratic, matching = kia_world()
    report = run_funding_task(AFTER_FUNDING.isoformat())
    made.refresh_from_db()
    assert made.state == Campaign.State.SETTLED
    settlement = CampaignSettlement.objects.get(campaign=made)
    # One campaign alone in the quadratic pool: (sqrt 10,000 + sqrt 40,000)^2 - 50,000 = 300^2 - 50,000 = 40,000 > 0,
    # so it takes the whole pot, 30,000. Collected 50,000: fees 2,500 and 1,250; net 50,000 - 3,750 + 30,000.
    assert (settlement.quadratic.amount, settlement.net_payout.amount) == (30_000, 76_250)
    assert report["allocated"] == [quadratic.pk] and report["settled_campaigns"] == [made.pk]
    assert sorted(report["settled_pools"]) == sorted([quadratic.pk, matching.pk])
    assert set(MatchingPool.objects.values_list("state", flat=True)) == {"settled"}
    # The quadratic pool was spent whole; the matching pool's 100,000 is owed back to its funder.
    assert [int(r.amount.amount) for r in PoolReturn.objects.all()] == [100_000]
    assert balance(made, chart.funder_payable_code(matching.funders.get().institution_id)) == 100_000
    assert ledger_check().ok


def test_a_second_run_the_same_day_does_nothing_more():
    kia_world()
    run_funding_task(AFTER_FUNDING.isoformat())
    journals, settlements = Journal.objects.count(), CampaignSettlement.objects.count()
    report = run_funding_task(AFTER_FUNDING.isoformat())
    assert (Journal.objects.count(), CampaignSettlement.objects.count()) == (journals, settlements)
    assert report["allocated"] == [] and report["settled_campaigns"] == [] and report["settled_pools"] == []


def test_before_the_funding_phase_ends_the_campaign_settles_but_its_pools_wait():
    made, _quadratic, _matching = kia_world()
    report = run_funding_task("2026-06-22")
    made.refresh_from_db()
    assert made.state == Campaign.State.SETTLED and report["settled_pools"] == []
    assert set(MatchingPool.objects.values_list("state", flat=True)) == {"open"}
