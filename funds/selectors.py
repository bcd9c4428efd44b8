"""Reads over revolving funds: the fund summary, what a user may see, what an enterprise owes them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Case, Count, DecimalField, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth

from enterprises.roles import Role, has_role
from ledger.models import Account

from . import accounts as chart
from . import delinquency
from .access import ACCESS
from .models import (
    ApplicationApproval,
    ApprovalTier,
    CapitalSource,
    Fund,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    LoanTransaction,
    Repayment,
    WriteOff,
)

ZERO = Decimal(0)
_WON = DecimalField(max_digits=18, decimal_places=0)


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


def loans_with_next_payment(user: Any, *, on: date) -> QuerySet[Loan]:
    """The loans ``user`` may see, each annotated with its next installment falling due on or after ``on``:
    ``next_due_on`` and ``next_amount`` (principal and interest due of it; None when none is left), in one query."""
    upcoming = Installment.objects.filter(loan=OuterRef("pk"), due_on__gte=on).order_by("number")
    return (loans_visible_to(user).select_related("product")
            .annotate(next_due_on=Subquery(upcoming.values("due_on")[:1]),
                      next_amount=Subquery(upcoming.annotate(total=F("principal_due") + F("interest_due"))
                                           .values("total")[:1], output_field=_WON)))


def products_all() -> QuerySet[LoanProduct]:
    """The products by fund and name, each with its approval tiers from the lowest amount."""
    return (LoanProduct.objects.select_related("fund")
            .prefetch_related(Prefetch("approval_tiers", ApprovalTier.objects.order_by("above_amount")))
            .order_by("fund_id", "name"))


def funds_all() -> QuerySet[Fund]:
    """The funds by code."""
    return Fund.objects.select_related("operator", "book").order_by("code")


def exposure_by_enterprise(enterprise_ids: Iterable[int], *, fund: Fund | None = None) -> dict[int, Decimal]:
    """What each of ``enterprise_ids`` owes the revolving funds (in ``fund`` only, if given): the outstanding
    principal of its active loans (their principal account's balance) plus the principal of its loans approved
    but not yet paid out. Paid-off and written-off loans count nothing. An enterprise that owes nothing is left
    out. One query, however many enterprises.

    The reader registered in ``enterprises.exposure`` (``FundsConfig.ready``), and the fund's own per-firm limit
    (``services.applications``). Reads only: a limit check holds the enterprise's row lock."""
    ids = set(enterprise_ids)
    if not ids:
        return {}
    loans = Loan.objects.filter(enterprise_id__in=ids, state__in=(Loan.State.APPROVED, Loan.State.ACTIVE))
    if fund is not None:
        loans = loans.filter(fund=fund)
    owed = Case(
        When(state=Loan.State.APPROVED, then=F("principal")),
        When(state=Loan.State.ACTIVE, then=F("principal_account__balance")),
        output_field=_WON,
    )
    rows = loans.order_by().values("enterprise_id").annotate(owed=Sum(owed)).values_list("enterprise_id", "owed")
    return {enterprise_id: Decimal(amount) for enterprise_id, amount in rows if amount}


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


def fund_turnover(disbursed: Decimal, capital: Decimal) -> Decimal:
    """Turnover (회전율): principal disbursed in total / capital, floored to 4 places; 0 without capital."""
    if not capital:
        return ZERO
    return (Decimal(disbursed) / Decimal(capital)).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)


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
    turnover = fund_turnover(disbursed, capital)
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


# --- the console's reads: funds at a glance, money by month, past due, the inbox ---------------------------------



def _won_subquery(queryset: QuerySet[Any], column: str) -> Coalesce:
    """The sum of ``column`` over ``queryset`` (already narrowed by an ``OuterRef``), 0 when there are no rows."""
    summed = queryset.order_by().annotate(_one=Value(1)).values("_one").annotate(total=Sum(column)).values("total")
    return Coalesce(Subquery(summed, output_field=_WON), Value(ZERO), output_field=_WON)


