"""Loan applications (대출 신청): drafted and submitted by an enterprise, reviewed by one manager and approved by
another (four eyes, more approvers above an amount tier), within the fund's lending rules; approval makes the loan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import AuditAction, audit_record, snapshot
from core.db import transactional
from core.errors import Forbidden, Ineligible, InvalidState, LimitExceeded, ValidationFailed
from core.inputs import require_reason
from core.money import KRW, format_won, won_input
from enterprises.models import User
from enterprises.roles import is_member

from .. import accounts as chart
from ..access import ACCESS
from ..actions import (
    APPLICATION_APPROVAL,
    APPLICATION_APPROVE,
    APPLICATION_CREATE,
    APPLICATION_REJECT,
    APPLICATION_REVIEW,
    APPLICATION_SUBMIT,
    APPLICATION_UPDATE,
    APPLICATION_WITHDRAW,
    LOAN_CREATE,
)
from ..delinquency import DEFAULT_DAYS
from ..locks import lock_application
from ..models import ApplicationApproval, Fund, Loan, LoanApplication, LoanProduct
from ..selectors import exposure_by_enterprise
from .products import approvals_required, check_amount_in_range

State = LoanApplication.State




def _exposure(fund: Fund, enterprise_id: int) -> Decimal:
    """Outstanding principal plus approved-but-not-disbursed principal of the enterprise in this fund (the fund's
    own limit; the enterprise's exposure across every fund and instrument is ``enterprises.exposure``)."""
    return exposure_by_enterprise([enterprise_id], fund=fund).get(enterprise_id, Decimal(0))


def _in_default(fund: Fund, enterprise_id: int) -> bool:

    loans = Loan.objects.filter(fund=fund, enterprise_id=enterprise_id)
    return (
        loans.filter(state=Loan.State.WRITTEN_OFF).exists()
        or loans.filter(state=Loan.State.ACTIVE, accelerated_on__isnull=False).exists()
        or loans.filter(state=Loan.State.ACTIVE, days_past_due__gte=DEFAULT_DAYS).exists()
    )


def _check_lending_rules(application: LoanApplication) -> None:
    """Kind eligible, amount in the product's range, within the remaining exposure limit, no loan in default.
    Caller holds the enterprise's row lock."""
    product, enterprise = application.product, application.enterprise
    fund = product.fund
    amount = application.amount.amount
    if enterprise.kind not in fund.eligible_kinds:
        raise ValidationFailed(
            _("%(kind)s may not borrow from %(fund)s.") % {"kind": enterprise.get_kind_display(), "fund": fund.name},
            fields={"enterprise": [_("kind %(kind)s is not eligible for this fund") % {"kind": enterprise.kind}]},
        )
    check_amount_in_range(product, amount)
    exposure = _exposure(fund, enterprise.pk)
    remaining = fund.exposure_limit.amount - exposure
    if amount > remaining:
        left = format_won(max(remaining, Decimal(0)))
        raise LimitExceeded(
            _(
                "%(enterprise)s may borrow at most %(remaining)s more from %(fund)s "
                "(limit %(limit)s, already %(exposure)s)."
            )
            % {
                "enterprise": enterprise.name,
                "remaining": left,
                "fund": fund.name,
                "limit": format_won(fund.exposure_limit.amount),
                "exposure": format_won(exposure),
            },
            fields={"amount": [_("exceeds the remaining exposure limit of %(remaining)s") % {"remaining": left}]},
        )
    if _in_default(fund, enterprise.pk):
        raise Ineligible(
            _("%(enterprise)s has a loan of %(fund)s in default.") % {"enterprise": enterprise.name, "fund": fund.name},
            fields={"enterprise": [_("has a loan of this fund in default")]},
        )


@transactional
def application_create(
    *, actor: User, product_id: int, enterprise_id: int, amount: Any, purpose: str = ""
) -> LoanApplication:
    """An enterprise member drafts an application. Raises ValidationFailed."""
    ACCESS.require(actor, "application.create")
    won = won_input(amount, "amount")
    product = LoanProduct.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        raise ValidationFailed(
            _("No such loan product."), fields={"product": [_("no open loan product with this id")]}
        )
    if not is_member(actor, enterprise_id):
        raise ValidationFailed(_("No such enterprise."), fields={"enterprise": [_("not an enterprise you act for")]})
    application = LoanApplication.objects.create(
        product=product, enterprise_id=enterprise_id, amount=Money(won, KRW), purpose=purpose, created_by=actor
    )
    audit_record(actor=actor, action=APPLICATION_CREATE, obj=application, after=snapshot(application))
    return application


@transactional
def application_update(*, actor: User, application_id: int, data: dict[str, Any]) -> LoanApplication:
    """Change a draft's amount or purpose. Raises NotFound, InvalidState, ValidationFailed."""
    ACCESS.require(actor, "application.update")
    application = lock_application(application_id)
    _require_member(actor, application)
    if application.state != State.DRAFT:
        raise InvalidState(
            _("Only a draft can be changed; this application's state is %(state)s.")
            % {"state": application.get_state_display()}
        )
    before = snapshot(application)
    if "amount" in data:
        application.amount = Money(won_input(data["amount"], "amount"), KRW)
    if "purpose" in data:
        application.purpose = str(data["purpose"])
    application.save(update_fields=["amount", "purpose"])
    audit_record(actor=actor, action=APPLICATION_UPDATE, obj=application, before=before,
                 after=snapshot(application))
    return application


def _transition(
    application: LoanApplication, actor: User | None, action: AuditAction, new_state: str, reason: str = "",
    **changes: Any,
) -> None:
    before = snapshot(application)
    application.state = new_state
    for field, value in changes.items():
        setattr(application, field, value)
    application.save()
    audit_record(actor=actor, action=action, obj=application, before=before, after=snapshot(application),
                 reason=reason)




@transactional
def application_submit(*, actor: User, application_id: int) -> LoanApplication:
    """Draft -> submitted, after the lending rules. Raises NotFound, InvalidState, ValidationFailed,
    LimitExceeded."""
    ACCESS.require(actor, "application.submit")
    application = lock_application(application_id, enterprise=True)
    _require_member(actor, application)
    if application.state != State.DRAFT:
        raise InvalidState(
            _("Only a draft can be submitted; this application's state is %(state)s.")
            % {"state": application.get_state_display()}
        )
    _check_lending_rules(application)
    _transition(
        application,
        actor,
        APPLICATION_SUBMIT,
        State.SUBMITTED,
        submitted_at=timezone.now(),
        approvals_required=approvals_required(application.product, application.amount.amount),
    )
    return application


@transactional
def application_withdraw(*, actor: User, application_id: int, reason: str = "") -> LoanApplication:
    """The enterprise takes its application back before a decision. Raises NotFound, InvalidState."""
    ACCESS.require(actor, "application.withdraw")
    application = lock_application(application_id)
    _require_member(actor, application)
    if application.state not in (State.DRAFT, State.SUBMITTED, State.RECOMMENDED):
        raise InvalidState(
            _("An application whose state is %(state)s can no longer be withdrawn.")
            % {"state": application.get_state_display()}
        )
    _transition(application, actor, APPLICATION_WITHDRAW, State.WITHDRAWN, reason)
    return application






def _require_member(actor: User | None, application: LoanApplication) -> None:
    if not is_member(actor, application.enterprise_id):
        raise Forbidden(_("Only a member of the applying enterprise may do this."))


def _refuse_conflict_of_interest(actor: User, application: LoanApplication) -> None:
    if is_member(actor, application.enterprise_id):
        raise InvalidState(_("You act for this enterprise, so you may not judge its application."))


def _check_decidable(actor: User, application: LoanApplication, *, approving: bool) -> None:
    """Approve or reject: only a recommended application, never by its reviewer (four eyes), never by someone who
    acts for the enterprise."""
    if application.state != State.RECOMMENDED:
        message = (
            _("Only a recommended application can be approved; this one's state is %(state)s.")
            if approving
            else _("Only a recommended application can be rejected; this one's state is %(state)s.")
        )
        raise InvalidState(message % {"state": application.get_state_display()})
    if application.reviewed_by_id == actor.pk:
        raise InvalidState(
            _("The manager who reviewed an application may not approve it (four eyes).")
            if approving
            else _("The manager who reviewed an application may not also decide it (four eyes).")
        )
    _refuse_conflict_of_interest(actor, application)


@transactional
def application_review(*, actor: User, application_id: int, recommend: bool, reason: str) -> LoanApplication:
    """A manager recommends or declines a submitted application. Raises NotFound, InvalidState,
    ValidationFailed."""
    reason = require_reason(reason)
    ACCESS.require(actor, "application.review")
    application = lock_application(application_id)
    if application.state != State.SUBMITTED:
        raise InvalidState(
            _("Only a submitted application can be reviewed; this one's state is %(state)s.")
            % {"state": application.get_state_display()}
        )
    _refuse_conflict_of_interest(actor, application)
    now = timezone.now()
    _transition(
        application,
        actor,
        APPLICATION_REVIEW,
        State.RECOMMENDED if recommend else State.DECLINED,
        reason,
        reviewed_by=actor,
        review_reason=reason,
        reviewed_at=now,
        **({} if recommend else {"decided_at": now}),
    )
    return application


@transactional
def application_approve(*, actor: User, application_id: int, reason: str = "") -> LoanApplication:
    """A manager other than the reviewer approves. With enough distinct approvers the application is approved
    and the loan is created. Raises NotFound, InvalidState, LimitExceeded, ValidationFailed."""
    ACCESS.require(actor, "application.approve")
    application = lock_application(application_id, enterprise=True)
    _check_decidable(actor, application, approving=True)
    if application.approvals.filter(approver=actor).exists():
        raise InvalidState(_("You have already approved this application; another manager must approve it."))
    # Checked again: other loans may have been approved, or fallen into default, since submission.
    _check_lending_rules(application)
    ApplicationApproval.objects.create(
        application=application, approver=actor, reason=reason, approved_at=timezone.now()
    )
    approvals = application.approvals.count()
    audit_record(actor=actor, action=APPLICATION_APPROVAL, obj=application, reason=reason,
                 after={"approvals": approvals, "required": application.approvals_required})
    if approvals >= application.approvals_required:
        _transition(application, actor, APPLICATION_APPROVE, State.APPROVED, reason, decided_at=timezone.now(),
                    decision_reason=reason)
        _loan_create(application, actor)
    return application


@transactional
def application_reject(*, actor: User, application_id: int, reason: str) -> LoanApplication:
    """A manager other than the reviewer rejects a recommended application. Raises NotFound, InvalidState,
    ValidationFailed."""
    reason = require_reason(reason)
    ACCESS.require(actor, "application.reject")
    application = lock_application(application_id)
    _check_decidable(actor, application, approving=False)
    _transition(application, actor, APPLICATION_REJECT, State.REJECTED, reason, decided_at=timezone.now(),
                decision_reason=reason)
    return application


TERM_FIELDS = (
    "annual_rate",
    "term_months",
    "grace_months",
    "method",
    "day_count",
    "rounding_unit",
    "rounding_mode",
    "default_spread",
    "default_rate_cap",
    "prepayment_policy",
)


def _loan_create(application: LoanApplication, actor: User) -> Loan:
    product = application.product
    book = product.fund.book
    principal_account, interest_account, default_account = chart.open_loan_accounts(book, f"A{application.pk}")
    loan = Loan.objects.create(
        application=application,
        fund=product.fund,
        product=product,
        enterprise=application.enterprise,
        principal=application.amount,
        principal_account=principal_account,
        interest_account=interest_account,
        default_interest_account=default_account,
        **{field: getattr(product, field) for field in TERM_FIELDS},
    )
    audit_record(actor=actor, action=LOAN_CREATE, obj=loan, after=snapshot(loan))
    return loan
