"""Writes for revolving funds. Each is one transaction: row locks, the state change, ledger journals, an audit event.

Domain errors raised: ValidationFailed (bad input), NotFound, InvalidState (wrong state, 409), LimitExceeded and
InsufficientFunds (422), IdempotencyConflict (422).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _  # evaluated when raised, in the request's language
from djmoney.money import Money

from core.audit import AuditAction, audit_record, snapshot
from core.dates import Limit, backdating_limit, check_date, check_money_date
from core.db import transactional
from core.errors import Forbidden, Ineligible, InvalidState, LimitExceeded, NotFound, ValidationFailed
from core.money import KRW, MoneyError, format_won, to_won
from enterprises.models import Enterprise, Institution, User
from enterprises.roles import Role, has_role
from ledger.models import Book
from ledger.services import credit, debit, journal_post

from . import accounts as chart
from . import servicing
from .actions import (
    APPLICATION_APPROVAL,
    APPLICATION_APPROVE,
    APPLICATION_CREATE,
    APPLICATION_REJECT,
    APPLICATION_REVIEW,
    APPLICATION_SUBMIT,
    APPLICATION_UPDATE,
    APPLICATION_WITHDRAW,
    FUND_CONTRIBUTION,
    FUND_CREATE,
    LOAN_CREATE,
    LOAN_DISBURSE,
    PRODUCT_CREATE,
)
from .models import (
    ApplicationApproval,
    ApprovalTier,
    CapitalSource,
    Fund,
    FundContribution,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    LoanTransaction,
)
from .schedules import DayCount, Method, Rounding, Schedule, Terms, build_schedule

State = LoanApplication.State
QUOTE_AHEAD = timedelta(days=366)  # a schedule can be quoted for a disbursement up to a year ahead


def _won(value: Any, field: str) -> Decimal:
    try:
        return to_won(value)
    except MoneyError as exc:
        raise ValidationFailed(
            _("Bad amount for %(field)s: %(reason)s.") % {"field": field, "reason": exc}, fields={field: [str(exc)]}
        ) from None


def _locked(model: Any, pk: int, label: str) -> Any:
    # FOR NO KEY UPDATE: rows inserted meanwhile that refer to this one (an audit of it, a statement, an approval)
    # take FOR KEY SHARE on it for their foreign-key check, which this lock does not block.
    obj = model.objects.select_for_update(no_key=True).filter(pk=pk).first()
    if obj is None:
        messages = {"loan application": _("No such loan application."), "loan": _("No such loan.")}
        raise NotFound(messages[label])
    return obj


# --- funds ------------------------------------------------------------------------------------------------------


def opening_limit(fund: Fund) -> Limit:
    return Limit(fund.opened_on, _("the day the fund was opened"))


@transactional
def fund_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    operator: Institution,
    exposure_limit: Any,
    eligible_kinds: list[str],
    opened_on: date | None = None,
    today: date | None = None,
) -> Fund:
    """Open a fund on ``opened_on`` (default today; back-dated at most the back-dating window): its book and its
    fund-level accounts. Raises ValidationFailed."""
    today = today or timezone.localdate()
    opened = check_money_date(opened_on or today, field="opened_on", today=today)
    limit = _won(exposure_limit, "exposure_limit")
    unknown = sorted(set(eligible_kinds) - set(Enterprise.Kind.values))
    if unknown or not eligible_kinds:
        raise ValidationFailed(
            _("Eligible kinds must be enterprise kinds."),
            fields={
                "eligible_kinds": [
                    _("choose from %(kinds)s; unknown: %(unknown)s")
                    % {"kinds": ", ".join(Enterprise.Kind.values), "unknown": ", ".join(unknown) or "-"}
                ]
            },
        )
    if Fund.objects.filter(code=code).exists():
        raise ValidationFailed(_("A fund with this code exists."), fields={"code": [_("already used")]})
    book = Book.objects.create(code=f"fund-{code}", name=name)
    chart.open_fund_accounts(book)
    fund = Fund.objects.create(
        code=code,
        name=name,
        operator=operator,
        book=book,
        opened_on=opened,
        eligible_kinds=sorted(set(eligible_kinds)),
        exposure_limit=Money(limit, KRW),
    )
    audit_record(actor=actor, action=FUND_CREATE, obj=fund, after=snapshot(fund))
    return fund


@transactional
def contribution_record(
    *,
    actor: User | None,
    fund_id: int,
    source: str,
    amount: Any,
    received_on: date,
    idempotency_key: str,
    contributor: Institution | None = None,
    memo: str = "",
    today: date | None = None,
) -> FundContribution:
    """Capital paid into the fund on ``received_on`` (not in the future, not before the fund was opened, within the
    back-dating window): cash up, the source's capital up. Raises ValidationFailed, NotFound,
    IdempotencyConflict."""
    won = _won(amount, "amount")
    if source not in CapitalSource.values:
        raise ValidationFailed(
            _("Unknown capital source."),
            fields={"source": [_("must be one of %(sources)s") % {"sources": ", ".join(CapitalSource.values)}]},
        )
    fund = Fund.objects.filter(pk=fund_id).first()
    if fund is None:
        raise NotFound(_("No such fund."))
    check_money_date(received_on, field="received_on", today=today or timezone.localdate(),
                     not_before=[opening_limit(fund)])
    posted = journal_post(
        lines=[debit(chart.cash(fund.book), won), credit(chart.capital(fund.book, source), won)],
        kind="fund.contribution",
        effective_date=received_on,
        # Per caller, as the API's Idempotency-Key is: two managers' keys never collide.
        idempotency_key=f"fund:{fund.pk}:contribution:{getattr(actor, 'pk', None) or 'system'}:{idempotency_key}",
        actor=actor,
        memo=memo[:500],
    )
    if not posted.created:
        return FundContribution.objects.get(journal=posted.journal)
    contribution = FundContribution.objects.create(
        fund=fund,
        source=source,
        contributor=contributor,
        amount=Money(won, KRW),
        received_on=received_on,
        journal=posted.journal,
        memo=memo,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action=FUND_CONTRIBUTION, obj=contribution, after=snapshot(contribution))
    return contribution


# --- products ---------------------------------------------------------------------------------------------------


PRODUCT_FIELDS = (
    "name",
    "annual_rate",
    "term_months",
    "grace_months",
    "method",
    "day_count",
    "rounding_unit",
    "rounding_mode",
    "min_amount",
    "max_amount",
    "default_spread",
    "default_rate_cap",
    "prepayment_policy",
    "is_active",
)


@transactional
def product_create(
    *, actor: User | None, fund_id: int, data: dict[str, Any], approval_tiers: list[dict[str, Any]] | None = None
) -> LoanProduct:
    """Define a loan product of a fund, with its approval tiers. Raises ValidationFailed, NotFound."""
    from django.core.exceptions import ValidationError

    fund = Fund.objects.filter(pk=fund_id).first()
    if fund is None:
        raise NotFound(_("No such fund."))
    values = {k: v for k, v in data.items() if k in PRODUCT_FIELDS}
    for field in ("min_amount", "max_amount"):
        if field in values:
            values[field] = Money(_won(values[field], field), KRW)
    above = [to_won(tier.get("above_amount", 0), allow_zero=True) for tier in approval_tiers or []]
    if len(set(above)) != len(above):
        raise ValidationFailed(
            _("Two approval tiers start at the same amount."),
            fields={"approval_tiers": [_("each tier needs its own above_amount")]},
        )
    product = LoanProduct(fund=fund, **values)
    try:
        product.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(_("The product's terms break a rule."), fields=exc.message_dict) from None
    product.save()
    for tier in approval_tiers or []:
        approvers = int(tier.get("approvers", 0))
        if not 1 <= approvers <= 5:
            raise ValidationFailed(
                _("Bad approval tier."), fields={"approval_tiers": [_("approvers must be 1 to 5")]}
            )
        ApprovalTier.objects.create(
            product=product,
            above_amount=Money(to_won(tier.get("above_amount", 0), allow_zero=True), KRW),
            approvers=approvers,
        )
    audit_record(
        actor=actor,
        action=PRODUCT_CREATE,
        obj=product,
        after={**snapshot(product), "approval_tiers": approval_tiers or []},
    )
    return product


def product_terms(product: LoanProduct | Loan, *, principal: Decimal, disbursed_on: date) -> Terms:
    return Terms(
        principal=principal,
        annual_rate=product.annual_rate,
        term_months=product.term_months,
        grace_months=product.grace_months,
        method=Method(product.method),
        day_count=DayCount(product.day_count),
        disbursed_on=disbursed_on,
        rounding=Rounding(product.rounding_unit, product.rounding_mode),
    )


def _check_amount_in_range(product: LoanProduct, amount: Decimal, field: str = "amount") -> None:
    low, high = product.min_amount.amount, product.max_amount.amount
    if not low <= amount <= high:
        bounds = {"low": format_won(low), "high": format_won(high)}
        raise ValidationFailed(
            _("The amount must be between %(low)s and %(high)s.") % bounds,
            fields={field: [_("must be between %(low)s and %(high)s") % bounds]},
        )


def product_quote(*, product_id: int, principal: Any, disbursed_on: date, today: date | None = None) -> Schedule:
    """The schedule a loan of ``principal`` disbursed on ``disbursed_on`` (from the back-dating window to a year
    ahead) would have. Changes nothing. Raises NotFound, ValidationFailed."""
    product = LoanProduct.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("No such loan product."))
    amount = _won(principal, "principal")
    _check_amount_in_range(product, amount, "principal")
    today = today or timezone.localdate()
    check_date(disbursed_on, field="disbursed_on", earliest=[backdating_limit(today)],
               latest=[Limit(today + QUOTE_AHEAD, _("a year from today"))])
    return build_schedule(product_terms(product, principal=amount, disbursed_on=disbursed_on))


def approvals_required(product: LoanProduct, amount: Decimal) -> int:
    """How many distinct managers must approve ``amount``: the highest tier it is above, else one."""
    tiers = [t for t in product.approval_tiers.all() if amount > t.above_amount.amount]
    return max((t.approvers for t in tiers), default=1)


# --- applications -----------------------------------------------------------------------------------------------


def _is_member(user: Any, enterprise_id: int) -> bool:
    return bool(user) and user.memberships.filter(enterprise_id=enterprise_id).exists()


def _exposure(fund: Fund, enterprise_id: int) -> Decimal:
    """Outstanding principal plus approved-but-not-disbursed principal of the enterprise in this fund."""
    total = Decimal(0)
    for loan in Loan.objects.filter(fund=fund, enterprise_id=enterprise_id).select_related("principal_account"):
        if loan.state == Loan.State.APPROVED:
            total += loan.principal.amount
        elif loan.state == Loan.State.ACTIVE:
            total += loan.principal_account.balance.amount
    return total


def _in_default(fund: Fund, enterprise_id: int) -> bool:
    from .delinquency import DEFAULT_DAYS

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
    _check_amount_in_range(product, amount)
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
    won = _won(amount, "amount")
    product = LoanProduct.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        raise ValidationFailed(
            _("No such loan product."), fields={"product": [_("no open loan product with this id")]}
        )
    if not _is_member(actor, enterprise_id):
        raise ValidationFailed(_("No such enterprise."), fields={"enterprise": [_("not an enterprise you act for")]})
    application = LoanApplication.objects.create(
        product=product, enterprise_id=enterprise_id, amount=Money(won, KRW), purpose=purpose, created_by=actor
    )
    audit_record(actor=actor, action=APPLICATION_CREATE, obj=application, after=snapshot(application))
    return application


@transactional
def application_update(*, actor: User, application_id: int, data: dict[str, Any]) -> LoanApplication:
    """Change a draft's amount or purpose. Raises NotFound, InvalidState, ValidationFailed."""
    application = _locked(LoanApplication, application_id, "loan application")
    _require_member(actor, application)
    if application.state != State.DRAFT:
        raise InvalidState(
            _("Only a draft can be changed; this application's state is %(state)s.")
            % {"state": application.get_state_display()}
        )
    before = snapshot(application)
    if "amount" in data:
        application.amount = Money(_won(data["amount"], "amount"), KRW)
    if "purpose" in data:
        application.purpose = str(data["purpose"])
    application.save(update_fields=["amount", "purpose"])
    audit_record(actor=actor, action=APPLICATION_UPDATE, obj=application, before=before,
                 after=snapshot(application))
    return application


