"""대출 거래명세서: one loan over a period: terms, opening balances, every transaction, closing balances checked
against the ledger, the schedule with what is paid and still due, delinquency, and a chart of the principal."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.errors import InvalidState, NotFound
from enterprises.validators import format_business_number
from funds.models import Loan
from ledger.selectors import balance_on

from ..models import Statement
from .base import Built, StatementKind, Table, sees_enterprise
from .common import DAY_COUNT_KO, METHOD_KO, STATE_KO, ZERO, class_names, loan_period, paid_in


def installment_status(loan: Loan, due_on: date, paid_any: bool, left: Decimal) -> str:
    """완납 (paid), 상각 (written off before it was paid), 연체 (due by the last close of business and not paid in
    full), 일부 납입 (not yet due, partly paid early), 예정 (not yet due)."""
    if not left:
        return "완납"
    if loan.state == Loan.State.WRITTEN_OFF:
        return "상각"
    if loan.closed_through is not None and due_on <= loan.closed_through:
        return "연체"
    return "일부 납입" if paid_any else "예정"


def schedule_rows(loan: Loan) -> list[dict]:
    rows = []
    for inst in loan.installments.order_by("number"):
        principal_left = inst.principal_due.amount - inst.principal_paid.amount
        interest_left = inst.interest_due.amount - inst.interest_paid.amount
        paid_any = bool(inst.principal_paid.amount or inst.interest_paid.amount)
        rows.append({"number": inst.number, "due_on": inst.due_on, "principal_due": inst.principal_due.amount,
                     "interest_due": inst.interest_due.amount, "principal_paid": inst.principal_paid.amount,
                     "interest_paid": inst.interest_paid.amount, "principal_left": principal_left,
                     "interest_left": interest_left,
                     "status": installment_status(loan, inst.due_on, paid_any, principal_left + interest_left)})
    return rows


def loan_facts(loan: Loan) -> dict:
    return {
        "principal": loan.principal.amount, "annual_rate": loan.annual_rate, "default_rate": loan.default_rate,
        "method": METHOD_KO.get(loan.method, loan.method),
        "day_count": DAY_COUNT_KO.get(loan.day_count, loan.day_count),
        "term_months": loan.term_months, "grace_months": loan.grace_months, "disbursed_on": loan.disbursed_on,
        "maturity_on": loan.maturity_on, "state": STATE_KO.get(loan.state, loan.state),
        "days_past_due": loan.days_past_due, "asset_class": class_names().get(loan.asset_class, loan.asset_class),
        "accelerated_on": loan.accelerated_on, "closed_through": loan.closed_through,
    }


def build(statement: Statement, *, generated_at: datetime) -> Built:
    from ..charts import step_chart  # matplotlib: loaded by the worker that renders, not by the web processes

    loan = Loan.objects.select_related(
        "enterprise", "fund__operator", "product", "principal_account", "interest_account", "default_interest_account"
    ).get(pk=int(statement.loan_id or 0))
    start, end = statement.period_start, statement.period_end
    assert start is not None and end is not None
    period = loan_period(loan, start, end)
    ledger_closing = balance_on(loan.principal_account, end)
    schedule = schedule_rows(loan)
    path = [(loan.disbursed_on or start, ZERO)] if loan.disbursed_on else []
    path += period.principal_path
    if path:
        path.append((end, path[-1][1]))
    chart = step_chart([("대출 잔액", path)], title="대출 잔액 추이 (원금)") if path else ""
    paid = paid_in([loan], start, end)[loan.pk]
    totals = {
        "disbursed": period.total("principal", ("disbursement",)),
        "principal_repaid": -period.total("principal", ("repayment", "repayment_reversal")),
        "interest_paid": paid["interest"],
        "default_interest_paid": paid["default_interest"],
        "received": paid["amount"],
        "written_off": -period.total("principal", ("write_off",)),
    }
    name = loan.enterprise.name
    tables = [
        Table("요약", ["항목", "금액"], [
            ["기초 대출원금", period.opening_principal], ["기초 미수이자", period.opening_interest],
            ["기초 미수연체이자", period.opening_default],
            ["기말 대출원금", period.closing_principal], ["기말 미수이자", period.closing_interest],
            ["기말 미수연체이자", period.closing_default], ["원장 기말 대출원금", ledger_closing],
        ]),
        Table("거래내역",
              ["일자", "구분", "금액", "원금 증감", "이자 증감", "연체이자 증감", "원금 잔액", "비고", "전표"],
              [[m.on, m.label, m.amount, m.principal, m.interest, m.default_interest, m.principal_after, m.note,
                m.journal_id] for m in period.movements]),
        Table("상환일정",
              ["회차", "납입일", "원금", "이자", "납입 원금", "납입 이자", "미납 원금", "미납 이자", "상태"],
              [[r["number"], r["due_on"], r["principal_due"], r["interest_due"], r["principal_paid"],
                r["interest_paid"], r["principal_left"], r["interest_left"], r["status"]] for r in schedule]),
    ]
    return Built(
        title="대출 거래명세서",
        subject=f"{name} · 대출 L{loan.pk} ({loan.product.name})",
        issuer=loan.fund.operator.name,
        fund_name=loan.fund.name,
        template="statements/loan.html",
        filename=f"대출거래명세서_L{loan.pk}_{start.isoformat()}_{end.isoformat()}",
        context={"business_number": format_business_number(loan.enterprise.business_number),
            "loan": loan, "enterprise": loan.enterprise, "facts": loan_facts(loan), "period": period,
            "schedule": schedule, "chart": chart, "totals": totals, "ledger_closing": ledger_closing,
            "ledger_agrees": ledger_closing == period.closing_principal,
            "changes": {name: period.total(name) for name in ("principal", "interest", "default_interest")},
            "schedule_totals": {k: sum((r[k] for r in schedule), Decimal(0)) for k in (
                "principal_due", "interest_due", "principal_paid", "interest_paid", "principal_left",
                "interest_left")},
        },
        tables=tables,
    )


class LoanStatement(StatementKind):
    """대출 거래명세서: of a disbursed loan, for staff and the borrowing enterprise's members."""

    kind = Statement.Kind.LOAN
    build = staticmethod(build)

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        loan = Loan.objects.select_related("fund").filter(pk=subject_id).first()
        if loan is None or not sees_enterprise(actor, loan.enterprise_id):
            raise NotFound(_("No such loan."), fields={"subject": [_("no loan with this id")]})
        if loan.disbursed_on is None:
            raise InvalidState(_("This loan has not been disbursed; it has no transactions to state."))
        return {"loan": loan, "enterprise_id": loan.enterprise_id, "fund": loan.fund}


KIND = LoanStatement()
