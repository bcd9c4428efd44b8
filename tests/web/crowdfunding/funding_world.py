"""The world of the funding pages' tests (portal campaigns, console pools and settlements, the roles matrix, the
browser paths): a Daegu contest in its funding phase today (screening ended yesterday, funding ends in 30 days; the
pages take today from the clock), an enterprise whose entry passed screening (a reward campaign) with its member,
another enterprise with its own member and campaign; a live campaign with reward tiers and pledges from named
backers; a matching pool with two funders; a campaign that ended and settled through the service (its pledges
charged and its match drawn as rows, with their journals, by ``tests.crowdfunding.settlement_world``), its pool
settled after it (a return owed to its funder), and closed campaigns not settled yet.

Writes that have a service go through it; rows the services need a whole story for are made as the services' own
tests make them."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import Any

from django.utils import timezone

from crowdfunding import services
from crowdfunding.models import Campaign, CampaignSettlement, Contest, Entry, MatchingPool, PoolReturn, RewardTier
from crowdfunding.services.campaign_settlement import campaign_settle, pool_settle
from enterprises.models import Enterprise, Institution
from tests.crowdfunding import settlement_world as sw
from tests.crowdfunding.campaign_factories import add_funder
from tests.crowdfunding.factories import ContestFactory, EntryFactory
from tests.factories import EnterpriseFactory, InstitutionFactory, ManagerFactory, MembershipFactory, UserFactory

TODAY = timezone.localdate()


def funding_dates(today: Any = TODAY) -> dict[str, Any]:
    """A contest's dates with its funding phase running today (screening ended yesterday)."""
    return {"call_opens_on": today - timedelta(days=60), "call_closes_on": today - timedelta(days=40),
            "screening_ends_on": today - timedelta(days=1), "funding_ends_on": today + timedelta(days=30),
            "final_ends_on": today + timedelta(days=50), "awards_end_on": today + timedelta(days=80)}


def _institution(name: str, kind: str) -> Institution:
    """The institution of that name (names are unique: another world may have made it), else a new one."""
    return Institution.objects.filter(name=name).first() or InstitutionFactory(name=name, kind=kind)


