"""The special guarantees' writes, by topic. Each is one transaction: input checked, rows locked in the order of
``guarantees.locks``, rows written, ledger journals posted where money moves, an audit event recorded.

Domain errors raised: ValidationFailed (bad input), Forbidden, NotFound, InvalidState (wrong state, 409),
LimitExceeded (capacity, per-firm limit: 422), IdempotencyConflict (422). Callers pass the day (``today``): no
service reads the clock for a business date.
"""

from .applications import (
    application_approve,
    application_create,
    application_recommend,
    application_reject,
    application_submit,
    application_withdraw,
)
from .lifecycle import guarantee_cancel, guarantee_default, guarantee_execute, guarantee_repay, guarantee_report
from .programs import contribution_record, program_create

__all__ = [
    "application_approve", "application_create", "application_recommend", "application_reject",
    "application_submit", "application_withdraw", "contribution_record", "guarantee_cancel", "guarantee_default",
    "guarantee_execute", "guarantee_repay", "guarantee_report", "program_create",
]
