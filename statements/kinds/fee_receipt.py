"""보증료 납부 확인서: one guarantee fee bill (one guarantee year): the year, the amount guaranteed and the rates it
was quoted on, the fee and how it is shared (the city's part, 보증료 지원, and the enterprise's), every payment of
either part (and the late fees charged and paid with the enterprise's), any refund of unused days, and what is left:
the enterprise's part still open with the late fee accrued to the day it was issued, and the city's part. For staff
and the enterprise's members; it has no period (it states the bill as it stands when issued)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotFound, ValidationFailed
from enterprises.validators import format_business_number
from guarantees.models import FeeBill, FeePayment, FeeRefund
from guarantees.selectors import firm_owed

from ..models import Statement
from .base import Built, StatementKind, Table, sees_enterprise

ZERO = Decimal(0)
PAYER_KO = {"firm": "기업", "city": "지자체 (보증료 지원)"}
BILL_STATE_KO = {"open": "미납", "paid": "납부 완료", "refunded": "환급"}
ROUNDING_KO = {"floor": "절사", "ceil": "절상", "half_up": "반올림"}


def build(statement: Statement, *, generated_at: datetime) -> Built:
    bill = FeeBill.objects.select_related("guarantee__enterprise", "guarantee__bank", "program__foundation").get(
        pk=int(statement.fee_bill_id or 0))
    guarantee, enterprise, program = bill.guarantee, bill.guarantee.enterprise, bill.program
    issued_on = timezone.localtime(generated_at).date()
    payments = list(FeePayment.objects.filter(bill=bill).select_related("batch").order_by("paid_on", "pk"))
    refunds = list(FeeRefund.objects.filter(bill=bill).order_by("payer", "pk"))
    owed = firm_owed(bill, max(issued_on, bill.billed_on))
    firm_payments = [p for p in payments if p.payer == "firm"]
    city_payments = [p for p in payments if p.payer == "city"]
    figures = {
        "firm_paid": sum((p.share_paid.amount for p in firm_payments), ZERO),
        "late_charged": bill.late_fee_charged.amount,
        "late_paid": sum((p.late_fee_paid.amount for p in firm_payments), ZERO),
        "firm_refunded": bill.firm_refunded.amount,
        "firm_returned": bill.firm_returned.amount,
        "city_paid": sum((p.share_paid.amount for p in city_payments), ZERO),
        "city_refunded": bill.city_refunded.amount,
        "city_returned": bill.city_returned.amount,
        "firm_left": owed.share,
        "late_left": owed.late_fees,
        "firm_total_left": owed.total,
        "city_left": bill.city_outstanding,
    }
    # The bill's own counters, which the payments must add up to.
    agrees = (figures["firm_paid"] == bill.firm_paid.amount and figures["city_paid"] == bill.city_paid.amount
              and figures["late_paid"] == bill.late_fee_paid.amount)
    business_number = format_business_number(enterprise.business_number)
    rounding = f"{bill.rounding_unit}원 {ROUNDING_KO.get(bill.rounding_mode, bill.rounding_mode)}"
    tables = [
        Table("확인 내용", ["항목", "값"], [
            ["문서", "보증료 납부 확인서"], ["청구서", f"F{bill.pk}"], ["보증", f"G{guarantee.pk}"],
            ["사업", program.name], ["기업", enterprise.name], ["사업자등록번호", business_number],
            ["은행", guarantee.bank.name], ["대출번호", guarantee.bank_reference], ["보증연도", bill.year],
            ["기간 시작", bill.period_start], ["기간 종료", bill.period_end], ["일수", bill.days],
            ["보증금액", bill.amount.amount], ["보증료율", bill.fee_rate], ["지자체 지원율", bill.city_fee_rate],
            ["단수처리", rounding], ["보증료", bill.fee.amount], ["지자체 부담", bill.city_share.amount],
            ["기업 부담", bill.enterprise_share.amount], ["부과일", bill.billed_on], ["납부기한", bill.due_on],
            ["기업 납부", figures["firm_paid"]], ["연체료 부과", figures["late_charged"]],
            ["연체료 납부", figures["late_paid"]], ["기업 환급", figures["firm_refunded"]],
            ["지자체 납부", figures["city_paid"]], ["지자체 환급", figures["city_refunded"]],
            ["기업 미납 (보증료)", figures["firm_left"]], ["기업 미납 (연체료)", figures["late_left"]],
            ["기업 미납 합계", figures["firm_total_left"]], ["지자체 미납", figures["city_left"]],
            ["기준일", max(issued_on, bill.billed_on)], ["상태", BILL_STATE_KO.get(bill.state, bill.state)],
        ]),
        Table("납부 내역", ["일자", "납부자", "금액", "보증료 충당", "연체료 부과", "연체료 충당", "전표"],
              [[p.paid_on, PAYER_KO.get(p.payer, p.payer), p.amount.amount, p.share_paid.amount,
                p.late_fee_charged.amount, p.late_fee_paid.amount, f"J{p.journal_id}"] for p in payments]),
        Table("환급 내역", ["상환일", "대상", "미사용 일수", "환급액", "미납분 감액", "현금 반환", "전표"],
              [[r.repaid_on, PAYER_KO.get(r.payer, r.payer), r.days, r.amount.amount, r.written_down.amount,
                r.returned.amount, f"J{r.journal_id}"] for r in refunds]),
    ]
    return Built(
        title="보증료 납부 확인서",
        subject=f"{enterprise.name} · 보증 G{guarantee.pk} · {bill.year}년차 보증료",
        issuer=program.foundation.name,
        fund_name=program.name,
        template="statements/fee_receipt.html",
        filename=f"보증료납부확인서_F{bill.pk}",
        context={"bill": bill, "guarantee": guarantee, "enterprise": enterprise, "program": program,
                 "business_number": business_number, "rounding": rounding, "payments": payments,
                 "refunds": refunds, "figures": figures, "owed": owed, "as_of": max(issued_on, bill.billed_on),
                 "agrees": agrees, "payer_ko": PAYER_KO, "state": BILL_STATE_KO.get(bill.state, bill.state),
                 "settled": figures["firm_total_left"] == 0 and figures["city_left"] == 0},
        tables=tables,
    )


class FeeReceipt(StatementKind):
    """보증료 납부 확인서: of one fee bill, for staff and the guaranteed enterprise's members (anyone else: not found);
    it has no period."""

    kind = Statement.Kind.FEE_RECEIPT
    build = staticmethod(build)

    def period(self, start: date | None, end: date | None, *, today: date) -> tuple[date | None, date | None]:
        if start is not None or end is not None:
            raise ValidationFailed(_("A fee receipt has no period."),
                                   fields={"period_start": [_("not for a fee receipt")]})
        return None, None

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        bill = FeeBill.objects.select_related("guarantee").filter(pk=subject_id).first()
        if bill is None or not sees_enterprise(actor, bill.guarantee.enterprise_id):
            raise NotFound(_("No such fee bill."), fields={"subject": [_("no fee bill with this id")]})
        return {"fee_bill": bill, "enterprise_id": bill.guarantee.enterprise_id}


KIND = FeeReceipt()
