"""Who may do what with the social impact bonds (사회성과보상사업), declared once.

Staff (fund managers, auditors, admins) read everything; managers (an admin counts as one) set contracts up (their
parties, investors, metrics, payment terms and evaluation points), sign them (four eyes: whoever prepared a
contract cannot sign it), move them through service and evaluation to closing, call capital and record what each
investor paid, disburse capital to the provider, prepare and approve outcome payments (four eyes) and make
distributions. The auditor changes nothing. Managers never record, confirm or reopen results.

Evaluators (users of an evaluator institution, ``enterprises.roles.evaluator_of``) read the contracts their
institution evaluates, record their results with evidence, confirm another evaluator's (four eyes) and reopen a
disputed one with a reason. Investors (users of an investing institution, ``enterprises.roles.investor_of``) read
the contracts their institution invests in, its investments, calls, distributions and figures (multiple, IRR).
Enterprise members read the contracts their enterprise provides the service for and the funding it received.
Another institution's or enterprise's contract is "not found": that is for the selectors and services that load it
(``selectors.contracts_visible_to``).

The services, and later the API's permissions and the web pages, read this table.
"""

from __future__ import annotations

from enterprises.access import MANAGERS, STAFF, Access, Allow
from enterprises.roles import Role

EVALUATOR = Role.EVALUATOR
INVESTOR = Role.INVESTOR

ACCESS = Access("bonds", {
    # Contracts (협약) and their lifecycle
    "contract.read": Allow(*STAFF, EVALUATOR, INVESTOR, members=True),
    "contract.create": Allow(*MANAGERS),
    "contract.update": Allow(*MANAGERS),  # a draft's fields, investors, metrics, terms, evaluation points
    "contract.sign": Allow(*MANAGERS),  # four eyes: not whoever prepared it
    "contract.advance": Allow(*MANAGERS),  # into service, into the final evaluation, closed
    # Capital (출자) and service funding (사업비)
    "investment.read": Allow(*STAFF, INVESTOR),  # an investor: its own institution's
    "capital_call.read": Allow(*STAFF, INVESTOR),
    "capital_call.make": Allow(*MANAGERS),
    "capital_call.record": Allow(*MANAGERS),  # an investor's payment of its line
    "disbursement.read": Allow(*STAFF, members=True),  # the provider's members: its own funding
    "disbursement.make": Allow(*MANAGERS),
    # Outcomes: metrics and terms are read by everyone with a part in the contract; results are the evaluator's
    "metric.read": Allow(*STAFF, EVALUATOR, INVESTOR, members=True),
    "result.read": Allow(*STAFF, EVALUATOR, INVESTOR, members=True),
    "result.record": Allow(EVALUATOR),
    "result.confirm": Allow(EVALUATOR),
    "result.reopen": Allow(EVALUATOR),
    "payment.quote": Allow(*STAFF, EVALUATOR, INVESTOR),  # what the terms would pay; changes nothing
    # Outcome payments (성과보상금) and distributions (배분)
    "payment.read": Allow(*STAFF, INVESTOR, members=True),
    "payment.prepare": Allow(*MANAGERS),
    "payment.approve": Allow(*MANAGERS),  # four eyes: not whoever prepared it
    "distribution.read": Allow(*STAFF, INVESTOR),
    "distribution.make": Allow(*MANAGERS),
})
