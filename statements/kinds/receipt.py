"""영수증: one repayment: who paid what on which day, how it was allocated, and the balances after it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from core.engines.loans import PRINCIPAL_CLAIMS, REPAYMENT_ORDER
from core.errors import NotFound, ValidationFailed
from enterprises.validators import format_business_number
from funds.models import Repayment

from ..models import Statement
from .base import Built, StatementKind, Table, sees_enterprise
from .common import STATE_KO, class_names


def build(statement: Statement, *, generated_at: datetime) -> Built:
    repayment = Repayment.objects.select_related(
        "loan__enterprise", "loan__fund__operator", "loan__product", "created_by", "reversed_by",
    ).get(pk=int(statement.repayment_id or 0))
    loan = repayment.loan
    allocation = [(claim.label, getattr(repayment, claim.name).amount) for claim in REPAYMENT_ORDER]
    principal_paid = sum((getattr(repayment, name).amount for name in PRINCIPAL_CLAIMS), Decimal(0))
    # The principal balance right after this repayment: every transaction on the loan up to and including it.
    txn = loan.transactions.get(journal_id=repayment.journal_id)
    earlier = loan.transactions.filter(Q(value_date__lt=txn.value_date) | Q(value_date=txn.value_date, id__lte=txn.pk))
    principal_after = sum((t.principal_change for t in earlier), Decimal(0))
    tables = [
        Table("영수", ["항목", "값"], [
            ["영수 번호", statement.number], ["상환 번호", repayment.pk], ["대출", f"L{loan.pk}"],
            ["차주", loan.enterprise.name], ["사업자등록번호", format_business_number(loan.enterprise.business_number)],
            ["입금일", repayment.value_date], ["금액", repayment.amount.amount], ["전표", repayment.journal_id],
            ["취소", repayment.reversed_at.isoformat() if repayment.reversed_at else ""],
        ]),
        Table("충당 내역", ["항목", "금액"], [[label, amount] for label, amount in allocation]),
        Table("상환 후 잔액", ["항목", "금액"], [["대출원금", principal_after]]),
    ]
    return Built(
        title="상환 영수증",
        subject=f"{loan.enterprise.name} · 대출 L{loan.pk} · 상환 R{repayment.pk}",
        issuer=loan.fund.operator.name,
        fund_name=loan.fund.name,
        template="statements/receipt.html",
        filename=f"상환영수증_R{repayment.pk}",
        context={"business_number": format_business_number(loan.enterprise.business_number),
                 "repayment": repayment, "loan": loan, "enterprise": loan.enterprise, "allocation": allocation,
                 "principal_paid": principal_paid, "principal_after": principal_after,
                 "state": STATE_KO.get(loan.state, loan.state),
                 "asset_class": class_names().get(loan.asset_class, loan.asset_class)},
        tables=tables,
    )


class ReceiptStatement(StatementKind):
    """상환 영수증: of one repayment, for staff and the borrowing enterprise's members; it has no period."""

    kind = Statement.Kind.RECEIPT
    build = staticmethod(build)

    def period(self, start: date | None, end: date | None, *, today: date) -> tuple[date | None, date | None]:
        if start is not None or end is not None:
            raise ValidationFailed(_("A receipt has no period."), fields={"period_start": [_("not for a receipt")]})
        return None, None

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        repayment = Repayment.objects.select_related("loan__fund").filter(pk=subject_id).first()
        if repayment is None or not sees_enterprise(actor, repayment.loan.enterprise_id):
            raise NotFound(_("No such repayment."), fields={"subject": [_("no repayment with this id")]})
        return {"repayment": repayment, "loan": repayment.loan, "enterprise_id": repayment.loan.enterprise_id,
                "fund": repayment.loan.fund}


KIND = ReceiptStatement()
