"""Quadratic funding (이차 매칭, Gitcoin's linear QF) of a pool at the end of the funding phase, and its preview. The
arithmetic by hand:

- campaign A: four backers of 100 each: sum of roots 4 x 10 = 40, raw 40^2 - 400 = 1,200;
- campaign B: backers of 400 and 100: roots 20 + 10 = 30, raw 30^2 - 500 = 400;
- campaign C: one backer of 10,000: raw 100^2 - 10,000 = 0.

Raw values sum to 1,600; a pot of 10,000 gives A 10,000 x 1,200/1,600 = 7,500 and B 2,500, C nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.errors import InvalidState
from crowdfunding.models import Campaign, Match
from crowdfunding.selectors import quadratic_preview
from crowdfunding.services import pool_allocate_quadratic
from tests.factories import UserFactory

from .campaign_factories import CampaignFactory, campaign, pool
from .matching_helpers import funder_balances, ledger_is_clean, matched_balance, pledge

pytestmark = pytest.mark.django_db
CLOSED_ON = date(2026, 6, 21)
SHARED_ON = date(2026, 7, 1)


def backed(campaign_: Campaign, amounts: list[int], *, state: str = "charged") -> Campaign:
    for amount in amounts:
        pledge(campaign_, UserFactory(), amount, state=state)
    return campaign_


def close(*campaigns: Campaign, state: str = "succeeded") -> None:
    for closed in campaigns:
        Campaign.objects.filter(pk=closed.pk).update(state=state, closed_on=CLOSED_ON)


@pytest.fixture
def three():
    """Campaigns A, B and C of the docstring, each backer's pledge charged, the campaigns succeeded."""
    a = backed(CampaignFactory(title="A"), [100, 100, 100, 100])
    b = backed(campaign(a.contest, title="B"), [400, 100])
    c = backed(campaign(a.contest, title="C"), [10_000])
    close(a, b, c)
    return a, b, c


def shares(matching) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for match in Match.objects.filter(pool=matching, kind="quadratic").select_related("campaign"):
        totals[match.campaign.title] = totals.get(match.campaign.title, Decimal(0)) + match.amount.amount
    return totals


def test_without_a_cap_the_pot_is_shared_by_the_raw_values(three) -> None:
    a, _b, _c = three
    matching = pool(a.contest, funders=(6_000, 4_000), rule="quadratic")
    done = pool_allocate_quadratic(pool_id=matching.pk, on_date=SHARED_ON)
    assert done.created
    assert shares(matching) == {"A": 7_500, "B": 2_500}
    # A's 7,500 from funders holding 6,000 and 4,000: 4,500 and 3,000; B's 2,500 from the 1,500 and 1,000 left
    assert sorted((m.campaign.title, m.funder.position, m.amount.amount)
                  for m in Match.objects.filter(pool=matching).select_related("campaign", "funder")) == [
        ("A", 0, 4_500), ("A", 1, 3_000), ("B", 0, 1_500), ("B", 1, 1_000)]
    assert funder_balances(matching) == [0, 0]
    a.refresh_from_db()
    assert a.matched.amount == 7_500 == matched_balance(a)
    ledger_is_clean()


def test_a_cap_sets_the_largest_to_it_and_shares_its_excess_again(three) -> None:
    a, _b, _c = three
    matching = pool(a.contest, funders=(10_000,), rule="quadratic", qf_cap_per_campaign=6_000)
    pool_allocate_quadratic(pool_id=matching.pk, on_date=SHARED_ON)
    # A's 7,500 is above 6,000: A gets 6,000; the other 4,000 goes to B (the only other raw value), under the cap
    assert shares(matching) == {"A": 6_000, "B": 4_000}
    assert funder_balances(matching) == [0]


def test_a_cap_every_campaign_reaches_leaves_the_rest_in_the_pool(three) -> None:
    a, _b, _c = three
    matching = pool(a.contest, funders=(10_000,), rule="quadratic", qf_cap_per_campaign=3_000)
    pool_allocate_quadratic(pool_id=matching.pk, on_date=SHARED_ON)
    # A 7,500 -> 3,000; the 7,000 left all to B -> above 3,000 -> 3,000; 10,000 - 6,000 = 4,000 stays in the pool
    assert shares(matching) == {"A": 3_000, "B": 3_000}
    assert funder_balances(matching) == [4_000]


