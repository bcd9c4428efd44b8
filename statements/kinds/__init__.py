"""One builder per kind of statement: it reads the data (through the instruments' selectors and the ledger) and
returns a ``Built``: the page's context, the template, and the tables that go into the CSV attachment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..models import Statement
from . import enterprise, fund, loan, receipt
from .base import Built

BUILDERS: dict[str, Callable[..., Built]] = {
    Statement.Kind.LOAN: loan.build,
    Statement.Kind.ENTERPRISE: enterprise.build,
    Statement.Kind.FUND: fund.build,
    Statement.Kind.RECEIPT: receipt.build,
}


def build(statement: Statement, *, generated_at: datetime) -> Built:
    return BUILDERS[statement.kind](statement, generated_at=generated_at)
