"""특례보증 운용 명세서: one special guarantee program over a period, for staff. Everything money is read from the
program's book and checked against the rows it stands for: contributions by source, capacity and its use at the
period's ends and at each month end (with a chart), the guarantees by state and what happened to them in the period,
the interest subsidies paid (the ``expense:subsidies`` entries, per run), claims paid, recoveries and write-offs, the
net loss and the claim and recovery rates, cash from opening to closing by what moved it, the book's balances at the
end, the period's journal (in the CSV), and the whole-ledger check at generation time.

The capacity in use is not a ledger figure: it is what the guarantees stand behind, rebuilt for past days from their
histories (``guarantees.selectors.history``); rebuilt for the day of generation it must be the program's own counter.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, F, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from core.engines.capacity import guarantee_capacity
from core.errors import NotFound
from enterprises.roles import STAFF_READERS, require_role
from enterprises.validators import format_business_number
from guarantees import accounts as chart
from guarantees.models import (
    Claim,
    ContributionSource,
    FeeBill,
    FeePayment,
    FeeRefund,
    Guarantee,
    GuaranteeProgram,
    ProgramContribution,
    RecourseWriteOff,
    Recovery,
    SubsidyRun,
)
from guarantees.selectors import (
    GuaranteedPath,
    face_amount,
    guaranteed_paths,
    loan_paths,
    program_claims,
    program_fees,
    program_position,
    used_on,
)
from ledger.models import Account, Entry, Side

from ..models import Statement
from .base import Built, StatementKind, Table
from .common import ZERO, day_before
from .fund import ledger_check_summary

SOURCE_KO = {
    ContributionSource.CITY.value: "지자체 출연금",
    ContributionSource.BANK.value: "은행 출연금",
    ContributionSource.OTHER.value: "기타 출연금",
}
STATE_KO = {
    "approved": "승인 (실행 대기)", "active": "보증 중", "repaid": "상환 완료", "defaulted": "사고",
    "claimed": "대위변제", "recovering": "구상 중", "closed": "종결", "written_off": "상각", "cancelled": "취소",
}
JOURNAL_KO = {
    "guarantee.contribution": "출연금 납입",
    "guarantee.fee.bill": "보증료 부과",
    "guarantee.fee.payment": "보증료 납부 (기업)",
    "guarantee.fee.city_payment": "보증료 지원금 납부 (지자체)",
    "guarantee.fee.refund": "보증료 환급",
    "guarantee.subsidy_budget": "이차보전 예산 입금",
    "guarantee.subsidy_run": "이차보전금 지급",
    "guarantee.claim": "대위변제",
    "guarantee.recovery": "구상채권 회수",
    "guarantee.recourse_write_off": "구상채권 상각",
    "reversal": "취소",
}
# Cash movements in print order: (journal kind, label); what no line names goes to 기타.
CASH_LINES = [
    ("guarantee.contribution", "출연금 납입"),
    ("guarantee.fee.payment", "보증료 수납 (기업, 연체료 포함)"),
    ("guarantee.fee.city_payment", "보증료 수납 (지자체 지원분)"),
    ("guarantee.fee.refund", "보증료 환급"),
    ("guarantee.claim", "대위변제 지급"),
    ("guarantee.recovery", "구상채권 회수"),
    ("other", "기타"),
]
PAYEE_KO = {"bank": "은행", "firm": "기업"}
ROUNDING_KO = {"floor": "절사", "ceil": "절상", "half_up": "반올림"}

# Roles of the book's accounts: every claim's 구상채권 pair added up, the program's own accounts by code.
RECOURSE, RECOURSE_MEMO = "recourse", "recourse-memo"
ROLE = Case(
    When(account__code__startswith="recourse:", then=Value(RECOURSE)),
    When(account__code__startswith="recourse-memo:", then=Value(RECOURSE_MEMO)),
    default=F("account__code"),
    output_field=CharField(),
)
# The book's accounts in print order, with their Korean names (the balance sheet at the period's end).
ACCOUNTS_KO: list[tuple[str, str]] = [
    (chart.CASH, "현금"),
    (chart.FEES_DUE_FIRM, "미수보증료 (기업분)"),
    (chart.FEES_DUE_CITY, "미수보증료 (지자체분)"),
    (chart.LATE_FEES_DUE, "미수연체료"),
    (chart.SUBSIDY_BUDGET, "이차보전 예산"),
    (RECOURSE, "구상채권 (대조계정과 짝)"),
    (RECOURSE_MEMO, "구상채권 대조계정"),
    *((chart.contribution_code(s), SOURCE_KO[s]) for s in ContributionSource.values),
    (chart.SUBSIDY_APPROPRIATION, "이차보전 재원"),
    (chart.FEE_INCOME, "보증료수익"),
    (chart.LATE_FEE_INCOME, "연체료수익"),
    (chart.RECOVERY_INCOME, "구상채권 회수이익"),
    (chart.CLAIMS_EXPENSE, "대위변제비용"),
    (chart.SUBSIDY_EXPENSE, "이차보전금"),
]
RATE_PLACES = Decimal("0.0001")
PAYERS = ("city", "firm")


def _signed(side: str, amount: Decimal, normal: str) -> Decimal:
    return amount if side == normal else -amount


def _entries(program: GuaranteeProgram) -> QuerySet[Entry]:
    return Entry.objects.filter(journal__book_id=program.book_id).order_by()


def balances(program: GuaranteeProgram, *, through: date) -> dict[str, Decimal]:
    """Every role's balance on its normal side from the journals effective on or before ``through``."""
    rows = (_entries(program).filter(journal__effective_date__lte=through).annotate(role=ROLE)
            .values("role", "account__normal_side", "side").annotate(total=Sum("amount")))
    result: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        result[row["role"]] += _signed(row["side"], row["total"] or ZERO, row["account__normal_side"])
    return result


