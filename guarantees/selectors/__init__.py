"""The special guarantees' reads, one module per topic (each step of the instrument adds its own); everything is
importable from ``guarantees.selectors``."""

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
    "BankLines",
    "ProgramPosition",
    "bank_lines_for",
    "contributions_of",
    "lines_visible_to",
    "program_position",
    "programs_all",
    "subsidy_budget_balance",
    "subsidy_budget_of",
    "subsidy_run_for",
    "subsidy_runs_visible_to",
]
