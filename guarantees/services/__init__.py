"""The special guarantees' writes, by topic. Each is one transaction: input checked, rows written, ledger journals
posted, an audit event recorded.

Domain errors raised: ValidationFailed (bad input), Forbidden, NotFound, IdempotencyConflict (422). Callers pass the
day (``today``): no service reads the clock for a business date.
"""

from .claims import (
    claim_approve,
    claim_prepare,
    claim_reject,
    claim_request,
    recourse_write_off_approve,
    recourse_write_off_request,
    recovery_record,
)
from .programs import contribution_record, program_create
from .subsidies import subsidy_budget_record, subsidy_run_approve, subsidy_run_prepare, subsidy_runs_prepare_due

__all__ = [
    "claim_approve",
    "claim_prepare",
    "claim_reject",
    "claim_request",
    "contribution_record",
    "program_create",
    "recourse_write_off_approve",
    "recourse_write_off_request",
    "recovery_record",
    "subsidy_budget_record",
    "subsidy_run_approve",
    "subsidy_run_prepare",
    "subsidy_runs_prepare_due",
]
