"""Reads over guarantee fees (보증료): who sees which bills, what an enterprise still owes (with the late fee accrued
to the day), and a program's fees billed, collected and refunded by payer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from core.engines import guarantee_fees as engine
from core.engines.rounding import Rounding
from enterprises.roles import STAFF_READERS, bank_of, has_role

from ..models import CityFeeBatch, FeeBill, Guarantee, GuaranteeProgram

ZERO = Decimal(0)


def fee_bills_visible_to(user: Any) -> QuerySet[FeeBill]:
    """Staff see every bill; a bank officer its own bank's guarantees' bills; an enterprise member its own
    enterprises' (a user with more than one of these sees the union). The newest first."""
    qs = FeeBill.objects.select_related("guarantee", "program").order_by("-billed_on", "-id")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if has_role(user, *STAFF_READERS):
        return qs
    reach = Q(guarantee__enterprise__memberships__user=user)
    bank = bank_of(user)
    if bank is not None:
        reach |= Q(guarantee__bank_id=bank)
    return qs.filter(pk__in=FeeBill.objects.filter(reach).values("pk"))


def fee_bills_of(guarantee: Guarantee) -> QuerySet[FeeBill]:
    """A guarantee's bills, year by year."""
    return FeeBill.objects.filter(guarantee=guarantee).order_by("year")


def city_fee_batches_of(program: GuaranteeProgram) -> QuerySet[CityFeeBatch]:
    """The city's payments of its fee shares for the program, the latest first."""
    return CityFeeBatch.objects.filter(program=program).order_by("-paid_on", "-id")


@dataclass(frozen=True)
class Owed:
    """What the enterprise owes on a bill on a day: its share still open, the late fees charged and not paid, and
    the late fee a payment that day would charge (accrued from ``accrued_from``)."""

    share: Decimal
    late_fee_charged: Decimal
    late_fee_accrued: Decimal
    accrued_from: date | None

    @property
    def late_fees(self) -> Decimal:
        return self.late_fee_charged + self.late_fee_accrued

    @property
    def total(self) -> Decimal:
        return self.share + self.late_fees


def firm_owed(bill: FeeBill, on: date) -> Owed:
    """What the enterprise owes on ``bill`` if it pays on ``on``: the late fee (10 %/yr) accrues on its open share
    from the due date, or from the day late fees were last charged through, to ``on``."""
    share = bill.firm_outstanding
    start = max(bill.due_on, bill.late_fee_through or bill.due_on)
    rounding = Rounding(unit=bill.rounding_unit, mode=bill.rounding_mode)
    accrued = engine.late_fee(share, start, on, rounding=rounding) if share > 0 else ZERO
    return Owed(share=share, late_fee_charged=bill.late_fee_outstanding, late_fee_accrued=accrued,
                accrued_from=start if share > 0 and on > start else None)


@dataclass(frozen=True)
class EnterpriseFees:
    """What an enterprise still owes in guarantee fees on a day, bill by bill (open bills only, oldest first)."""

    bills: list[tuple[FeeBill, Owed]]
    share: Decimal
    late_fees: Decimal
    total: Decimal


def enterprise_fees_owed(enterprise_id: int, *, today: date) -> EnterpriseFees:
    """The enterprise's open bills and what each would cost paid ``today`` (its share left and the late fees
    charged and accrued to that day), and the totals."""
    bills = list(FeeBill.objects.filter(guarantee__enterprise_id=enterprise_id, state=FeeBill.State.OPEN)
                 .select_related("guarantee").order_by("due_on", "id"))
    owed = [(bill, firm_owed(bill, today)) for bill in bills]
    owed = [(bill, o) for bill, o in owed if o.total > 0]  # open only for the city's share: nothing for the firm
    share = sum((o.share for _bill, o in owed), ZERO)
    late = sum((o.late_fees for _bill, o in owed), ZERO)
    return EnterpriseFees(bills=owed, share=share, late_fees=late, total=share + late)


@dataclass(frozen=True)
class PayerFees:
    """One payer's side of a program's fees: billed (its shares), refunded of them, collected (paid, net of the
    cash returned), and still outstanding (billed - refunded - collected)."""

    billed: Decimal
    refunded: Decimal
    collected: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class ProgramFees:
    """A program's guarantee fees, by payer, and the late fees charged on the enterprises' parts; merged into the
    program's position by ``program_position``'s caller."""

    bills: int
    billed: Decimal  # the fees of all bills
    refunded: Decimal
    city: PayerFees
    firm: PayerFees
    late_fees_charged: Decimal
    late_fees_collected: Decimal

    @property
    def collected(self) -> Decimal:
        return self.city.collected + self.firm.collected

    @property
    def outstanding(self) -> Decimal:
        return self.city.outstanding + self.firm.outstanding + self.late_fees_charged - self.late_fees_collected


def program_fees(program: GuaranteeProgram) -> ProgramFees:
    """The program's fees billed, refunded, collected and outstanding by payer (one query over its bills; the same
    figures as its book's fee receivables and income)."""
    names = ["fee", "city_share", "enterprise_share", "city_paid", "firm_paid", "city_refunded", "firm_refunded",
             "city_returned", "firm_returned", "late_fee_charged", "late_fee_paid"]
    sums = FeeBill.objects.filter(program=program).aggregate(
        **{name: Sum(name, default=ZERO) for name in names}, count=Count("id"))
    s = {name: Decimal(sums[name]) for name in names}

    def side(share: str, payer: str) -> PayerFees:
        collected = s[f"{payer}_paid"] - s[f"{payer}_returned"]
        refunded = s[f"{payer}_refunded"]
        return PayerFees(billed=s[share], refunded=refunded, collected=collected,
                         outstanding=s[share] - refunded - collected)

    return ProgramFees(
        bills=int(sums["count"]), billed=s["fee"], refunded=s["city_refunded"] + s["firm_refunded"],
        city=side("city_share", "city"), firm=side("enterprise_share", "firm"),
        late_fees_charged=s["late_fee_charged"], late_fees_collected=s["late_fee_paid"],
    )
