"""The crowdfunding contests' objects of the role matrix (tests/api/test_roles_matrix.py), each built the first time a
request's path or body names it, and what a contests' request could write (to prove a refusal wrote nothing).

``own_*`` objects belong to the member's enterprise (in Seoul: the contests here admit every province), ``other_*``
to an enterprise the member does not act for. The managers who make the objects (``teller`` sets rounds up, prepares
lists and awards, pays; ``decider`` confirms, approves and settles) are none of the roles the matrix calls with, so any
manager of the matrix may confirm or approve what they prepared. The ``judge`` of the matrix sits on the panels of the
rounds named for it (``judged_round``, open; ``closed_round``) and on no other: ``other_panel_*`` objects belong to
a round only other judges sit on.

Every contest's dates lie around today (the API takes its business date from the clock): its call from ten days
ago to ten days on, screening to a month on, crowdfunding to two, the final to three and the awards to four.
Entries and awards each get a contest of their own: an enterprise has one live entry per contest, an entry one live
award.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from crowdfunding import services
from crowdfunding.models import (
    AdvanceList,
    AdvanceListLine,
    Award,
    AwardTier,
    AwardTranche,
    Campaign,
    Conflict,
    Contest,
    ContestPartner,
    Criterion,
    Entry,
    EntryNotice,
    JointFundContribution,
    Match,
    MatchingPool,
    Panel,
    PanelJudge,
    PhaseChange,
    PoolFunder,
    PoolFunding,
    PoolReturn,
    RewardTier,
    Round,
    Score,
    SpendingItem,
)
from tests.crowdfunding.award_helpers import TABLE, set_table
from tests.crowdfunding.campaign_factories import CampaignFactory, pool
from tests.crowdfunding.factories import RUBRIC, EntryFactory, PartnerFactory, fund
from tests.factories import EnterpriseFactory, JudgeFactory

from ..funds.world import FundsWorld
from .contest_helpers import contest_now

M = 1_000_000
# The standard rubric (사회적 가치 30, 사업성 25, 실현 가능성 25, 지역 연계 20) and one expert panel.
CRITERIA = [{"key": key, "name": name, "weight": str(weight), "max_score": str(max_score)}
            for key, name, weight, max_score in RUBRIC]
EXPERT_PANEL = [{"name": "전문가 심사단", "kind": "expert", "weight": "100"}]
MARKS_80 = {"social-value": "25", "business": "20", "feasibility": "20", "local": "15"}


def evidence() -> SimpleUploadedFile:
    """A receipt as a PDF (judged by its content)."""
    return SimpleUploadedFile("영수증.pdf", b"%PDF-1.7\nreceipt of the role matrix\n%%EOF\n",
                              content_type="application/pdf")


class ContestsWorld(FundsWorld):
    MODELS: tuple[type[models.Model], ...] = (
        *FundsWorld.MODELS, Contest, ContestPartner, JointFundContribution, PhaseChange, Entry, EntryNotice, Round,
        Criterion, Panel, PanelJudge, Conflict, Score, AdvanceList, AdvanceListLine, AwardTier, Award, AwardTranche,
        SpendingItem, MatchingPool, PoolFunder, PoolFunding, Match,
        SpendingItem, Campaign, RewardTier,
    )

    def __init__(self, member: Any, judge: Any = None) -> None:
        super().__init__(member)
        self.judge = judge

    # --- contests ---

    def _contest(self, phase: str) -> Contest:
        """A contest in ``phase`` admitting every kind of enterprise of every province."""
        return contest_now(phase, eligible_provinces=[])

    @cached_property
    def contest(self) -> Contest:
        """A contest in its call, with a partner (``partner``) once named; no entry of the member's enterprise."""
        return self._contest("call")

    @cached_property
    def partner(self) -> ContestPartner:
        return PartnerFactory(contest=self.contest)

    @cached_property
    def draft_contest(self) -> Contest:
        """Announced, not yet open: a manager moves it to its call."""
        return self._contest("draft")

    @cached_property
    def closed_contest(self) -> Contest:
        return self._contest("closed")

    # --- entries, each in a contest of its own ---

    def _entry(self, enterprise: Any, state: str, contest: Contest | None = None) -> Entry:
        contest = contest or self._contest("call")
        submitted = state != Entry.State.DRAFT
        author = self.member if enterprise == self.own else self.other_member
        return EntryFactory(contest=contest, enterprise=enterprise, state=state,
                            submitted_at=timezone.now() if submitted else None, created_by=author)

    @cached_property
    def own_entry_draft(self) -> Entry:
        return self._entry(self.own, Entry.State.DRAFT)

    @cached_property
    def own_entry_submitted(self) -> Entry:
        return self._entry(self.own, Entry.State.SUBMITTED)

    @cached_property
    def other_entry_draft(self) -> Entry:
        return self._entry(self.other, Entry.State.DRAFT)

    @cached_property
    def other_entry_submitted(self) -> Entry:
        return self._entry(self.other, Entry.State.SUBMITTED)

    # --- campaigns (펀딩 캠페인): each of an advanced entry in a contest of its own, in screening until today ---

    def _advanced_entry(self, enterprise: Any) -> Entry:
        today = timezone.localdate()
        contest = contest_now("screening", eligible_provinces=[], call_opens_on=today - timedelta(days=40),
                              call_closes_on=today - timedelta(days=20), screening_ends_on=today)
        return self._entry(enterprise, Entry.State.ADVANCED, contest)

    def _campaign(self, enterprise: Any, state: str) -> Campaign:
        entry = self._advanced_entry(enterprise)
        starts = entry.contest.screening_ends_on + timedelta(days=1)
        return CampaignFactory(entry=entry, state=state, starts_on=starts, ends_on=starts + timedelta(days=29))

    @cached_property
    def own_advanced_entry(self) -> Entry:
        return self._advanced_entry(self.own)

    @cached_property
    def own_draft_campaign(self) -> Campaign:
        return self._campaign(self.own, Campaign.State.DRAFT)

    @cached_property
    def other_draft_campaign(self) -> Campaign:
        return self._campaign(self.other, Campaign.State.DRAFT)

    @cached_property
    def live_campaign(self) -> Campaign:
        """Another enterprise's launched campaign: anyone reads it."""
        return self._campaign(self.other, Campaign.State.LIVE)

    # --- settlements (캠페인 정산): a settled campaign of the member's enterprise, and one of another enterprise ---

    def _settled(self, enterprise: Any) -> Any:
        from crowdfunding.services.campaign_settlement import campaign_settle
        from tests.crowdfunding.settlement_world import SETTLE_ON, charged, close

        made = CampaignFactory(target=100_000, entry__enterprise=enterprise, enterprise=enterprise)
        charged(made, 100_000)
        close(made, Campaign.State.SUCCEEDED)
        return campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)

    @cached_property
    def own_settlement(self) -> Any:
        return self._settled(self.own)

    @cached_property
    def other_settlement(self) -> Any:
        return self._settled(self.other)

    @cached_property
    def settled_contest(self) -> Contest:
        return self.other_settlement.campaign.contest

    @cached_property
    def closed_campaign(self) -> Campaign:
        """Another enterprise's campaign that succeeded at its deadline and has not settled yet."""
        from tests.crowdfunding.settlement_world import charged, close

        made = CampaignFactory(target=100_000)
        charged(made, 100_000)
        return close(made, Campaign.State.SUCCEEDED)

    def _pool_settled_campaign(self) -> tuple[Campaign, MatchingPool]:
        """A pool of one funder (500,000) over a campaign of the standard contest (its funding phase is long over)
        that drew 100,000 and settled."""
        from crowdfunding.services.campaign_settlement import campaign_settle
        from tests.crowdfunding.settlement_world import SETTLE_ON, charged, close, matched

        made = CampaignFactory(target=100_000)
        matching = pool(made.contest, funders=(500_000,))
        matched(matching, made, 100_000, of=charged(made, 100_000))
        close(made, Campaign.State.SUCCEEDED)
        campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)
        return made, matching

    @cached_property
    def settleable_pool(self) -> MatchingPool:
        """A pool whose campaigns have all settled after its contest's funding phase: it may settle."""
        return self._pool_settled_campaign()[1]

    @cached_property
    def pool_return(self) -> PoolReturn:
        """A settled pool's return (400,000) to its funder, not paid yet."""
        from crowdfunding.services.campaign_settlement import pool_settle
        from tests.crowdfunding.settlement_world import AFTER_FUNDING

        return pool_settle(pool_id=self._pool_settled_campaign()[1].pk, on_date=AFTER_FUNDING)[0]

    # --- judging (심사): screening rounds set up by the teller with the standard rubric and one expert panel ---

    def _round(self, *judges: Any, state: str = Round.State.OPEN, entries: int = 1) -> Round:
        """A screening round of a new contest in its screening phase, with ``entries`` submitted entries of other
        enterprises (the first, ``judged_entry``, of ``other``), ``judges`` on its panel, left in ``state``."""
        contest = self._contest("screening")
        for number in range(entries):
            self._entry(self.other if number == 0 else EnterpriseFactory(), Entry.State.SUBMITTED, contest=contest)
        judged = services.round_setup(actor=self.teller, today=self.today, contest_id=contest.pk, kind="screening",
                                      aggregation="mean", criteria=CRITERIA, panels=EXPERT_PANEL)
        if judges:
            services.panel_judges_assign(actor=self.teller, today=self.today, panel_id=judged.panels.get().pk,
                                         judges=list(judges))
        if state != Round.State.SETUP:
            services.round_open(actor=self.teller, today=self.today, round_id=judged.pk)
        if state == Round.State.CLOSED:
            services.round_close(actor=self.teller, today=self.today, round_id=judged.pk)
        judged.refresh_from_db()
        return judged

    def _first_entry(self, judged: Round) -> Entry:
        return Entry.objects.filter(contest_id=judged.contest_id).order_by("pk").first()

    @cached_property
    def judged_round(self) -> Round:
        """Open; the judge sits on its panel."""
        return self._round(self.judge)

    @cached_property
    def judged_entry(self) -> Entry:
        """Another enterprise's submitted entry in the judge's open round: the judge's to read and score, the
        member's 404."""
        return self._first_entry(self.judged_round)

    @cached_property
    def judged_contest(self) -> int:
        return self.judged_round.contest_id

    @cached_property
    def recused_entry(self) -> Entry:
        """A third enterprise's entry in the judge's open round, on which the judge declared a conflict of
        interest."""
        entry = self._entry(EnterpriseFactory(), Entry.State.SUBMITTED, contest=self.judged_round.contest)
        services.conflict_declare(actor=self.judge, today=self.today, entry_id=entry.pk, reason="전 직장 동료")
        return entry

    @cached_property
    def other_panel_round(self) -> Round:
        """Open; only another judge sits on it: the judge's 404."""
        return self._round(JudgeFactory())

    @cached_property
    def other_panel_entry(self) -> Entry:
        return self._first_entry(self.other_panel_round)

    @cached_property
    def other_panel_contest(self) -> int:
        return self.other_panel_round.contest_id

    @cached_property
    def closed_round(self) -> Round:
        """Scored by the judge (its entry, 80 points) and closed by the teller: its ranking is open to its judges,
        and no advance list is prepared yet."""
        judged = self._round(self.judge)
        services.score_record(actor=self.judge, today=self.today, entry_id=self._first_entry(judged).pk,
                              marks=MARKS_80)
        services.round_close(actor=self.teller, today=self.today, round_id=judged.pk)
        judged.refresh_from_db()
        return judged

    @cached_property
    def closed_round_entry(self) -> Entry:
        return self._first_entry(self.closed_round)

    @cached_property
    def closed_contest_ranked(self) -> int:
        return self.closed_round.contest_id

    @cached_property
    def setup_round(self) -> Round:
        """Being set up, another judge already on its panel: a manager may seat more and open it."""
        return self._round(JudgeFactory(), state=Round.State.SETUP)

    @cached_property
    def new_judge(self) -> Any:
        """A judge on no panel yet."""
        return JudgeFactory()

    @cached_property
    def unjudged_contest(self) -> Contest:
        """In its screening phase, with no round yet: a manager sets one up."""
        return self._contest("screening")

    # --- advance lists (진출 명단): of closed rounds of two entries, the top one going on ---

    def _list(self, *, confirmed: bool) -> AdvanceList:
        judged = self._round(JudgeFactory(), state=Round.State.CLOSED, entries=2)
        made = services.advance_prepare(actor=self.teller, today=self.today, round_id=judged.pk, top_n=1)
        if confirmed:
            made = services.advance_confirm(actor=self.decider, today=self.today, list_id=made.pk)
        return made

    @cached_property
    def prepared_list(self) -> AdvanceList:
        """Prepared by the teller: any manager of the matrix may confirm it (four eyes)."""
        return self._list(confirmed=False)

    @cached_property
    def confirmed_list(self) -> AdvanceList:
        return self._list(confirmed=True)

    # --- matching pools (매칭 펀드) ---

    @cached_property
    def funding_contest(self) -> Contest:
        """A contest in its funding phase, with a pledge matching pool (``matching_pool``) once named."""
        return self._contest("funding")

    @cached_property
    def matching_pool(self) -> MatchingPool:
        """1:1 matching with one funder (``pool_funder``) holding 10,000,000 won."""
        return pool(self.funding_contest, funders=(10 * M,))

    @cached_property
    def pool_funder(self) -> PoolFunder:
        return self.matching_pool.funders.get()

    # --- awards: each on an entry selected first in a final of its own contest ---

    def _selected(self, enterprise: Any) -> Entry:
        """``enterprise``'s entry, selected first in the final of a contest in its awards phase (the final closed,
        its advance list prepared by the teller and confirmed by the decider), with the standard award table (대상:
        30,000,000 won to the first) and 50,000,000 won in the joint fund."""
        contest = self._contest("awards")
        final = Round.objects.create(contest=contest, kind="final", state=Round.State.CLOSED,
                                     closed_at=timezone.now())
        advance_list = AdvanceList.objects.create(round=final, state=AdvanceList.State.CONFIRMED, top_n=1,
                                                  prepared_by=self.teller, decided_by=self.decider,
                                                  decided_at=timezone.now())
        entry = self._entry(enterprise, Entry.State.SELECTED, contest=contest)
        AdvanceListLine.objects.create(advance_list=advance_list, entry=entry, rank=1, score=90, advances=True)
        set_table(contest, TABLE)
        fund(contest, 50 * M)
        return entry

    def _prepared(self, enterprise: Any) -> Award:
        """30,000,000 won in two tranches (20,000,000 then 10,000,000), prepared by the teller."""
        return services.award_prepare(actor=self.teller, today=self.today, entry_id=self._selected(enterprise).pk,
                                      amount=30 * M, tranches=[20 * M, 10 * M])

    def _approved(self, enterprise: Any) -> Award:
        award = self._prepared(enterprise)
        approved, _created = services.award_approve(actor=self.decider, today=self.today, award_id=award.pk,
                                                    idempotency_key=f"matrix-approve-{award.pk}")
        return approved

    def _first_tranche(self, enterprise: Any, state: str) -> AwardTranche:
        """The first tranche (20,000,000 won) of a new approved award of ``enterprise``, taken to ``state``: paid by
        the teller today; a line of 15,000,000 won reported spent by a member; settled by the decider accepting
        12,000,000 (8,000,000 due back)."""
        tranche = self._approved(enterprise).tranches.get(number=1)
        if state == AwardTranche.State.PLANNED:
            return tranche
        services.tranche_pay(actor=self.teller, today=self.today, tranche_id=tranche.pk, paid_on=self.today,
                             idempotency_key=f"matrix-pay-{tranche.pk}")
        if state != AwardTranche.State.PAID:
            reporter = self.member if enterprise == self.own else self.other_member
            services.spending_add(actor=reporter, today=self.today, tranche_id=tranche.pk, amount=15 * M,
                                  category="equipment", description="제빵 설비", spent_on=self.today,
                                  evidence=evidence())
            services.tranche_report(actor=reporter, today=self.today, tranche_id=tranche.pk)
            if state == AwardTranche.State.SETTLED:
                services.tranche_settle(actor=self.decider, today=self.today, tranche_id=tranche.pk,
                                        accepted=12 * M)
        tranche.refresh_from_db()
        assert tranche.state == state, tranche.state
        return tranche

    @cached_property
    def own_selected(self) -> Entry:
        """The member's enterprise's selected entry, not yet awarded: a manager prepares its award."""
        return self._selected(self.own)

    @cached_property
    def own_award_prepared(self) -> Award:
        return self._prepared(self.own)

    @cached_property
    def own_award(self) -> Award:
        """Approved, nothing paid."""
        return self._approved(self.own)

    @cached_property
    def other_award(self) -> Award:
        return self._approved(self.other)

    @cached_property
    def own_award_contest(self) -> int:
        """A contest under whose award table an award was prepared: the table can no longer change."""
        return self.own_award_prepared.contest_id

    @cached_property
    def own_tranche_planned(self) -> AwardTranche:
        return self._first_tranche(self.own, AwardTranche.State.PLANNED)

    @cached_property
    def own_tranche_paid(self) -> AwardTranche:
        return self._first_tranche(self.own, AwardTranche.State.PAID)

    @cached_property
    def own_tranche_reported(self) -> AwardTranche:
        return self._first_tranche(self.own, AwardTranche.State.REPORTED)

    @cached_property
    def own_tranche_settled(self) -> AwardTranche:
        return self._first_tranche(self.own, AwardTranche.State.SETTLED)

    @cached_property
    def other_tranche_paid(self) -> AwardTranche:
        return self._first_tranche(self.other, AwardTranche.State.PAID)

    @cached_property
    def own_paid_award(self) -> int:
        """An approved award of which a tranche was paid: it can no longer be cancelled."""
        return self.own_tranche_paid.award_id

    @cached_property
    def own_spending_item(self) -> SpendingItem:
        """A line of the spending report of ``own_tranche_paid`` (not yet reported)."""
        return services.spending_add(actor=self.member, today=self.today, tranche_id=self.own_tranche_paid.pk,
                                     amount=1 * M, category="materials", description="원재료", spent_on=self.today,
                                     evidence=evidence())

    @cached_property
    def other_spending_item(self) -> SpendingItem:
        return services.spending_add(actor=self.other_member, today=self.today,
                                     tranche_id=self.other_tranche_paid.pk, amount=1 * M, category="materials",
                                     description="원재료", spent_on=self.today, evidence=evidence())


