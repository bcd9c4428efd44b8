"""Reads over claims (대위변제) and their 구상채권: who sees which, what each enterprise owes on them, a claim's
position on a day, and a program's claims in figures (for its position)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from core.engines import claims as engine
from core.engines.rounding import round_won
from enterprises.access import STAFF
from enterprises.roles import bank_of, has_role

from .. import accounts as chart
from ..models import Claim, Guarantee, GuaranteeProgram, Recovery

ZERO = Decimal(0)


def face_amount(guarantee: Guarantee) -> Decimal:
    """The guarantee's face amount (보증금액): the loan made (or, before it is, the amount approved) x the guarantee
    ratio, floored to the won as ``Guarantee.guaranteed`` is. A claim never pays more."""
    loan = guarantee.loan_amount if guarantee.loan_amount is not None else guarantee.approved_amount
    return round_won(Decimal(loan.amount) * guarantee.ratio, unit=1, mode="floor")


def claims_visible_to(user: Any) -> QuerySet[Claim]:
    """Staff see every claim; a bank officer its own bank's; an enterprise member its own enterprises'. The newest
    first."""
    qs = Claim.objects.select_related("guarantee__enterprise", "guarantee__program", "guarantee__bank").order_by("-id")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if has_role(user, *STAFF):
        return qs
    reach = Q(guarantee__enterprise__memberships__user=user)
    bank = bank_of(user)
    if bank is not None:
        reach |= Q(guarantee__bank_id=bank)
    return qs.filter(reach).distinct()


def recoveries_of(claim: Claim) -> QuerySet[Recovery]:
    """The claim's recoveries, in the order they were received."""
    return claim.recoveries.order_by("received_on", "id")


@dataclass(frozen=True)
class RecoursePosition:
    """What the enterprise owes on a paid claim's 구상채권 on ``on``, by part (damages accrued up to ``on``)."""

    on: date
    costs: Decimal
    damages: Decimal
    principal: Decimal
    recovered: Decimal
    written_off: bool

    @property
    def total(self) -> Decimal:
        return self.costs + self.damages + self.principal


def recourse_position(claim: Claim, on: date) -> RecoursePosition | None:
    """The 구상채권 on ``on`` (no earlier than its last accrual), or None for a claim not paid."""
    if claim.state != Claim.State.PAID or claim.recourse_since is None:
        return None
    recourse = claim.recourse()
    owed = engine.owed_on(recourse, max(on, recourse.since), rate=claim.guarantee.program.late_damages_rate)
    recovered = sum((row.amount.amount for row in claim.recoveries.all()), ZERO)
    return RecoursePosition(on=max(on, recourse.since), costs=owed["costs"], damages=owed["damages"],
                            principal=owed["principal"], recovered=recovered, written_off=claim.is_written_off)


def recourse_by_enterprise(enterprise_ids: Collection[int]) -> dict[int, Decimal]:
    """What each enterprise owes on its open 구상채권 (paid claims neither settled nor written off): principal and
    costs outstanding (damages are not counted: they are not booked), in one query. An enterprise that owes nothing
    is left out. (The guarantees' exposure reader adds it to what the enterprise's guarantees stand behind.)"""
    owed: dict[int, Decimal] = {}
    rows = (Claim.objects.filter(guarantee__enterprise_id__in=list(enterprise_ids), state=Claim.State.PAID,
                                 settled_on__isnull=True, written_off_on__isnull=True)
            .values_list("guarantee__enterprise_id", "recourse_principal", "recourse_costs"))
    for enterprise_id, principal, costs in rows:
        total = Decimal(principal) + Decimal(costs)
        if total:
            owed[enterprise_id] = owed.get(enterprise_id, ZERO) + total
    return owed


@dataclass(frozen=True)
class ProgramClaims:
    """A program's claims in figures, read from its book (claims paid, recoveries) and its guarantees."""

    claims_paid: Decimal  # 대위변제액: expense:claims
    recoveries: Decimal  # 구상 회수액: income:recoveries
    net_loss: Decimal  # claims paid - recoveries
    claims_count: int  # claims paid
    executed: Decimal  # the face amounts of every guarantee whose loan was made (ever executed)
    recourse_outstanding: Decimal  # principal and costs still owed on open 구상채권
    written_off: Decimal  # principal and costs written off
    claim_rate: Decimal  # 대위변제율: claims paid / executed (0 when nothing was executed)
    recovery_rate: Decimal  # 회수율: recoveries / claims paid (0 when nothing was paid)


RATE_PLACES = Decimal("0.0001")


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole).quantize(RATE_PLACES) if whole else ZERO


def program_claims(program: GuaranteeProgram) -> ProgramClaims:
    """Claims paid, recoveries, net loss, the claim rate (claims paid / the guaranteed amounts of every loan ever made
    under the program) and the recovery rate (recoveries / claims paid), with what is still owed and written off."""
    balances = dict(program.book.accounts.filter(code__in=[chart.CLAIMS_EXPENSE, chart.RECOVERY_INCOME])
                    .values_list("code", "balance"))
    paid = Decimal(balances.get(chart.CLAIMS_EXPENSE, ZERO))
    recoveries = Decimal(balances.get(chart.RECOVERY_INCOME, ZERO))
    executed = sum((face_amount(guarantee) for guarantee in
                    Guarantee.objects.filter(program=program, loan_amount__isnull=False)), ZERO)
    claims = Claim.objects.filter(guarantee__program=program, state=Claim.State.PAID)
    outstanding = written_off = ZERO
    count = 0
    for principal, costs, off, settled, off_on in claims.values_list(
            "recourse_principal", "recourse_costs", "written_off", "settled_on", "written_off_on"):
        count += 1
        written_off += Decimal(off)
        if settled is None and off_on is None:
            outstanding += Decimal(principal) + Decimal(costs)
    return ProgramClaims(
        claims_paid=paid, recoveries=recoveries, net_loss=paid - recoveries, claims_count=count, executed=executed,
        recourse_outstanding=outstanding, written_off=written_off, claim_rate=_ratio(paid, executed),
        recovery_rate=_ratio(recoveries, paid),
    )