def _transition(
    application: LoanApplication,
    actor: User | None,
    action: AuditAction,
    new_state: str,
    reason: str = "",
    **changes: Any,
) -> None:
    before = snapshot(application)
    application.state = new_state
    for field, value in changes.items():
        setattr(application, field, value)
    application.save()
    audit_record(actor=actor, action=action, obj=application, before=before, after=snapshot(application),
                 reason=reason)


def _lock_application(application_id: int) -> LoanApplication:
    application = _locked(LoanApplication, application_id, "loan application")
    # Lock the enterprise too: its exposure must not change while this application is judged.
    Enterprise.objects.select_for_update(no_key=True).get(pk=application.enterprise_id)
    return application


@transactional
def application_submit(*, actor: User, application_id: int) -> LoanApplication:
    """Draft -> submitted, after the lending rules. Raises NotFound, InvalidState, ValidationFailed,
    LimitExceeded."""
    application = _lock_application(application_id)
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
    application = _locked(LoanApplication, application_id, "loan application")
    _require_member(actor, application)
    if application.state not in (State.DRAFT, State.SUBMITTED, State.RECOMMENDED):
        raise InvalidState(
            _("An application whose state is %(state)s can no longer be withdrawn.")
            % {"state": application.get_state_display()}
        )
    _transition(application, actor, APPLICATION_WITHDRAW, State.WITHDRAWN, reason)
    return application


