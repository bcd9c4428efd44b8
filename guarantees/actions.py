"""The audit actions of the special guarantees (see ``core.audit.AuditActions``).

Opening a program, recording its contributions, billing fees and accruing late fees may be done by the system (setup
scripts, the demo loader and Celery beat pass no actor); the rest are a person's acts."""

from __future__ import annotations

from core.audit import AuditActions

ACTIONS = AuditActions("guarantees")

PROGRAM_CREATE = ACTIONS.system("program.create")
PROGRAM_CONTRIBUTION = ACTIONS.system("program.contribution")

# Applications (보증 신청) and their four eyes
APPLICATION_CREATE = ACTIONS.user("application.create")
APPLICATION_SUBMIT = ACTIONS.user("application.submit")
APPLICATION_WITHDRAW = ACTIONS.user("application.withdraw")
APPLICATION_RECOMMEND = ACTIONS.user("application.recommend")  # recommended (추천) or declined at review
APPLICATION_APPROVE = ACTIONS.user("application.approve")  # a guarantee is made
APPLICATION_REJECT = ACTIONS.user("application.reject")

# Guarantees, as their bank reports them
GUARANTEE_EXECUTE = ACTIONS.user("guarantee.execute")  # the bank lent: active
GUARANTEE_BALANCE = ACTIONS.user("guarantee.balance")  # a balance or a repayment reported
GUARANTEE_REPAY = ACTIONS.user("guarantee.repay")  # repaid in full
GUARANTEE_DEFAULT = ACTIONS.user("guarantee.default")  # 사고
GUARANTEE_CANCEL = ACTIONS.user("guarantee.cancel")  # approved, never lent

# Fees (보증료)
FEE_BILL = ACTIONS.system("fee.bill")  # a guarantee year billed (at the loan's making, then by beat)
FEE_PAY = ACTIONS.user("fee.pay")  # the enterprise's part paid
FEE_CITY_PAY = ACTIONS.user("fee.city_pay")  # the city's parts paid, in a batch
FEE_LATE = ACTIONS.system("fee.late")  # a late fee charged
FEE_REFUND = ACTIONS.system("fee.refund")  # unused days refunded on early repayment

# Interest subsidies (이차보전)
SUBSIDY_BUDGET = ACTIONS.user("subsidy.budget")
SUBSIDY_PREPARE = ACTIONS.system("subsidy.prepare")  # by a manager, or by beat at the period's end
SUBSIDY_APPROVE = ACTIONS.user("subsidy.approve")  # approved and paid

# Claims (대위변제), recoveries and write-offs of 구상채권
CLAIM_REQUEST = ACTIONS.user("claim.request")
CLAIM_PREPARE = ACTIONS.user("claim.prepare")
CLAIM_APPROVE = ACTIONS.user("claim.approve")  # approved and paid
RECOVERY_RECORD = ACTIONS.user("recovery.record")
RECOURSE_WRITE_OFF_REQUEST = ACTIONS.user("recourse.write_off_request")
RECOURSE_WRITE_OFF_APPROVE = ACTIONS.user("recourse.write_off_approve")
