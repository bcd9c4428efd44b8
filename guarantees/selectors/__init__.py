"""The special guarantees' reads, one module per topic (each step of the instrument adds its own); everything is
importable from ``guarantees.selectors``."""

from .claims import (
    ProgramClaims,
    RecoursePosition,
    claims_visible_to,
    face_amount,
    program_claims,
    recourse_by_enterprise,
    recourse_position,
    recoveries_of,
)
from .dashboard import ProgramDashboard, program_dashboard
from .guarantees import (
    EXPOSED,
    StateFigures,
    applications_visible_to,
    balances_of,
    expected_schedule,
    exposure_by_enterprise,
    guarantees_by_state,
    guarantees_visible_to,
)
from .inbox import GuaranteeInbox, guarantee_inbox_for
from .programs import ProgramPosition, contributions_of, program_position, programs_all
from .subsidies import (
    BankLines,
    bank_lines_for,
    lines_visible_to,
    subsidy_budget_balance,
    subsidy_budget_of,
    subsidy_run_for,
    subsidy_runs_visible_to,
)

__all__ = [
    "EXPOSED",
    "BankLines",
    "GuaranteeInbox",
    "ProgramClaims",
    "ProgramDashboard",
    "ProgramPosition",
    "RecoursePosition",
    "StateFigures",
    "applications_visible_to",
    "balances_of",
    "bank_lines_for",
    "claims_visible_to",
    "contributions_of",
    "expected_schedule",
    "exposure_by_enterprise",
    "face_amount",
    "guarantee_inbox_for",
    "guarantees_by_state",
    "guarantees_visible_to",
    "lines_visible_to",
    "program_claims",
    "program_dashboard",
    "program_position",
    "programs_all",
    "recourse_by_enterprise",
    "recourse_position",
    "recoveries_of",
    "subsidy_budget_balance",
    "subsidy_budget_of",
    "subsidy_run_for",
    "subsidy_runs_visible_to",
]
