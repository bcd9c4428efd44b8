"""Claims (대위변제), recoveries (구상) and write-offs of 구상채권.

After the loan's default the bank asks to be paid (``claim_request``); a manager works the claim out with the engine
(``claim_prepare``: the principal outstanding, the unpaid interest at the loan's normal rate up to the payment date
and the bank's costs, at most the guaranteed share); another manager approves it (``claim_approve``), which pays the
bank from the program's cash (Dr ``expense:claims`` / Cr ``cash``), releases the guarantee's capacity in use and
opens the 구상채권 against the enterprise as a memorandum pair (``recourse:<claim>`` / ``recourse-memo:<claim>``).
A manager may instead reject it (``claim_reject``).

What the enterprise pays back (``recovery_record``) is spent on costs, damages (지연손해금 at the program's rate,
actual/365, from the payment date), then principal (민법 s479): Dr ``cash`` / Cr ``income:recoveries``, and the
memorandum pair comes down by the costs and principal paid. An uncollectible 구상채권 is written off with four eyes
(``recourse_write_off_request``, ``recourse_write_off_approve``): the memorandum pair is cleared; the debt is still
owed, and what is recovered later is income.

Net losses (claims paid - recoveries) lower the program's capacity: ``selectors.program_position``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import Limit, backdating_limit, check_date, check_money_date
from core.db import transactional
from core.engines import claims as engine
from core.engines.rounding import Rounding
from core.errors import IdempotencyConflict, InsufficientFunds, InvalidState, LimitExceeded, NotFound, ValidationFailed
from core.inputs import KEY_FIELD, check_key, digest, require_reason
from core.money import KRW, format_won, won_input
from enterprises.models import User
from enterprises.roles import bank_of
from ledger.models import Account
from ledger.services import account_create, credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import (
    CLAIM_APPROVE,
    CLAIM_PREPARE,
    CLAIM_REQUEST,
    RECOURSE_WRITE_OFF_APPROVE,
    RECOURSE_WRITE_OFF_REQUEST,
    RECOVERY_RECORD,
)
from ..locks import lock_claim, lock_guarantee, lock_write_off
from ..models import Claim, Guarantee, GuaranteeProgram, RecourseWriteOff, Recovery
from ..selectors.claims import face_amount

ZERO = Decimal(0)
# How far ahead a claim may be prepared for payment (the payment itself is approved on or after that day).
PREPARE_AHEAD_DAYS = 60

CLAIM_AUDITED = ["guarantee", "state", "requested_principal", "requested_interest", "requested_costs", "requested_on",
                 "paid_on", "principal", "interest_days", "interest", "costs", "cap", "amount", "journal",
                 "recourse_principal", "recourse_costs", "recourse_damages", "recourse_since", "written_off",
                 "written_off_on", "settled_on"]
RECOVERY_AUDITED = ["claim", "amount", "received_on", "accrued", "costs", "damages", "principal", "after_write_off",
                    "journal"]
WRITE_OFF_AUDITED = ["claim", "state", "amount", "principal", "costs", "damages", "written_off_on", "journal"]

State = Claim.State
GState = Guarantee.State


def _state_error(message: str, obj: Claim | Guarantee) -> InvalidState:
    return InvalidState(message % {"state": obj.get_state_display()})


def _rounding(program: GuaranteeProgram) -> Rounding:
    return Rounding(program.rounding_unit, program.rounding_mode)


def _program(guarantee: Guarantee) -> GuaranteeProgram:
    return GuaranteeProgram.objects.select_related("book").get(pk=guarantee.program_id)


def _recourse_accounts(claim: Claim, book_id: int) -> tuple[int, int]:
    """The ids of the claim's memorandum pair: ``recourse:<claim>`` and ``recourse-memo:<claim>``."""
    codes = {chart.recourse_code(claim.pk): 0, chart.recourse_memo_code(claim.pk): 0}
    for pk, code in Account.objects.filter(book_id=book_id, code__in=list(codes)).values_list("pk", "code"):
        codes[code] = pk
    return codes[chart.recourse_code(claim.pk)], codes[chart.recourse_memo_code(claim.pk)]


# --- the claim --------------------------------------------------------------------------------------------------


