"""The enterprise statement (기업 거래명세서): all of one enterprise's loans, in every fund, over a period, asked for
through the service (by staff and by the enterprise's own member) and read back: printed text, fonts, and the CSV
attached inside, compared with the ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from funds.models import Repayment
from ledger.selectors import balance_on
from statements.models import Statement
from statements.services import statement_request
from tests.factories import ManagerFactory

from . import pdf
from .helpers_fund import History, make_history

pytestmark = pytest.mark.django_db
START = date(2025, 1, 1)


def won(amount: Decimal | int) -> str:
    return f"₩{int(amount):,}"


def d(text: str) -> Decimal:
    return Decimal(text or "0")


@pytest.fixture
def history() -> History:
    return make_history()


def issue(capture, *, actor, enterprise_id: int, start: date, end: date) -> tuple[Statement, bytes]:
    with capture(execute=True):
        statement = statement_request(actor=actor, kind="enterprise", subject_id=enterprise_id, period_start=start,
                                      period_end=end, today=timezone.localdate())
    statement.refresh_from_db()
    assert statement.state == Statement.State.READY, statement.error
    with statement.file.open("rb") as f:
        return statement, f.read()


def test_an_enterprise_statement_covers_its_loans_in_every_fund_and_agrees_with_the_ledger(
        history, django_capture_on_commit_callbacks):
    end = history.today
    _statement, data = issue(django_capture_on_commit_callbacks, actor=ManagerFactory(),
                             enterprise_id=history.enterprise.pk, start=START, end=end)
    tables = pdf.attachment_tables(data)
    text = pdf.text(data)
    rows = {row["대출"]: row for row in tables["대출별 요약"]}
    mine = (history.bullet, history.amortizing, history.elsewhere)
    assert set(rows) == {f"L{loan.pk}" for loan in mine}  # not the other enterprise's written-off loan
    assert rows[f"L{history.elsewhere.pk}"]["기금"] == history.other_fund.name
    for loan in mine:
        row = rows[f"L{loan.pk}"]
        ledger = balance_on(loan.principal_account, end)
        assert d(row["기말 대출원금"]) == d(row["원장 기말 대출원금"]) == ledger
        assert ledger == loan.principal_account.balance.amount  # nothing is dated after today
        assert (d(row["기초 대출원금"]) + d(row["실행"]) - d(row["원금 상환"]) - d(row["상각 (원금)"])
                == d(row["기말 대출원금"]))
        assert won(ledger) in text
    # the 500,000 paid late on the amortizing loan stands; the bounced 50,000 does not
    late = Repayment.objects.get(loan=history.amortizing, reversed_at__isnull=True)
    row = rows[f"L{history.amortizing.pk}"]
    assert d(row["원금 상환"]) == late.overdue_principal.amount + late.principal.amount + late.prepayment.amount
    assert d(row["이자 납입"]) == late.overdue_interest.amount + late.interest.amount + late.accrued_interest.amount
    assert d(row["연체이자 납입"]) == late.default_interest.amount > 0
    assert d(rows[f"L{history.bullet.pk}"]["이자 납입"]) == 37_200
    total = sum(balance_on(loan.principal_account, end) for loan in mine)
    assert total == 12_000_000 + 5_000_000 + 1_200_000 - d(row["원금 상환"])
    assert won(total) in text and "일치" in text and "불일치" not in text

    moves = tables["거래내역"]
    kinds = [(m["대출"], m["구분"]) for m in moves]
    assert (f"L{history.amortizing.pk}", "상환 취소") in kinds
    assert sum(1 for m in moves if m["구분"] == "대출 실행") == 3
    assert "특례보증" in text and "사회성과보상사업" in text  # the instruments still to come
    assert set(pdf.fonts(data)) <= {"NanumGothic", "NanumGothic-Bold"}


def test_a_member_gets_its_written_off_loan_stated_with_the_recovery(history, django_capture_on_commit_callbacks):
    """The other enterprise's member asks: its loan was written off today (1,000,000 of principal) and 300,000
    recovered; it owes nothing at the end."""
    loan = history.written_off
    member = loan.enterprise.memberships.get().user
    _statement, data = issue(django_capture_on_commit_callbacks, actor=member, enterprise_id=loan.enterprise_id,
                             start=START, end=history.today)
    rows = pdf.attachment_tables(data)["대출별 요약"]
    assert len(rows) == 1
    row = rows[0]
    assert (d(row["기초 대출원금"]), d(row["상각 (원금)"]), d(row["상각채권 회수"]), d(row["기말 대출원금"])) == (
        1_000_000, 1_000_000, 300_000, 0)
    assert d(row["기말 미수이자"]) == d(row["기말 미수연체이자"]) == 0
    assert row["상태 (현재)"] == "상각"
    text = pdf.text(data)
    assert "₩300,000" in text and "상각채권 회수" in text


def test_a_period_before_any_loan_states_that_there_is_none(history, django_capture_on_commit_callbacks):
    _statement, data = issue(django_capture_on_commit_callbacks, actor=history.member,
                             enterprise_id=history.enterprise.pk, start=date(2024, 1, 1), end=date(2024, 12, 31))
    tables = pdf.attachment_tables(data)
    assert tables["대출별 요약"] == [] and tables["거래내역"] == []
    assert "이 기간에 거래한 대출이 없습니다" in pdf.text(data)
