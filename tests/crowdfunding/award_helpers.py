"""Rows for the awards' tests, made directly (the judging and advancing services are tested on their own): a contest
whose final is closed and its advance list confirmed, its finalists selected with their final ranks, the standard
award table, an evidence file of each kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from djmoney.money import Money

from crowdfunding import services
from crowdfunding.models import AdvanceList, AdvanceListLine, AwardTier, Contest, Entry, Round
from enterprises.models import User
from tests.factories import ManagerFactory, MembershipFactory

from .factories import ContestFactory, EntryFactory

# A day of the awards phase of the standard contest (the final ended on 2026-07-20, the awards end on 2026-08-31).
AWARDS_DAY = date(2026, 8, 3)

# The standard award table (시상 기준): 대상 to the first, 최우수상 to the second and third (the panel decides
# between 20 and 25 million), 우수상 to the fourth to sixth (10 to 15 million).
TABLE = [
    {"name": "대상", "rank_from": 1, "rank_to": 1, "amount_min": 30_000_000, "amount_max": 30_000_000},
    {"name": "최우수상", "rank_from": 2, "rank_to": 3, "amount_min": 20_000_000, "amount_max": 25_000_000},
    {"name": "우수상", "rank_from": 4, "rank_to": 6, "amount_min": 10_000_000, "amount_max": 15_000_000},
]


@dataclass
class Final:
    contest: Contest
    finalists: list[Entry]  # by final rank: finalists[0] ranked first
    advance_list: AdvanceList

    def entry(self, rank: int) -> Entry:
        return self.finalists[rank - 1]


def final_decided(*, count: int = 6, phase: str = "awards", contest: Contest | None = None,
                  not_selected: int = 0) -> Final:
    """A contest (in ``phase``) whose final round is closed and whose final advance list is confirmed: ``count``
    entries selected, ranked 1 to ``count``, then ``not_selected`` more ranked below and not advanced."""
    contest = contest or ContestFactory(phase=phase)
    final = Round.objects.create(contest=contest, kind="final", state=Round.State.CLOSED, closed_at=timezone.now())
    preparer, confirmer = ManagerFactory(), ManagerFactory()
    advance_list = AdvanceList.objects.create(round=final, state=AdvanceList.State.CONFIRMED, top_n=count,
                                              prepared_by=preparer, decided_by=confirmer, decided_at=timezone.now())
    finalists = []
    for rank in range(1, count + not_selected + 1):
        selected = rank <= count
        entry = EntryFactory(contest=contest, state=Entry.State.SELECTED if selected else Entry.State.NOT_ADVANCED,
                             eliminated_in="" if selected else "final")
        AdvanceListLine.objects.create(advance_list=advance_list, entry=entry, rank=rank, score=100 - rank,
                                       advances=selected)
        if selected:
            finalists.append(entry)
    return Final(contest=contest, finalists=finalists, advance_list=advance_list)


def set_table(contest: Contest, tiers: list[dict[str, Any]] | None = None) -> list[AwardTier]:
    """The award table, made directly."""
    return [AwardTier.objects.create(contest=contest, name=tier["name"], rank_from=tier["rank_from"],
                                     rank_to=tier["rank_to"], amount_min=Money(tier["amount_min"], "KRW"),
                                     amount_max=Money(tier["amount_max"], "KRW"))
            for tier in (tiers or TABLE)]


def member_of(entry: Entry) -> User:
    """A new member of the entry's enterprise."""
    return MembershipFactory(enterprise=entry.enterprise).user


def approved_award(entry: Entry, amount: int, *, tranches: list[int] | None = None, today: date = AWARDS_DAY,
                   preparer: User | None = None, approver: User | None = None, key: str = "approve-1") -> Any:
    """The entry's award prepared by one manager and approved by another (the fund must hold the amount)."""
    award = services.award_prepare(actor=preparer or ManagerFactory(), today=today, entry_id=entry.pk,
                                   amount=amount, tranches=tranches)
    approved, _created = services.award_approve(actor=approver or ManagerFactory(), today=today, award_id=award.pk,
                                                idempotency_key=key)
    return approved


def pdf(name: str = "영수증.pdf", body: bytes = b"receipt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n" + body + b"\n%%EOF\n", content_type="application/pdf")


def jpeg(name: str = "receipt.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9",
                              content_type="image/jpeg")


def png(name: str = "receipt.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")