@transactional
def claim_request(*, actor: User, guarantee_id: int, principal: Any, interest: Any = 0, costs: Any = 0,
                  requested_on: date, today: date) -> Claim:
    """The bank of a defaulted guarantee asks to be paid (대위변제 청구) on ``requested_on`` (not before the default,
    not in the future): the principal outstanding (at most the loan's balance), the unpaid interest it counts and its
    costs. Only an officer of the guarantee's bank; another bank's guarantee is not found. Raises Forbidden,
    NotFound, InvalidState, ValidationFailed."""
    ACCESS.require(actor, "claim.request")
    values = {"principal": won_input(principal, "principal"),
              "interest": won_input(interest, "interest", allow_zero=True),
              "costs": won_input(costs, "costs", allow_zero=True)}
    bank = bank_of(actor)
    guarantee = lock_guarantee(guarantee_id)
    if bank is None or guarantee.bank_id != bank:
        raise NotFound(_("No such guarantee."))
    if guarantee.state != GState.DEFAULTED:
        raise _state_error(_("Only a defaulted guarantee can be claimed on; this one's state is %(state)s."),
                           guarantee)
    open_claim = Claim.objects.filter(guarantee=guarantee).exclude(state=State.REJECTED).first()
    if open_claim is not None:
        raise InvalidState(_("This guarantee already has a claim (C%(claim)s, %(state)s).")
                           % {"claim": open_claim.pk, "state": open_claim.get_state_display()})
    not_before = [Limit(guarantee.defaulted_on, _("the day the loan defaulted"))] if guarantee.defaulted_on else []
    check_money_date(requested_on, field="requested_on", today=today, not_before=not_before)
    balance = format_won(guarantee.balance.amount)
    if values["principal"] > guarantee.balance.amount:
        raise ValidationFailed(
            _("The principal claimed is more than the loan's balance (%(balance)s).") % {"balance": balance},
            fields={"principal": [_("at most the loan's balance, %(balance)s") % {"balance": balance}]},
        )
    claim = Claim.objects.create(
        guarantee=guarantee, requested_principal=Money(values["principal"], KRW),
        requested_interest=Money(values["interest"], KRW), requested_costs=Money(values["costs"], KRW),
        requested_on=requested_on, requested_by=actor,
    )
    audit_record(actor=actor, action=CLAIM_REQUEST, obj=claim, after=snapshot(claim, CLAIM_AUDITED))
    return claim


@transactional
def claim_prepare(*, actor: User, claim_id: int, paid_on: date, today: date, costs: Any = None) -> Claim:
    """A manager works the claim out for payment on ``paid_on`` (not before the bank's request, nor the day interest
    is paid up to, nor the back-dating window; at most ``PREPARE_AHEAD_DAYS`` ahead), with the engine: the principal
    claimed, the unpaid interest at the loan's rate up to (not including) ``paid_on``, and the bank's costs
    (``costs``: what the manager accepts, at most what the bank claimed; by default all of it), times the guarantee
    ratio and at most the face amount. A prepared claim may be prepared again (another date). Raises Forbidden,
    NotFound, InvalidState, ValidationFailed."""
    ACCESS.require(actor, "claim.prepare")
    accepted = None if costs is None else won_input(costs, "costs", allow_zero=True)
    claim, guarantee, _program_row = lock_claim(claim_id)
    if claim.state not in (State.REQUESTED, State.PREPARED):
        raise _state_error(_("Only a requested claim can be prepared; this one's state is %(state)s."), claim)
    if guarantee.state != GState.DEFAULTED:
        raise _state_error(_("The guarantee is no longer defaulted (its state is %(state)s)."), guarantee)
    claimed_costs = claim.requested_costs.amount
    if accepted is None:
        accepted = claimed_costs
    elif accepted > claimed_costs:
        raise ValidationFailed(
            _("The costs accepted are more than the bank claimed (%(costs)s).") % {"costs": format_won(claimed_costs)},
            fields={"costs": [_("at most the costs claimed, %(costs)s") % {"costs": format_won(claimed_costs)}]},
        )
    assert guarantee.loan_rate is not None and guarantee.start_on is not None  # a lent guarantee (model constraint)
    interest_from = guarantee.interest_paid_to or guarantee.start_on
    check_date(paid_on, field="paid_on",
               earliest=[Limit(claim.requested_on, _("the day the bank claimed")),
                         Limit(interest_from, _("the day interest is paid up to")), backdating_limit(today)],
               latest=[Limit(today + timedelta(days=PREPARE_AHEAD_DAYS),
                             _("%(days)s days from today") % {"days": PREPARE_AHEAD_DAYS})])
    program = _program(guarantee)
    worked = engine.claim_amount(
        principal=claim.requested_principal.amount, loan_rate=guarantee.loan_rate, interest_paid_to=interest_from,
        paid_on=paid_on, costs=accepted, ratio=guarantee.ratio, limit=face_amount(guarantee),
        rounding=_rounding(program))
    before = snapshot(claim, CLAIM_AUDITED)
    claim.state = State.PREPARED
    claim.paid_on = paid_on
    claim.principal, claim.interest, claim.costs = (Money(worked.principal, KRW), Money(worked.interest, KRW),
                                                    Money(worked.costs, KRW))
    claim.interest_days = worked.interest_days
    claim.cap, claim.amount = Money(worked.cap, KRW), Money(worked.amount, KRW)
    claim.prepared_by, claim.prepared_at = actor, timezone.now()
    claim.save()
    audit_record(actor=actor, action=CLAIM_PREPARE, obj=claim, before=before, after=snapshot(claim, CLAIM_AUDITED))
    return claim


