"""Reads of the awards: who sees which, and a contest's awards with what was approved, paid, spent, returned and is
still due back, per award and overall, beside the ledger's balances of the same (for the API, the pages and the
contest report)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum

from enterprises.roles import STAFF_READERS, has_role
from ledger.models import Account

from .. import accounts as chart
from ..models import Award, AwardTranche, Contest, SpendingItem

ZERO = Decimal(0)
_LIVE = (Award.State.APPROVED, Award.State.SETTLED)  # awards whose money was reserved out of the joint fund


def awards_visible_to(user: Any) -> QuerySet[Award]:
    """Staff: every award. An enterprise member: the awards of its enterprises' entries. Anyone else: none."""
    if not getattr(user, "is_authenticated", False):
        return Award.objects.none()
    if has_role(user, *STAFF_READERS):
        return Award.objects.all()
    return Award.objects.filter(entry__enterprise__memberships__user=user).distinct()


def tranches_visible_to(user: Any) -> QuerySet[AwardTranche]:
    """The tranches of the awards ``user`` sees."""
    return AwardTranche.objects.filter(award__in=awards_visible_to(user).values("pk"))


def spending_of(tranche: AwardTranche) -> QuerySet[SpendingItem]:
    """A tranche's spending report, by day."""
    return SpendingItem.objects.filter(tranche=tranche).order_by("spent_on", "id")


def awards_of(contest: Contest) -> QuerySet[Award]:
    """A contest's awards by final rank, with their entry, enterprise, tier and tranches (in order)."""
    return (Award.objects.filter(contest=contest).select_related("entry__enterprise", "tier")
            .prefetch_related(Prefetch("tranches", AwardTranche.objects.order_by("number")))
            .order_by("rank", "pk"))


@dataclass(frozen=True)
class AwardFigures:
    """What happened to an award's money, in won. ``approved``: reserved out of the joint fund (0 while prepared or
    once cancelled); ``paid``: its tranches paid out; ``reserved``: approved and not yet paid; ``spent``: accepted as
    spent at settlement; ``returned``: unspent money that came back to the fund; ``due_back``: unspent money settled
    and not yet returned; ``advance``: paid and neither settled as spent nor returned (paid - spent - returned)."""

    approved: Decimal = ZERO
    paid: Decimal = ZERO
    reserved: Decimal = ZERO
    spent: Decimal = ZERO
    returned: Decimal = ZERO
    due_back: Decimal = ZERO
    advance: Decimal = ZERO

    def __add__(self, other: AwardFigures) -> AwardFigures:
        return AwardFigures(**{name: getattr(self, name) + getattr(other, name) for name in FIGURES})


FIGURES = ("approved", "paid", "reserved", "spent", "returned", "due_back", "advance")


@dataclass(frozen=True)
class AwardLine:
    award: Award
    figures: AwardFigures


@dataclass(frozen=True)
class AwardSummary:
    """A contest's awards, each with its figures, and the totals; ``ledger`` holds the same totals read from the
    contest's book (reserved: the ``award:*:reserved`` accounts, advance: ``award:*:advance``, spent:
    ``expense:awards``) and ``reconciled`` says whether they agree."""

    lines: list[AwardLine]
    total: AwardFigures
    ledger: dict[str, Decimal] = field(default_factory=dict)
    reconciled: bool = True


def award_figures(award: Award) -> AwardFigures:
    """The award's figures from its rows (its tranches prefetched or not)."""
    if award.state not in _LIVE:
        return AwardFigures()
    approved, paid = award.amount.amount, award.paid.amount
    spent = returned = due_back = ZERO
    for tranche in award.tranches.all():
        if tranche.state in (AwardTranche.State.SETTLED, AwardTranche.State.CLOSED):
            spent += tranche.spent.amount
            if tranche.returned_on is not None:
                returned += tranche.unspent.amount
            elif tranche.state == AwardTranche.State.SETTLED:
                due_back += tranche.unspent.amount
    return AwardFigures(approved=approved, paid=paid, reserved=approved - paid, spent=spent, returned=returned,
                        due_back=due_back, advance=paid - spent - returned)


def _ledger_totals(contest: Contest) -> dict[str, Decimal]:
    accounts = Account.objects.filter(book_id=contest.book_id)

    def balance(condition: Q) -> Decimal:
        return Decimal(accounts.filter(condition).aggregate(total=Sum("balance"))["total"] or 0)

    return {
        "reserved": balance(Q(code__startswith="award:", code__endswith=":reserved")),
        "advance": balance(Q(code__startswith="award:", code__endswith=":advance")),
        "spent": balance(Q(code=chart.AWARD_EXPENSE)),
    }


def award_summary(contest: Contest) -> AwardSummary:
    """The contest's awards by rank with their figures, the totals, and the ledger's balances of the same."""
    lines = [AwardLine(award, award_figures(award)) for award in awards_of(contest)]
    total = sum((line.figures for line in lines), AwardFigures())
    ledger = _ledger_totals(contest)
    # What is still with the enterprise (paid, not yet settled as spent nor returned) is the advance, whether or not
    # its settlement says it is due back.
    reconciled = (ledger["reserved"] == total.reserved and ledger["advance"] == total.advance
                  and ledger["spent"] == total.spent)
    return AwardSummary(lines=lines, total=total, ledger=ledger, reconciled=reconciled)
