"""Guarantee applications (보증 신청): drafted, submitted and withdrawn by an enterprise member, recommended (추천) or
declined by one manager, approved or rejected by another (four eyes, as in loans). Approval makes the guarantee.

The rules of a program, checked when the application is drafted and again when it is submitted: the program's
window is open on the day (``opens_on`` to ``closes_on``), the enterprise's kind is eligible, the bank is one of the
program's partner banks, the term is 1 to 120 months with fewer grace months (a bullet loan has none), and the
share the program would guarantee (amount x ratio, floored) is within the per-firm limit.

Approval holds, in the order of ``guarantees.locks``, the application, its enterprise and the program's row, and
then checks what only it can: the program's capacity covers what is already committed plus this guarantee
(``(contributions - net losses) x multiple``, from the program's book), and the enterprise's exposure under every
instrument (``enterprises.exposure``: its revolving-fund loans, its other guarantees) plus this guarantee is within
the per-firm limit. Both are read under those locks, so however many approvals race, neither is ever exceeded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import AuditAction, audit_record, snapshot
from core.db import transactional
from core.engines.capacity import guaranteed_share
from core.errors import InvalidState, LimitExceeded, NotFound, ValidationFailed
from core.inputs import require_reason
from core.money import KRW, format_won, won_input
from enterprises import exposure
from enterprises.models import Enterprise, Institution, User
from enterprises.roles import is_member

from ..access import ACCESS
from ..actions import (
    APPLICATION_APPROVE,
    APPLICATION_CREATE,
    APPLICATION_RECOMMEND,
    APPLICATION_REJECT,
    APPLICATION_SUBMIT,
    APPLICATION_WITHDRAW,
)
from ..locks import lock_application, lock_enterprise, lock_program
from ..models import MAX_TERM_MONTHS, Guarantee, GuaranteeApplication, GuaranteeProgram, RepaymentMethod
from ..selectors import program_position

State = GuaranteeApplication.State


def _fail(field: str, message: str, rule: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [rule]})


def _check_terms(term_months: Any, repayment_method: str, grace_months: Any) -> tuple[int, int]:
    """The term (1 to 120 months), the method, and the grace months (fewer than the term; none for a bullet loan).
    Raises ValidationFailed."""
    if repayment_method not in RepaymentMethod.values:
        raise _fail("repayment_method", _("Unknown repayment method."),
                    _("must be one of %(values)s") % {"values": ", ".join(RepaymentMethod.values)})
    if isinstance(term_months, bool) or not isinstance(term_months, int) or not 1 <= term_months <= MAX_TERM_MONTHS:
        raise _fail("term_months", _("Bad term."), _("a whole number of months from 1 to %(max)s")
                    % {"max": MAX_TERM_MONTHS})
    if isinstance(grace_months, bool) or not isinstance(grace_months, int) or grace_months < 0:
        raise _fail("grace_months", _("Bad number of grace months."), _("a whole number of months from 0"))
    if repayment_method == RepaymentMethod.BULLET and grace_months:
        raise _fail("grace_months", _("A bullet loan has no grace months: it pays only interest until maturity."),
                    _("must be 0 for a bullet loan"))
    if grace_months >= term_months:
        raise _fail("grace_months", _("The grace period must end before the term does."),
                    _("must be less than term_months (%(term)s)") % {"term": term_months})
    return term_months, grace_months


def _check_program_rules(program: GuaranteeProgram, enterprise: Enterprise, bank_id: int, amount: Decimal,
                         today: date) -> None:
    """The program's window is open ``today``, the enterprise's kind is eligible, the bank is a partner bank, and
    the share guaranteed is within the per-firm limit. Raises ValidationFailed, LimitExceeded."""
    if not program.opens_on <= today <= program.closes_on:
        raise _fail("program", _("%(program)s takes applications from %(opens)s to %(closes)s.")
                    % {"program": program.name, "opens": program.opens_on.isoformat(),
                       "closes": program.closes_on.isoformat()},
                    _("the application window is %(opens)s to %(closes)s")
                    % {"opens": program.opens_on.isoformat(), "closes": program.closes_on.isoformat()})
    if enterprise.kind not in program.eligible_kinds:
        raise _fail("enterprise", _("%(kind)s may not be guaranteed under %(program)s.")
                    % {"kind": enterprise.get_kind_display(), "program": program.name},
                    _("kind %(kind)s is not eligible for this program") % {"kind": enterprise.kind})
    if not program.partner_banks.filter(pk=bank_id).exists():
        raise _fail("bank", _("The bank is not a partner bank of %(program)s.") % {"program": program.name},
                    _("must be one of the program's partner banks"))
    share = guaranteed_share(amount, program.guarantee_ratio)
    limit = program.per_firm_limit.amount
    if share > limit:
        raise LimitExceeded(
            _("%(program)s guarantees at most %(limit)s per enterprise; %(share)s asked.")
            % {"program": program.name, "limit": format_won(limit), "share": format_won(share)},
            fields={"amount": [_("guaranteed share %(share)s (amount x %(ratio)s) exceeds the per-firm limit "
                                 "(업체당 한도) of %(limit)s") % {"share": format_won(share),
                                                              "ratio": program.guarantee_ratio,
                                                              "limit": format_won(limit)}]},
        )


def _application_of(actor: User, application_id: int) -> GuaranteeApplication:
    """The application under its lock, which must be one of the caller's own enterprises': another's is "not
    found". Raises NotFound."""
    application = lock_application(application_id)
    if not is_member(actor, application.enterprise_id):
        raise NotFound(_("No such guarantee application."))
    return application


