"""The social impact bonds' writes, by topic. Each is one transaction: input checked, rows locked in the order of
``bonds.locks``, the engine (``core.engines.bonds``) called, rows written, ledger journals posted where money moves,
an audit event recorded.

Domain errors raised: ValidationFailed (bad input), Forbidden, NotFound, InvalidState (wrong state, four eyes: 409),
InsufficientFunds (the contract's cash, the city's budget), IdempotencyConflict. Callers pass the day (``today``):
no service reads the clock for a business date.
"""

from .capital import capital_call_make, capital_call_paid, disbursement_make
from .contracts import (
    contract_close,
    contract_create,
    contract_evaluate,
    contract_sign,
    contract_start,
    contract_update,
    investment_add,
    metric_create,
    payment_term_set,
    point_create,
)
from .payments import MetricPayment, distribution_make, outcome_payment_approve, outcome_payment_prepare, payment_quote
from .results import result_confirm, result_record, result_reopen

__all__ = [
    "MetricPayment",
    "capital_call_make",
    "capital_call_paid",
    "contract_close",
    "contract_create",
    "contract_evaluate",
    "contract_sign",
    "contract_start",
    "contract_update",
    "disbursement_make",
    "distribution_make",
    "investment_add",
    "metric_create",
    "outcome_payment_approve",
    "outcome_payment_prepare",
    "payment_quote",
    "payment_term_set",
    "point_create",
    "result_confirm",
    "result_record",
    "result_reopen",
]
