"""What every spreadsheet the system writes (bank files, exports) shares: a text that a spreadsheet would read as a
formula is made plain text, amounts are shown ``#,##0``, and a write-only XLSX cell is made in one place."""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

WON_FORMAT = "#,##0"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    """What a spreadsheet would read as a formula gets a leading apostrophe (OWASP's advice for CSV)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def xlsx_cell(sheet: Any, value: Any, *, number_format: str | None = None, font: Font | None = None,
              alignment: Alignment | None = None) -> WriteOnlyCell:
    """A cell of a write-only sheet: a string is plain text (never a formula, ``as_text``), with the format, font
    and alignment given."""
    if isinstance(value, str):
        value = as_text(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, never a formula
    if number_format:
        cell.number_format = number_format
    if font:
        cell.font = font
    if alignment:
        cell.alignment = alignment
    return cell
