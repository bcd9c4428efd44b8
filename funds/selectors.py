"""Reads over revolving funds: the fund summary, what a user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum

from enterprises.roles import Role, has_role

from . import accounts as chart
from . import delinquency
from .models import (
    ApplicationApproval,
    ApprovalTier,
    CapitalSource,
    Fund,
    Loan,
    LoanApplication,
    LoanProduct,
    LoanTransaction,
)

ZERO = Decimal(0)


def _staff(user: Any) -> bool:
    return has_role(user, Role.FUND_MANAGER, Role.AUDITOR, Role.ADMIN)


def applications_visible_to(user: Any) -> QuerySet[LoanApplication]:
    """Staff see every application; a member only its own enterprises'. The newest first, each with its approvals
    in the order they were given."""
    qs = (LoanApplication.objects.select_related("product", "enterprise", "loan")
          .prefetch_related(Prefetch("approvals", ApplicationApproval.objects.select_related("approver")
                                     .order_by("approved_at", "id")))
          .order_by("-created_at", "-id"))
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if _staff(user):
        return qs
    return qs.filter(enterprise__memberships__user=user).distinct()


def loans_visible_to(user: Any) -> QuerySet[Loan]:
    """Staff see every loan; a member only its own enterprises'. The newest first."""
    qs = (Loan.objects.select_related("enterprise", "principal_account", "interest_account", "default_interest_account")
          .order_by("-id"))
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if _staff(user):
        return qs
    return qs.filter(enterprise__memberships__user=user).distinct()


def products_all() -> QuerySet[LoanProduct]:
    """The products by fund and name, each with its approval tiers from the lowest amount."""
    return (LoanProduct.objects.select_related("fund")
            .prefetch_related(Prefetch("approval_tiers", ApprovalTier.objects.order_by("above_amount")))
            .order_by("fund_id", "name"))


def funds_all() -> QuerySet[Fund]:
    """The funds by code."""
    return Fund.objects.select_related("operator", "book").order_by("code")


@dataclass
class ClassRow:
    code: str
    korean: str
    loans: int = 0
    outstanding: Decimal = ZERO
    allowance_rate: Decimal = ZERO
    allowance: Decimal = ZERO


@dataclass
class FundSummary:
    fund: Fund
    capital_by_source: dict[str, Decimal]
    capital: Decimal
    cash: Decimal
    outstanding_principal: Decimal
    disbursed_total: Decimal
    principal_repaid_total: Decimal
    turnover: Decimal
    loans_by_state: dict[str, int]
    by_asset_class: list[ClassRow] = field(default_factory=list)
    required_allowance: Decimal = ZERO
    relent_total: Decimal = ZERO
    interest_income: Decimal = ZERO
    default_interest_income: Decimal = ZERO
    written_off_total: Decimal = ZERO
    recoveries_total: Decimal = ZERO


def _principal_repaid(fund: Fund) -> Decimal:
    """Principal credited to the fund's loans by repayments, net of repayments reversed."""
    total = LoanTransaction.objects.filter(
        loan__fund=fund, kind__in=[LoanTransaction.Kind.REPAYMENT, LoanTransaction.Kind.REPAYMENT_REVERSAL]
    ).aggregate(total=Sum("principal_change"))["total"]
    return -(total or ZERO)


def fund_summary(fund: Fund) -> FundSummary:
    """Capital by source, cash, outstanding principal, cumulative disbursed and repaid, what was lent again out of
    repayments (disbursed beyond the capital, at most what was repaid), turnover (disbursed / capital), income,
    write-offs and recoveries, loans and outstanding by asset class, and the allowance they require (floored to the
    won)."""
    book = fund.book
    capital_by_source = {
        source: chart.capital(book, source).balance.amount for source in CapitalSource.values
    }
    capital = sum(capital_by_source.values(), ZERO)
    loans = list(Loan.objects.filter(fund=fund).select_related("principal_account"))
    disbursed = LoanTransaction.objects.filter(loan__fund=fund, kind=LoanTransaction.Kind.DISBURSEMENT).aggregate(
        total=Sum("principal_change"))["total"] or ZERO
    repaid = _principal_repaid(fund)
    outstanding = sum((loan.principal_account.balance.amount for loan in loans), ZERO)
    table = delinquency.rules()
    rows = {r.code: ClassRow(r.code, r.korean, allowance_rate=r.allowance_rate) for r in table}
    states: dict[str, int] = dict.fromkeys(Loan.State.values, 0)
    for loan in loans:
        states[loan.state] += 1
        if loan.state != Loan.State.ACTIVE:
            continue
        balance = loan.principal_account.balance.amount
        parts = delinquency.split(loan.days_past_due, balance, loan.secured_amount.amount, table)
        for rule, amount in parts:
            rows[rule.code].outstanding += amount
        rows[loan.asset_class if loan.asset_class in rows else delinquency.NORMAL].loans += 1
    for row in rows.values():
        row.allowance = (row.outstanding * row.allowance_rate).quantize(Decimal(1), rounding=ROUND_DOWN)
    turnover = (disbursed / capital).quantize(Decimal("0.0001"), rounding=ROUND_DOWN) if capital else ZERO
    return FundSummary(
        fund=fund,
        capital_by_source=capital_by_source,
        capital=capital,
        cash=chart.cash(book).balance.amount,
        outstanding_principal=outstanding,
        disbursed_total=disbursed,
        principal_repaid_total=repaid,
        turnover=turnover,
        loans_by_state=states,
        by_asset_class=list(rows.values()),
        required_allowance=sum((r.allowance for r in rows.values()), ZERO),
        relent_total=min(repaid, max(disbursed - capital, ZERO)),
        interest_income=chart.account(book, chart.INTEREST_INCOME).balance.amount,
        default_interest_income=chart.account(book, chart.DEFAULT_INTEREST_INCOME).balance.amount,
        written_off_total=chart.account(book, chart.WRITE_OFF_EXPENSE).balance.amount,
        recoveries_total=chart.account(book, chart.RECOVERY_INCOME).balance.amount,
    )


def loan_disagreements(loan: Loan) -> list[str]:
    """Where the loan's schedule and its ledger accounts disagree (empty when they agree): principal receivable =
    principal due - paid over the installments; interest receivable = interest recognised - paid."""
    if loan.state not in (Loan.State.ACTIVE, Loan.State.PAID_OFF):
        return []
    problems = []
    insts = list(loan.installments.order_by("number"))
    principal = sum((i.principal_due.amount - i.principal_paid.amount for i in insts), ZERO)
    interest = sum((i.interest_recognized.amount - i.interest_paid.amount for i in insts), ZERO)
    for label, account, expected in (("principal", loan.principal_account, principal),
                                     ("interest", loan.interest_account, interest)):
        account.refresh_from_db()
        if account.balance.amount != expected:
            problems.append(f"L{loan.pk} {label}: ledger {account.balance.amount}, schedule {expected}")
    if loan.state == Loan.State.PAID_OFF:
        loan.default_interest_account.refresh_from_db()
        if loan.default_interest_account.balance.amount:
            problems.append(f"L{loan.pk} paid off with default interest {loan.default_interest_account.balance}")
    return problems