def test_what_rounding_leaves_stays_in_the_pool(three) -> None:
    a, _b, _c = three
    matching = pool(a.contest, funders=(10_001,), rule="quadratic")
    pool_allocate_quadratic(pool_id=matching.pk, on_date=SHARED_ON)
    # 10,001 x 3/4 = 7,500.75 -> 7,500; 10,001 / 4 = 2,500.25 -> 2,500; 1 won left
    assert shares(matching) == {"A": 7_500, "B": 2_500}
    assert funder_balances(matching) == [1]


def test_only_charged_pledges_of_campaigns_that_succeeded_count() -> None:
    a = backed(CampaignFactory(title="A"), [100, 100, 100, 100])
    pledge(a, UserFactory(), 900, state="cancelled")  # not charged: not counted
    b = backed(campaign(a.contest, title="B"), [400, 100])
    failed = backed(campaign(a.contest, title="F"), [100, 100, 100, 100])
    close(a, b)
    close(failed, state="failed")
    matching = pool(a.contest, funders=(10_000,), rule="quadratic")
    pool_allocate_quadratic(pool_id=matching.pk, on_date=SHARED_ON)
    assert shares(matching) == {"A": 7_500, "B": 2_500}


def test_a_second_allocation_changes_nothing(three) -> None:
    a, _b, _c = three
    matching = pool(a.contest, funders=(10_000,), rule="quadratic")
    pool_allocate_quadratic(pool_id=matching.pk, on_date=SHARED_ON)
    again = pool_allocate_quadratic(pool_id=matching.pk, on_date=SHARED_ON)
    assert not again.created and len(again.matches) == 2
    assert Match.objects.filter(pool=matching).count() == 2
    a.refresh_from_db()
    assert a.matched.amount == 7_500


def test_a_pool_is_not_shared_while_a_campaign_is_live() -> None:
    a = backed(CampaignFactory(title="A"), [100, 100])
    b = backed(campaign(a.contest, title="B"), [100, 100])
    close(a)
    matching = pool(a.contest, funders=(10_000,), rule="quadratic")
    with pytest.raises(InvalidState) as refused:
        pool_allocate_quadratic(pool_id=matching.pk, on_date=SHARED_ON)
    assert refused.value.fields == {"campaigns": [f"campaign {b.pk} is live"]}
    assert not Match.objects.exists()


def test_a_pool_is_not_shared_while_a_pledge_waits_for_its_charge() -> None:
    a = backed(CampaignFactory(title="A"), [100, 100])
    pledge(a, UserFactory(), 100, state="retrying")
    close(a)
    matching = pool(a.contest, funders=(10_000,), rule="quadratic")
    with pytest.raises(InvalidState) as refused:
        pool_allocate_quadratic(pool_id=matching.pk, on_date=SHARED_ON)
    assert "reserved or retrying" in refused.value.fields["campaigns"][0]


def test_a_pool_of_another_rule_is_not_shared_quadratically(three) -> None:
    a, _b, _c = three
    matching = pool(a.contest, funders=(10_000,))
    with pytest.raises(InvalidState):
        pool_allocate_quadratic(pool_id=matching.pk, on_date=SHARED_ON)


def test_the_preview_shows_what_the_pool_would_give_now_from_live_pledges_and_changes_nothing() -> None:
    a = backed(CampaignFactory(title="A"), [100, 100, 100, 100], state="reserved")
    b = backed(campaign(a.contest, title="B"), [400, 100], state="reserved")
    c = backed(campaign(a.contest, title="C"), [10_000], state="reserved")
    matching = pool(a.contest, funders=(10_000,), rule="quadratic", qf_cap_per_campaign=6_000)
    preview = quadratic_preview(contest_id=a.contest_id, as_of=date(2026, 6, 1))
    (line,) = preview.pools
    assert line.pool == matching and line.pot == 10_000 and line.leftover == 0
    got = {row.campaign.title: (row.contributions, row.sum_of_roots, row.raw, row.match, row.capped)
           for row in line.campaigns}
    assert got == {"A": (4, Decimal(40), Decimal(1200), 6_000, True), "B": (2, Decimal(30), Decimal(400), 4_000, False),
                   "C": (1, Decimal(100), Decimal(0), 0, False)}
    assert not Match.objects.exists() and funder_balances(matching) == [10_000]
    assert {c.pk, b.pk} <= {row.campaign.pk for row in line.campaigns}