def _check_decider(actor: User, claim: Claim, *, approving: bool) -> None:
    if claim.prepared_by_id == actor.pk:
        raise InvalidState(_("The manager who prepared a claim may not approve it (four eyes).") if approving
                           else _("The manager who prepared a claim may not reject it (four eyes)."))


@transactional
def claim_approve(*, actor: User, claim_id: int, idempotency_key: str, today: date,
                  reason: str = "") -> tuple[Claim, bool]:
    """A manager other than the one who prepared it approves a prepared claim on its payment date or later: the
    program's cash pays the bank (refused when it holds less), the 구상채권 opens against the enterprise (its
    memorandum pair, opened in the program's book), the guarantee is claimed and its capacity in use released.
    Returns the claim and whether it was paid now (the same manager and key give the first payment back). Raises
    Forbidden, NotFound, InvalidState, ValidationFailed, InsufficientFunds."""
    ACCESS.require(actor, "claim.approve")
    key = check_key(idempotency_key)
    claim, guarantee, program = lock_claim(claim_id, program=True)
    assert program is not None
    if claim.state == State.PAID and claim.payment_key == key and claim.approved_by_id == actor.pk:
        return claim, False
    if claim.state != State.PREPARED:
        raise _state_error(_("Only a prepared claim can be approved; this one's state is %(state)s."), claim)
    _check_decider(actor, claim, approving=True)
    if guarantee.state != GState.DEFAULTED:
        raise _state_error(_("The guarantee is no longer defaulted (its state is %(state)s)."), guarantee)
    assert claim.paid_on is not None
    if claim.paid_on > today:
        raise InvalidState(_("The claim is prepared for payment on %(date)s; it can be approved from that day.")
                           % {"date": claim.paid_on.isoformat()})
    check_money_date(claim.paid_on, field="paid_on", today=today)
    amount = claim.amount.amount
    book = program.book
    cash = chart.cash(book)
    if cash.balance.amount < amount:
        raise InsufficientFunds(
            _("The program's cash holds %(cash)s; the claim needs %(amount)s.")
            % {"cash": format_won(cash.balance.amount), "amount": format_won(amount)},
            fields={"amount": [_("exceeds the program's cash, %(cash)s") % {"cash": format_won(cash.balance.amount)}]},
        )
    name = guarantee.enterprise.name
    recourse = account_create(book=book, code=chart.recourse_code(claim.pk), name=f"구상채권 C{claim.pk} {name}"[:200],
                              type="asset", no_overdraft=True)
    memo = account_create(book=book, code=chart.recourse_memo_code(claim.pk),
                          name=f"구상채권 대조 C{claim.pk} {name}"[:200], type="liability", no_overdraft=True)
    posted = journal_post(
        lines=[debit(chart.account(book, chart.CLAIMS_EXPENSE), amount), credit(cash, amount),
               debit(recourse, amount), credit(memo, amount)],
        kind="guarantee.claim", effective_date=claim.paid_on, idempotency_key=f"guarantee-claim:{claim.pk}:payment",
        actor=actor, memo=f"대위변제 C{claim.pk} {name}"[:500],
    )
    opened = engine.Recourse(principal=amount, since=claim.paid_on)  # as engine.open_recourse: damages from paid_on
    before = snapshot(claim, CLAIM_AUDITED)
    claim.state = State.PAID
    claim.approved_by, claim.approved_at = actor, timezone.now()
    claim.decision_reason = (reason or "").strip()
    claim.payment_key = key
    claim.journal = posted.journal
    _keep(claim, opened)
    claim.save()
    released = guarantee.guaranteed.amount
    guarantee_before = snapshot(guarantee, ["state", "guaranteed"])
    guarantee.state = GState.CLAIMED
    guarantee.guaranteed = Money(ZERO, KRW)
    guarantee.save(update_fields=["state", "guaranteed"])
    program.committed = Money(program.committed.amount - released, KRW)
    program.save(update_fields=["committed"])
    audit_record(actor=actor, action=CLAIM_APPROVE, obj=claim, reason=claim.decision_reason,
                 before={**before, "guarantee": guarantee_before},
                 after={**snapshot(claim, CLAIM_AUDITED),
                        "guarantee": snapshot(guarantee, ["state", "guaranteed"]),
                        "capacity_released": released})
    return claim, True


