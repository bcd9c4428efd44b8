"""기금 운용 명세서: one fund over a period, for auditors. Everything is read from the fund's book: capital by
source, cash and outstanding principal reconciled from opening to closing (grouped by what moved them), income of
the period, the balance sheet at the end, loans by asset class with the allowance they need, every loan, the full
journal of the period, and the whole-ledger check at generation time.

The journal can run to tens of thousands of lines, so each part is one aggregate or one streamed ``values()`` query,
never a query per journal or per loan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, F, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext as _

from core.errors import NotFound
from enterprises.roles import STAFF_READERS, require_role
from funds import accounts as chart
from funds.models import CapitalSource, Fund, Loan, LoanTransaction
from funds.selectors import fund_summary
from ledger.models import Entry, Side
from ledger.selectors import balances_on, ledger_check

from ..models import Statement
from .base import Built, StatementKind, Table
from .common import STATE_KO, ZERO, class_names, day_before

CAPITAL_KO: dict[str, str] = {
    CapitalSource.MUNICIPALITY.value: "지자체 출연금",
    CapitalSource.PRIVATE.value: "민간 매칭 출연금",
    CapitalSource.OTHER.value: "기타 출연금",
}
JOURNAL_KO = {
    "fund.contribution": "출연금 납입",
    "loan.disbursement": "대출 실행",
    "loan.repayment": "상환 수납",
    "loan.close_of_business": "일마감 (이자·연체이자)",
    "loan.write_off": "대손상각",
    "loan.recovery": "상각채권 회수",
    "reversal": "취소",
}

# Roles of the fund's accounts: the per-loan receivables by their code's suffix, the fund's own accounts by code.
PRINCIPAL, INTEREST, DEFAULT = "loan:principal", "loan:interest", "loan:default-interest"
ROLE = Case(
    When(Q(account__code__startswith="loan:") & Q(account__code__endswith=":principal"), then=Value(PRINCIPAL)),
    When(Q(account__code__startswith="loan:") & Q(account__code__endswith=":default-interest"), then=Value(DEFAULT)),
    When(Q(account__code__startswith="loan:") & Q(account__code__endswith=":interest"), then=Value(INTEREST)),
    default=F("account__code"),
    output_field=CharField(),
)

# The lines of the reconciliation, in print order: (key, label).
RECONCILIATION = [
    ("contribution", "출연금 납입"),
    ("disbursement", "대출 실행"),
    ("principal_repaid", "원금 회수 (상환)"),
    ("interest_received", "이자 수령"),
    ("default_received", "연체이자 수령"),
    ("write_off", "대손상각 (원금)"),
    ("recovery", "상각채권 회수"),
    ("repayment_reversal", "상환 취소"),
    ("other_reversal", "기타 취소 (일마감 재계산 등)"),
    ("other", "기타"),
]
SIMPLE = {"fund.contribution": "contribution", "loan.disbursement": "disbursement", "loan.write_off": "write_off",
          "loan.recovery": "recovery"}


def _signed(side: str, amount: Decimal, normal: str = Side.DEBIT) -> Decimal:
    return amount if side == normal else -amount


def _entries(fund: Fund) -> QuerySet[Entry]:
    return Entry.objects.filter(journal__book_id=fund.book_id).order_by()


def balances(fund: Fund, *, through: date) -> dict[str, Decimal]:
    """Every role's balance on its normal side from the journals effective on or before ``through`` (the loans'
    receivables added up over all loans)."""
    rows = (_entries(fund).filter(journal__effective_date__lte=through).annotate(role=ROLE)
            .values("role", "account__normal_side", "side").annotate(total=Sum("amount")))
    result: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        result[row["role"]] += _signed(row["side"], row["total"] or ZERO, row["account__normal_side"])
    return result


@dataclass
class CapitalLine:
    label: str
    opening: Decimal
    change: Decimal
    closing: Decimal


@dataclass
class Line:
    key: str
    label: str
    cash: Decimal = ZERO
    principal: Decimal = ZERO


@dataclass
class Reconciliation:
    opening_cash: Decimal
    opening_principal: Decimal
    closing_cash: Decimal
    closing_principal: Decimal
    lines: list[Line] = field(default_factory=list)

    @property
    def cash_change(self) -> Decimal:
        return sum((line.cash for line in self.lines), ZERO)

    @property
    def principal_change(self) -> Decimal:
        return sum((line.principal for line in self.lines), ZERO)

    @property
    def agrees(self) -> bool:
        return (self.opening_cash + self.cash_change == self.closing_cash
                and self.opening_principal + self.principal_change == self.closing_principal)


def reconcile(fund: Fund, start: date, end: date, opening: dict[str, Decimal],
              closing: dict[str, Decimal]) -> tuple[Reconciliation, dict[str, Decimal]]:
    """The period's changes of cash and outstanding principal, grouped by what moved them, and the period's net
    movement of every role (for the income and capital tables). A repayment's cash is split by the receivables it
    paid (gross credits, so interest accrued and paid in the same journal counts as received); whatever a group
    leaves unexplained goes to 기타, so opening + lines = closing holds whenever the ledger is consistent."""
    rows = (_entries(fund).filter(journal__effective_date__range=(start, end)).annotate(role=ROLE)
            .values("journal__kind", "journal__reverses__kind", "role", "account__normal_side", "side")
            .annotate(total=Sum("amount")))
    lines = {key: Line(key, label) for key, label in RECONCILIATION}
    net: dict[str, Decimal] = defaultdict(lambda: ZERO)
    # per journal-kind group: net change of cash and principal, gross credits to each receivable
    groups: dict[tuple[str, str | None], dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in rows:
        amount = row["total"] or ZERO
        role = row["role"]
        net[role] += _signed(row["side"], amount, row["account__normal_side"])
        group = groups[(row["journal__kind"], row["journal__reverses__kind"])]
        if role in ("cash", PRINCIPAL):
            group[role] += _signed(row["side"], amount)
        if role in (PRINCIPAL, INTEREST, DEFAULT) and row["side"] == Side.CREDIT:
            group["credit:" + role] += amount
    for (kind, reversed_kind), group in groups.items():
        cash, principal = group["cash"], group[PRINCIPAL]
        if kind == "loan.repayment":
            explained = {"principal_repaid": group["credit:" + PRINCIPAL],
                         "interest_received": group["credit:" + INTEREST],
                         "default_received": group["credit:" + DEFAULT]}
            for key, amount in explained.items():
                lines[key].cash += amount
            lines["principal_repaid"].principal += principal
            lines["other"].cash += cash - sum(explained.values(), ZERO)
            continue
        if kind == "reversal":
            key = "repayment_reversal" if reversed_kind == "loan.repayment" else "other_reversal"
        else:
            key = SIMPLE.get(kind, "other")
        lines[key].cash += cash
        lines[key].principal += principal
    result = Reconciliation(
        opening_cash=opening["cash"], opening_principal=opening[PRINCIPAL],
        closing_cash=closing["cash"], closing_principal=closing[PRINCIPAL], lines=list(lines.values()),
    )
    return result, net


def paths(fund: Fund, start: date, end: date, rec: Reconciliation) -> dict[str, list[tuple[date, Decimal]]]:
    """Cash and outstanding principal after each day of the period that moved them, for the chart."""
    rows = (_entries(fund).filter(journal__effective_date__range=(start, end)).annotate(role=ROLE)
            .filter(role__in=["cash", PRINCIPAL]).values("journal__effective_date", "role", "side")
            .annotate(total=Sum("amount")).order_by("journal__effective_date"))
    daily: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in rows:
        daily[row["journal__effective_date"]][row["role"]] += _signed(row["side"], row["total"] or ZERO)
    balance = {"cash": rec.opening_cash, PRINCIPAL: rec.opening_principal}
    result: dict[str, list[tuple[date, Decimal]]] = {role: [(start, value)] for role, value in balance.items()}
    for day in sorted(daily):
        for role in balance:
            if daily[day][role]:
                balance[role] += daily[day][role]
                result[role].append((day, balance[role]))
    for role in balance:
        result[role].append((end, balance[role]))
    return result


def balance_charts(cash: list[tuple[date, Decimal]], principal: list[tuple[date, Decimal]]) -> list[str]:
    """Cash and outstanding principal in one chart; in two (each on its own scale) when one is so much smaller
    than the other that it would be a flat line at the bottom."""
    from ..charts import step_chart  # matplotlib: loaded by the worker that renders, not by the web processes

    peaks = [max((abs(v) for _on, v in path), default=ZERO) for path in (cash, principal)]
    if min(peaks) * 10 >= max(peaks):
        return [step_chart([("현금", cash), ("대출잔액 (원금)", principal)], title="현금 및 대출잔액 추이")]
    return [step_chart([("현금", cash)], title="현금 잔액 추이", height_mm=45),
            step_chart([("대출잔액 (원금)", principal)], title="대출잔액 (원금) 추이", height_mm=45)]


def loan_rows(fund: Fund, end: date) -> list[dict[str, Any]]:
    """The fund's loans disbursed by ``end``: outstanding principal at ``end`` from the ledger, and from the loan's
    transactions (which must agree)."""
    names = class_names()
    ledger_outstanding = balances_on(Loan.objects.filter(fund=fund).values("principal_account_id"), end)
    txn_outstanding = dict(LoanTransaction.objects.filter(loan__fund=fund, value_date__lte=end).order_by()
                           .values("loan_id").annotate(total=Sum("principal_change"))
                           .values_list("loan_id", "total"))
    rows = []
    loans = (Loan.objects.filter(fund=fund, disbursed_on__lte=end).select_related("enterprise", "product")
             .order_by("disbursed_on", "pk"))
    for loan in loans:
        rows.append({
            "number": f"L{loan.pk}", "enterprise": loan.enterprise.name,
            "business_number": loan.enterprise.business_number, "product": loan.product.name,
            "principal": loan.principal.amount, "disbursed_on": loan.disbursed_on, "maturity_on": loan.maturity_on,
            "state": STATE_KO.get(loan.state, loan.state),
            "outstanding": ledger_outstanding.get(loan.principal_account_id, ZERO),
            "txn_outstanding": txn_outstanding.get(loan.pk) or ZERO,
            "days_past_due": loan.days_past_due, "asset_class": names.get(loan.asset_class, loan.asset_class),
        })
    return rows


@dataclass
class JournalBook:
    """The period's journal: ``entries`` every entry (for the CSV), ``lines`` the same with each journal's entries
    on one account and side added up (for the page: a close of business posts a line per loan and day)."""

    entries: list[list[Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    journals: int = 0
    debits: Decimal = ZERO
    credits: Decimal = ZERO


def _journal_label(kind: str, reverses_id: int | None, reversed_kind: str | None) -> str:
    if kind == "reversal":
        return f"{JOURNAL_KO.get(reversed_kind or '', reversed_kind or '')} 취소 (J{reverses_id})"
    return JOURNAL_KO.get(kind, kind)


def journal_book(fund: Fund, start: date, end: date) -> JournalBook:
    """Every entry of every journal of the period, in date and journal order (debits first), streamed from one
    query."""
    rows = (_entries(fund).filter(journal__effective_date__range=(start, end))
            .order_by("journal__effective_date", "journal_id", "-side", "id")
            .values_list("journal_id", "journal__effective_date", "journal__kind", "journal__memo",
                         "journal__reverses_id", "journal__reverses__kind", "account__code", "account__name",
                         "side", "amount"))
    book = JournalBook()
    current: dict[tuple[str, str], dict[str, Any]] = {}
    head: dict[str, Any] = {}

    def flush() -> None:
        for index, line in enumerate(current.values()):
            book.lines.append({**line, **(head if index == 0 else {}), "first": index == 0})

    previous = None
    for journal_id, on, kind, memo, reverses_id, reversed_kind, code, name, side, amount in rows.iterator(
            chunk_size=5000):
        if journal_id != previous:
            flush()
            current = {}
            previous = journal_id
            book.journals += 1
            head = {"on": on, "journal": f"J{journal_id}", "kind": _journal_label(kind, reverses_id, reversed_kind),
                    "memo": memo}
        debit = amount if side == Side.DEBIT else None
        credit = amount if side == Side.CREDIT else None
        book.debits += debit or ZERO
        book.credits += credit or ZERO
        book.entries.append([on, f"J{journal_id}", head["kind"], memo, code, name, debit, credit])
        line = current.setdefault((side, code), {"code": code, "name": name, "debit": None, "credit": None,
                                                 "count": 0})
        line["count"] += 1
        column = "debit" if side == Side.DEBIT else "credit"
        line[column] = (line[column] or ZERO) + amount
    flush()
    return book


def ledger_check_summary() -> tuple[Any, dict[str, Any]]:
    report = ledger_check()
    return report, {
        "ok": report.ok, "books": report.books, "accounts": report.accounts, "journals": report.journals,
        "entries": report.entries, "total_debits": str(report.total_debits),
        "total_credits": str(report.total_credits), "problem_count": len(report.problems),
        "problems": report.problems[:100],
    }


def build(statement: Statement, *, generated_at: datetime) -> Built:
    fund = Fund.objects.select_related("operator", "book").get(pk=int(statement.fund_id or 0))
    start, end = statement.period_start, statement.period_end
    assert start is not None and end is not None
    opening = balances(fund, through=day_before(start))
    closing = balances(fund, through=end)
    rec, net = reconcile(fund, start, end, opening, closing)

    capital = [CapitalLine(CAPITAL_KO[source], opening[chart.capital_code(source)], net[chart.capital_code(source)],
                           closing[chart.capital_code(source)]) for source in CapitalSource.values]
    capital_total = CapitalLine("합계", *(sum((getattr(row, k) for row in capital), ZERO)
                                        for k in ("opening", "change", "closing")))

    income: list[tuple[str, Decimal]] = [
        ("이자수익", net[chart.INTEREST_INCOME]), ("연체이자수익", net[chart.DEFAULT_INTEREST_INCOME]),
        ("상각채권 회수이익", net[chart.RECOVERY_INCOME])]
    income_total = sum((amount for _label, amount in income), ZERO)
    write_off_expense = net[chart.WRITE_OFF_EXPENSE]
    income_codes = (chart.INTEREST_INCOME, chart.DEFAULT_INTEREST_INCOME, chart.RECOVERY_INCOME)
    retained = sum((closing[c] for c in income_codes), ZERO) - closing[chart.WRITE_OFF_EXPENSE]
    assets = [("현금", closing["cash"]), ("대출채권 (원금)", closing[PRINCIPAL]), ("미수이자", closing[INTEREST]),
              ("미수연체이자", closing[DEFAULT])]
    assets_total = sum((amount for _label, amount in assets), ZERO)
    # Accounts other than the standard chart (none in a fund opened by funds.accounts) would show up here.
    known = {"cash", PRINCIPAL, INTEREST, DEFAULT, *income_codes, chart.WRITE_OFF_EXPENSE,
             *(chart.capital_code(s) for s in CapitalSource.values)}
    unknown = {role: amount for role, amount in closing.items() if role not in known and amount}
    balance_sheet = {"assets": assets, "assets_total": assets_total, "capital": capital_total.closing,
                     "retained": retained, "equity_total": capital_total.closing + retained,
                     "agrees": not unknown and assets_total == capital_total.closing + retained,
                     "unknown": sorted(unknown.items())}

    summary = fund_summary(fund)
    classes = summary.by_asset_class
    class_totals = {"loans": sum(r.loans for r in classes), "outstanding": sum((r.outstanding for r in classes), ZERO),
                    "allowance": summary.required_allowance}
    loans = loan_rows(fund, end)
    loans_outstanding = sum((r["outstanding"] for r in loans), ZERO)
    loans_txn_outstanding = sum((r["txn_outstanding"] for r in loans), ZERO)
    journal = journal_book(fund, start, end)
    report, check_json = ledger_check_summary()
    series = paths(fund, start, end, rec)
    charts = balance_charts(series["cash"], series[PRINCIPAL])

    tables = [
        Table("요약", ["구분", "항목", "현금", "대출원금"], [
            ["기초", f"기초 잔액 ({day_before(start).isoformat()})", rec.opening_cash, rec.opening_principal],
            *[["증감", line.label, line.cash, line.principal] for line in rec.lines],
            ["기말", f"기말 잔액 ({end.isoformat()})", rec.closing_cash, rec.closing_principal],
        ]),
        Table("출연금", ["재원", "기초", "기간 중 증감", "기말"],
              [[row.label, row.opening, row.change, row.closing] for row in capital]),
        Table("손익", ["항목", "금액"], [*([label, amount] for label, amount in income),
                                      ["대손상각비", write_off_expense],
                                      ["당기 순손익", income_total - write_off_expense]]),
        Table("자산건전성", ["분류", "코드", "건수", "대출잔액", "적립률", "필요 충당금"],
              [[r.korean, r.code, r.loans, r.outstanding, r.allowance_rate, r.allowance] for r in classes]),
        Table("대출목록", ["대출", "기업", "사업자등록번호", "상품", "대출원금", "실행일", "만기일", "상태",
                       "기말 대출잔액", "연체일수(현재)", "자산건전성(현재)"],
              [[r["number"], r["enterprise"], r["business_number"], r["product"], r["principal"], r["disbursed_on"],
                r["maturity_on"], r["state"], r["outstanding"], r["days_past_due"], r["asset_class"]]
               for r in loans]),
        Table("분개장", ["일자", "전표", "구분", "적요", "계정 코드", "계정명", "차변", "대변"],
              journal.entries),
    ]
    return Built(
        title="기금 운용 명세서",
        subject=f"{fund.name} ({fund.code})",
        issuer=fund.operator.name,
        fund_name=fund.name,
        template="statements/fund.html",
        filename=f"기금운용명세서_{fund.code}_{start.isoformat()}_{end.isoformat()}",
        context={
            "fund": fund, "opening_date": day_before(start), "rec": rec, "capital": capital,
            "capital_total": capital_total, "income": income, "income_total": income_total,
            "write_off_expense": write_off_expense, "net_income": income_total - write_off_expense,
            "balance_sheet": balance_sheet, "classes": classes, "class_totals": class_totals,
            "loans": loans, "loans_outstanding": loans_outstanding,
            "loans_agree": loans_outstanding == rec.closing_principal == loans_txn_outstanding,
            "loans_txn_outstanding": loans_txn_outstanding,
            "journal": journal, "ledger_report": report, "ledger_check_json": check_json,
            "charts": charts, "loans_by_state": summary.loans_by_state,
        },
        tables=tables,
    )


class FundStatement(StatementKind):
    """기금 운용 명세서: of a fund, for staff only (anyone else is refused, Forbidden, whether or not the fund
    exists)."""

    kind = Statement.Kind.FUND
    build = staticmethod(build)

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        require_role(actor, *STAFF_READERS,
                     message=_("Only fund managers and auditors may ask for a fund statement."))
        fund = Fund.objects.filter(pk=subject_id).first()
        if fund is None:
            raise NotFound(_("No such fund."), fields={"subject": [_("no fund with this id")]})
        return {"fund": fund}


KIND = FundStatement()
