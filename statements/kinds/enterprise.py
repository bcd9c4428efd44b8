"""기업 거래명세서: everything one enterprise owes or paid over a period, across funds: per loan the principal at the
start, what was disbursed, repaid, paid in interest and default interest, written off and recovered, the principal
at the end (checked against the ledger), and each loan's transactions.

Loans are the only instrument so far; guarantees, crowdfunding pledges and social impact bonds join this statement
when those instruments exist (the template says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.errors import NotFound
from enterprises.models import Enterprise
from enterprises.validators import format_business_number
from funds.models import Loan
from ledger.selectors import balances_on

from ..models import Statement
from .base import Built, StatementKind, Table, sees_enterprise
from .common import STATE_KO, ZERO, LoanPeriod, class_names, loan_period, paid_in

SYSTEM_ISSUER = "사회적경제 금융 시스템"
REPAID = ("repayment", "repayment_reversal")
COLUMNS = ("opening", "disbursed", "principal_repaid", "interest_paid", "default_paid", "written_off", "recovered",
           "received", "closing", "closing_interest", "closing_default", "ledger_closing")


def korean(label: Any) -> str:
    """'Social enterprise (사회적기업)' -> '사회적기업'; a label without a Korean part as it is."""
    text = str(label)
    found = re.search(r"\(([^()]*[가-힣][^()]*)\)\s*$", text)
    return found.group(1) if found else text


@dataclass
class LoanLine:
    loan: Loan
    period: LoanPeriod
    figures: dict[str, Decimal]
    state: str
    asset_class: str

    @property
    def agrees(self) -> bool:
        return self.figures["closing"] == self.figures["ledger_closing"]


def build(statement: Statement, *, generated_at: datetime) -> Built:
    enterprise = Enterprise.objects.get(pk=int(statement.enterprise_id or 0))
    start, end = statement.period_start, statement.period_end
    assert start is not None and end is not None
    loans = list(Loan.objects.filter(enterprise=enterprise, disbursed_on__lte=end)
                 .select_related("fund__operator", "product", "principal_account").order_by("disbursed_on", "pk"))
    waiting = list(Loan.objects.filter(enterprise=enterprise, state=Loan.State.APPROVED).select_related("product")
                   .order_by("pk"))
    paid = paid_in(loans, start, end)
    ledger = balances_on([loan.principal_account_id for loan in loans], end)
    names = class_names()
    lines = []
    for loan in loans:
        period = loan_period(loan, start, end)
        figures = {
            "opening": period.opening_principal,
            "disbursed": period.total("principal", ("disbursement",)),
            "principal_repaid": -period.total("principal", REPAID),
            "interest_paid": paid[loan.pk]["interest"],
            "default_paid": paid[loan.pk]["default_interest"],
            "written_off": -period.total("principal", ("write_off",)),
            "recovered": period.total("amount", ("recovery",)),
            "received": period.total("amount", ("repayment",)) - period.total("amount", ("repayment_reversal",)),
            "closing": period.closing_principal,
            "closing_interest": period.closing_interest,
            "closing_default": period.closing_default,
            "ledger_closing": ledger.get(loan.principal_account_id, ZERO),
        }
        if not period.movements and not (period.opening_principal or period.opening_interest
                                         or period.opening_default):
            continue  # settled before the period, nothing in it: nothing to state
        lines.append(LoanLine(loan, period, figures, STATE_KO.get(loan.state, loan.state),
                              names.get(loan.asset_class, loan.asset_class)))
    totals = {key: sum((line.figures[key] for line in lines), ZERO) for key in COLUMNS}
    operators = sorted({loan.fund.operator.name for loan in loans})
    funds = sorted({loan.fund.name for loan in loans})

    tables = [
        Table("대출별 요약", ["대출", "기금", "상품", "실행일", "기초 대출원금", "실행", "원금 상환", "이자 납입",
                          "연체이자 납입", "상각 (원금)", "상각채권 회수", "기말 대출원금", "기말 미수이자",
                          "기말 미수연체이자", "원장 기말 대출원금", "상태 (현재)", "자산건전성 (현재)"],
              [[f"L{line.loan.pk}", line.loan.fund.name, line.loan.product.name, line.loan.disbursed_on,
                *(line.figures[key] for key in ("opening", "disbursed", "principal_repaid", "interest_paid",
                                                "default_paid", "written_off", "recovered", "closing",
                                                "closing_interest", "closing_default", "ledger_closing")),
                line.state, line.asset_class] for line in lines]),
        Table("거래내역", ["대출", "기금", "일자", "구분", "금액", "원금 증감", "이자 증감", "연체이자 증감",
                       "원금 잔액", "비고", "전표"],
              [[f"L{line.loan.pk}", line.loan.fund.name, m.on, m.label, m.amount, m.principal, m.interest,
                m.default_interest, m.principal_after, m.note, m.journal_id]
               for line in lines for m in line.period.movements]),
    ]
    business_number = format_business_number(enterprise.business_number)
    return Built(
        title="기업 거래명세서",
        subject=f"{enterprise.name} (사업자등록번호 {business_number})",
        issuer=" · ".join(operators) or SYSTEM_ISSUER,
        fund_name=" · ".join(funds),
        template="statements/enterprise.html",
        filename=f"기업거래명세서_{enterprise.business_number}_{start.isoformat()}_{end.isoformat()}",
        context={
            "enterprise": enterprise, "business_number": business_number, "kind": korean(enterprise.get_kind_display()),
            "province": korean(enterprise.get_province_display()), "lines": lines, "totals": totals,
            "waiting": waiting, "ledger_agrees": all(line.agrees for line in lines),
        },
        tables=tables,
    )


class EnterpriseStatement(StatementKind):
    """기업 거래명세서: of an enterprise, for staff and its members."""

    kind = Statement.Kind.ENTERPRISE
    build = staticmethod(build)

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        enterprise = Enterprise.objects.filter(pk=subject_id).first()
        if enterprise is None or not sees_enterprise(actor, enterprise.pk):
            raise NotFound(_("No such enterprise."), fields={"subject": [_("no enterprise with this id")]})
        return {"enterprise": enterprise}


KIND = EnterpriseStatement()