def _count_subquery(queryset: QuerySet[Any]) -> Coalesce:
    counted = queryset.order_by().annotate(_one=Value(1)).values("_one").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), Value(0))


def funds_overview() -> QuerySet[Fund]:
    """The funds by code, each annotated with its key figures in one query: ``capital_total`` (every source),
    ``cash_balance``, ``outstanding_total`` (principal of its loans), ``disbursed_sum`` (principal paid out in
    total), ``active_loans`` and ``past_due_loans`` (active loans with days past due). Turnover is
    ``fund_turnover(disbursed_sum, capital_total)``."""
    capital = Account.objects.filter(book=OuterRef("book"), code__startswith="capital:")
    outstanding = Loan.objects.filter(fund=OuterRef("pk"))
    disbursed = LoanTransaction.objects.filter(loan__fund=OuterRef("pk"), kind=LoanTransaction.Kind.DISBURSEMENT)
    active = Loan.objects.filter(fund=OuterRef("pk"), state=Loan.State.ACTIVE)
    return (
        funds_all()
        .annotate(
            capital_total=_won_subquery(capital, "balance"),
            cash_balance=Coalesce("cash_account__balance", Value(ZERO), output_field=_WON),
            outstanding_total=_won_subquery(outstanding, "principal_account__balance"),
            disbursed_sum=_won_subquery(disbursed, "principal_change"),
            active_loans=_count_subquery(active),
            past_due_loans=_count_subquery(active.filter(days_past_due__gt=0)),
        )
    )


@dataclass
class MonthFlow:
    month: date  # the first day of the month
    disbursed: Decimal = ZERO
    repaid: Decimal = ZERO


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def principal_flows_by_month(fund: Fund, *, through: date, months: int = 12) -> list[MonthFlow]:
    """Principal disbursed and principal repaid (net of repayments reversed) in each of the ``months`` calendar
    months up to the one holding ``through``, oldest first, by value date; a month without movements is zeros."""
    first = _month_start(through, months - 1)
    flows = {_month_start(first, -i): MonthFlow(_month_start(first, -i)) for i in range(months)}
    rows = (LoanTransaction.objects
            .filter(loan__fund=fund, value_date__gte=first, value_date__lte=through,
                    kind__in=[LoanTransaction.Kind.DISBURSEMENT, LoanTransaction.Kind.REPAYMENT,
                              LoanTransaction.Kind.REPAYMENT_REVERSAL])
            .annotate(month=TruncMonth("value_date")).order_by()
            .values("month", "kind").annotate(total=Sum("principal_change")))
    for row in rows:
        month = row["month"]
        flow = flows[date(month.year, month.month, 1)]
        if row["kind"] == LoanTransaction.Kind.DISBURSEMENT:
            flow.disbursed += row["total"] or ZERO
        else:
            flow.repaid -= row["total"] or ZERO
    return list(flows.values())


@dataclass
class PastDueBand:
    label: str  # "1-29", "30-89", "90+"
    low: int
    high: int | None
    loans: int = 0
    outstanding: Decimal = ZERO


def past_due(fund: Fund) -> list[PastDueBand]:
    """The fund's active loans past due (연체), by days past due: 1-29, 30-89 and from 90 days (in default, 고정
    이하), each with how many loans and their outstanding principal."""
    bands = [PastDueBand("1-29", 1, 29), PastDueBand("30-89", 30, delinquency.DEFAULT_DAYS - 1),
             PastDueBand(f"{delinquency.DEFAULT_DAYS}+", delinquency.DEFAULT_DAYS, None)]
    loans = (Loan.objects.filter(fund=fund, state=Loan.State.ACTIVE, days_past_due__gt=0)
             .values_list("days_past_due", "principal_account__balance"))
    for days, balance in loans:
        band = next(b for b in bands if days >= b.low and (b.high is None or days <= b.high))
        band.loans += 1
        band.outstanding += Decimal(balance)
    return bands


