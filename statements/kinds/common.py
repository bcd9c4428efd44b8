"""Pieces the kinds share: Korean labels, a loan's movements over a period, what its repayments brought in.
(Balances as of a date are the ledger's: ``ledger.selectors.balance_on``.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum

from core.engines.loans import REPAYMENT_ORDER
from funds import delinquency
from funds.models import Loan, LoanTransaction, Repayment

ZERO = Decimal(0)

TXN_KO = {
    "disbursement": "대출 실행",
    "repayment": "상환",
    "repayment_reversal": "상환 취소",
    "close_of_business": "이자 도래 · 연체이자",
    "close_reversal": "일마감 재계산 (취소분)",
    "write_off": "상각",
    "recovery": "상각채권 회수",
}
STATE_KO = {"approved": "승인 (실행 전)", "active": "정상 상환 중", "paid_off": "상환 완료", "written_off": "상각"}
METHOD_KO = {"equal_payment": "원리금균등", "equal_principal": "원금균등", "bullet": "만기일시"}
DAY_COUNT_KO = {"monthly": "월할 (연이율/12)", "actual_365": "일할 (실제일수/365)"}


def class_names() -> dict[str, str]:
    return {r.code: r.korean for r in delinquency.rules()}


@dataclass
class Movement:
    on: date
    kind: str
    label: str
    amount: Decimal
    principal: Decimal
    interest: Decimal
    default_interest: Decimal
    principal_after: Decimal = ZERO
    note: str = ""
    journal_id: int = 0


@dataclass
class LoanPeriod:
    loan: Loan
    opening_principal: Decimal
    opening_interest: Decimal
    opening_default: Decimal
    movements: list[Movement] = field(default_factory=list)
    principal_path: list[tuple[date, Decimal]] = field(default_factory=list)  # every change up to the end

    @property
    def closing_principal(self) -> Decimal:
        return self.opening_principal + sum((m.principal for m in self.movements), ZERO)

    @property
    def closing_interest(self) -> Decimal:
        return self.opening_interest + sum((m.interest for m in self.movements), ZERO)

    @property
    def closing_default(self) -> Decimal:
        return self.opening_default + sum((m.default_interest for m in self.movements), ZERO)

    def total(self, name: str, kinds: tuple[str, ...] | None = None) -> Decimal:
        return sum((getattr(m, name) for m in self.movements if kinds is None or m.kind in kinds), ZERO)


def _allocation_note(repayment: Repayment | None) -> str:
    if repayment is None:
        return ""
    parts = [(claim.label, getattr(repayment, claim.name)) for claim in REPAYMENT_ORDER]
    text = " · ".join(f"{label} ₩{int(value.amount):,}" for label, value in parts if value.amount)
    if repayment.paid_off:
        text += " · 완제"
    return text


def loan_period(loan: Loan, start: date, end: date) -> LoanPeriod:
    """The loan's receivables on the day before ``start``, every transaction from ``start`` to ``end`` (value
    dates), and the principal balance after each change from disbursement to ``end``."""
    txns = list(LoanTransaction.objects.filter(loan=loan, value_date__lte=end).order_by("value_date", "id"))
    all_repayments = list(Repayment.objects.filter(loan=loan).order_by("value_date", "id"))
    repayments = {r.journal_id: r for r in all_repayments}
    reversed_repayments = {r.reversal_journal_id: r for r in all_repayments if r.reversal_journal_id}
    before = [t for t in txns if t.value_date < start]
    result = LoanPeriod(
        loan=loan,
        opening_principal=sum((t.principal_change for t in before), ZERO),
        opening_interest=sum((t.interest_change for t in before), ZERO),
        opening_default=sum((t.default_interest_change for t in before), ZERO),
    )
    principal = ZERO
    for t in txns:
        principal += t.principal_change
        if t.principal_change:
            result.principal_path.append((t.value_date, principal))
        if t.value_date < start:
            continue
        note = ""
        if t.kind == "repayment":
            note = _allocation_note(repayments.get(t.journal_id))
        elif t.kind == "repayment_reversal":
            original = reversed_repayments.get(t.journal_id)
            note = f"사유: {original.reversal_reason}" if original else ""
        result.movements.append(Movement(
            on=t.value_date, kind=t.kind, label=TXN_KO.get(t.kind, t.kind), amount=t.amount.amount,
            principal=t.principal_change, interest=t.interest_change, default_interest=t.default_interest_change,
            principal_after=principal, note=note, journal_id=t.journal_id,
        ))
    return result


PAID_KEYS = ("amount", "interest", "default_interest")


def paid_in(loans: list[Loan], start: date, end: date) -> dict[int, dict[str, Decimal]]:
    """Per loan, what its repayments with value dates in the period brought in (those reversed left out), from
    their allocation: the amount, interest (overdue, due and accrued) and default interest. One query; a loan
    without such repayments gets zeros. A repayment and its reversal share the value date, so both fall in the
    same period."""
    rows = (Repayment.objects.filter(loan__in=loans, value_date__range=(start, end), reversed_at__isnull=True)
            .order_by().values("loan_id")
            .annotate(s_amount=Sum("amount"), s_overdue_interest=Sum("overdue_interest"),
                      s_interest=Sum("interest"), s_accrued=Sum("accrued_interest"),
                      s_default=Sum("default_interest")))
    result = {loan.pk: dict.fromkeys(PAID_KEYS, ZERO) for loan in loans}
    for row in rows:
        result[row["loan_id"]] = {
            "amount": row["s_amount"],
            "interest": row["s_overdue_interest"] + row["s_interest"] + row["s_accrued"],
            "default_interest": row["s_default"],
        }
    return result


def day_before(on: date) -> date:
    return on - timedelta(days=1)