@dataclass
class Movements:
    """The period's entries added up: each role's net change on its normal side (``net``), and per journal kind
    each role's debits and credits (``by_kind[kind][role] = {"D": ..., "C": ...}``)."""

    net: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    by_kind: dict[str, dict[str, dict[str, Decimal]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: {Side.DEBIT: ZERO, Side.CREDIT: ZERO})))

    def gross(self, kind: str, role: str, side: str) -> Decimal:
        return self.by_kind.get(kind, {}).get(role, {}).get(side, ZERO)

    def cash(self, kind: str) -> Decimal:
        return self.gross(kind, chart.CASH, Side.DEBIT) - self.gross(kind, chart.CASH, Side.CREDIT)


def movements(program: GuaranteeProgram, start: date, end: date) -> Movements:
    rows = (_entries(program).filter(journal__effective_date__range=(start, end)).annotate(role=ROLE)
            .values("journal__kind", "role", "account__normal_side", "side").annotate(total=Sum("amount")))
    result = Movements()
    for row in rows:
        amount = row["total"] or ZERO
        result.net[row["role"]] += _signed(row["side"], amount, row["account__normal_side"])
        result.by_kind[row["journal__kind"]][row["role"]][row["side"]] += amount
    return result


def period_days(start: date, end: date) -> list[date]:
    """The day before the period (the opening), each month end in the period, and its last day."""
    days = [day_before(start)]
    year, month = start.year, start.month
    while True:
        last = date(year, month, calendar.monthrange(year, month)[1])
        if last > end:
            break
        days.append(last)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if days[-1] != end:
        days.append(end)
    return days


@dataclass
class CapacityPoint:
    on: date
    contributions: Decimal
    net_losses: Decimal
    capacity: Decimal
    used: Decimal
    available: Decimal
    utilisation: Decimal


def capacity_points(program: GuaranteeProgram, days: list[date], used: dict[date, Decimal]) -> list[CapacityPoint]:
    """Capacity at the end of each of ``days`` from the book (contributions less net losses, times the multiple)
    and the use rebuilt from the guarantees. One query for the book."""
    codes = [chart.contribution_code(s) for s in ContributionSource.values]
    codes += [chart.CLAIMS_EXPENSE, chart.RECOVERY_INCOME]
    rows = list(_entries(program).filter(account__code__in=codes, journal__effective_date__lte=days[-1])
                .values("journal__effective_date", "account__code", "account__normal_side", "side")
                .annotate(total=Sum("amount")).order_by("journal__effective_date"))
    points = []
    for day in days:
        contributions = losses = ZERO
        for row in rows:
            if row["journal__effective_date"] > day:
                break
            amount = _signed(row["side"], row["total"] or ZERO, row["account__normal_side"])
            if row["account__code"] == chart.CLAIMS_EXPENSE:
                losses += amount
            elif row["account__code"] == chart.RECOVERY_INCOME:
                losses -= amount
            else:
                contributions += amount
        result = guarantee_capacity(contributions=contributions, net_losses=losses, multiple=program.multiple,
                                    used=used[day])
        points.append(CapacityPoint(day, contributions, losses, result.capacity, used[day], result.available,
                                    result.utilisation))
    return points


