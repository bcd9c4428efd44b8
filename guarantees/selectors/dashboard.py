"""A program's dashboard in figures (특례보증 운용 현황), read in one call for the console's program page: its position
(contributions, capacity and use, guarantees by state), its claims (paid, recovered, net loss, claim and recovery
rates) and the interest subsidies paid and still budgeted."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .. import accounts as chart
from ..models import GuaranteeProgram
from .claims import ProgramClaims, program_claims
from .programs import ProgramPosition, program_position

ZERO = Decimal(0)


@dataclass(frozen=True)
class ProgramDashboard:
    position: ProgramPosition
    claims: ProgramClaims
    subsidies_paid: Decimal  # 이차보전금 지급액: expense:subsidies
    subsidy_budget_left: Decimal  # what is left of the city's subsidy budget: subsidy:budget


def program_dashboard(program: GuaranteeProgram) -> ProgramDashboard:
    """Everything the program's dashboard shows, from its book and its rows (a handful of queries)."""
    balances = dict(program.book.accounts.filter(code__in=[chart.SUBSIDY_EXPENSE, chart.SUBSIDY_BUDGET])
                    .values_list("code", "balance"))
    return ProgramDashboard(
        position=program_position(program),
        claims=program_claims(program),
        subsidies_paid=Decimal(balances.get(chart.SUBSIDY_EXPENSE, ZERO)),
        subsidy_budget_left=Decimal(balances.get(chart.SUBSIDY_BUDGET, ZERO)),
    )
