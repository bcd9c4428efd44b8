"""The audit actions of the revolving fund (see ``core.audit.AuditActions``).

Opening a fund, recording its capital and defining its products may be done by the system (setup scripts and the
benchmarks pass no actor); close of business runs on beat with no actor. Everything an application or a loan goes
through is a person's act: the applicant's, or a fund manager's."""

from __future__ import annotations

from core.audit import AuditActions

ACTIONS = AuditActions("funds")

FUND_CREATE = ACTIONS.system("fund.create")
FUND_CONTRIBUTION = ACTIONS.system("fund.contribution")
PRODUCT_CREATE = ACTIONS.system("product.create")

APPLICATION_CREATE = ACTIONS.user("application.create")
APPLICATION_UPDATE = ACTIONS.user("application.update")
APPLICATION_SUBMIT = ACTIONS.user("application.submit")
APPLICATION_WITHDRAW = ACTIONS.user("application.withdraw")
APPLICATION_REVIEW = ACTIONS.user("application.review")
APPLICATION_APPROVAL = ACTIONS.user("application.approval")  # one manager's approval, of the several a tier needs
APPLICATION_APPROVE = ACTIONS.user("application.approve")  # the last approval needed: the application is approved
APPLICATION_REJECT = ACTIONS.user("application.reject")

LOAN_CREATE = ACTIONS.user("loan.create")
LOAN_DISBURSE = ACTIONS.user("loan.disburse")
LOAN_REPAYMENT = ACTIONS.user("loan.repayment")
LOAN_REPAYMENT_REVERSE = ACTIONS.user("loan.repayment.reverse")
LOAN_WRITE_OFF_REQUEST = ACTIONS.user("loan.write_off.request")
LOAN_WRITE_OFF_APPROVE = ACTIONS.user("loan.write_off.approve")
LOAN_WRITE_OFF_REJECT = ACTIONS.user("loan.write_off.reject")
LOAN_RECOVERY = ACTIONS.user("loan.recovery")

BUSINESS_DAY_CLOSE = ACTIONS.system("business_day.close")