def _transition(application: GuaranteeApplication, actor: User, action: AuditAction, new_state: str,
                reason: str = "", **changes: Any) -> None:
    before = snapshot(application)
    application.state = new_state
    for name, value in changes.items():
        setattr(application, name, value)
    application.save()
    audit_record(actor=actor, action=action, obj=application, before=before, after=snapshot(application),
                 reason=reason)


@transactional
def application_create(
    *,
    actor: User,
    today: date,
    program_id: int,
    enterprise_id: int,
    bank_id: int,
    amount: Any,
    term_months: int,
    repayment_method: str,
    grace_months: int = 0,
    purpose: str = "",
) -> GuaranteeApplication:
    """An enterprise member drafts an application for a guarantee under a program, for a loan of ``amount`` from
    one of its partner banks, repaid ``repayment_method`` over ``term_months`` (the national standard: 60 months,
    the first 12 of grace, then equal principal). The program's rules are checked (module docstring). Raises
    ValidationFailed, LimitExceeded, Forbidden."""
    ACCESS.require(actor, "application.create")
    won = won_input(amount, "amount")
    term_months, grace_months = _check_terms(term_months, repayment_method, grace_months)
    if not is_member(actor, enterprise_id):
        raise _fail("enterprise", _("No such enterprise."), _("not an enterprise you act for"))
    program = GuaranteeProgram.objects.filter(pk=program_id).first()
    if program is None:
        raise _fail("program", _("No such guarantee program."), _("no program with this id"))
    if not Institution.objects.filter(pk=bank_id, kind=Institution.Kind.BANK).exists():
        raise _fail("bank", _("No such bank."), _("must be an institution of kind bank"))
    enterprise = Enterprise.objects.get(pk=enterprise_id)
    _check_program_rules(program, enterprise, bank_id, won, today)
    application = GuaranteeApplication.objects.create(
        program=program, enterprise=enterprise, bank_id=bank_id, amount=Money(won, KRW), term_months=term_months,
        repayment_method=repayment_method, grace_months=grace_months, purpose=purpose, created_by=actor,
    )
    audit_record(actor=actor, action=APPLICATION_CREATE, obj=application, after=snapshot(application))
    return application