@transactional
def claim_reject(*, actor: User, claim_id: int, reason: str, today: date) -> Claim:
    """A manager (not the one who prepared it) refuses a requested or prepared claim, with a reason; the bank may
    claim again. Recorded as the claim's decision (``claim.approve``). Raises Forbidden, NotFound, InvalidState,
    ValidationFailed."""
    del today  # no rule reads it yet; the signature is every service's
    ACCESS.require(actor, "claim.approve")
    reason = require_reason(reason)
    claim, _guarantee, _program_row = lock_claim(claim_id)
    if claim.state not in (State.REQUESTED, State.PREPARED):
        raise _state_error(_("Only a requested or prepared claim can be rejected; this one's state is %(state)s."),
                           claim)
    _check_decider(actor, claim, approving=False)
    before = snapshot(claim, CLAIM_AUDITED)
    claim.state = State.REJECTED
    claim.rejected_by, claim.rejected_at, claim.decision_reason = actor, timezone.now(), reason
    claim.save(update_fields=["state", "rejected_by", "rejected_at", "decision_reason"])
    audit_record(actor=actor, action=CLAIM_APPROVE, obj=claim, reason=reason, before=before,
                 after=snapshot(claim, CLAIM_AUDITED))
    return claim


def _keep(claim: Claim, state: engine.Recourse) -> None:
    """Write the engine's 구상채권 back on the claim."""
    claim.recourse_principal = Money(state.principal, KRW)
    claim.recourse_costs = Money(state.costs, KRW)
    claim.recourse_damages = Money(state.damages, KRW)
    claim.damages_carry = state.damages_carry
    claim.recourse_since = state.since


# --- recoveries -------------------------------------------------------------------------------------------------


def _check_replay(existing: Recovery, actor: User, amount: Decimal, on: date) -> None:
    if existing.created_by_id != actor.pk:
        raise IdempotencyConflict(_("This idempotency key was already used by someone else; use a new one."),
                                  fields={KEY_FIELD: [_("already used by another user")]})
    if existing.amount.amount != amount or existing.received_on != on:
        raise IdempotencyConflict(_("This idempotency key was already used for a different request."),
                                  fields={KEY_FIELD: [_("already used with another amount or date")]})


