"""분개장 exports: a fund's journal over a period, one row per entry, as CSV and XLSX, for auditors.

Rows come straight from the ledger (one query over the fund's book, streamed), so an export of 100,000 entries
holds a chunk of them in memory at a time, not all. Amounts are whole won and written as integers, never floats.
Text that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@`` first) is kept as text: memos carry
what users typed (reasons, names).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from core.sheets import WON_FORMAT, as_text
from funds.models import Fund
from ledger.models import Entry, Side

from .kinds.common import TXN_KO

KST = ZoneInfo("Asia/Seoul")
HEADER = ["일자", "전표", "구분", "적요", "계정코드", "계정명", "차변", "대변", "기록시각"]
SHEET_TITLE = "분개장"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# column widths in characters (a Hangul syllable takes about two)
WIDTHS = {"A": 12, "B": 10, "C": 20, "D": 48, "E": 26, "F": 24, "G": 16, "H": 16, "I": 20}
CHUNK = 2000

KIND_KO = {
    "fund.contribution": "기금 출연",
    "reversal": "역분개 (취소)",
    **{f"loan.{code}": label for code, label in TXN_KO.items()},
}


class JournalRow(NamedTuple):
    effective_date: date  # 일자
    journal: str  # 전표: J<journal id>
    kind: str  # 구분, in Korean where the kind is known
    memo: str  # 적요
    account_code: str
    account_name: str
    debit: int | None  # 차변; None on a credit line
    credit: int | None  # 대변; None on a debit line
    recorded_at: datetime  # 기록시각, in KST (aware)


def _won(amount: Decimal) -> int:
    whole = int(amount)
    if whole != amount:  # the columns hold whole won; anything else is corrupt data, not something to round
        raise ValueError(f"not a whole number of won: {amount}")
    return whole


def journal_rows(fund: Fund, start: date, end: date) -> Iterator[JournalRow]:
    """Every entry of the fund's book in journals effective from ``start`` to ``end`` (both included), ordered by
    date, journal and entry. One query, streamed in chunks."""
    entries = (
        Entry.objects.filter(journal__book_id=fund.book_id, journal__effective_date__gte=start,
                             journal__effective_date__lte=end)
        .order_by("journal__effective_date", "journal_id", "id")
        .values_list("journal__effective_date", "journal_id", "journal__kind", "journal__memo", "account__code",
                     "account__name", "side", "amount", "journal__recorded_at")
    )
    for on, journal_id, kind, memo, code, name, side, amount, recorded_at in entries.iterator(chunk_size=CHUNK):
        won = _won(amount)
        yield JournalRow(
            effective_date=on, journal=f"J{journal_id}", kind=KIND_KO.get(kind, kind), memo=memo, account_code=code,
            account_name=name, debit=won if side == Side.DEBIT else None, credit=won if side == Side.CREDIT else None,
            recorded_at=recorded_at.astimezone(KST),
        )


def export_filename(fund: Fund, start: date, end: date, ext: str) -> str:
    """``분개장_<fund code>_<start>_<end>.<ext>``."""
    return f"분개장_{fund.code}_{start.isoformat()}_{end.isoformat()}.{ext.lstrip('.')}"



def journal_csv(fund: Fund, start: date, end: date) -> bytes:
    """The journal as CSV: the Korean header, then one line per entry (no totals line: every line is an entry).
    UTF-8 with a byte-order mark, so that spreadsheet programs read the Hangul right; amounts as plain integers,
    the other side empty; dates ISO; 기록시각 in KST."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in journal_rows(fund, start, end):
        writer.writerow([
            row.effective_date.isoformat(), row.journal, as_text(row.kind), as_text(row.memo),
            as_text(row.account_code), as_text(row.account_name), "" if row.debit is None else row.debit,
            "" if row.credit is None else row.credit, row.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
        ])
    return out.getvalue().encode("utf-8-sig")


def journal_xlsx(fund: Fund, start: date, end: date) -> bytes:
    """The journal as an XLSX workbook with one sheet, 분개장: a bold, frozen header; dates as dates, amounts as
    integers shown ``#,##0``; and a bold totals line (합계) with the debit and credit sums. Written in openpyxl's
    write-only mode, so memory stays flat however many lines there are."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = f"분개장 {fund.name} {start.isoformat()} ~ {end.isoformat()}"
    workbook.properties.creator = "socialfin"
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A2"
    for column, width in WIDTHS.items():
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)
    centred = Alignment(horizontal="center")

    def cell(value: object, *, number_format: str | None = None, font: Font | None = None,
             alignment: Alignment | None = None) -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str) and value.startswith("="):
            c.data_type = "s"  # text, never a formula
        if number_format:
            c.number_format = number_format
        if font:
            c.font = font
        if alignment:
            c.alignment = alignment
        return c

    def text(value: str) -> object:
        # openpyxl takes a string starting with "=" for a formula; such a memo must stay what was typed
        return cell(value) if value.startswith("=") else value

    sheet.append([cell(label, font=bold, alignment=centred) for label in HEADER])
    debits = credits = 0
    for row in journal_rows(fund, start, end):
        debits += row.debit or 0
        credits += row.credit or 0
        sheet.append([
            cell(row.effective_date, number_format=DATE_FORMAT), row.journal, text(row.kind), text(row.memo),
            text(row.account_code), text(row.account_name),
            None if row.debit is None else cell(row.debit, number_format=WON_FORMAT),
            None if row.credit is None else cell(row.credit, number_format=WON_FORMAT),
            # Excel has no time zones (the KST wall clock), and seconds are what the CSV shows too
            cell(row.recorded_at.replace(tzinfo=None, microsecond=0), number_format=DATETIME_FORMAT),
        ])
    sheet.append([cell("합계", font=bold), None, None, None, None, None,
                  cell(debits, number_format=WON_FORMAT, font=bold),
                  cell(credits, number_format=WON_FORMAT, font=bold), None])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