class FundingWorld:
    """The objects are made when first asked for."""

    def __init__(self) -> None:
        self.today = TODAY

    @cached_property
    def contest(self) -> Contest:
        return ContestFactory(name="대구 소셜 크라우드펀딩 대회 2027", code="daegu-funding-2027", phase="funding",
                              **funding_dates(self.today))

    @cached_property
    def enterprise(self) -> Enterprise:
        return EnterpriseFactory(name="동네 빵집 협동조합", province="daegu", district="중구")

    @cached_property
    def member(self) -> Any:
        return MembershipFactory(enterprise=self.enterprise).user

    @cached_property
    def other_enterprise(self) -> Enterprise:
        return EnterpriseFactory(name="마을 돌봄 식당", province="daegu", district="수성구")

    @cached_property
    def other_member(self) -> Any:
        return MembershipFactory(enterprise=self.other_enterprise).user

    @cached_property
    def entry(self) -> Entry:
        """The member's enterprise's entry that passed screening (a reward campaign), without a campaign yet."""
        return EntryFactory(contest=self.contest, enterprise=self.enterprise, state=Entry.State.ADVANCED,
                            title="동네 빵집 나눔 프로젝트", campaign_type="reward", target_amount=10_000_000)

    def draft(self, entry: Entry | None = None, actor: Any = None) -> Campaign:
        """A draft campaign of ``entry`` (the member's by default) through the service: 10,000,000 won, from
        today to the 20th day."""
        entry = entry or self.entry
        return services.campaign_create(
            entry_id=entry.pk, actor=actor or self.member, title=entry.title,
            story="지역 농산물로 빵을 굽고 결식아동과 나눕니다.", mode="aon", target=10_000_000, min_pledge=1_000,
            max_per_backer=None, starts_on=self.today, ends_on=self.today + timedelta(days=20), on_date=self.today)

    @cached_property
    def own_draft(self) -> Campaign:
        campaign = self.draft()
        services.reward_create(campaign_id=campaign.pk, actor=self.member, on_date=self.today, title="나눔 빵 꾸러미",
                               price=30_000, stock=50, description="갓 구운 빵 5종")
        return campaign

    @cached_property
    def own_reward(self) -> RewardTier:
        return self.own_draft.rewards.get()

    @cached_property
    def other_campaign(self) -> Campaign:
        """The other enterprise's campaign, live."""
        entry = EntryFactory(contest=self.contest, enterprise=self.other_enterprise, state=Entry.State.ADVANCED,
                             title="마을 돌봄 식당 프로젝트", campaign_type="donation")
        campaign = self.draft(entry, actor=self.other_member)
        return services.campaign_launch(campaign_id=campaign.pk, actor=self.other_member, on_date=self.today)

    @cached_property
    def pool(self) -> MatchingPool:
        """매칭 펀드 (pledge matching, factor 1), funded by 대구광역시 (6,000,000) and 대구은행 (4,000,000)."""
        pool = services.pool_create(contest_id=self.contest.pk, actor=None, name="대구 매칭 펀드", rule="match",
                                    factor="1")
        add_funder(pool, 6_000_000, institution=_institution("대구광역시", Institution.Kind.MUNICIPALITY), position=0,
                   on=self.today)
        add_funder(pool, 4_000_000, institution=_institution("대구은행", Institution.Kind.BANK), position=1,
                   on=self.today)
        return pool

    @cached_property
    def funder(self) -> Any:
        return self.pool.funders.order_by("position").first()

    @cached_property
    def own_live(self) -> Campaign:
        """The member's enterprise's campaign, launched, with a reward of 2 and three pledges from named backers
        (rows), one holding the last reward."""
        campaign = services.campaign_launch(campaign_id=self.own_draft.pk, actor=self.member, on_date=self.today)
        reward = campaign.rewards.get()
        RewardTier.objects.filter(pk=reward.pk).update(stock=2)
        backers = (("김민지", 50_000, True), ("이서준", 30_000, True), ("박하은", 20_000, False))
        for name, amount, with_reward in backers:
            sw.pledge(campaign, amount, "reserved", backer=UserFactory(display_name=name),
                      reward=reward if with_reward else None)
            if with_reward:
                RewardTier.objects.filter(pk=reward.pk).update(claimed=reward.claimed + 1)
                reward.refresh_from_db()
        Campaign.objects.filter(pk=campaign.pk).update(backers=3)
        campaign.refresh_from_db()
        return campaign

    @cached_property
    def past_contest(self) -> Contest:
        """An earlier contest whose funding phase ended yesterday (in its final now), with a top-up pool funded by
        대구사회가치재단 (1,000,000)."""
        today, day = self.today, timedelta(days=1)
        contest = ContestFactory(name="대구 소셜 크라우드펀딩 대회 2026 (하반기)", code="daegu-funding-2026b",
                                 phase="final", call_opens_on=today - 100 * day, call_closes_on=today - 80 * day,
                                 screening_ends_on=today - 40 * day, funding_ends_on=today - day,
                                 final_ends_on=today + 20 * day, awards_end_on=today + 50 * day)
        pool = MatchingPool.objects.create(contest=contest, name="목표 채움 펀드", rule="top_up",
                                           top_up_threshold_percent=70)
        add_funder(pool, 1_000_000, institution=_institution("대구사회가치재단", Institution.Kind.PUBLIC_INSTITUTION),
                   on=today - 50 * day)
        return contest

    @cached_property
    def own_settled(self) -> CampaignSettlement:
        """The member's enterprise's entry in ``past_contest``: its keep-it-all campaign of 1,000,000 ended
        yesterday, two pledges charged (600,000 and 300,000), a top-up of 100,000 drawn from the contest's pool;
        settled through the service today: net payout 900,000 - fees + 100,000."""
        contest = self.past_contest
        entry = EntryFactory(contest=contest, enterprise=self.enterprise, state=Entry.State.ADVANCED,
                             title="빵 나눔 2차", campaign_type="donation")
        campaign = Campaign.objects.create(
            entry=entry, contest=contest, enterprise=self.enterprise, title="빵 나눔 2차", mode="kia",
            target=1_000_000, min_pledge=1_000, starts_on=self.today - timedelta(days=30),
            ends_on=self.today - timedelta(days=1),
            state=Campaign.State.LIVE, launched_at=timezone.now())
        sw.charged(campaign, 600_000, on=self.today, backer=UserFactory(display_name="최도윤"))
        sw.charged(campaign, 300_000, on=self.today, backer=UserFactory(display_name="정하린"))
        sw.matched(contest.matching_pools.get(), campaign, 100_000, kind="top_up", on=self.today)
        Campaign.objects.filter(pk=campaign.pk).update(charged=900_000, backers=2)
        sw.close(campaign, Campaign.State.SUCCEEDED, on=self.today)
        return campaign_settle(campaign_id=campaign.pk, on_date=self.today)

    @cached_property
    def past_pool(self) -> MatchingPool:
        return self.past_contest.matching_pools.get()

    @cached_property
    def pool_return(self) -> PoolReturn:
        """The past contest's pool settled through the service today, once ``own_settled`` has: 1,000,000 paid in,
        100,000 drawn, 900,000 owed back to 대구사회가치재단 (not paid yet)."""
        assert self.own_settled.pk  # the pool settles after its campaign
        return pool_settle(pool_id=self.past_pool.pk, on_date=self.today)[0]

    def closed(self, title: str = "마을 돌봄 식당 2차") -> Campaign:
        """A keep-it-all campaign of the past contest (the other enterprise's) that ended yesterday with a pledge of
        500,000 charged, closed (succeeded) and not settled yet."""
        entry = EntryFactory(contest=self.past_contest, enterprise=self.other_enterprise,
                             state=Entry.State.ADVANCED, title=title, campaign_type="donation")
        campaign = Campaign.objects.create(
            entry=entry, contest=self.past_contest, enterprise=self.other_enterprise, title=title, mode="kia",
            target=400_000, min_pledge=1_000, starts_on=self.today - timedelta(days=30),
            ends_on=self.today - timedelta(days=1), state=Campaign.State.LIVE, launched_at=timezone.now())
        sw.charged(campaign, 500_000, on=self.today, backer=UserFactory(display_name="한지우"))
        Campaign.objects.filter(pk=campaign.pk).update(charged=500_000, backers=1)
        return sw.close(campaign, Campaign.State.SUCCEEDED, on=self.today)

    @cached_property
    def manager(self) -> Any:
        return ManagerFactory(username="manager.funding")
