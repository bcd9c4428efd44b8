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
from .fees import (
    EnterpriseFees,
    Owed,
    PayerFees,
    ProgramFees,
    city_fee_batches_of,
    enterprise_fees_owed,
    fee_bills_of,
    fee_bills_visible_to,
    firm_owed,
    program_fees,
)
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

__all__ = ["ProgramPosition", "contributions_of", "program_position", "programs_all"]
__all__ += ["EnterpriseFees", "Owed", "PayerFees", "ProgramFees", "city_fee_batches_of", "enterprise_fees_owed",
            "fee_bills_of", "fee_bills_visible_to", "firm_owed", "program_fees"]

__all__ = [
    "EXPOSED",
    "BankLines",
    "EnterpriseFees",
    "GuaranteeInbox",
    "Owed",
    "PayerFees",
    "ProgramClaims",
    "ProgramFees",
    "ProgramPosition",
    "RecoursePosition",
    "StateFigures",
    "applications_visible_to",
    "balances_of",
    "bank_lines_for",
    "city_fee_batches_of",
    "claims_visible_to",
    "contributions_of",
    "enterprise_fees_owed",
    "expected_schedule",
    "exposure_by_enterprise",
    "face_amount",
    "fee_bills_of",
    "fee_bills_visible_to",
    "firm_owed",
    "guarantee_inbox_for",
    "guarantees_by_state",
    "guarantees_visible_to",
    "lines_visible_to",
    "program_claims",
    "program_fees",
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
