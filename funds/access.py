"""Who may do what with a revolving fund (사회적경제활성화기금), declared once.

Staff (fund managers, auditors, admins) read everything; managers (an admin counts as one) open funds, record
capital, define products, judge applications (four eyes: the services refuse the reviewer as approver and anyone who
acts for the enterprise), disburse, reverse repayments, write off and record recoveries; the auditor changes nothing.
Enterprise members read their own enterprise's applications and loans, draft, submit and withdraw its applications
and repay its loans (value date today; only a manager may back-date). Anyone signed in reads the loan products and
asks for a quote. What a member may reach is narrowed to its own enterprise by the selectors and services: another
enterprise's object is "not found".

The services, the API's permissions, the OpenAPI schema's documented 403s and the web pages read this table.
"""

from __future__ import annotations

from enterprises.access import MANAGERS, STAFF, Access, Allow

ACCESS = Access("funds", {
    # Funds and their capital (출연금)
    "fund.read": Allow(*STAFF),  # the list and each fund's summary
    "fund.create": Allow(*MANAGERS),
    "contribution.read": Allow(*STAFF),
    "contribution.record": Allow(*MANAGERS),
    # Loan products
    "product.read": Allow(signed_in=True),
    "product.create": Allow(*MANAGERS),
    "product.quote": Allow(signed_in=True),
    # Applications: the enterprise drafts, submits or withdraws; a manager reviews; another approves or rejects
    "application.read": Allow(*STAFF, members=True),
    "application.create": Allow(members=True),
    "application.update": Allow(members=True),
    "application.submit": Allow(members=True),
    "application.withdraw": Allow(members=True),
    "application.review": Allow(*MANAGERS),
    "application.approve": Allow(*MANAGERS),
    "application.reject": Allow(*MANAGERS),
    # Loans
    "loan.read": Allow(*STAFF, members=True),  # the loan, its schedule and its transactions
    "loan.disburse": Allow(*MANAGERS),
    "payoff.quote": Allow(*STAFF, members=True),
    "repayment.read": Allow(*STAFF, members=True),
    "repayment.make": Allow(*MANAGERS, members=True),
    "repayment.reverse": Allow(*MANAGERS),
    # Write-offs (상각): one manager asks, another decides; recoveries after them
    "write_off.read": Allow(*STAFF),
    "write_off.request": Allow(*MANAGERS),
    "write_off.approve": Allow(*MANAGERS),
    "write_off.reject": Allow(*MANAGERS),
    "recovery.read": Allow(*STAFF, members=True),
    "recovery.record": Allow(*MANAGERS),
})