def capacity_charts(points: list[CapacityPoint]) -> list[str]:
    """Capacity and its use at each day of ``points`` in one chart; in two (each on its own scale) when the use is
    so much smaller than the capacity that it would be a flat line at the bottom."""
    from ..charts import snapshot_chart  # matplotlib: loaded by the worker that renders, not by the web processes

    capacity = [(p.on, p.capacity) for p in points]
    used = [(p.on, p.used) for p in points]
    if max((p.used for p in points), default=ZERO) * 10 >= max((p.capacity for p in points), default=ZERO):
        return [snapshot_chart([("보증한도", capacity), ("사용 (보증잔액)", used)],
                               title="보증한도 및 사용액 추이 (월말)")]
    return [snapshot_chart([("보증한도", capacity)], title="보증한도 추이 (월말)", height_mm=45),
            snapshot_chart([("사용 (보증잔액)", used)], title="사용액 (보증잔액) 추이 (월말)", height_mm=45)]


@dataclass
class Check:
    """One figure of the statement, from the program's rows, beside the same figure from its book."""

    label: str
    stated: Decimal
    book: Decimal
    source: str  # where the book's figure comes from

    @property
    def agrees(self) -> bool:
        return self.stated == self.book


def _sum(qs: QuerySet[Any], name: str) -> Decimal:
    return qs.aggregate(total=Sum(name))["total"] or ZERO


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole).quantize(RATE_PLACES) if whole else ZERO


def _guarantee_flows(guarantees: list[Guarantee], paths: dict[int, GuaranteedPath], claims: list[Claim], start: date,
                     end: date) -> list[tuple[str, int, Decimal]]:
    """What happened to the program's guarantees in the period: (what, how many, amount). A guarantee counts as
    approved on the first day it held capacity (its approval, or its loan's making if that was reported as
    earlier)."""
    def inside(day: date | None) -> bool:
        return day is not None and start <= day <= end

    approved = [g for g in guarantees if paths[g.pk].steps and inside(paths[g.pk].steps[0][0])]
    executed = [g for g in guarantees if inside(g.start_on)]
    repaid = [g for g in guarantees if inside(g.repaid_on)]
    defaulted = [g for g in guarantees if inside(g.defaulted_on)]
    cancelled = [g for g in guarantees if g.state == Guarantee.State.CANCELLED and inside(g.closed_on)]
    paid = [c for c in claims if inside(c.paid_on)]
    return [
        ("보증 승인 (승인 대출금액)", len(approved), sum((g.approved_amount.amount for g in approved), ZERO)),
        ("대출 실행 (대출금액)", len(executed), sum((g.loan_amount.amount for g in executed if g.loan_amount), ZERO)),
        ("완제 (상환 완료)", len(repaid), ZERO),  # nothing is left of a loan repaid
        # after a default the bank reports nothing more: the loan's balance is the one it reported at default
        ("사고 (사고 시 대출잔액)", len(defaulted), sum((g.balance.amount for g in defaulted), ZERO)),
        ("대위변제 (지급액)", len(paid), sum((c.amount.amount for c in paid), ZERO)),
        ("취소 (승인 대출금액)", len(cancelled), sum((g.approved_amount.amount for g in cancelled), ZERO)),
    ]