def _require_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise ValidationFailed(_("A reason is required."), fields={"reason": [_("required")]})
    return reason.strip()


def _require_manager(actor: User | None) -> None:
    """Only fund managers (and admins) judge applications and move loan money; the API checks this too."""
    if not has_role(actor, Role.FUND_MANAGER, Role.ADMIN):
        raise Forbidden(_("Only a fund manager may do this."))


def _require_member(actor: User | None, application: LoanApplication) -> None:
    if not _is_member(actor, application.enterprise_id):
        raise Forbidden(_("Only a member of the applying enterprise may do this."))


def _refuse_conflict_of_interest(actor: User, application: LoanApplication) -> None:
    if _is_member(actor, application.enterprise_id):
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
    reason = _require_reason(reason)
    _require_manager(actor)
    application = _locked(LoanApplication, application_id, "loan application")
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
    _require_manager(actor)
    application = _lock_application(application_id)
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
    reason = _require_reason(reason)
    _require_manager(actor)
    application = _locked(LoanApplication, application_id, "loan application")
    _check_decidable(actor, application, approving=False)
    _transition(application, actor, APPLICATION_REJECT, State.REJECTED, reason, decided_at=timezone.now(),
                decision_reason=reason)
    return application


# --- loans ------------------------------------------------------------------------------------------------------


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