@transactional
def recovery_record(*, actor: User, claim_id: int, amount: Any, received_on: date, idempotency_key: str,
                    today: date, memo: str = "") -> tuple[Recovery, bool]:
    """A manager records money recovered from the enterprise on a paid claim, received on ``received_on`` (not in
    the future, within the back-dating window, not before the payment, the last recovery or the write-off): damages
    accrue up to it, then it pays costs, damages and principal. More than everything owed that day is refused,
    stating it. Before a write-off the memorandum pair comes down by the costs and principal paid and the guarantee is
    recovering (closed when nothing is left); after it, the recovery is income alone. Returns the recovery and
    whether it is new (the same manager, key and content give the first one back). Raises Forbidden, NotFound,
    InvalidState, ValidationFailed, LimitExceeded, IdempotencyConflict."""
    ACCESS.require(actor, "recovery.record")
    key = check_key(idempotency_key)
    value = won_input(amount, "amount")
    claim, guarantee, _program_row = lock_claim(claim_id)
    existing = Recovery.objects.filter(claim=claim, idempotency_key=key).first()
    if existing is not None:
        _check_replay(existing, actor, value, received_on)
        return existing, False
    if claim.state != State.PAID:
        raise _state_error(_("Recoveries are recorded only on a paid claim; this one's state is %(state)s."), claim)
    if claim.settled_on is not None:
        raise InvalidState(_("This 구상채권 was settled in full on %(date)s; nothing is left to recover.")
                           % {"date": claim.settled_on.isoformat()})
    assert claim.recourse_since is not None
    limits = [Limit(claim.recourse_since, _("the claim's payment or its last recovery"))]
    if claim.written_off_on is not None:
        limits.append(Limit(claim.written_off_on, _("the write-off")))
    check_money_date(received_on, field="received_on", today=today, not_before=limits)
    program = _program(guarantee)
    recovered = engine.recover(claim.recourse(), received_on, value, rate=program.late_damages_rate)
    if recovered.left > 0:
        owed = format_won(value - recovered.left)
        raise LimitExceeded(
            _("%(amount)s is more than everything owed on %(date)s, which is %(owed)s.")
            % {"amount": format_won(value), "date": received_on.isoformat(), "owed": owed},
            fields={"amount": [_("at most what is owed, %(owed)s") % {"owed": owed}]},
        )
    paid = {name: recovered.paid[name] for name in ("costs", "damages", "principal")}
    book = program.book
    lines = [debit(chart.cash(book), value), credit(chart.account(book, chart.RECOVERY_INCOME), value)]
    after_write_off = claim.is_written_off
    memo_part = paid["costs"] + paid["principal"]
    if memo_part > 0 and not after_write_off:
        recourse_id, memo_id = _recourse_accounts(claim, book.pk)
        lines += [debit(memo_id, memo_part), credit(recourse_id, memo_part)]
    posted = journal_post(
        lines=lines, kind="guarantee.recovery", effective_date=received_on,
        idempotency_key=f"guarantee-claim:{claim.pk}:recovery:{digest(key)}", actor=actor,
        memo=(memo or f"구상 C{claim.pk} {guarantee.enterprise.name}")[:500],
    )
    before = snapshot(claim, CLAIM_AUDITED)
    _keep(claim, recovered.state)
    if recovered.state.settled:
        claim.settled_on = received_on
    claim.save()
    if not after_write_off:
        guarantee.state = GState.CLOSED if recovered.state.settled else GState.RECOVERING
        guarantee.closed_on = received_on if recovered.state.settled else None
        guarantee.save(update_fields=["state", "closed_on"])
    recovery = Recovery.objects.create(
        claim=claim, amount=Money(value, KRW), received_on=received_on, accrued=Money(recovered.accrued, KRW),
        **{name: Money(part, KRW) for name, part in paid.items()}, after_write_off=after_write_off, memo=memo,
        journal=posted.journal, idempotency_key=key, created_by=actor,
    )
    audit_record(actor=actor, action=RECOVERY_RECORD, obj=recovery,
                 after={**snapshot(recovery, RECOVERY_AUDITED), "claim_before": before,
                        "claim_after": snapshot(claim, CLAIM_AUDITED), "guarantee_state": guarantee.state})
    return recovery, True


# --- write-offs -------------------------------------------------------------------------------------------------


def _check_open_recourse(claim: Claim) -> None:
    if claim.state != State.PAID:
        raise _state_error(_("Only the 구상채권 of a paid claim can be written off; this claim's state is %(state)s."),
                           claim)
    if claim.settled_on is not None:
        raise InvalidState(_("This 구상채권 was settled in full on %(date)s; nothing is left to write off.")
                           % {"date": claim.settled_on.isoformat()})