def build(statement: Statement, *, generated_at: datetime) -> Built:
    program = GuaranteeProgram.objects.select_related("foundation", "book").get(
        pk=int(statement.guarantee_program_id or 0))
    start, end = statement.period_start, statement.period_end
    assert start is not None and end is not None
    generated_on = timezone.localtime(generated_at).date()
    opening_day = day_before(start)
    opening = balances(program, through=opening_day)
    closing = balances(program, through=end)
    moved = movements(program, start, end)

    # Contributions by source
    contributions: list[dict[str, Any]] = [
        {"label": SOURCE_KO[source], "opening": opening[chart.contribution_code(source)],
         "change": moved.net[chart.contribution_code(source)], "closing": closing[chart.contribution_code(source)]}
        for source in ContributionSource.values
    ]
    contributions_total = {key: sum((row[key] for row in contributions), ZERO)
                           for key in ("opening", "change", "closing")}

    # Capacity and its use, at the period's ends and month ends, rebuilt; and now
    guarantees = list(Guarantee.objects.filter(program=program).select_related("enterprise", "bank")
                      .order_by("pk"))
    paths = guaranteed_paths(guarantees)
    days = period_days(start, end)
    used = used_on(paths.values(), [*days, generated_on])
    points = capacity_points(program, days, used)
    position = program_position(program, by_state=True)
    rebuilt_now = used[generated_on]

    # Guarantees: by state now, what happened in the period, each one at the period's end
    claims = list(Claim.objects.filter(guarantee__program=program, state=Claim.State.PAID)
                  .select_related("guarantee__enterprise").order_by("paid_on", "pk"))
    flows = _guarantee_flows(guarantees, paths, claims, start, end)
    loans = loan_paths(guarantees)
    guarantee_rows = []
    for g in guarantees:
        held = paths[g.pk].on(end)
        balance = loans[g.pk].on(end)
        if not paths[g.pk].steps or paths[g.pk].steps[0][0] > end:
            continue  # approved after the period
        guarantee_rows.append({
            "number": f"G{g.pk}", "enterprise": g.enterprise.name,
            "business_number": format_business_number(g.enterprise.business_number), "bank": g.bank.name,
            "reference": g.bank_reference, "approved_amount": g.approved_amount.amount,
            "loan_amount": g.loan_amount.amount if g.loan_amount else None, "start_on": g.start_on,
            "balance": balance, "guaranteed": held, "state": STATE_KO.get(g.state, g.state),
        })
    guaranteed_end = sum((row["guaranteed"] for row in guarantee_rows), ZERO)

    # Fees by payer: billed, refunded, paid and returned in the period (the rows), outstanding at the end (the book)
    bills = FeeBill.objects.filter(program=program, billed_on__range=(start, end))
    payments = FeePayment.objects.filter(bill__program=program, paid_on__range=(start, end))
    refunds = FeeRefund.objects.filter(bill__program=program, journal__effective_date__range=(start, end))
    fees: dict[str, dict[str, Decimal]] = {
        "billed": {"city": _sum(bills, "city_share"), "firm": _sum(bills, "enterprise_share")},
        "refunded": {payer: _sum(refunds.filter(payer=payer), "amount") for payer in PAYERS},
        "paid": {payer: _sum(payments.filter(payer=payer), "share_paid") for payer in PAYERS},
        "returned": {payer: _sum(refunds.filter(payer=payer), "returned") for payer in PAYERS},
        "outstanding": {"city": closing[chart.FEES_DUE_CITY], "firm": closing[chart.FEES_DUE_FIRM]},
    }
    fees["collected"] = {payer: fees["paid"][payer] - fees["returned"][payer] for payer in PAYERS}
    for row in fees.values():
        row["total"] = row["city"] + row["firm"]
    fees_billed = _sum(bills, "fee")
    late = {"charged": _sum(payments, "late_fee_charged"), "paid": _sum(payments, "late_fee_paid"),
            "outstanding": closing[chart.LATE_FEES_DUE]}
    fees_now = program_fees(program)
    fee_lines = [("부과", "billed"), ("환급 (중도 완제)", "refunded"), ("납부", "paid"), ("현금 반환", "returned"),
                 ("순 수납 (납부 - 반환)", "collected"), (f"기말 미수 ({end.isoformat()}, 원장)", "outstanding")]

    # Interest subsidies: the subsidy expense's entries in the period, per run (its paying journal)
    subsidy_journals = dict(
        _entries(program).filter(journal__effective_date__range=(start, end), account__code=chart.SUBSIDY_EXPENSE)
        .values("journal_id").annotate(total=Sum("amount", filter=Q(side=Side.DEBIT), default=ZERO)
                                       - Sum("amount", filter=Q(side=Side.CREDIT), default=ZERO))
        .values_list("journal_id", "total"))
    runs = {run.journal_id: run for run in SubsidyRun.objects.filter(journal_id__in=list(subsidy_journals))}
    subsidy_rows = []
    for journal_id, amount in sorted(subsidy_journals.items()):
        run = runs.get(journal_id)
        subsidy_rows.append({
            "run": f"S{run.pk}" if run else "", "period": (f"{run.period_start:%Y-%m-%d} ~ {run.period_end:%Y-%m-%d}"
                                                            if run else ""),
            "lines": run.line_count if run else None, "paid_on": run.paid_on if run else None,
            "journal": f"J{journal_id}", "amount": amount, "run_total": run.total.amount if run else None,
        })
    subsidies_paid = moved.net[chart.SUBSIDY_EXPENSE]
    paid_runs = SubsidyRun.objects.filter(program=program, state=SubsidyRun.State.PAID, paid_on__range=(start, end))
    subsidy_budget = {
        "opening": opening[chart.SUBSIDY_BUDGET],
        "received": moved.gross("guarantee.subsidy_budget", chart.SUBSIDY_BUDGET, Side.DEBIT),
        "paid": moved.gross("guarantee.subsidy_run", chart.SUBSIDY_BUDGET, Side.CREDIT),
        "closing": closing[chart.SUBSIDY_BUDGET],
    }

    # Claims, recoveries, write-offs
    recoveries = Recovery.objects.filter(claim__guarantee__program=program)
    period_recoveries = recoveries.filter(received_on__range=(start, end))
    write_offs = RecourseWriteOff.objects.filter(claim__guarantee__program=program,
                                                 state=RecourseWriteOff.State.APPROVED)
    recovered_to_end = dict(recoveries.filter(received_on__lte=end).order_by().values("claim_id")
                            .annotate(total=Sum("amount")).values_list("claim_id", "total"))
    written_off_to_end = dict(write_offs.filter(written_off_on__lte=end).values_list("claim_id", "amount"))
    recourse_accounts = dict(Account.objects.filter(book_id=program.book_id, code__startswith="recourse:")
                             .values_list("code", "pk"))
    recourse_end = dict(
        _entries(program).filter(account_id__in=list(recourse_accounts.values()), journal__effective_date__lte=end)
        .values("account_id").annotate(total=Sum("amount", filter=Q(side=Side.DEBIT), default=ZERO)
                                       - Sum("amount", filter=Q(side=Side.CREDIT), default=ZERO))
        .values_list("account_id", "total"))
    claim_rows = [
        {"number": f"C{c.pk}", "guarantee": f"G{c.guarantee_id}", "enterprise": c.guarantee.enterprise.name,
         "paid_on": c.paid_on, "amount": c.amount.amount, "recovered": recovered_to_end.get(c.pk) or ZERO,
         "written_off": (written_off_to_end.get(c.pk) or ZERO),
         "ledger": recourse_end.get(recourse_accounts.get(chart.recourse_code(c.pk), 0), ZERO),
         "state": "상각" if c.pk in written_off_to_end else ("회수 완료" if c.settled_on and c.settled_on <= end
                                                             else "구상 중")}
        for c in claims if c.paid_on is not None and c.paid_on <= end
    ]
    executed_to_end = sum((face_amount(g) for g in guarantees if g.start_on is not None and g.start_on <= end), ZERO)
    claims_to_end = closing[chart.CLAIMS_EXPENSE]
    recoveries_to_end = closing[chart.RECOVERY_INCOME]
    now = program_claims(program)
    claim_figures = [
        ("대위변제 누계", claims_to_end, now.claims_paid, "won"),
        ("구상 회수 누계", recoveries_to_end, now.recoveries, "won"),
        ("순손실 (대위변제 - 회수)", claims_to_end - recoveries_to_end, now.net_loss, "won"),
        ("보증 실행 누계 (보증금액)", executed_to_end, now.executed, "won"),
        ("대위변제율 (대위변제 ÷ 보증 실행)", _ratio(claims_to_end, executed_to_end), now.claim_rate, "rate"),
        ("회수율 (회수 ÷ 대위변제)", _ratio(recoveries_to_end, claims_to_end), now.recovery_rate, "rate"),
        ("구상채권 잔액 (원금·비용, 상각분 제외)", closing[RECOURSE], now.recourse_outstanding, "won"),
    ]
    claim_period: dict[str, Any] = {
        "claims": moved.net[chart.CLAIMS_EXPENSE],
        "recoveries": moved.net[chart.RECOVERY_INCOME],
        "recovery_parts": {part: _sum(period_recoveries, part) for part in ("costs", "damages", "principal")},
        "recovery_count": period_recoveries.count(),
        "written_off": moved.gross("guarantee.recourse_write_off", RECOURSE, Side.CREDIT),
    }

    # Cash from opening to closing, by what moved it
    cash_lines = []
    explained = ZERO
    for kind, label in CASH_LINES[:-1]:
        amount = moved.cash(kind)
        explained += amount
        cash_lines.append((label, amount))
    cash_change = moved.net[chart.CASH]
    cash_lines.append((CASH_LINES[-1][1], cash_change - explained))
    cash = {"opening": opening[chart.CASH], "closing": closing[chart.CASH], "change": cash_change,
            "agrees": opening[chart.CASH] + cash_change == closing[chart.CASH]}

    # Every figure beside the book's
    period_claims = [c for c in claims if c.paid_on is not None and start <= c.paid_on <= end]
    accounts_now = dict(Account.objects.filter(book_id=program.book_id).values_list("code", "balance"))
    checks = [
        Check("기간 중 보증료 부과 (청구서)", fees_billed,
              moved.gross("guarantee.fee.bill", chart.FEE_INCOME, Side.CREDIT), "보증료수익 계정 부과분"),
        Check("기간 중 기업 보증료 납부 (납부 내역)", fees["paid"]["firm"],
              moved.gross("guarantee.fee.payment", chart.FEES_DUE_FIRM, Side.CREDIT), "미수보증료 (기업분) 계정 감소"),
        Check("기간 중 지자체 보증료 납부 (납부 내역)", fees["paid"]["city"],
              moved.gross("guarantee.fee.city_payment", chart.FEES_DUE_CITY, Side.CREDIT),
              "미수보증료 (지자체분) 계정 감소"),
        Check("기간 중 보증료 환급 (환급 내역)", fees["refunded"]["total"],
              moved.gross("guarantee.fee.refund", chart.FEE_INCOME, Side.DEBIT), "보증료수익 계정 환급분"),
        Check("기간 중 환급 현금 반환 (환급 내역)", fees["returned"]["total"], -moved.cash("guarantee.fee.refund"),
              "현금 계정 환급분"),
        Check("기간 중 연체료 부과 (납부 내역)", late["charged"], moved.net[chart.LATE_FEE_INCOME],
              "연체료수익 계정 증감"),
        Check("기간 중 연체료 납부 (납부 내역)", late["paid"],
              moved.gross("guarantee.fee.payment", chart.LATE_FEES_DUE, Side.CREDIT), "미수연체료 계정 감소"),
        Check("미수 보증료 (현재, 청구서)", fees_now.city.outstanding + fees_now.firm.outstanding,
              Decimal(accounts_now.get(chart.FEES_DUE_CITY, ZERO) + accounts_now.get(chart.FEES_DUE_FIRM, ZERO)),
              "미수보증료 계정 현재 잔액"),
        Check("미수 연체료 (현재, 청구서)", fees_now.late_fees_charged - fees_now.late_fees_collected,
              Decimal(accounts_now.get(chart.LATE_FEES_DUE, ZERO)), "미수연체료 계정 현재 잔액"),
        Check("기간 중 출연금 (출연 내역)",
              _sum(ProgramContribution.objects.filter(program=program, received_on__range=(start, end)), "amount"),
              contributions_total["change"], "출연금 계정 증감"),
        Check("기간 중 이차보전금 (지급회차 합계)", _sum(paid_runs, "total"), subsidies_paid, "이차보전금 계정 증감"),
        Check("기간 중 대위변제 (대위변제 내역)", sum((c.amount.amount for c in period_claims), ZERO),
              claim_period["claims"], "대위변제비용 계정 증감"),
        Check("기간 중 구상 회수 (회수 내역)", _sum(period_recoveries, "amount"), claim_period["recoveries"],
              "구상채권 회수이익 계정 증감"),
        Check("기간 중 구상채권 상각 (상각 내역)",
              _sum(write_offs.filter(written_off_on__range=(start, end)), "amount"), claim_period["written_off"],
              "구상채권 계정 상각분"),
        Check("기말 구상채권 (대위변제별 합계)", sum((row["ledger"] for row in claim_rows), ZERO), closing[RECOURSE],
              "구상채권 계정 잔액"),
        Check("구상채권 잔액 (현재, 대위변제 내역)", now.recourse_outstanding,
              sum((a.balance.amount for a in Account.objects.filter(pk__in=list(recourse_accounts.values()))), ZERO),
              "구상채권 계정 현재 잔액"),
        Check("보증잔액 (현재, 보증별 이력으로 재구성)", rebuilt_now, position.used, "사업의 보증한도 사용액"),
        Check("기말 보증잔액 (보증별 합계)", guaranteed_end, points[-1].used, "월말 사용액 (재구성)"),
    ]

    # The book's balances at the end: debit-normal and credit-normal sides add up
    normal: dict[str, str] = {RECOURSE: Side.DEBIT, RECOURSE_MEMO: Side.CREDIT}
    normal |= dict(Account.objects.filter(book_id=program.book_id).exclude(code__startswith="recourse")
                   .values_list("code", "normal_side"))
    known = {code for code, _label in ACCOUNTS_KO}
    book_rows = [(label, code, closing[code], normal.get(code, Side.DEBIT)) for code, label in ACCOUNTS_KO]
    book_rows += [(code, code, amount, normal.get(code, Side.DEBIT)) for code, amount in sorted(closing.items())
                  if code not in known and amount]
    debit_total = sum((amount for _l, _c, amount, side in book_rows if side == Side.DEBIT), ZERO)
    credit_total = sum((amount for _l, _c, amount, side in book_rows if side == Side.CREDIT), ZERO)

    journal_rows = list(
        _entries(program).filter(journal__effective_date__range=(start, end))
        .order_by("journal__effective_date", "journal_id", "-side", "id")
        .values_list("journal__effective_date", "journal_id", "journal__kind", "journal__memo", "account__code",
                     "account__name", "side", "amount"))
    journal_summary: dict[str, dict[str, Any]] = {}
    seen: set[int] = set()
    for _on, journal_id, kind, _memo, _code, _name, side, amount in journal_rows:
        row = journal_summary.setdefault(kind, {"label": JOURNAL_KO.get(kind, kind), "journals": 0, "debits": ZERO})
        if journal_id not in seen:
            seen.add(journal_id)
            row["journals"] += 1
        if side == Side.DEBIT:
            row["debits"] += amount
    journal_debits = sum((amount for *_rest, side, amount in journal_rows if side == Side.DEBIT), ZERO)
    journal_credits = sum((amount for *_rest, side, amount in journal_rows if side == Side.CREDIT), ZERO)

    report, check_json = ledger_check_summary()
    charts = capacity_charts(points)
    rates = (f"보증료율 {program.fee_rate * 100:.2f}% (지자체 지원 {program.city_fee_rate * 100:.2f}%p) · "
             f"이차보전 {program.subsidy_rate * 100:.2f}%p {program.subsidy_months}개월 "
             f"({PAYEE_KO.get(program.subsidy_payee, program.subsidy_payee)} 지급) · "
             f"구상채권 지연손해금 연 {program.late_damages_rate * 100:.2f}%")
    banks = ", ".join(sorted(b.name for b in program.partner_banks.all()))
    by_state = [(STATE_KO.get(s.state, s.state), s.count, s.guaranteed, s.approved_amount)
                for s in position.guarantees_by_state.values()]
    last = points[-1]

    tables = [
        Table("요약", ["항목", "값"], [
            ["사업", program.name], ["사업 코드", program.code], ["기간 시작", start], ["기간 종료", end],
            ["보증배수", program.multiple], ["보증비율", program.guarantee_ratio],
            ["업체당 한도", program.per_firm_limit.amount], ["보증료율", program.fee_rate],
            ["지자체 보증료 지원율", program.city_fee_rate], ["이차보전율", program.subsidy_rate],
            ["기말 출연금", last.contributions], ["기말 순손실", last.net_losses], ["기말 보증한도", last.capacity],
            ["기말 사용액", last.used], ["기말 가용액", last.available], ["기말 사용률", last.utilisation],
            ["기간 중 보증료 부과", fees_billed], ["기간 중 보증료 순 수납", fees["collected"]["total"]],
            ["기말 미수 보증료", fees["outstanding"]["total"]],
            ["기간 중 이차보전금", subsidies_paid], ["기간 중 대위변제", claim_period["claims"]],
            ["기간 중 구상 회수", claim_period["recoveries"]], ["기초 현금", cash["opening"]],
            ["기말 현금", cash["closing"]],
        ]),
        Table("출연금", ["재원", "기초", "기간 중 증감", "기말"],
              [[row["label"], row["opening"], row["change"], row["closing"]] for row in contributions]),
        Table("보증한도 추이", ["기준일", "출연금", "순손실", "보증한도", "사용액", "가용액", "사용률"],
              [[p.on, p.contributions, p.net_losses, p.capacity, p.used, p.available, p.utilisation]
               for p in points]),
        Table("보증 상태별 (현재)", ["상태", "건수", "보증잔액", "승인 대출금액"], [list(row) for row in by_state]),
        Table("기간 중 보증 변동", ["구분", "건수", "금액"], [list(row) for row in flows]),
        Table("보증 목록", ["보증", "기업", "사업자등록번호", "은행", "대출번호", "승인 대출금액", "대출금액", "실행일",
                        "기말 대출잔액", "기말 보증잔액", "상태 (현재)"],
              [[r["number"], r["enterprise"], r["business_number"], r["bank"], r["reference"], r["approved_amount"],
                r["loan_amount"], r["start_on"], r["balance"], r["guaranteed"], r["state"]] for r in guarantee_rows]),
        Table("보증료", ["구분", "지자체", "기업", "합계"],
              [*([label, fees[key]["city"], fees[key]["firm"], fees[key]["total"]] for label, key in fee_lines),
               ["연체료 부과", None, late["charged"], late["charged"]],
               ["연체료 납부", None, late["paid"], late["paid"]],
               ["기말 미수 연체료", None, late["outstanding"], late["outstanding"]]]),
        Table("이차보전금 지급", ["지급회차", "지원 기간", "건수", "지급일", "전표", "금액"],
              [[r["run"], r["period"], r["lines"], r["paid_on"], r["journal"], r["amount"]] for r in subsidy_rows]),
        Table("대위변제 및 구상", ["항목", "기말", "현재"],
              [[label, at_end, current] for label, at_end, current, _kind in claim_figures]),
        Table("구상채권", ["대위변제", "보증", "기업", "지급일", "대위변제금", "회수 누계", "상각", "기말 원장 잔액",
                       "상태"],
              [[r["number"], r["guarantee"], r["enterprise"], r["paid_on"], r["amount"], r["recovered"],
                r["written_off"], r["ledger"], r["state"]] for r in claim_rows]),
        Table("현금 증감", ["항목", "금액"], [["기초 현금", cash["opening"]], *([label, amount]
                                                                    for label, amount in cash_lines),
                                        ["기말 현금", cash["closing"]]]),
        Table("원장 대사", ["항목", "명세", "원장", "원장 출처", "일치"],
              [[c.label, c.stated, c.book, c.source, "일치" if c.agrees else "불일치"] for c in checks]),
        Table("기말 계정 잔액", ["계정", "코드", "잔액", "차대"],
              [[label, code, amount, "차변" if side == Side.DEBIT else "대변"]
               for label, code, amount, side in book_rows]),
        Table("분개장", ["일자", "전표", "구분", "적요", "계정 코드", "계정명", "차변", "대변"],
              [[on, f"J{journal_id}", JOURNAL_KO.get(kind, kind), memo, code, name,
                amount if side == Side.DEBIT else None, amount if side == Side.CREDIT else None]
               for on, journal_id, kind, memo, code, name, side, amount in journal_rows]),
    ]
    return Built(
        title="특례보증 운용 명세서",
        subject=f"{program.name} ({program.code})",
        issuer=program.foundation.name,
        fund_name=program.name,
        template="statements/guarantee_program.html",
        filename=f"특례보증운용명세서_{program.code}_{start.isoformat()}_{end.isoformat()}",
        context={
            "program": program, "banks": banks, "rates": rates, "opening_date": opening_day,
            "rounding": f"{program.rounding_unit}원 {ROUNDING_KO.get(program.rounding_mode, program.rounding_mode)}",
            "contributions": contributions, "contributions_total": contributions_total, "points": points,
            "first": points[0], "last": last, "position": position, "generated_on": generated_on,
            "charts": charts, "by_state": by_state, "flows": flows, "guarantee_rows": guarantee_rows,
            "guaranteed_end": guaranteed_end, "fees": fees,
            "fee_rows": [(label, fees[key]) for label, key in fee_lines], "fees_billed": fees_billed,
            "late": late, "fees_now": fees_now, "subsidy_rows": subsidy_rows, "subsidies_paid": subsidies_paid,
            "subsidy_budget": subsidy_budget, "claim_figures": claim_figures, "claim_period": claim_period,
            "claim_rows": claim_rows, "cash": cash, "cash_lines": cash_lines, "checks": checks,
            "checks_agree": all(c.agrees for c in checks) and cash["agrees"] and debit_total == credit_total,
            "book_rows": book_rows, "debit_total": debit_total, "credit_total": credit_total,
            "journal_summary": list(journal_summary.values()), "journal_count": len(seen),
            "journal_debits": journal_debits, "journal_credits": journal_credits, "journal_lines": len(journal_rows),
            "ledger_report": report, "ledger_check_json": check_json,
        },
        tables=tables,
    )


class ProgramStatement(StatementKind):
    """특례보증 운용 명세서: of a special guarantee program, for staff only (anyone else is refused, Forbidden, whether
    or not the program exists, as for a fund statement)."""

    kind = Statement.Kind.GUARANTEE_PROGRAM
    build = staticmethod(build)

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        require_role(actor, *STAFF_READERS,
                     message=_("Only fund managers and auditors may ask for a guarantee program statement."))
        program = GuaranteeProgram.objects.filter(pk=subject_id).first()
        if program is None:
            raise NotFound(_("No such guarantee program."),
                           fields={"subject": [_("no guarantee program with this id")]})
        return {"guarantee_program": program}


KIND = ProgramStatement()
