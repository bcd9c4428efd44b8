"""The audit actions of the social impact bonds (see ``core.audit.AuditActions``).

Setting a contract up (the contract, its investors, metrics, terms and evaluation points) may be done by the system
(setup scripts and the demo loader pass no actor); the rest are a person's acts."""

from __future__ import annotations

from core.audit import AuditActions

ACTIONS = AuditActions("bonds")

# Contracts (협약) and their setting up while a draft
CONTRACT_CREATE = ACTIONS.system("contract.create")
CONTRACT_UPDATE = ACTIONS.user("contract.update")
INVESTMENT_ADD = ACTIONS.system("investment.add")
METRIC_CREATE = ACTIONS.system("metric.create")
TERM_SET = ACTIONS.system("term.set")
POINT_CREATE = ACTIONS.system("point.create")
CONTRACT_SIGN = ACTIONS.user("contract.sign")  # four eyes; the city's outcome budget appropriated
CONTRACT_START = ACTIONS.user("contract.start")  # in service
CONTRACT_EVALUATE = ACTIONS.user("contract.evaluate")  # into the final evaluation
CONTRACT_CLOSE = ACTIONS.user("contract.close")  # the unspent budget lapses

# Capital
CAPITAL_CALL_MAKE = ACTIONS.user("capital_call.make")
CAPITAL_CALL_PAID = ACTIONS.user("capital_call.paid")  # an investor's line paid in
DISBURSEMENT_MAKE = ACTIONS.user("disbursement.make")

# Results (the evaluator's users; four eyes)
RESULT_RECORD = ACTIONS.user("result.record")
RESULT_CONFIRM = ACTIONS.user("result.confirm")
RESULT_REOPEN = ACTIONS.user("result.reopen")

# Outcome payments (four eyes) and distributions
PAYMENT_PREPARE = ACTIONS.user("payment.prepare")
PAYMENT_APPROVE = ACTIONS.user("payment.approve")  # approved and paid from the city's budget
DISTRIBUTION_MAKE = ACTIONS.user("distribution.make")
