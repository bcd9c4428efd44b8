"""Backers racing on PostgreSQL (threads released together, each on its own connection, the stand-in provider
answering them all): the last units of a reward are never oversold, and a backer's cap holds under a race; what the
provider did for a refused pledge is undone there (its billing key deleted)."""

from __future__ import annotations

import traceback
import uuid
from typing import Any

import pytest

from core.errors import InvalidState
from crowdfunding.models import BackerTotal, Pledge
from crowdfunding.services import pledge_create
from tests.concurrency import run_together
from tests.factories import BackerFactory

from .campaign_factories import CampaignFactory, RewardTierFactory
from .pledge_helpers import ON, aon_payment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _quick_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def refused_after_the_provider(exc: BaseException) -> bool:
    """Refused by the transaction that writes (the provider had acted), not by the checks before it."""
    return any(frame.name == "write" for frame in traceback.extract_tb(exc.__traceback__))


def deleted_customers(provider: Any) -> set[str]:
    return {e["data"]["customerKey"] for e in provider.events() if e["eventType"] == "BILLING_KEY_DELETED"}


def test_twenty_backers_race_for_the_last_three_units_of_a_reward(payment_provider):
    campaign = CampaignFactory()
    reward = RewardTierFactory(campaign=campaign, price=30_000, stock=10, claimed=7)
    backers = [BackerFactory() for _ in range(20)]
    payments = [aon_payment(payment_provider, backer) for backer in backers]

    results = run_together(20, lambda i: pledge_create(
        campaign_id=campaign.pk, actor=backers[i], amount=30_000, reward_id=reward.pk, payment=payments[i],
        idempotency_key=uuid.uuid4().hex, on_date=ON), expected=(InvalidState,))

    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [(i, r) for i, r in enumerate(results) if isinstance(r, BaseException)]
    assert len(won) == 3 and len(lost) == 17
    assert all(list(exc.fields) == ["reward"] for _i, exc in lost)
    reward.refresh_from_db()
    campaign.refresh_from_db()
    assert (reward.claimed, Pledge.objects.count(), campaign.backers, campaign.pledged.amount) == (10, 3, 3, 90_000)
    undone = {payments[i]["customer_key"] for i, exc in lost if refused_after_the_provider(exc)}
    assert deleted_customers(payment_provider) == undone  # every key issued for a refused pledge, and no other


def test_a_backers_cap_holds_when_its_pledges_race(payment_provider):
    campaign = CampaignFactory(max_per_backer=50_000)
    backer = BackerFactory()
    payments = [aon_payment(payment_provider, backer) for _ in range(6)]

    results = run_together(6, lambda i: pledge_create(
        campaign_id=campaign.pk, actor=backer, amount=20_000, reward_id=None, payment=payments[i],
        idempotency_key=f"race-{i}", on_date=ON), expected=(InvalidState,))

    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [(i, r) for i, r in enumerate(results) if isinstance(r, BaseException)]
    assert len(won) == 2 and all(list(exc.fields) == ["amount"] for _i, exc in lost)
    total = BackerTotal.objects.get(campaign=campaign, backer=backer)
    assert (total.pledged.amount, total.live_pledges) == (40_000, 2)
    undone = {payments[i]["customer_key"] for i, exc in lost if refused_after_the_provider(exc)}
    assert deleted_customers(payment_provider) == undone
