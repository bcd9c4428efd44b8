"""What the contests' portal page tests share: a Daegu contest whose call is open today (the pages take today from
the clock), an enterprise of Daegu with its member, another Daegu enterprise with its own, a Seoul enterprise the
contest does not admit, a contest whose call has closed, and an award with its tranches, paid through the
services (a final decided and the award table set made directly, as the awards' own tests do)."""

from __future__ import annotations

import html
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from djmoney.money import Money

from crowdfunding import services
from crowdfunding.models import (
    AdvanceList,
    AdvanceListLine,
    Award,
    AwardTier,
    AwardTranche,
    Contest,
    Entry,
    EntryNotice,
    Round,
)
from enterprises.models import Enterprise, Institution
from tests.crowdfunding.factories import ContestFactory, EntryFactory, PartnerFactory, fund
from tests.factories import EnterpriseFactory, InstitutionFactory, ManagerFactory, MembershipFactory

TODAY = timezone.localdate()


def text(response: Any) -> str:
    """The page's HTML with its entities read."""
    return html.unescape(response.content.decode())


def in_english(client: Any) -> Any:
    """``client`` asking for the pages in English (the rules beside a field read as the services word them)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def pdf_file(name: str = "영수증.pdf", body: bytes = b"receipt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n" + body + b"\n%%EOF\n", content_type="application/pdf")


def dates_around(today: date) -> dict[str, date]:
    """A contest's dates with its call open on ``today``."""
    return {"call_opens_on": today - timedelta(days=10), "call_closes_on": today + timedelta(days=20),
            "screening_ends_on": today + timedelta(days=40), "funding_ends_on": today + timedelta(days=70),
            "final_ends_on": today + timedelta(days=90), "awards_end_on": today + timedelta(days=120)}


class World:
    """The objects are made when first asked for."""

    @cached_property
    def contest(self) -> Contest:
        """Open for entries today, with a partner (대구은행) that may recommend one."""
        contest = ContestFactory(name="대구 소셜 크라우드펀딩 대회", phase="call", **dates_around(TODAY))
        PartnerFactory(contest=contest, institution=InstitutionFactory(kind=Institution.Kind.BANK, name="대구은행"))
        return contest

    @cached_property
    def partner(self) -> Institution:
        return self.contest.partners.get().institution

    @cached_property
    def closed_call(self) -> Contest:
        """A contest in screening: its call closed before today."""
        past = {key: value - timedelta(days=35) for key, value in dates_around(TODAY).items()}
        return ContestFactory(name="지난 대회", phase="screening", **past)

    @cached_property
    def enterprise(self) -> Enterprise:
        return EnterpriseFactory(name="가나다 협동조합", province="daegu", district="중구")

    @cached_property
    def member(self) -> Any:
        return MembershipFactory(enterprise=self.enterprise).user

    @cached_property
    def other_enterprise(self) -> Enterprise:
        return EnterpriseFactory(name="다른 사회적기업", province="daegu", district="수성구")

    @cached_property
    def other_member(self) -> Any:
        return MembershipFactory(enterprise=self.other_enterprise).user

    @cached_property
    def seoul_member(self) -> Any:
        """A member of a Seoul enterprise: the Daegu contest does not admit it."""
        return MembershipFactory(enterprise=EnterpriseFactory(name="서울 마을기업", province="seoul")).user

    def entry(self, *, enterprise: Enterprise | None = None, state: str = Entry.State.SUBMITTED,
              contest: Contest | None = None, **fields: Any) -> Entry:
        return EntryFactory(contest=contest or self.contest, enterprise=enterprise or self.enterprise, state=state,
                            submitted_at=None if state == Entry.State.DRAFT else timezone.now(), **fields)

    @cached_property
    def other_entry(self) -> Entry:
        return self.entry(enterprise=self.other_enterprise, title="다른 기업의 프로젝트")


class Awarded:
    """The member's entry selected in a decided final, ranked first, awarded 30,000,000 in two tranches of
    20,000,000 and 10,000,000 (prepared and approved by two managers, the joint fund holding 100,000,000); the first
    tranche paid today (a tranche is not paid before its award's approval)."""

    def __init__(self, world: World, *, enterprise: Enterprise | None = None, title: str = "동네 빵집 나눔") -> None:
        contest = ContestFactory(name="대구 소셜 크라우드펀딩 대회 (시상)", phase="awards")
        fund(contest, 100_000_000)
        final = Round.objects.create(contest=contest, kind="final", state=Round.State.CLOSED, closed_at=timezone.now())
        decided = AdvanceList.objects.create(round=final, state=AdvanceList.State.CONFIRMED, top_n=1,
                                             prepared_by=ManagerFactory(), decided_by=ManagerFactory(),
                                             decided_at=timezone.now())
        self.entry = EntryFactory(contest=contest, enterprise=enterprise or world.enterprise, title=title,
                                  state=Entry.State.SELECTED)
        AdvanceListLine.objects.create(advance_list=decided, entry=self.entry, rank=1, score=91, advances=True)
        EntryNotice.objects.create(entry=self.entry, kind=EntryNotice.Kind.ADVANCED, round_kind="screening",
                                   message="서류심사를 통과했습니다 (3위).")
        EntryNotice.objects.create(entry=self.entry, kind=EntryNotice.Kind.ADVANCED, round_kind="final",
                                   message="본선에서 수상 대상으로 선정되었습니다 (1위).")
        AwardTier.objects.create(contest=contest, name="대상", rank_from=1, rank_to=1,
                                 amount_min=Money(30_000_000, "KRW"), amount_max=Money(30_000_000, "KRW"))
        self.contest = contest
        self.manager, self.approver = ManagerFactory(), ManagerFactory()
        prepared = services.award_prepare(actor=self.manager, today=TODAY, entry_id=self.entry.pk,
                                          amount=30_000_000, tranches=[20_000_000, 10_000_000])
        self.award, _created = services.award_approve(actor=self.approver, today=TODAY, award_id=prepared.pk,
                                                      idempotency_key="approve")
        self.first, self.second = list(AwardTranche.objects.filter(award=self.award).order_by("number"))
        self.paid_on = TODAY
        services.tranche_pay(actor=self.manager, today=TODAY, tranche_id=self.first.pk, paid_on=self.paid_on,
                             idempotency_key="pay-1")
        self.first.refresh_from_db()

    def refresh(self) -> None:
        for obj in (self.award, self.first, self.second):
            obj.refresh_from_db()

    def settle(self, accepted: int | None = None) -> AwardTranche:
        services.tranche_settle(actor=self.manager, today=TODAY, tranche_id=self.first.pk, accepted=accepted)
        self.refresh()
        return self.first


__all__ = ["TODAY", "Award", "Awarded", "World", "in_english", "pdf_file", "text"]