@dataclass
class Inbox:
    """What waits for a fund manager, or, for a reader who decides nothing (an auditor), what waits for anyone.

    ``acts``: whether the lists are this person's to act on. For a manager: applications to review (submitted);
    to approve (recommended by another manager, not yet approved by this one); waiting for another manager (this
    one recommended or already approved them: four eyes); write-offs another manager asked for, to decide;
    write-offs this manager asked for, waiting for another; approved loans not yet disbursed. Applications carry
    ``approvals_given``; applications of an enterprise the person acts for are left out of what to judge."""

    acts: bool
    to_review: list[LoanApplication]
    to_approve: list[LoanApplication]
    awaiting_others: list[LoanApplication]
    write_offs_to_decide: list[WriteOff]
    write_offs_asked: list[WriteOff]
    to_disburse: list[Loan]

    @property
    def count(self) -> int:
        return (len(self.to_review) + len(self.to_approve) + len(self.write_offs_to_decide)
                + len(self.to_disburse))


INBOX_LIMIT = 50  # per list: an inbox, not a report (the lists have the rest)


def inbox_for(user: Any) -> Inbox:
    """The inbox of ``user`` (see ``Inbox``); empty for anyone who is not staff."""
    if not getattr(user, "is_authenticated", False) or not _staff(user):
        return Inbox(False, [], [], [], [], [], [])
    acts = ACCESS.allows(user, "application.review")
    applications = (LoanApplication.objects.select_related("product__fund", "enterprise", "reviewed_by")
                    .annotate(approvals_given=Count("approvals", distinct=True)))
    submitted = applications.filter(state=LoanApplication.State.SUBMITTED).order_by("submitted_at", "id")
    recommended = applications.filter(state=LoanApplication.State.RECOMMENDED).order_by("reviewed_at", "id")
    requested = (WriteOff.objects.filter(state=WriteOff.State.REQUESTED)
                 .select_related("loan__enterprise", "loan__principal_account", "requested_by")
                 .order_by("requested_at", "id"))
    to_disburse = list(Loan.objects.filter(state=Loan.State.APPROVED).select_related("enterprise", "fund")
                       .order_by("created_at", "id")[:INBOX_LIMIT])
    if not acts:
        return Inbox(False, list(submitted[:INBOX_LIMIT]), list(recommended[:INBOX_LIMIT]), [],
                     list(requested[:INBOX_LIMIT]), [], to_disburse)
    own = Q(enterprise__memberships__user=user)
    mine = Q(reviewed_by=user) | Q(approvals__approver=user)
    return Inbox(
        acts=True,
        to_review=list(submitted.exclude(own)[:INBOX_LIMIT]),
        to_approve=list(recommended.exclude(own).exclude(pk__in=recommended.filter(mine).values("pk"))[:INBOX_LIMIT]),
        awaiting_others=list(recommended.filter(pk__in=recommended.filter(mine).values("pk"))[:INBOX_LIMIT]),
        write_offs_to_decide=list(requested.exclude(requested_by=user)[:INBOX_LIMIT]),
        write_offs_asked=list(requested.filter(requested_by=user)[:INBOX_LIMIT]),
        to_disburse=to_disburse,
    )


def repayments_visible_to(user: Any) -> QuerySet[Repayment]:
    """Repayments of the loans the user may see, the newest first, with their loan's enterprise and who recorded
    them."""
    return (Repayment.objects.filter(loan__in=loans_visible_to(user).values("pk"))
            .select_related("loan__enterprise", "loan__fund", "created_by", "reversed_by")
            .order_by("-value_date", "-id"))


def write_offs_visible_to(user: Any) -> QuerySet[WriteOff]:
    """Write-offs (staff only), the newest first, with their loan, who asked and who decided."""
    qs = (WriteOff.objects.select_related("loan__enterprise", "loan__fund", "loan__principal_account",
                                          "requested_by", "decided_by")
          .order_by("-requested_at", "-id"))
    if not getattr(user, "is_authenticated", False) or not _staff(user):
        return qs.none()
    return qs
