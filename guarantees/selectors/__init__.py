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
    "ProgramPosition", "contributions_of", "program_position", "programs_all",
    "BankLines", "bank_lines_for", "lines_visible_to", "subsidy_budget_balance", "subsidy_budget_of",
    "subsidy_run_for", "subsidy_runs_visible_to",
]
