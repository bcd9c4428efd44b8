"""Pledges racing for a matching pool's last won on PostgreSQL: each thread has its own connection, they start
together at a barrier; each pledge's transaction locks its campaign, then the pool's funder accounts, and reads
their balances under the lock. The pool is never overdrawn at any point of its history, the matches add up to what
it held, and the ledger recomputes clean."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crowdfunding.models import Match
from ledger.models import Account
from tests.concurrency import never_went_below_zero, run_together
from tests.factories import UserFactory

from .campaign_factories import CampaignFactory, campaign, pool
from .matching_helpers import funder_balances, ledger_is_clean, pledge

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _quick_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_thirty_pledges_racing_for_the_pools_last_won_never_overdraw_it() -> None:
    first = CampaignFactory()
    campaigns = [first] + [campaign(first.contest) for _ in range(2)]
    # 250,000 in two funders; thirty pledges of 10,000 matched 1:1 ask for 300,000
    matching = pool(first.contest, funders=(150_000, 100_000))
    backers = [UserFactory() for _ in range(30)]
    results = run_together(30, lambda i: pledge(campaigns[i % 3], backers[i], 10_000))
    matched = [made.matched.amount for made in results]
    assert sum(matched) == 250_000
    assert sorted(matched) == [0] * 5 + [10_000] * 25
    assert funder_balances(matching) == [0, 0]
    for funder in matching.funders.all():
        assert never_went_below_zero(funder.account_id)
        drawn = sum((m.amount.amount for m in Match.objects.filter(funder=funder)), Decimal(0))
        assert drawn == funder.committed.amount
    for each in campaigns:
        each.refresh_from_db()
        held = Account.objects.get(book=each.contest.book, code=f"campaign:{each.pk}:matched").balance.amount
        assert each.matched.amount == held == sum(
            (m.amount.amount for m in Match.objects.filter(campaign=each)), Decimal(0))
    ledger_is_clean()
