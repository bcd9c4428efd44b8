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
from .claims import (
    claim_approve,
    claim_prepare,
    claim_reject,
    claim_request,
    recourse_write_off_approve,
    recourse_write_off_request,
    recovery_record,
)
from .fees import (
    BillingRun,
    fee_bill_first_year,
    fee_bill_year,
    fee_city_pay,
    fee_pay,
    fee_quote,
    fee_refund_unused,
    fees_bill_due,
)
from .lifecycle import guarantee_cancel, guarantee_default, guarantee_execute, guarantee_repay, guarantee_report
from .programs import contribution_record, program_create
from .subsidies import subsidy_budget_record, subsidy_run_approve, subsidy_run_prepare, subsidy_runs_prepare_due

__all__ = ["contribution_record", "program_create"]
__all__ += ["BillingRun", "fee_bill_first_year", "fee_bill_year", "fee_city_pay", "fee_pay", "fee_quote",
            "fee_refund_unused", "fees_bill_due"]

__all__ = [
    "BillingRun",
    "application_approve",
    "application_create",
    "application_recommend",
    "application_reject",
    "application_submit",
    "application_withdraw",
    "claim_approve",
    "claim_prepare",
    "claim_reject",
    "claim_request",
    "contribution_record",
    "fee_bill_first_year",
    "fee_bill_year",
    "fee_city_pay",
    "fee_pay",
    "fee_quote",
    "fee_refund_unused",
    "fees_bill_due",
    "guarantee_cancel",
    "guarantee_default",
    "guarantee_execute",
    "guarantee_repay",
    "guarantee_report",
    "program_create",
    "recourse_write_off_approve",
    "recourse_write_off_request",
    "recovery_record",
    "subsidy_budget_record",
    "subsidy_run_approve",
    "subsidy_run_prepare",
    "subsidy_runs_prepare_due",
]
