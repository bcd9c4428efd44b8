"""The fund statement (기금 운용 명세서), asked for through the service and rendered by the (eager) task, then read
back as an auditor would: the printed text, the fonts, and the CSV attached inside, whose figures are compared with
balances recomputed here from the ledger's entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from funds import accounts as chart
from funds.models import Loan, Repayment
from ledger.models import Account, Entry
from ledger.selectors import balance_on
from statements.models import Statement
from statements.services import statement_request
from tests.factories import AuditorFactory, ManagerFactory
from tests.funds.factories import make_fund

from . import pdf
from .helpers_fund import History, make_history

pytestmark = pytest.mark.django_db


def won(amount: Decimal | int) -> str:
    return f"-₩{-int(amount):,}" if amount < 0 else f"₩{int(amount):,}"


def d(text: str) -> Decimal:
    return Decimal(text or "0")


@pytest.fixture
def history() -> History:
    return make_history()


def issue(capture, *, actor, fund_id: int, start: date, end: date) -> tuple[Statement, bytes]:
    with capture(execute=True):
        statement = statement_request(actor=actor, kind="fund", subject_id=fund_id, period_start=start,
                                      period_end=end, today=timezone.localdate())
    statement.refresh_from_db()
    assert statement.state == Statement.State.READY, statement.error
    with statement.file.open("rb") as f:
        return statement, f.read()


def principal_on(fund_id: int, on: date) -> Decimal:
    return sum((balance_on(loan.principal_account, on) for loan in
                Loan.objects.filter(fund_id=fund_id).select_related("principal_account")), Decimal(0))


def reconciliation(tables: dict) -> dict[str, dict[str, Decimal]]:
    return {row["항목"]: {"구분": row["구분"], "현금": d(row["현금"]), "대출원금": d(row["대출원금"])}
            for row in tables["요약"]}


def assert_reconciles(rows: dict[str, dict]) -> None:
    """Opening plus every movement line is the closing line, for cash and for outstanding principal."""
    for column in ("현금", "대출원금"):
        opening = [r[column] for r in rows.values() if r["구분"] == "기초"]
        moves = [r[column] for r in rows.values() if r["구분"] == "증감"]
        closing = [r[column] for r in rows.values() if r["구분"] == "기말"]
        assert len(opening) == len(closing) == 1 and len(moves) >= 8
        assert opening[0] + sum(moves) == closing[0], column


def test_a_fund_statement_reconciles_cash_and_principal_with_the_ledger(history, django_capture_on_commit_callbacks):
    fund, end = history.fund, history.today
    statement, data = issue(django_capture_on_commit_callbacks, actor=AuditorFactory(), fund_id=fund.pk,
                            start=date(2025, 1, 1), end=end)
    text = pdf.text(data)
    tables = pdf.attachment_tables(data)
    rows = reconciliation(tables)
    assert_reconciles(rows)

    cash = chart.cash(fund.book)
    closing_cash, closing_principal = balance_on(cash, end), principal_on(fund.pk, end)
    # what was put in and lent, by hand: 500M of capital by 2024, 1M lent in 2024; 10M more capital, 13.2M lent
    assert balance_on(cash, date(2024, 12, 31)) == 499_000_000
    opening = next(r for r in rows.values() if r["구분"] == "기초")
    closing = next(r for r in rows.values() if r["구분"] == "기말")
    assert (opening["현금"], opening["대출원금"]) == (499_000_000, 1_000_000)
    assert (closing["현금"], closing["대출원금"]) == (closing_cash, closing_principal)
    assert closing_cash == cash.balance.amount  # nothing is dated after today
    assert rows["출연금 납입"]["현금"] == 10_000_000
    assert (rows["대출 실행"]["현금"], rows["대출 실행"]["대출원금"]) == (-13_200_000, 13_200_000)
    assert (rows["대손상각 (원금)"]["현금"], rows["대손상각 (원금)"]["대출원금"]) == (0, -1_000_000)
    assert (rows["상각채권 회수"]["현금"], rows["상각채권 회수"]["대출원금"]) == (300_000, 0)
    bounced = Repayment.objects.get(reversed_at__isnull=False)
    bounced_principal = bounced.overdue_principal.amount + bounced.principal.amount + bounced.prepayment.amount
    assert (rows["상환 취소"]["현금"], rows["상환 취소"]["대출원금"]) == (-50_000, bounced_principal)
    assert rows["기타"] == {"구분": "증감", "현금": 0, "대출원금": 0}
    # every repayment standing or not was received: the 37,200, the bounced 50,000 and the 500,000
    received = sum(rows[k]["현금"] for k in ("원금 회수 (상환)", "이자 수령", "연체이자 수령"))
    assert received == 37_200 + 50_000 + 500_000

    assert "기초 + 증감 = 기말: 일치" in text
    assert won(closing_cash) in text and won(closing_principal) in text
    assert "불일치" not in text

    # capital by source, income, the loans, the journal
    capital = {row["재원"]: row for row in tables["출연금"]}
    assert d(capital["지자체 출연금"]["기말"]) == chart.capital(fund.book, "municipality").balance.amount
    assert d(capital["기타 출연금"]["기간 중 증감"]) == 10_000_000
    income = {row["항목"]: d(row["금액"]) for row in tables["손익"]}
    assert income["상각채권 회수이익"] == 300_000
    assert income["대손상각비"] == history.written_off.write_offs.get().total.amount
    loans = {row["대출"]: row for row in tables["대출목록"]}
    assert set(loans) == {f"L{history.written_off.pk}", f"L{history.bullet.pk}", f"L{history.amortizing.pk}"}
    assert sum(d(row["기말 대출잔액"]) for row in loans.values()) == closing_principal
    assert d(loans[f"L{history.bullet.pk}"]["기말 대출잔액"]) == history.bullet.principal_account.balance.amount
    entries = Entry.objects.filter(journal__book=fund.book, journal__effective_date__range=(date(2025, 1, 1), end))
    journal = tables["분개장"]
    assert len(journal) == entries.count()
    assert sum(d(r["차변"]) for r in journal) == sum(d(r["대변"]) for r in journal) > 0
    assert "분개장" in text and f"전표 {entries.values('journal').distinct().count()}건" in text
    classes = {row["코드"]: row for row in tables["자산건전성"]}
    assert sum(d(r["대출잔액"]) for r in classes.values()) == closing_principal  # the written-off loan has none

    assert statement.ledger_check["ok"] is True and statement.ledger_check["problems"] == []
    assert set(pdf.fonts(data)) <= {"NanumGothic", "NanumGothic-Bold"} and "NanumGothic" in pdf.fonts(data)


def test_a_period_in_the_middle_starts_and_ends_on_the_ledger_balances_of_its_days(
        history, django_capture_on_commit_callbacks):
    """2025-02-01 to 2025-03-31: the 13.2M lent on 2025-01-15 is in the opening balances; the write-off and the
    recovery (today) and the 500,000 paid on 2025-04-16 are after the end."""
    fund = history.fund
    start, end = date(2025, 2, 1), date(2025, 3, 31)
    _statement, data = issue(django_capture_on_commit_callbacks, actor=ManagerFactory(), fund_id=fund.pk,
                             start=start, end=end)
    rows = reconciliation(pdf.attachment_tables(data))
    assert_reconciles(rows)
    opening = next(r for r in rows.values() if r["구분"] == "기초")
    closing = next(r for r in rows.values() if r["구분"] == "기말")
    cash = chart.cash(fund.book)
    assert (opening["현금"], opening["대출원금"]) == (485_800_000, 14_200_000)
    assert opening["현금"] == balance_on(cash, date(2025, 1, 31))
    assert (closing["현금"], closing["대출원금"]) == (balance_on(cash, end), principal_on(fund.pk, end))
    assert closing["대출원금"] == 14_200_000  # the only principal paid in the period came back
    assert rows["대손상각 (원금)"]["대출원금"] == rows["상각채권 회수"]["현금"] == rows["대출 실행"]["현금"] == 0
    assert rows["출연금 납입"]["현금"] == 10_000_000
    tables = pdf.attachment_tables(data)
    assert tables["분개장"] and all(start.isoformat() <= r["일자"] <= end.isoformat() for r in tables["분개장"])
    loans = {row["대출"]: d(row["기말 대출잔액"]) for row in tables["대출목록"]}
    assert loans[f"L{history.written_off.pk}"] == 1_000_000  # not yet written off on 2025-03-31
    text = pdf.text(data)
    assert "기초 + 증감 = 기말: 일치" in text and won(balance_on(cash, end)) in text


def test_a_ledger_that_does_not_add_up_is_reported_on_the_statement(django_capture_on_commit_callbacks):
    """A fund with no loans, whose cash account's counters were changed behind the ledger's back: the statement
    still reconciles (it reads the entries) but prints the ledger check's problem, and stores it."""
    fund = make_fund(code="broken", capital_on=date(2026, 1, 2))
    Account.objects.filter(book=fund.book, code=chart.CASH).update(debit_total=F("debit_total") + 1,
                                                                   balance=F("balance") + 1)
    statement, data = issue(django_capture_on_commit_callbacks, actor=AuditorFactory(), fund_id=fund.pk,
                            start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert statement.ledger_check["ok"] is False and statement.ledger_check["problem_count"] == 1
    assert "cash" in statement.ledger_check["problems"][0]
    text = pdf.text(data)
    assert "문제 1건" in text and "기초 + 증감 = 기말: 일치" in text
    assert "기말까지 실행된 대출이 없습니다" in text
    rows = reconciliation(pdf.attachment_tables(data))
    assert rows["출연금 납입"]["현금"] == 600_000_000
