"""Reads over special guarantee programs: the list, and a program's position (what was paid in, its capacity, how
much of it is used, and its guarantees by state)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from core.engines.capacity import guarantee_capacity

from .. import accounts as chart
from ..models import ContributionSource, GuaranteeProgram, ProgramContribution
from .claims import ProgramClaims, program_claims
from .fees import ProgramFees, program_fees
from .guarantees import StateFigures, guarantees_by_state

ZERO = Decimal(0)


def programs_all() -> QuerySet[GuaranteeProgram]:
    """The programs, the newest year first, then by code."""
    return (GuaranteeProgram.objects.select_related("foundation", "book").prefetch_related("partner_banks")
            .order_by("-year", "code"))


def contributions_of(program: GuaranteeProgram) -> QuerySet[ProgramContribution]:
    """What was paid into the program, in the order it was received."""
    return program.contributions.order_by("received_on", "id")


@dataclass(frozen=True)
class ProgramPosition:
    program: GuaranteeProgram
    contributions_by_source: dict[str, Decimal]
    contributions: Decimal
    claims_paid: Decimal
    recoveries: Decimal
    net_losses: Decimal  # claims paid - recoveries
    capacity: Decimal  # (contributions - net losses) x multiple, floored to the won
    used: Decimal  # the capacity in use: the program's ``committed`` (guaranteed amounts not yet released)
    available: Decimal
    utilisation: Decimal  # used / capacity
    guarantees_by_state: dict[str, StateFigures] = field(default_factory=dict)  # empty when not asked for
    subsidies_paid: Decimal = ZERO  # 이차보전금 paid: expense:subsidies
    subsidy_budget_left: Decimal = ZERO  # what is left of the city's subsidy budget: subsidy:budget
    claims: ProgramClaims | None = None  # claim and recovery rates, 구상채권 outstanding; None when not asked for
    fees: ProgramFees | None = None  # fees billed, collected and outstanding by payer; None when not asked for


def program_position(program: GuaranteeProgram, *, by_state: bool = True) -> ProgramPosition:
    """The program's contributions by source and in total, net losses (claims paid less recoveries), capacity,
    used, available and utilisation, read from its book and its row: ``used`` is ``program.committed``, the
    capacity its guarantees hold (an approval checks ``committed + guaranteed <= capacity`` under the program's row
    lock, with ``by_state=False``: one query). With ``by_state``, its guarantees by state, its claims' figures
    (``program_claims``: claim and recovery rates, 구상채권 outstanding) and its fees by payer (``program_fees``)
    too; interest subsidies paid and the subsidy budget left come from the same book."""
    balances = dict(program.book.accounts.values_list("code", "balance"))
    by_source = {source: balances.get(chart.contribution_code(source), ZERO) for source in ContributionSource.values}
    contributions = sum(by_source.values(), ZERO)
    claims = balances.get(chart.CLAIMS_EXPENSE, ZERO)
    recoveries = balances.get(chart.RECOVERY_INCOME, ZERO)
    used = program.committed.amount
    result = guarantee_capacity(contributions=contributions, net_losses=claims - recoveries,
                                multiple=program.multiple, used=used)
    return ProgramPosition(
        program=program, contributions_by_source=by_source, contributions=contributions, claims_paid=claims,
        recoveries=recoveries, net_losses=claims - recoveries, capacity=result.capacity, used=result.used,
        available=result.available, utilisation=result.utilisation,
        guarantees_by_state=guarantees_by_state(program) if by_state else {},
        subsidies_paid=balances.get(chart.SUBSIDY_EXPENSE, ZERO),
        subsidy_budget_left=balances.get(chart.SUBSIDY_BUDGET, ZERO),
        claims=program_claims(program) if by_state else None,
        fees=program_fees(program) if by_state else None,
    )
