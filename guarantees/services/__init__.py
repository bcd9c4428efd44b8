"""The special guarantees' writes, by topic. Each is one transaction: input checked, rows written, ledger journals
posted, an audit event recorded.

Domain errors raised: ValidationFailed (bad input), Forbidden, NotFound, IdempotencyConflict (422). Callers pass the
day (``today``): no service reads the clock for a business date.
"""

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
from .programs import contribution_record, program_create

__all__ = ["contribution_record", "program_create"]
__all__ += ["BillingRun", "fee_bill_first_year", "fee_bill_year", "fee_city_pay", "fee_pay", "fee_quote",
            "fee_refund_unused", "fees_bill_due"]
