"""Rows for the campaigns' and matching pools' tests, made directly (the services are tested on their own): a live
all-or-nothing campaign of an advanced entry in the standard contest's funding phase (2026-04-21 to 2026-06-30),
reward tiers, and a matching pool with funders whose money is in the contest's book.

Pledges made here are rows only (no payment provider, no counters moved, no match): tests of what the pledge
services do make pledges through the services.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import factory

from crowdfunding import accounts as chart
from crowdfunding.models import Campaign, Contest, Entry, MatchingPool, PoolFunder, PoolFunding, RewardTier
from enterprises.models import Institution
from ledger.services import credit, debit, journal_post
from tests.factories import InstitutionFactory

from .factories import SCREENING_ENDS, EntryFactory

FUNDING_STARTS = date(2026, 4, 21)  # the day after the standard contest's screening ends
CAMPAIGN_ENDS = date(2026, 6, 20)
LAUNCHED_AT = datetime(2026, 4, 21, 0, 5, tzinfo=UTC)
assert FUNDING_STARTS > SCREENING_ENDS


class CampaignFactory(factory.django.DjangoModelFactory):
    """A live all-or-nothing campaign of 10,000,000 won of an entry that passed screening, in a contest in its
    funding phase. ``state="draft"`` for one not yet launched."""

    class Meta:
        model = Campaign

    entry = factory.SubFactory(EntryFactory, contest__phase="funding", state=Entry.State.ADVANCED)
    contest = factory.SelfAttribute("entry.contest")
    enterprise = factory.SelfAttribute("entry.enterprise")
    title = factory.SelfAttribute("entry.title")
    story = "지역 농산물로 빵을 굽고 결식아동과 나눕니다. 후원금은 제빵 설비와 원재료에 씁니다."
    mode = "aon"
    target = 10_000_000
    min_pledge = 1_000
    starts_on = FUNDING_STARTS
    ends_on = CAMPAIGN_ENDS
    state = Campaign.State.LIVE
    launched_at = factory.LazyAttribute(lambda o: None if o.state == Campaign.State.DRAFT else LAUNCHED_AT)


def campaign(contest: Contest, **fields: Any) -> Campaign:
    """A campaign (CampaignFactory's) of a new advanced entry in ``contest``."""
    entry_fields = {key.removeprefix("entry__"): fields.pop(key) for key in list(fields) if key.startswith("entry__")}
    entry = EntryFactory(contest=contest, state=Entry.State.ADVANCED, **entry_fields)
    return CampaignFactory(entry=entry, **fields)


class RewardTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RewardTier

    campaign = factory.SubFactory(CampaignFactory)
    title = factory.Sequence(lambda n: f"나눔 빵 꾸러미 {n}")
    description = "갓 구운 빵 5종과 감사 카드"
    price = 30_000
    stock = 100


def pool(contest: Contest, *, funders: tuple[int, ...] = (100_000_000,), rule: str = "match",
         on: date = date(2026, 4, 1), **fields: Any) -> MatchingPool:
    """A matching pool of ``contest`` with one funder per amount in ``funders`` (public institutions, in that order),
    each amount paid in and posted to the contest's book."""
    made = MatchingPool.objects.create(contest=contest, name=fields.pop("name", f"매칭 펀드 {rule}"), rule=rule,
                                       **fields)
    for position, amount in enumerate(funders):
        add_funder(made, amount, position=position, on=on)
    return made


def add_funder(matching_pool: MatchingPool, amount: int, *, institution: Institution | None = None,
               position: int = 0, on: date = date(2026, 4, 1)) -> PoolFunder:
    """A funder of the pool, with ``amount`` paid in (nothing when 0)."""
    institution = institution or InstitutionFactory(kind=Institution.Kind.PUBLIC_INSTITUTION)
    book = matching_pool.contest.book
    account = chart.opened(book, chart.pool_funder_code(matching_pool.pk, institution.pk),
                           f"매칭 재원 {institution.name}", "asset", no_overdraft=True)
    funder = PoolFunder.objects.create(pool=matching_pool, institution=institution, committed=amount,
                                       position=position, account=account)
    if amount:
        contribution = chart.opened(book, chart.pool_contribution_code(matching_pool.pk, institution.pk),
                                    f"매칭 출연 {institution.name}", "equity")
        key = f"test-pool-{funder.pk}-{PoolFunding.objects.filter(funder=funder).count() + 1}"
        posted = journal_post(lines=[debit(funder.account, amount), credit(contribution, amount)],
                              kind="pool.funding", effective_date=on, idempotency_key=f"pool:{funder.pk}:{key}")
        PoolFunding.objects.create(funder=funder, amount=amount, received_on=on, journal=posted.journal,
                                   idempotency_key=key)
    return funder