@transactional
def recourse_write_off_request(*, actor: User, claim_id: int, reason: str, today: date) -> RecourseWriteOff:
    """A manager asks to write off a paid claim's 구상채권 as uncollectible, with a reason; another approves. Records
    what is owed today (damages accrued up to today). Raises Forbidden, NotFound, InvalidState, ValidationFailed."""
    ACCESS.require(actor, "recourse.write_off")
    reason = require_reason(reason)
    write_off, claim, guarantee = lock_write_off(claim_id)
    _check_open_recourse(claim)
    if write_off is not None:
        raise InvalidState(_("A write-off of this 구상채권 was already asked for (its state is %(state)s).")
                           % {"state": write_off.get_state_display()})
    owed = _owed(claim, guarantee, today)
    write_off = RecourseWriteOff.objects.create(
        claim=claim, amount=Money(owed["principal"] + owed["costs"], KRW), principal=Money(owed["principal"], KRW),
        costs=Money(owed["costs"], KRW), damages=Money(owed["damages"], KRW), requested_by=actor, reason=reason)
    audit_record(actor=actor, action=RECOURSE_WRITE_OFF_REQUEST, obj=write_off, reason=reason,
                 after=snapshot(write_off, WRITE_OFF_AUDITED))
    return write_off


def _owed(claim: Claim, guarantee: Guarantee, on: date) -> dict[str, Decimal]:
    """What the enterprise owes on ``on`` (or as of the last accrual, if that is later), by part."""
    recourse = claim.recourse()
    return engine.owed_on(recourse, max(on, recourse.since), rate=_program(guarantee).late_damages_rate)


@transactional
def recourse_write_off_approve(*, actor: User, claim_id: int, today: date, reason: str = "") -> RecourseWriteOff:
    """A manager other than the one who asked approves the write-off on ``today``: the memorandum pair is cleared by
    the principal and costs outstanding, the guarantee is written off. The debt stays owed; later recoveries are
    income. Raises Forbidden, NotFound, InvalidState."""
    ACCESS.require(actor, "recourse.write_off")
    write_off, claim, guarantee = lock_write_off(claim_id)
    if write_off is None:
        raise InvalidState(_("No write-off of this 구상채권 was asked for."))
    if write_off.state != RecourseWriteOff.State.REQUESTED:
        raise InvalidState(_("This 구상채권 was already written off on %(date)s.")
                           % {"date": write_off.written_off_on.isoformat() if write_off.written_off_on else "-"})
    if write_off.requested_by_id == actor.pk:
        raise InvalidState(_("The manager who asked for a write-off may not approve it (four eyes)."))
    _check_open_recourse(claim)
    owed = _owed(claim, guarantee, today)
    amount = owed["principal"] + owed["costs"]
    program = _program(guarantee)
    recourse_id, memo_id = _recourse_accounts(claim, program.book_id)
    posted = journal_post(
        lines=[debit(memo_id, amount), credit(recourse_id, amount)], kind="guarantee.recourse_write_off",
        effective_date=today, idempotency_key=f"guarantee-claim:{claim.pk}:write-off", actor=actor,
        memo=f"구상채권 상각 C{claim.pk} {guarantee.enterprise.name}"[:500],
    )
    write_off.state = RecourseWriteOff.State.APPROVED
    write_off.amount, write_off.principal = Money(amount, KRW), Money(owed["principal"], KRW)
    write_off.costs, write_off.damages = Money(owed["costs"], KRW), Money(owed["damages"], KRW)
    write_off.approved_by, write_off.approved_at = actor, timezone.now()
    write_off.decision_reason = (reason or "").strip()
    write_off.written_off_on = today
    write_off.journal = posted.journal
    write_off.save()
    claim.written_off = Money(amount, KRW)
    claim.written_off_on = today
    claim.save(update_fields=["written_off", "written_off_on"])
    guarantee.state = GState.WRITTEN_OFF
    guarantee.save(update_fields=["state"])
    audit_record(actor=actor, action=RECOURSE_WRITE_OFF_APPROVE, obj=write_off, reason=write_off.decision_reason,
                 after={**snapshot(write_off, WRITE_OFF_AUDITED), "guarantee_state": guarantee.state})
    return write_off
