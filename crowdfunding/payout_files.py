"""정산금 지급 내역: a contest's settled campaigns not yet paid out, as the file that goes to the bank (CSV and XLSX),
made with the same libraries as the other bank files (``csv``, openpyxl; see ``statements.payment_files``).

One row per settlement: number, settlement id, campaign, enterprise, business number, bank code and name, account
number, holder (예금주), amount, memo (what the enterprise's statement shows); then a totals line (합계). A campaign
whose enterprise has not given its bank account has empty bank fields and says so in the last column (계좌 미등록),
so the file is complete and the gap is seen. Amounts are whole won written as integers, never floats. Text that a
spreadsheet would take for a formula is kept as text: names are what users typed.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from core.sheets import WON_FORMAT, as_text, xlsx_cell
from enterprises.validators import format_business_number

from .models import Bank, Contest
from .selectors.campaign_settlement import PayoutLine

HEADER = ["번호", "정산번호", "캠페인", "기업명", "사업자등록번호", "은행코드", "은행명", "계좌번호", "예금주",
          "지급액", "통장표시", "비고"]
SHEET_TITLE = "정산금 지급내역"
WIDTHS = {"A": 6, "B": 10, "C": 30, "D": 30, "E": 16, "F": 8, "G": 16, "H": 20, "I": 20, "J": 16, "K": 20,
          "L": 12}
NO_ACCOUNT = "계좌 미등록"



def filename(contest: Contest, ext: str) -> str:
    return f"정산금지급_{contest.code}.{ext.lstrip('.')}"


def _bank_name(code: str) -> str:
    label = str(Bank(code).label)
    # "KB Kookmin Bank (국민은행)" -> "국민은행": the bank's Korean name, as a Korean bank file writes it
    return label[label.rfind("(") + 1:-1] if label.endswith(")") else label


def _rows(lines: list[PayoutLine]) -> list[list[Any]]:
    rows = []
    for number, line in enumerate(lines, start=1):
        account = line.account
        rows.append([
            number, f"S{line.settlement.pk}", line.campaign.title, line.enterprise.name,
            format_business_number(line.enterprise.business_number),
            account.bank if account else "", _bank_name(account.bank) if account else "",
            account.account_number if account else "", account.holder if account else "",
            int(line.amount), line.memo, "" if account else NO_ACCOUNT,
        ])
    return rows


def _total(lines: list[PayoutLine]) -> int:
    return int(sum((line.amount for line in lines), Decimal(0)))


def _title(contest: Contest, lines: list[PayoutLine]) -> str:
    return f"정산금 지급내역 · {contest.name} · {len(lines)}건"


def payout_csv(contest: Contest, lines: list[PayoutLine]) -> bytes:
    """The lines as CSV: a title line, the header, one line per settlement, the totals line (합계). UTF-8 with a
    byte-order mark (spreadsheet programs then read the Hangul right); account numbers and codes as text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([as_text(_title(contest, lines))])
    writer.writerow(HEADER)
    for row in _rows(lines):
        writer.writerow([as_text(value) if isinstance(value, str) else value for value in row])
    writer.writerow(["합계", "", f"{len(lines)}건", "", "", "", "", "", "", _total(lines), "", ""])
    return out.getvalue().encode("utf-8-sig")


def payout_xlsx(contest: Contest, lines: list[PayoutLine]) -> bytes:
    """The lines as an XLSX workbook, one sheet: the title, a bold, frozen header, amounts as integers shown
    ``#,##0``, codes and account numbers as text (a leading zero kept), and a bold totals line (합계)."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = _title(contest, lines)
    workbook.properties.creator = "socialfin"
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A3"
    for column, width in WIDTHS.items():
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)

    def cell(value: Any, **style: Any) -> WriteOnlyCell:
        return xlsx_cell(sheet, value, **style)

    sheet.append([cell(_title(contest, lines), font=bold)])
    sheet.append([cell(label, font=bold, alignment=Alignment(horizontal="center")) for label in HEADER])
    for row in _rows(lines):
        sheet.append([cell(value, number_format=WON_FORMAT if index == 9 else None)
                      for index, value in enumerate(row)])
    sheet.append([cell("합계", font=bold), None, cell(f"{len(lines)}건", font=bold), None, None, None, None, None,
                  None, cell(_total(lines), number_format=WON_FORMAT, font=bold), None, None])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