def contests_state() -> dict[str, Any]:
    """Everything a contests' request could write (the ledger, the audit trail and the idempotency keys are in the
    funds' world state)."""
    return {
        "contests": sorted(Contest.objects.values_list("pk", "phase", "name")),
        "partners": sorted(ContestPartner.objects.values_list("pk", "pledged")),
        "contributions": JointFundContribution.objects.count(),
        "phase changes": PhaseChange.objects.count(),
        "entries": sorted(Entry.objects.values_list("pk", "state", "title", "target_amount", "partner_id",
                                                    "updated_at")),
        "entry notices": EntryNotice.objects.count(),
        "rounds": sorted(Round.objects.values_list("pk", "state", "aggregation")),
        "criteria": sorted(Criterion.objects.values_list("pk", "weight", "max_score")),
        "panels": sorted(Panel.objects.values_list("pk", "weight")),
        "panel judges": PanelJudge.objects.count(),
        "conflicts": Conflict.objects.count(),
        "scores": sorted(Score.objects.values_list("pk", "total", "updated_at")),
        "advance lists": sorted(AdvanceList.objects.values_list("pk", "state", "decided_by_id")),
        "award tiers": sorted(AwardTier.objects.values_list("pk", "rank_from", "rank_to", "amount_min",
                                                            "amount_max")),
        "awards": sorted(Award.objects.values_list("pk", "state", "amount", "paid", "approved_by_id")),
        "tranches": sorted(AwardTranche.objects.values_list("pk", "state", "spent", "unspent", "paid_on",
                                                            "returned_on")),
        "spending items": sorted(SpendingItem.objects.values_list("pk", "amount")),
        "matching pools": sorted(MatchingPool.objects.values_list("pk", "name", "rule", "factor", "state")),
        "pool funders": sorted(PoolFunder.objects.values_list("pk", "committed")),
        "pool fundings": PoolFunding.objects.count(),
        "matches": Match.objects.count(),
        "pool returns": sorted(PoolReturn.objects.values_list("pk", "paid_on", "paid_journal_id")),
        "campaigns": sorted(Campaign.objects.values_list("pk", "state", "title", "target", "updated_at")),
        "reward tiers": sorted(RewardTier.objects.values_list("pk", "price", "stock", "claimed")),
    }
