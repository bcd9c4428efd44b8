"""Who may do what with the special guarantees (특례보증), declared once.

Staff (fund managers, auditors, admins) read everything; managers (an admin counts as one) open programs, record
contributions and the subsidy budget, judge applications (four eyes: whoever recommended cannot approve), cancel a
guarantee the bank never lent on, record the city's fee payments, prepare and approve subsidy runs (four eyes), prepare
and approve claims (four eyes), record recoveries and ask and approve write-offs (four eyes). The auditor changes
nothing.

Enterprise members read their own enterprise's applications, guarantees, fee bills and claims, draft, submit and
withdraw its applications, and pay its part of the fees. Bank officers (users of a partner bank) read their own
bank's guarantees, subsidy lines and claims, and report what their bank did: the loan made, balances and repayments,
full repayment, default, and the bank's claim. Another enterprise's or another bank's object is "not found": that is
for the selectors and services that load it (``selectors.guarantees_visible_to`` and friends).

The services, the API's permissions, the OpenAPI schema's documented 403s and the web pages read this table.
"""

from __future__ import annotations

from enterprises.access import MANAGERS, STAFF, Access, Allow
from enterprises.roles import Role

BANK = Role.BANK_OFFICER

ACCESS = Access("guarantees", {
    # Programs and what was paid into them
    "program.read": Allow(*STAFF),  # the list and each program's position
    "program.create": Allow(*MANAGERS),
    "fee.quote": Allow(signed_in=True),  # what a guarantee would cost, and who pays what; changes nothing
    "contribution.read": Allow(*STAFF),
    "contribution.record": Allow(*MANAGERS),
    # Applications (보증 신청): the enterprise drafts, submits or withdraws; a manager recommends; another decides
    "application.read": Allow(*STAFF, members=True),
    "application.create": Allow(members=True),
    "application.submit": Allow(members=True),
    "application.withdraw": Allow(members=True),
    "application.recommend": Allow(*MANAGERS),
    "application.approve": Allow(*MANAGERS),
    "application.reject": Allow(*MANAGERS),
    # Guarantees, and what the bank reports about its loan
    "guarantee.read": Allow(*STAFF, BANK, members=True),
    "guarantee.execute": Allow(BANK),  # the bank lent: the guarantee is active
    "guarantee.report": Allow(BANK),  # a balance or a repayment
    "guarantee.repay": Allow(BANK),  # repaid in full (early or at maturity)
    "guarantee.default": Allow(BANK),  # 사고
    "guarantee.cancel": Allow(*MANAGERS),  # approved, and the bank never lent
    # Fees (보증료): bills per guarantee year; the enterprise's part paid by it or a manager, the city's in a batch
    "fee.read": Allow(*STAFF, BANK, members=True),
    "fee.pay": Allow(*MANAGERS, members=True),
    "fee.city_pay": Allow(*MANAGERS),
    # Interest subsidies (이차보전): the city's budget, runs prepared by one manager and approved by another
    "subsidy.read": Allow(*STAFF, BANK),
    "subsidy.budget": Allow(*MANAGERS),
    "subsidy.prepare": Allow(*MANAGERS),
    "subsidy.approve": Allow(*MANAGERS),
    "subsidy.download": Allow(*STAFF, BANK),  # the payment files and statement (a bank: its own lines)
    # Claims (대위변제) and recoveries (구상)
    "claim.read": Allow(*STAFF, BANK, members=True),
    "claim.request": Allow(BANK),  # the bank asks to be paid after a default
    "claim.prepare": Allow(*MANAGERS),
    "claim.approve": Allow(*MANAGERS),
    "recovery.record": Allow(*MANAGERS),
    "recourse.write_off": Allow(*MANAGERS),  # ask for, or approve (not the one who asked), a write-off
})
