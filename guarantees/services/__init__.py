"""The special guarantees' writes, by topic. Each is one transaction: input checked, rows written, ledger journals
posted, an audit event recorded.

Domain errors raised: ValidationFailed (bad input), Forbidden, NotFound, IdempotencyConflict (422). Callers pass the
day (``today``): no service reads the clock for a business date.
"""

from .programs import contribution_record, program_create
from .subsidies import subsidy_budget_record, subsidy_run_approve, subsidy_run_prepare, subsidy_runs_prepare_due

__all__ = [
    "contribution_record", "program_create",
    "subsidy_budget_record", "subsidy_run_approve", "subsidy_run_prepare", "subsidy_runs_prepare_due",
]
