"""이차보전금 지급 내역: one bank's lines of an interest subsidy run, as the file that goes to the bank (CSV and XLSX).

One row per guarantee: enterprise, business number, the bank's loan number, the days counted, the balance-days
(잔액 적수), the loan rate, the rate used and the amount; then a totals line (합계). Amounts are whole won written as
integers; rates as decimals (0.02 for 2 %). Text that a spreadsheet would take for a formula is kept as text
(``core.sheets.as_text``): names are what users typed.
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
from guarantees.selectors import BankLines

HEADER = ["번호", "보증번호", "기업명", "사업자등록번호", "대출번호", "지원기간 시작", "지원기간 종료(미포함)",
          "지원일수", "잔액적수", "대출금리", "적용금리", "이차보전금", "지급대상"]
SHEET_TITLE = "이차보전금 지급내역"
RATE_FORMAT = "0.000%"
DATE_FORMAT = "yyyy-mm-dd"
WIDTHS = {"A": 6, "B": 10, "C": 30, "D": 16, "E": 20, "F": 14, "G": 18, "H": 10, "I": 20, "J": 10, "K": 10,
          "L": 16, "M": 10}
PAYEE_KO = {"bank": "은행", "firm": "기업"}


def filename(lines: BankLines, ext: str) -> str:
    run = lines.run
    return (f"이차보전금_{run.program.code}_{run.period_start:%Y%m%d}-{run.period_end:%Y%m%d}_"
            f"{lines.bank.name}.{ext.lstrip('.')}")


def _rows(lines: BankLines) -> list[list[Any]]:
    return [
        [number, f"G{line.guarantee_id}", line.enterprise.name,
         format_business_number(line.enterprise.business_number), line.guarantee.bank_reference, line.window_start,
         line.window_end, line.days, int(line.won_days), line.loan_rate, line.rate, int(line.amount.amount),
         PAYEE_KO.get(line.payee, line.payee)]
        for number, line in enumerate(lines.lines, start=1)
    ]


def _title(lines: BankLines) -> list[str]:
    run = lines.run
    return [f"이차보전금 지급내역 · {run.program.name} · {run.period_start.isoformat()} ~ "
            f"{run.period_end.isoformat()} · {lines.bank.name} · 지급회차 S{run.pk} ({run.get_state_display()})"]


def payment_csv(lines: BankLines) -> bytes:
    """The lines as CSV: a title line, the header, one line per guarantee, the totals line (합계: the balance-days
    and the amount). UTF-8 with a byte-order mark; dates ISO."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([as_text(cell) for cell in _title(lines)])
    writer.writerow(HEADER)
    for row in _rows(lines):
        writer.writerow([
            as_text(value) if isinstance(value, str) else
            (format(value, "f") if isinstance(value, Decimal) else
             value.isoformat() if hasattr(value, "isoformat") else value)
            for value in row])
    writer.writerow(["합계", "", f"{len(lines.lines)}건", "", "", "", "", "", int(lines.won_days), "", "",
                     int(lines.total), ""])
    return out.getvalue().encode("utf-8-sig")


def payment_xlsx(lines: BankLines) -> bytes:
    """The lines as an XLSX workbook, one sheet: the title, a bold, frozen header, dates as dates, amounts as
    integers shown ``#,##0``, rates as percentages, and a bold totals line (합계)."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = _title(lines)[0]
    workbook.properties.creator = "socialfin"
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A3"
    for column, width in WIDTHS.items():
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)

    def cell(value: Any, **style: Any) -> WriteOnlyCell:
        return xlsx_cell(sheet, value, **style)

    sheet.append([cell(_title(lines)[0], font=bold)])
    sheet.append([cell(label, font=bold, alignment=Alignment(horizontal="center")) for label in HEADER])
    formats = {5: DATE_FORMAT, 6: DATE_FORMAT, 8: WON_FORMAT, 9: RATE_FORMAT, 10: RATE_FORMAT, 11: WON_FORMAT}
    for row in _rows(lines):
        # Decimals as they are (openpyxl writes them as numbers): a whole-won amount never passes through a float.
        sheet.append([cell(value, number_format=formats.get(index)) for index, value in enumerate(row)])
    sheet.append([cell("합계", font=bold), None, cell(f"{len(lines.lines)}건", font=bold), None, None, None, None,
                  None, cell(int(lines.won_days), number_format=WON_FORMAT, font=bold), None, None,
                  cell(int(lines.total), number_format=WON_FORMAT, font=bold), None])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
