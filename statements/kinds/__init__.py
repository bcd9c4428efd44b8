"""The kinds of statement, one module each: a ``StatementKind`` that resolves and checks its subject for whoever
asks, and a builder that reads the data (through the instruments' selectors and the ledger) and returns a
``Built``: the page's context, the template, and the tables that go into the CSV attachment.

Importing this package is light (no matplotlib, no WeasyPrint): the web processes use it to ask for statements; the
renderer's libraries are loaded where a statement is built."""

from __future__ import annotations

from datetime import datetime

from ..models import Statement
from . import (
    bond,
    campaign,
    contest,
    enterprise,
    fee_receipt,
    fund,
    loan,
    pledge_receipt,
    pool_funder,
    program,
    receipt,
    subsidy,
)
from .base import Built, StatementKind

KINDS: dict[str, StatementKind] = {
    kind.kind: kind for kind in (loan.KIND, enterprise.KIND, fund.KIND, receipt.KIND, subsidy.KIND, program.KIND,
                                fee_receipt.KIND, contest.KIND, campaign.KIND, pledge_receipt.KIND,
                                pool_funder.KIND, bond.CONTRACT_KIND, bond.INVESTOR_KIND)}


def build(statement: Statement, *, generated_at: datetime) -> Built:
    return KINDS[statement.kind].build(statement, generated_at=generated_at)
