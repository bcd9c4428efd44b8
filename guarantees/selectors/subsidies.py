"""Reads over interest subsidies (이차보전): the budget paid in, the runs and their lines, and who sees which.

Staff (managers, auditors, admins) see every run and line. A bank officer sees the runs with lines of its own bank,
and of them only those lines: another bank's run is "not found", never a hint that it exists. Nobody else sees any.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from core.errors import NotFound, ValidationFailed
from enterprises.access import STAFF
from enterprises.models import Institution
from enterprises.roles import bank_of, has_role

from .. import accounts as chart
from ..models import GuaranteeProgram, SubsidyBudget, SubsidyLine, SubsidyRun

ZERO = Decimal(0)


def subsidy_budget_of(program: GuaranteeProgram) -> QuerySet[SubsidyBudget]:
    """What the city paid into the program's subsidy budget, in the order it was received."""
    return program.subsidy_budget.select_related("created_by").order_by("received_on", "id")


def subsidy_budget_balance(program: GuaranteeProgram) -> Decimal:
    """What is left of the program's subsidy budget (its ``subsidy:budget`` account)."""
    return program.book.accounts.get(code=chart.SUBSIDY_BUDGET).balance.amount


def _sees_all(user: Any) -> bool:
    return has_role(user, *STAFF)


def subsidy_runs_visible_to(user: Any, *, program_id: int | None = None) -> QuerySet[SubsidyRun]:
    """The runs ``user`` may see (staff: all; a bank officer: those with lines of its bank), the latest period
    first."""
    runs = (SubsidyRun.objects.select_related("program", "prepared_by", "approved_by")
            .order_by("-period_start", "program_id", "-id"))
    if program_id is not None:
        runs = runs.filter(program_id=program_id)
    if _sees_all(user):
        return runs
    bank = bank_of(user)
    if bank is None:
        return runs.none()
    return runs.filter(Exists(SubsidyLine.objects.filter(run=OuterRef("pk"), bank_id=bank)))


def lines_visible_to(user: Any, run: SubsidyRun) -> QuerySet[SubsidyLine]:
    """The run's lines ``user`` may see, by bank, enterprise and guarantee."""
    lines = (SubsidyLine.objects.filter(run=run).select_related("enterprise", "bank", "guarantee")
             .order_by("bank_id", "enterprise__name", "guarantee_id"))
    if _sees_all(user):
        return lines
    bank = bank_of(user)
    return lines.none() if bank is None else lines.filter(bank_id=bank)


def subsidy_run_for(user: Any, run_id: int) -> SubsidyRun:
    """The run, if ``user`` may see it. Raises NotFound."""
    run = subsidy_runs_visible_to(user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No such interest subsidy run."))
    return run


@dataclass(frozen=True)
class BankLines:
    """One bank's lines of a run: what its payment file lists."""

    run: SubsidyRun
    bank: Institution
    lines: list[SubsidyLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount.amount for line in self.lines), ZERO)

    @property
    def won_days(self) -> Decimal:
        return sum((line.won_days for line in self.lines), ZERO)


def bank_lines_for(user: Any, run_id: int, bank_id: int | None) -> BankLines:
    """One bank's lines of the run, for its payment file: staff name the bank; a bank officer gets its own bank's
    (naming another bank is "not found"). A run with none of that bank's lines is "not found". Raises NotFound,
    ValidationFailed."""
    own = None if _sees_all(user) else bank_of(user)
    if own is not None and bank_id is None:
        bank_id = own
    if bank_id is None:
        raise ValidationFailed(_("Name the bank whose payment file you want."), fields={"bank": [_("required")]})
    if own is not None and bank_id != own:
        raise NotFound(_("No such interest subsidy run."))
    run = subsidy_run_for(user, run_id)
    lines = list(SubsidyLine.objects.filter(run=run, bank_id=bank_id).select_related("enterprise", "guarantee")
                 .order_by("enterprise__name", "guarantee_id"))
    if not lines:
        raise NotFound(_("This run has no lines of that bank."), fields={"bank": [_("no lines of this bank")]})
    return BankLines(run=run, bank=Institution.objects.get(pk=bank_id), lines=lines)
