"""분개장 exports (``statements.exports``): a fund's journal over a period as CSV and XLSX, parsed back and held
against the ledger: one line per entry of the period and no other, debits = credits = the ledger's sums, Korean
headers, whole-won integers, dates as dates, 기록시각 in KST.

The fund's history goes through the real services: contributions, two loans disbursed, repayments, the close of
business (interest falling due), and a contribution after the period; a second fund's journals must not show."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q, Sum
from django.utils import timezone
from openpyxl import load_workbook

from funds import services
from funds.models import Fund
from ledger.models import Entry, Journal
from statements.exports import HEADER, export_filename, journal_csv, journal_rows, journal_xlsx
from tests.funds.factories import make_fund, make_loan, make_product, member_of, repay

START, END = date(2026, 2, 1), date(2026, 3, 31)
KST = ZoneInfo("Asia/Seoul")
FORMULA_MEMO = '=HYPERLINK("http://example.com","열기")'


@pytest.fixture
def fund(db) -> Fund:
    """Before the period: the capital (2026-01-02) and loan A's disbursement (01-15). In it: B's disbursement
    (02-10), A's and B's repayments, the close of business through 03-31 (A's and B's interest falling due), a
    contribution whose memo looks like a formula (03-20). After it: the close of April and a contribution (05-20)."""
    fund = make_fund(capital=300_000_000)
    product = make_product(fund, grace_months=0, approval_tiers=[])
    a = make_loan(product, member=member_of(), amount=10_000_000, disbursed_on=date(2026, 1, 15))
    b = make_loan(product, member=member_of(), amount=20_000_000, disbursed_on=date(2026, 2, 10))
    repay(a, 300_000, on_date=date(2026, 2, 15))
    repay(b, 600_000, on_date=date(2026, 3, 10))
    services.contribution_record(actor=None, fund_id=fund.pk, source="private", amount=5_000_000,
                                 received_on=date(2026, 3, 20), idempotency_key="in-period", memo=FORMULA_MEMO,
                                 today=timezone.localdate())
    repay(a, 2_500_000, on_date=date(2026, 3, 25))
    services.close_business(through=date(2026, 4, 30), today=timezone.localdate())
    services.contribution_record(actor=None, fund_id=fund.pk, source="municipality", amount=7_000_000,
                                 received_on=date(2026, 5, 20), idempotency_key="after-period",
                                 today=timezone.localdate())
    elsewhere = make_fund(code="jung-gu")
    make_loan(make_product(elsewhere), member=member_of(), amount=15_000_000, disbursed_on=date(2026, 3, 2))
    return fund


def period_entries(fund: Fund):
    return Entry.objects.filter(journal__book=fund.book, journal__effective_date__range=(START, END))


def ledger_sums(fund: Fund) -> tuple[int, int]:
    sums = period_entries(fund).aggregate(d=Sum("amount", filter=Q(side="D")), c=Sum("amount", filter=Q(side="C")))
    return int(sums["d"]), int(sums["c"])


def csv_rows(fund: Fund) -> list[list[str]]:
    data = journal_csv(fund, START, END)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for spreadsheet programs"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_fund_has_journals_before_in_and_after_the_period(fund):
    journals = Journal.objects.filter(book=fund.book)
    assert journals.filter(effective_date__lt=START).exists()
    assert journals.filter(effective_date__gt=END).exists()
    kinds = set(journals.filter(effective_date__range=(START, END)).values_list("kind", flat=True))
    assert kinds >= {"loan.disbursement", "loan.repayment", "loan.close_of_business", "fund.contribution"}


def test_the_csv_has_a_korean_header_and_one_line_per_entry_of_the_period(fund):
    header, *rows = csv_rows(fund)
    assert header == ["일자", "전표", "구분", "적요", "계정코드", "계정명", "차변", "대변", "기록시각"]
    assert len(rows) == period_entries(fund).count() > 10
    exported = sorted((int(r[1].removeprefix("J")), r[4], r[6] or r[7]) for r in rows)
    expected = sorted((e.journal_id, e.account.code, str(int(e.amount.amount)))
                      for e in period_entries(fund).select_related("account"))
    assert exported == expected


def test_the_csv_balances_to_the_ledgers_sums_in_whole_won(fund):
    _header, *rows = csv_rows(fund)
    for row in rows:
        debit, credit = row[6], row[7]
        assert (debit == "") != (credit == ""), "each line is on one side"
        assert (debit or credit).isdigit(), "a plain integer: no separators, no decimals"
    debits = sum(int(r[6]) for r in rows if r[6])
    credits = sum(int(r[7]) for r in rows if r[7])
    assert debits == credits
    assert (debits, credits) == ledger_sums(fund)


def test_journals_outside_the_period_and_other_funds_journals_are_left_out(fund):
    _header, *rows = csv_rows(fund)
    exported = {int(r[1].removeprefix("J")) for r in rows}
    inside = set(Journal.objects.filter(book=fund.book, effective_date__range=(START, END))
                 .values_list("pk", flat=True))
    assert exported == inside
    outside = set(Journal.objects.exclude(book=fund.book, effective_date__range=(START, END))
                  .values_list("pk", flat=True))
    assert outside and not exported & outside
    assert all(START <= date.fromisoformat(r[0]) <= END for r in rows)


def test_lines_are_ordered_by_date_then_journal_then_entry(fund):
    rows = list(journal_rows(fund, START, END))
    keys = [(r.effective_date, int(r.journal[1:])) for r in rows]
    assert keys == sorted(keys)
    ids = list(period_entries(fund).order_by("journal__effective_date", "journal_id", "id").values_list(
        "journal_id", "amount"))
    assert [(int(r.journal[1:]), r.debit or r.credit) for r in rows] == [(j, int(a)) for j, a in ids]


def test_the_rows_take_one_query(fund, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(journal_rows(fund, START, END))
    assert rows and all(isinstance(r.debit or r.credit, int) for r in rows)
    assert all(type(r.debit or r.credit) is int for r in rows), "ints, not Decimals nor floats"


def test_kinds_are_in_korean_and_recorded_at_is_in_kst(fund):
    rows = list(journal_rows(fund, START, END))
    assert {"대출 실행", "상환", "이자 도래 · 연체이자", "기금 출연"} <= {r.kind for r in rows}
    journal = Journal.objects.filter(book=fund.book, kind="loan.repayment",
                                     effective_date__range=(START, END)).first()
    line = next(r for r in rows if r.journal == f"J{journal.pk}")
    assert line.recorded_at == journal.recorded_at
    assert line.recorded_at.utcoffset().total_seconds() == 9 * 3600
    _header, *text_rows = csv_rows(fund)
    text = next(r for r in text_rows if r[1] == f"J{journal.pk}")
    assert text[8] == journal.recorded_at.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S")


def test_the_xlsx_sheet_has_a_bold_frozen_header_dates_integers_and_a_totals_line(fund):
    workbook = load_workbook(io.BytesIO(journal_xlsx(fund, START, END)))
    assert workbook.sheetnames == ["분개장"]
    sheet = workbook["분개장"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header == HEADER
    assert all(c.font.bold for c in sheet[1])
    rows = list(sheet.iter_rows(min_row=2))
    *lines, totals = rows
    assert len(lines) == period_entries(fund).count()
    for line in lines:
        on, journal, *_rest, debit, credit, recorded_at = line
        assert isinstance(on.value, datetime) and on.is_date and START <= on.value.date() <= END
        assert journal.value.startswith("J")
        amount = debit if debit.value is not None else credit
        assert (debit.value is None) != (credit.value is None)
        assert type(amount.value) is int and amount.number_format == "#,##0"
        assert recorded_at.is_date
    debits = sum(line[6].value or 0 for line in lines)
    credits = sum(line[7].value or 0 for line in lines)
    assert totals[0].value == "합계" and totals[0].font.bold
    assert (totals[6].value, totals[7].value) == (debits, credits) == ledger_sums(fund)
    assert totals[6].number_format == "#,##0"
    assert sheet.column_dimensions["D"].width >= 40, "the memo column is wide enough to read"


def test_the_xlsx_recorded_at_is_the_kst_wall_clock(fund):
    sheet = load_workbook(io.BytesIO(journal_xlsx(fund, START, END)))["분개장"]
    journal = Journal.objects.filter(book=fund.book, effective_date__range=(START, END)).order_by(
        "effective_date", "pk").first()
    first = next(sheet.iter_rows(min_row=2, max_row=2))
    assert first[1].value == f"J{journal.pk}"
    assert first[8].value == journal.recorded_at.astimezone(KST).replace(tzinfo=None, microsecond=0)


def test_a_memo_that_looks_like_a_formula_stays_text(fund):
    sheet = load_workbook(io.BytesIO(journal_xlsx(fund, START, END)))["분개장"]
    memos = [row[3] for row in sheet.iter_rows(min_row=2) if row[3].value == FORMULA_MEMO]
    assert memos and all(c.data_type == "s" for c in memos)
    _header, *rows = csv_rows(fund)
    assert "'" + FORMULA_MEMO in {r[3] for r in rows}
    assert FORMULA_MEMO not in {r[3] for r in rows}


def test_an_empty_period_gives_the_header_and_zero_totals(fund):
    quiet = date(2025, 6, 1), date(2025, 6, 30)
    rows = list(csv.reader(io.StringIO(journal_csv(fund, *quiet).decode("utf-8-sig"))))
    assert rows == [HEADER]
    sheet = load_workbook(io.BytesIO(journal_xlsx(fund, *quiet)))["분개장"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        HEADER, ["합계", None, None, None, None, None, 0, 0, None]]


def test_the_file_name_names_the_fund_and_the_period(fund):
    assert export_filename(fund, START, END, "xlsx") == "분개장_seongdong_2026-02-01_2026-03-31.xlsx"
    assert export_filename(fund, START, END, ".csv") == "분개장_seongdong_2026-02-01_2026-03-31.csv"


def test_a_fraction_of_a_won_is_refused_not_rounded():
    from statements.exports import _won

    assert _won(Decimal("1234567")) == 1234567
    with pytest.raises(ValueError):
        _won(Decimal("0.5"))
