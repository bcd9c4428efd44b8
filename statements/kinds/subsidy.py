"""이차보전금 지급 명세서: one paid interest subsidy run of a special guarantee program, for staff. The run's terms
(period, rate, rounding, who prepared and who approved it, the journal that paid it), a summary by bank, every line
(enterprise, business number, bank loan number, days, balance-days, rates, amount) and the totals, which reconcile to
the run's journal in the program's book."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.errors import InvalidState, NotFound, ValidationFailed
from enterprises.validators import format_business_number
from guarantees.models import SubsidyLine, SubsidyRun
from ledger.models import Entry

from ..models import Statement
from .base import Built, StatementKind, Table, is_staff

ZERO = Decimal(0)
PAYEE_KO = {"bank": "은행", "firm": "기업"}
PERIOD_KO = {"monthly": "월별", "quarterly": "분기별"}
ROUNDING_KO = {"floor": "절사", "ceil": "절상", "half_up": "반올림"}


def build(statement: Statement, *, generated_at: datetime) -> Built:
    run = SubsidyRun.objects.select_related("program__foundation", "prepared_by", "approved_by", "journal").get(
        pk=int(statement.subsidy_run_id or 0))
    program = run.program
    lines = list(SubsidyLine.objects.filter(run=run).select_related("enterprise", "bank", "guarantee")
                 .order_by("bank__name", "bank_id", "enterprise__name", "guarantee_id"))
    by_bank: dict[int, dict[str, Any]] = defaultdict(lambda: {"count": 0, "won_days": ZERO, "amount": ZERO})
    for line in lines:
        row = by_bank[line.bank_id]
        row["name"] = line.bank.name
        row["count"] += 1
        row["won_days"] += line.won_days
        row["amount"] += line.amount.amount
    banks = sorted(by_bank.values(), key=lambda row: row["name"])
    total = sum((line.amount.amount for line in lines), ZERO)
    won_days = sum((line.won_days for line in lines), ZERO)
    # The journal that paid the run: its debit to the subsidy expense is the run's total.
    paid = ZERO
    if run.journal_id is not None:
        paid = sum((e.amount.amount for e in Entry.objects.filter(journal_id=run.journal_id, side="D")), ZERO)
    rows = [
        {"line": line, "business_number": format_business_number(line.enterprise.business_number),
         "payee": PAYEE_KO.get(line.payee, line.payee)}
        for line in lines
    ]
    tables = [
        Table("지급회차", ["항목", "값"], [
            ["지급회차", f"S{run.pk}"], ["사업", program.name], ["기간 구분", PERIOD_KO.get(run.period, run.period)],
            ["기간 시작", run.period_start], ["기간 종료", run.period_end], ["이차보전율", run.subsidy_rate],
            ["지원 개월", run.subsidy_months], ["지급대상", PAYEE_KO.get(run.payee, run.payee)],
            ["단수처리", f"{run.rounding_unit}원 {ROUNDING_KO.get(run.rounding_mode, run.rounding_mode)}"],
            ["작성", run.prepared_by.username if run.prepared_by else "system"],
            ["승인", run.approved_by.username if run.approved_by else ""], ["지급일", run.paid_on],
            ["전표", f"J{run.journal_id}" if run.journal_id else ""], ["건수", len(lines)], ["합계", total],
        ]),
        Table("은행별", ["은행", "건수", "잔액적수", "이차보전금"],
              [[row["name"], row["count"], row["won_days"], row["amount"]] for row in banks]),
        Table("지급내역", ["보증번호", "기업명", "사업자등록번호", "은행", "대출번호", "지원일수", "잔액적수",
                       "대출금리", "적용금리", "이차보전금", "지급대상"],
              [[f"G{line.guarantee_id}", line.enterprise.name, format_business_number(line.enterprise.business_number),
                line.bank.name, line.guarantee.bank_reference, line.days, line.won_days, line.loan_rate, line.rate,
                line.amount.amount, PAYEE_KO.get(line.payee, line.payee)] for line in lines]),
    ]
    return Built(
        title="이차보전금 지급 명세서",
        subject=f"{program.name} · 지급회차 S{run.pk}",
        issuer=program.foundation.name,
        fund_name=program.name,
        template="statements/subsidy_run.html",
        filename=f"이차보전금지급명세서_S{run.pk}",
        context={"run": run, "program": program, "rows": rows, "banks": banks, "total": total, "won_days": won_days,
                 "paid": paid, "reconciled": paid == total, "period_kind": PERIOD_KO.get(run.period, run.period),
                 "rounding": f"{run.rounding_unit}원 {ROUNDING_KO.get(run.rounding_mode, run.rounding_mode)}",
                 "payee": PAYEE_KO.get(run.payee, run.payee)},
        tables=tables,
    )


class SubsidyRunStatement(StatementKind):
    """이차보전금 지급 명세서: of a paid subsidy run, for staff only (anyone else: not found); it has no period of
    its own to give (the run's is printed)."""

    kind = Statement.Kind.SUBSIDY_RUN
    build = staticmethod(build)

    def period(self, start: date | None, end: date | None, *, today: date) -> tuple[date | None, date | None]:
        if start is not None or end is not None:
            raise ValidationFailed(_("A subsidy run statement covers the run's own period."),
                                   fields={"period_start": [_("not for a subsidy run statement")]})
        return None, None

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        run = SubsidyRun.objects.filter(pk=subject_id).first()
        if run is None or not is_staff(actor):
            raise NotFound(_("No such interest subsidy run."), fields={"subject": [_("no subsidy run with this id")]})
        if run.state != SubsidyRun.State.PAID:
            raise InvalidState(_("This subsidy run is %(state)s; a payment statement is for a paid run.")
                               % {"state": run.get_state_display()})
        return {"subsidy_run": run}


KIND = SubsidyRunStatement()
