"""The world of the contests' page tests (console and judges' desk): a Daegu-style contest of 2026 (tests.crowdfunding
.factories) with two partners who paid into the joint fund, three submitted entries, an open screening round judged
by one expert panel of three judges with the standard rubric (사회적 가치 30, 사업성 25, 실현 가능성 25, 지역 연계 20),
made lazily. Writes that have a service go through it; rows the services would need a whole story for (a round
already open, a closed final with a confirmed list) are made directly, as the factories do.

The managers who made the objects are none of the users the tests call with, unless a test says so."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.utils import timezone

from crowdfunding import services
from crowdfunding.models import (
    AdvanceList,
    AdvanceListLine,
    Contest,
    ContestPartner,
    Entry,
    Panel,
    Round,
)
from enterprises.models import Institution
from tests.crowdfunding.factories import ContestFactory, EntryFactory, PanelFactory, RoundFactory, fund, seat
from tests.factories import InstitutionFactory, JudgeFactory, ManagerFactory

# Each judge's marks (사회적 가치 /30, 사업성 /25, 실현 가능성 /25, 지역 연계 /20); with weights equal to the maxima
# the weighted total is the sum of the marks (a score out of 100).
MARKS = {
    "high": {"social-value": "27", "business": "22", "feasibility": "21", "local": "18"},  # 88
    "mid": {"social-value": "24", "business": "20", "feasibility": "19", "local": "17"},  # 80
    "low": {"social-value": "18", "business": "15", "feasibility": "15", "local": "12"},  # 60
}


class ContestWorld:
    final_fund = 100_000_000  # what the final contest's joint fund holds (a test may set less before using it)

    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.preparer = ManagerFactory(username="manager.prep")  # prepares what the tests decide

    # --- the contest and its joint fund -------------------------------------------------------------------------

    @cached_property
    def contest(self) -> Contest:
        """In its screening phase; partners 대구신용보증재단 (pledged 60,000,000, paid 40,000,000) and 대구은행
        (pledged 50,000,000, paid 50,000,000): 90,000,000 in the joint fund."""
        contest = ContestFactory(phase="screening", name="대구 소셜 크라우드펀딩 대회 2026", code="daegu-2026")
        fund(contest, 40_000_000, partner=self.partner(contest, "대구신용보증재단", 60_000_000))
        fund(contest, 50_000_000, partner=self.partner(contest, "대구은행", 50_000_000))
        return contest

    @staticmethod
    def partner(contest: Contest, name: str, pledged: int) -> ContestPartner:
        # The same institution when another world (the funding phase's) made it first: names are unique.
        institution = (Institution.objects.filter(name=name).first()
                       or InstitutionFactory(name=name, kind=Institution.Kind.PUBLIC_INSTITUTION))
        partner, _created = services.contest_partner_add(actor=None, today=timezone.localdate(), contest_id=contest.pk,
                                                         institution=institution, pledged=pledged)
        return partner

    @cached_property
    def entries(self) -> list[Entry]:
        """Three submitted entries, in the order they were submitted."""
        made = []
        for n, title in enumerate(("동네 빵집 나눔 프로젝트", "마을 목공 공방", "청년 로컬푸드 식당")):
            made.append(EntryFactory(contest=self.contest, title=title,
                                     submitted_at=timezone.now() - timedelta(days=30 - n)))
        return made

    # --- the screening round -------------------------------------------------------------------------------------

    @cached_property
    def screening(self) -> Round:
        """Open, mean of the judges, one expert panel of three."""
        assert self.entries
        return RoundFactory(contest=self.contest, kind="screening", aggregation="mean")

    @cached_property
    def panel(self) -> Panel:
        return PanelFactory(round=self.screening, name="전문가 심사단", weight=Decimal(100))

    @cached_property
    def judges(self) -> list[Any]:
        return [seat(self.panel, JudgeFactory(username=f"judge.{name}")) for name in ("kim", "lee", "park")]

    def score(self, judge: Any, entry: Entry, marks: str) -> Any:
        score, _created = services.score_record(actor=judge, today=self.today, entry_id=entry.pk,
                                                marks=MARKS[marks])
        return score

    @cached_property
    def scored(self) -> Round:
        """Every judge scored every entry: entry 0 high, 1 mid, 2 low (88, 80, 60 from each)."""
        for judge in self.judges:
            for entry, marks in zip(self.entries, ("high", "mid", "low"), strict=True):
                self.score(judge, entry, marks)
        return self.screening

    @cached_property
    def closed(self) -> Round:
        """The scored screening round, closed by another manager."""
        return services.round_close(actor=ManagerFactory(), today=self.today, round_id=self.scored.pk)

    @cached_property
    def prepared_list(self) -> AdvanceList:
        """The closed round's top 2, prepared by ``preparer``."""
        return services.advance_prepare(actor=self.preparer, today=self.today, round_id=self.closed.pk, top_n=2)

    # --- a contest in its final, with a confirmed final list (rows made directly) -------------------------------

    @cached_property
    def final_contest(self) -> Contest:
        """A contest in its awards phase whose final list is confirmed: entries ranked 1 and 2 selected; the award
        table 1st 20,000,000~30,000,000, 2nd 10,000,000; ``final_fund`` (100,000,000) in the joint fund."""
        contest = ContestFactory(phase="awards", name="대구 소셜 크라우드펀딩 대회 2025", code="daegu-2025")
        fund(contest, self.final_fund, partner=self.partner(contest, "대구시 사회적경제센터", self.final_fund))
        final = RoundFactory(contest=contest, kind="final", state=Round.State.CLOSED, closed_at=timezone.now())
        made = AdvanceList.objects.create(round=final, top_n=2, prepared_by=self.preparer,
                                          state=AdvanceList.State.CONFIRMED, decided_by=ManagerFactory(),
                                          decided_at=timezone.now())
        for rank, title in enumerate(("꿈꾸는 협동조합", "행복 마을기업", "탈락한 소셜벤처"), start=1):
            entry = EntryFactory(contest=contest, title=title,
                                 state=Entry.State.SELECTED if rank <= 2 else Entry.State.NOT_ADVANCED,
                                 eliminated_in="" if rank <= 2 else "final")
            AdvanceListLine.objects.create(advance_list=made, entry=entry, rank=rank, score=Decimal(90 - rank),
                                           advances=rank <= 2)
        services.award_table_set(actor=self.preparer, today=self.today, contest_id=contest.pk, tiers=[
            {"name": "대상", "rank_from": 1, "rank_to": 1, "amount_min": 20_000_000, "amount_max": 30_000_000},
            {"name": "우수상", "rank_from": 2, "rank_to": 2, "amount_min": 10_000_000, "amount_max": 10_000_000}])
        return contest

    def selected(self, rank: int) -> Entry:
        return Entry.objects.get(contest=self.final_contest, title=("꿈꾸는 협동조합", "행복 마을기업")[rank - 1])

    @cached_property
    def prepared_award(self) -> Any:
        """The 1st's award of 25,000,000 in two tranches (15,000,000 then 10,000,000), prepared by ``preparer``."""
        return services.award_prepare(actor=self.preparer, today=self.today, entry_id=self.selected(1).pk,
                                      amount=25_000_000, tranches=[15_000_000, 10_000_000])

    @cached_property
    def approved_award(self) -> Any:
        award, _created = services.award_approve(actor=ManagerFactory(), today=self.today,
                                                 award_id=self.prepared_award.pk, idempotency_key="approve")
        return award

    @cached_property
    def paid_tranche(self) -> Any:
        tranche, _created = services.tranche_pay(actor=ManagerFactory(), today=self.today,
                                                 tranche_id=self.approved_award.tranches.get(number=1).pk,
                                                 paid_on=self.today, idempotency_key="pay-1")
        return tranche

    def member_of_awarded(self) -> Any:
        """A member of the 1st's enterprise (who reports how a tranche was spent)."""
        from tests.funds.factories import member_of

        return member_of(self.selected(1).enterprise)

    @cached_property
    def reported_tranche(self) -> Any:
        """Tranche 1 (15,000,000) paid, and reported by the enterprise: 12,000,000 spent (9,000,000 equipment and
        3,000,000 marketing), each with a PDF receipt."""
        from datetime import timedelta

        from django.core.files.uploadedfile import SimpleUploadedFile

        tranche, member = self.paid_tranche, self.member_of_awarded()
        for amount, category, description in ((9_000_000, "equipment", "제빵 오븐 구입"),
                                               (3_000_000, "marketing", "펀딩 홍보 영상")):
            services.spending_add(actor=member, today=self.today, tranche_id=tranche.pk, amount=amount,
                                  category=category, description=description,
                                  spent_on=self.today - timedelta(days=0),
                                  evidence=SimpleUploadedFile("receipt.pdf", b"%PDF-1.4\n% receipt\n",
                                                              content_type="application/pdf"))
        return services.tranche_report(actor=member, today=self.today, tranche_id=tranche.pk)