@transactional
def application_submit(*, actor: User, application_id: int, today: date) -> GuaranteeApplication:
    """Draft -> submitted (신청), after the program's rules again on ``today``. Raises NotFound, InvalidState,
    ValidationFailed, LimitExceeded, Forbidden."""
    ACCESS.require(actor, "application.submit")
    application = _application_of(actor, application_id)
    if application.state != State.DRAFT:
        raise InvalidState(
            _("Only a draft can be submitted; this application's state is %(state)s.")
            % {"state": application.get_state_display()})
    _check_program_rules(application.program, application.enterprise, application.bank_id,
                         application.amount.amount, today)
    _transition(application, actor, APPLICATION_SUBMIT, State.SUBMITTED, submitted_at=timezone.now())
    return application


@transactional
def application_withdraw(*, actor: User, application_id: int, reason: str = "") -> GuaranteeApplication:
    """The enterprise takes its application back before a decision (a draft, submitted or recommended). Raises
    NotFound, InvalidState, Forbidden."""
    ACCESS.require(actor, "application.withdraw")
    application = _application_of(actor, application_id)
    if application.state not in (State.DRAFT, State.SUBMITTED, State.RECOMMENDED):
        raise InvalidState(
            _("An application whose state is %(state)s can no longer be withdrawn.")
            % {"state": application.get_state_display()})
    _transition(application, actor, APPLICATION_WITHDRAW, State.WITHDRAWN, (reason or "").strip())
    return application


def _refuse_conflict_of_interest(actor: User, application: GuaranteeApplication) -> None:
    if is_member(actor, application.enterprise_id):
        raise InvalidState(_("You act for this enterprise, so you may not judge its application."))


def _check_decidable(actor: User, application: GuaranteeApplication, *, approving: bool) -> None:
    """Approve or reject: only a recommended application, never by the manager who recommended it (four eyes; the
    database refuses it too), never by someone who acts for the enterprise."""
    if application.state != State.RECOMMENDED:
        message = (_("Only a recommended application can be approved; this one's state is %(state)s.") if approving
                   else _("Only a recommended application can be rejected; this one's state is %(state)s."))
        raise InvalidState(message % {"state": application.get_state_display()})
    if application.recommended_by_id == actor.pk:
        raise InvalidState(_("The manager who recommended an application may not also decide it (four eyes)."))
    _refuse_conflict_of_interest(actor, application)


@transactional
def application_recommend(*, actor: User, application_id: int, recommend: bool, reason: str) -> GuaranteeApplication:
    """A manager recommends (추천) or declines a submitted application, with a reason. Raises NotFound,
    InvalidState, ValidationFailed, Forbidden."""
    reason = require_reason(reason)
    ACCESS.require(actor, "application.recommend")
    application = lock_application(application_id)
    if application.state != State.SUBMITTED:
        raise InvalidState(
            _("Only a submitted application can be recommended or declined; this one's state is %(state)s.")
            % {"state": application.get_state_display()})
    _refuse_conflict_of_interest(actor, application)
    now = timezone.now()
    _transition(application, actor, APPLICATION_RECOMMEND, State.RECOMMENDED if recommend else State.DECLINED,
                reason, recommended_by=actor, recommend_reason=reason, recommended_at=now,
                **({} if recommend else {"decided_at": now}))
    return application


def _check_capacity(program: GuaranteeProgram, guaranteed: Decimal) -> None:
    """The program's capacity covers what it has committed plus ``guaranteed``. Caller holds the program's row.
    Raises LimitExceeded naming the capacity."""
    position = program_position(program, by_state=False)
    committed = program.committed.amount
    if committed + guaranteed > position.capacity:
        figures = {"capacity": format_won(position.capacity), "committed": format_won(committed),
                   "available": format_won(position.available), "guaranteed": format_won(guaranteed)}
        raise LimitExceeded(
            _("%(program)s cannot guarantee %(guaranteed)s more: its capacity (보증한도) is %(capacity)s, of which "
              "%(committed)s is in use and %(available)s available.") % {"program": program.name, **figures},
            fields={"capacity": [_("%(guaranteed)s exceeds the %(available)s available (capacity %(capacity)s, in "
                                   "use %(committed)s)") % figures]},
        )


