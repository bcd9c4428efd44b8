"""The world of the public campaign pages' tests, dated around today (the pages read the clock): a contest of Daegu in
its funding phase with three launched campaigns and a draft, a matching pool of two funders (1:1, 20,000 won a
pledge at most), a verified backer, a backer not verified yet and a backer of someone else's pledges; rows made as
the factories make them (the services are tested on their own), pledges through the pledge service with the
provider's stand-in."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import cached_property
from typing import Any

from django.utils import timezone

from crowdfunding.models import Campaign, Contest, Entry, MatchingPool, Pledge, RewardTier
from crowdfunding.services import pledge_create
from enterprises.models import Institution
from tests.crowdfunding.campaign_factories import CampaignFactory, RewardTierFactory, pool
from tests.crowdfunding.factories import ContestFactory, EntryFactory
from tests.crowdfunding.pledge_helpers import aon_payment, kia_payment
from tests.factories import BackerFactory, EnterpriseFactory, InstitutionFactory, UnverifiedBackerFactory
from tests.payments import CARD_OK, ProviderClient

TODAY = timezone.localdate()


class PublicWorld:
    def __init__(self) -> None:
        self.today = timezone.localdate()

    @cached_property
    def contest(self) -> Contest:
        t = self.today
        return ContestFactory(
            code="daegu-funding", name="대구 소셜 크라우드펀딩 대회", phase="funding",
            host=InstitutionFactory(name="대구광역시", kind=Institution.Kind.MUNICIPALITY),
            call_opens_on=t - timedelta(days=60), call_closes_on=t - timedelta(days=40),
            screening_ends_on=t - timedelta(days=20), funding_ends_on=t + timedelta(days=30),
            final_ends_on=t + timedelta(days=45), awards_end_on=t + timedelta(days=60))

    def campaign(self, title: str, *, mode: str = "aon", target: int = 10_000_000, **fields: Any) -> Campaign:
        entry = EntryFactory(contest=self.contest, state=Entry.State.ADVANCED, title=title,
                             enterprise=EnterpriseFactory(name=fields.pop("enterprise", f"{title} 협동조합")),
                             **{k.removeprefix("entry__"): fields.pop(k) for k in list(fields)
                                if k.startswith("entry__")})
        return CampaignFactory(entry=entry, title=title, mode=mode, target=target,
                               starts_on=self.today - timedelta(days=19), ends_on=self.today + timedelta(days=20),
                               **fields)

    @cached_property
    def bakery(self) -> Campaign:
        """All or nothing, 10,000,000 won, two rewards (one sold out)."""
        return self.campaign("동네 빵집 나눔 프로젝트", enterprise="빵나눔 협동조합")

    @cached_property
    def rewards(self) -> list[RewardTier]:
        return [RewardTierFactory(campaign=self.bakery, title="나눔 빵 꾸러미", price=30_000, stock=50),
                RewardTierFactory(campaign=self.bakery, title="제빵 체험 교실", price=100_000, stock=2, claimed=2)]

    @cached_property
    def workshop(self) -> Campaign:
        """Keep it all, a donation campaign of 5,000,000 won."""
        return self.campaign("마을 목공 공방", mode="kia", target=5_000_000, enterprise="마을목공 사회적협동조합",
                             entry__campaign_type="donation")

    @cached_property
    def draft(self) -> Campaign:
        return self.campaign("아직 준비 중인 캠페인", state=Campaign.State.DRAFT)

    @cached_property
    def pool(self) -> MatchingPool:
        """1:1 up to 20,000 won a pledge, from 대구신용보증재단 (3,000,000) and 대구은행 (1,000,000)."""
        made = pool(self.contest, funders=(3_000_000, 1_000_000), name="대구 매칭 펀드", cap_per_pledge=20_000)
        names = ["대구신용보증재단", "대구은행"]
        for funder, name in zip(made.funders.order_by("position"), names, strict=True):
            Institution.objects.filter(pk=funder.institution_id).update(name=name)
        return made

    @cached_property
    def backer(self) -> Any:
        return BackerFactory(username="minji@example.kr", display_name="김민지", first_name="민지", last_name="김")

    @cached_property
    def other_backer(self) -> Any:
        return BackerFactory(username="junho@example.kr", display_name="이준호")

    @cached_property
    def unverified(self) -> Any:
        return UnverifiedBackerFactory(username="new@example.kr")

    def pledge(self, provider: ProviderClient, campaign: Campaign, backer: Any, amount: int, *,
               reward: RewardTier | None = None, card: str = CARD_OK) -> Pledge:
        payment = (aon_payment(provider, backer, card) if campaign.mode == "aon"
                   else kia_payment(provider, amount, card))
        made, _new = pledge_create(campaign_id=campaign.pk, actor=backer, amount=amount,
                                   reward_id=reward.pk if reward else None, payment=payment,
                                   idempotency_key=uuid.uuid4().hex, on_date=self.today)
        return made
