"""What a statement kind is: its subject (resolved and checked for whoever asks), its period, and what it builds
from the data (the page's context and the tables embedded as CSV)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from djmoney.money import Money

from core.dates import check_period
from core.errors import ValidationFailed
from enterprises.roles import STAFF_READERS, has_role, is_member

from ..models import Statement

MAX_PERIOD_DAYS = 3660  # ten years: a statement covers at most that


@dataclass
class Table:
    """One table of the statement, as it goes into the CSV attachment (plain numbers, ISO dates)."""

    name: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Built:
    title: str  # 대출 거래명세서
    subject: str  # who or what it is about, under the title
    issuer: str  # the operator institution, in the page header
    fund_name: str
    template: str
    filename: str  # without the extension
    context: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)


def is_staff(user: Any) -> bool:
    """Fund managers, auditors and administrators: they may have every statement."""
    return has_role(user, *STAFF_READERS)


def sees_enterprise(user: Any, enterprise_id: int | None) -> bool:
    """Whether ``user`` may have the statements of the enterprise's things: staff, or a member of it."""
    return is_staff(user) or is_member(user, enterprise_id)


class StatementKind:
    """One kind of statement (``kinds.KINDS`` holds one of each). It resolves its own subject for whoever asks, and
    builds its own page, so that the services never ask which kind a statement is."""

    kind: ClassVar[str]

    def period(self, start: date | None, end: date | None, *, today: date) -> tuple[date | None, date | None]:
        """The statement's period, both ends required, at most ten years, none of it after ``today``. Raises
        ValidationFailed."""
        if start is None or end is None:
            missing = "period_start" if start is None else "period_end"
            raise ValidationFailed(_("A statement needs a period."), fields={missing: [_("required")]})
        return check_period(start, end, today=today, start_field="period_start", end_field="period_end",
                            max_days=MAX_PERIOD_DAYS)

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        """The statement's fields that name its subject (``{"loan": loan, "fund": fund, ...}``), once ``actor`` may
        have it. Raises NotFound (also for a subject ``actor`` may not see: never a hint that it exists),
        Forbidden, InvalidState."""
        raise NotImplementedError

    def build(self, statement: Statement, *, generated_at: datetime) -> Built:
        raise NotImplementedError


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        value = value.amount
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def tables_csv(tables: list[Table]) -> bytes:
    """The tables one after another, each as ``[name]``, its header and rows, a blank line between; UTF-8 with a
    byte-order mark so that spreadsheet programs read the Hangul right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([f"[{table.name}]"])
        writer.writerow(table.header)
        for row in table.rows:
            writer.writerow([_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def parse_tables_csv(data: bytes) -> dict[str, list[dict[str, str]]]:
    """The inverse of ``tables_csv``: {table name: [row as {column: text}]}."""
    tables: dict[str, list[dict[str, str]]] = {}
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    index = 0
    while index < len(rows):
        row = rows[index]
        if len(row) == 1 and row[0].startswith("[") and row[0].endswith("]"):
            name, header = row[0][1:-1], rows[index + 1]
            index += 2
            body = []
            while index < len(rows) and rows[index]:
                body.append(dict(zip(header, rows[index], strict=True)))
                index += 1
            tables[name] = body
        index += 1
    return tables