def _check_per_firm_limit(program: GuaranteeProgram, enterprise: Enterprise, guaranteed: Decimal) -> None:
    """What the enterprise owes under every instrument plus ``guaranteed`` is within the program's per-firm limit.
    Caller holds the enterprise's row (``enterprises.exposure``). Raises LimitExceeded."""
    owed = exposure.exposure_of(enterprise.pk).total
    limit = program.per_firm_limit.amount
    if owed + guaranteed > limit:
        figures = {"limit": format_won(limit), "owed": format_won(owed), "guaranteed": format_won(guaranteed),
                   "left": format_won(max(limit - owed, Decimal(0)))}
        raise LimitExceeded(
            _("%(enterprise)s may be guaranteed at most %(left)s more under %(program)s: the per-firm limit (업체당 "
              "한도) is %(limit)s and it already owes %(owed)s across the instruments.")
            % {"enterprise": enterprise.name, "program": program.name, **figures},
            fields={"per_firm_limit": [_("%(guaranteed)s more would exceed %(limit)s (already %(owed)s)")
                                       % figures]},
        )


@transactional
def application_approve(*, actor: User, application_id: int, reason: str = "") -> GuaranteeApplication:
    """A manager other than the recommender approves a recommended application: the guarantee is made (state
    approved; guaranteed = amount x the program's ratio, floored; the terms copied) and holds that much of the
    program's capacity. Locks the application, its enterprise, then the program's row; refused when the capacity or
    the per-firm limit would be exceeded. Raises NotFound, InvalidState, LimitExceeded, ValidationFailed,
    Forbidden."""
    ACCESS.require(actor, "application.approve")
    application = lock_application(application_id)
    application.enterprise = lock_enterprise(application.enterprise_id)  # locked, and read once
    _check_decidable(actor, application, approving=True)
    program = lock_program(application.program_id)
    enterprise = application.enterprise
    if enterprise.kind not in program.eligible_kinds:  # a kind may have changed since submission
        raise _fail("enterprise", _("%(kind)s may not be guaranteed under %(program)s.")
                    % {"kind": enterprise.get_kind_display(), "program": program.name},
                    _("kind %(kind)s is not eligible for this program") % {"kind": enterprise.kind})
    guaranteed = guaranteed_share(application.amount.amount, program.guarantee_ratio)
    _check_capacity(program, guaranteed)
    _check_per_firm_limit(program, enterprise, guaranteed)
    now = timezone.now()
    before = snapshot(application)
    application.state = State.APPROVED
    application.decided_by, application.decision_reason, application.decided_at = actor, reason.strip(), now
    application.save(update_fields=["state", "decided_by", "decision_reason", "decided_at"])
    guarantee = Guarantee.objects.create(
        application=application, program=program, enterprise=enterprise, bank_id=application.bank_id,
        ratio=program.guarantee_ratio, approved_amount=application.amount, guaranteed=Money(guaranteed, KRW),
        term_months=application.term_months, repayment_method=application.repayment_method,
        grace_months=application.grace_months, approved_by=actor, approved_at=now,
    )
    program.committed = Money(program.committed.amount + guaranteed, KRW)
    program.save(update_fields=["committed"])
    audit_record(actor=actor, action=APPLICATION_APPROVE, obj=application, before=before, reason=reason.strip(),
                 after={**snapshot(application), "guarantee": guarantee.pk, "guaranteed": guaranteed,
                        "program_committed": program.committed.amount})
    return application


@transactional
def application_reject(*, actor: User, application_id: int, reason: str) -> GuaranteeApplication:
    """A manager other than the recommender rejects a recommended application, with a reason. Raises NotFound,
    InvalidState, ValidationFailed, Forbidden."""
    reason = require_reason(reason)
    ACCESS.require(actor, "application.reject")
    application = lock_application(application_id)
    _check_decidable(actor, application, approving=False)
    _transition(application, actor, APPLICATION_REJECT, State.REJECTED, reason, decided_by=actor,
                decision_reason=reason, decided_at=timezone.now())
    return application
