"""The revolving fund's writes, by topic. Each is one transaction: row locks (``funds.locks``), the plain state
loaded, the pure engine called (``core.engines``), what changed written back, ledger journals posted, an audit
event recorded.

Domain errors raised: ValidationFailed (bad input), Forbidden, NotFound, InvalidState (wrong state, 409),
LimitExceeded and InsufficientFunds (422), IdempotencyConflict (422). Callers pass the day (``today``, ``on``):
no service reads the clock for a business date.
"""

from .applications import (
    application_approve,
    application_create,
    application_reject,
    application_review,
    application_submit,
    application_update,
    application_withdraw,
)
from .close import Closed, close_business, close_days
from .funds import contribution_record, fund_create, opening_limit
from .loans import catch_up, last_closed_day, loan_disburse, payoff_quote
from .products import approvals_required, product_create, product_quote, product_terms
from .recoveries import recovery_record
from .repayments import repayment_make, repayment_reverse
from .write_offs import write_off_approve, write_off_reject, write_off_request

__all__ = [
    "Closed",
    "application_approve",
    "application_create",
    "application_reject",
    "application_review",
    "application_submit",
    "application_update",
    "application_withdraw",
    "approvals_required",
    "catch_up",
    "close_business",
    "close_days",
    "contribution_record",
    "fund_create",
    "last_closed_day",
    "loan_disburse",
    "opening_limit",
    "payoff_quote",
    "product_create",
    "product_quote",
    "product_terms",
    "recovery_record",
    "repayment_make",
    "repayment_reverse",
    "write_off_approve",
    "write_off_reject",
    "write_off_request",
]