@transactional
def loan_disburse(*, actor: User, loan_id: int, on_date: date, secured_amount: Any = None,
                  today: date | None = None) -> Loan:
    """Pay out an approved loan from its fund's cash on ``on_date`` (not in the future, not before the fund was
    opened, within the back-dating window) and fix its schedule from that day. A loan disbursed on a day whose close
    of business has run is brought up to the last closed day at once (interest due, default interest, days past
    due, class), as the nightly close would have. Raises NotFound, InvalidState, InsufficientFunds,
    ValidationFailed."""
    _require_manager(actor)
    loan = servicing.lock_loan(loan_id)
    if loan.state != Loan.State.APPROVED:
        raise InvalidState(
            _("Only an approved loan can be disbursed; this loan's state is %(state)s.")
            % {"state": loan.get_state_display()}
        )
    check_money_date(on_date, field="disbursed_on", today=today or timezone.localdate(),
                     not_before=[opening_limit(loan.fund)])
    before = snapshot(loan)
    amount = loan.principal.amount
    book = loan.fund.book
    posted = journal_post(
        lines=[debit(loan.principal_account, amount), credit(chart.cash(book), amount)],
        kind="loan.disbursement",
        effective_date=on_date,
        idempotency_key=f"loan:{loan.pk}:disbursement",
        actor=actor,
        memo=f"대출 실행 {loan.enterprise.name}",
    )
    schedule = build_schedule(product_terms(loan, principal=amount, disbursed_on=on_date))
    Installment.objects.bulk_create(
        Installment(
            loan=loan,
            number=i.number,
            due_on=i.due_on,
            period_start=i.period_start,
            principal_due=Money(i.principal, KRW),
            interest_due=Money(i.interest, KRW),
        )
        for i in schedule.installments
    )
    loan.state = Loan.State.ACTIVE
    loan.disbursed_on = on_date
    loan.maturity_on = schedule.maturity_on
    loan.closed_through = on_date - timedelta(days=1)
    if secured_amount is not None:
        loan.secured_amount = Money(_won(secured_amount, "secured_amount"), KRW)
        if loan.secured_amount.amount > amount:
            raise ValidationFailed(
                _("The secured part cannot exceed the principal."),
                fields={
                    "secured_amount": [_("at most the principal, %(amount)s") % {"amount": format_won(amount)}]
                },
            )
    loan.save(update_fields=["state", "disbursed_on", "maturity_on", "closed_through", "secured_amount"])
    LoanTransaction.objects.create(
        loan=loan, journal=posted.journal, kind=LoanTransaction.Kind.DISBURSEMENT, value_date=on_date,
        amount=Money(amount, KRW), principal_change=amount,
    )
    servicing.catch_up(loan, actor=actor)
    audit_record(actor=actor, action=LOAN_DISBURSE, obj=loan, before=before, after=snapshot(loan))
    return loan
