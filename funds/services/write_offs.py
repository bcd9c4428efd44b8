"""Write-offs (대손상각): a manager asks to write off a loan classed 추정손실 (estimated loss), another approves
(four eyes); the loan's three receivables go to the write-off expense and it is closed as written off."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.db import transactional
from core.errors import Forbidden, InvalidState
from core.inputs import require_reason
from core.money import KRW
from enterprises.models import User
from ledger.models import Account
from ledger.services import credit, debit

from .. import accounts as chart
from .. import delinquency
from ..access import ACCESS
from ..actions import LOAN_WRITE_OFF_APPROVE, LOAN_WRITE_OFF_REJECT, LOAN_WRITE_OFF_REQUEST
from ..locks import lock_loan, lock_write_off
from ..models import Loan, LoanTransaction, WriteOff
from . import postings, state
from .loans import bring_to, catch_up

ONE_DAY = timedelta(days=1)


def _check_estimated_loss(loan: Loan, message: str) -> None:
    if loan.state != Loan.State.ACTIVE or loan.asset_class != delinquency.WRITE_OFF_CLASS:
        raise InvalidState(message % {"state": loan.get_state_display(), "cls": loan.asset_class})


@transactional
def write_off_request(*, actor: User, loan_id: int, reason: str) -> WriteOff:
    """A manager asks to write off a loan classed 추정손실 (estimated loss), as of the last closed business day.
    Raises Forbidden, NotFound, InvalidState, ValidationFailed."""
    ACCESS.require(actor, "write_off.request")
    reason = require_reason(reason)
    loan = lock_loan(loan_id)
    if loan.state == Loan.State.ACTIVE:
        loaded = state.load(loan)
        if catch_up(loaded, actor=actor):
            state.flush(loaded)
    _check_estimated_loss(loan, _("Only an active loan classed 추정손실 (estimated loss) can be written off; this one "
                                  "is %(state)s, class %(cls)s."))
    if WriteOff.objects.filter(loan=loan, state=WriteOff.State.REQUESTED).exists():
        raise InvalidState(_("A write-off of this loan is already waiting for approval."))
    write_off = WriteOff.objects.create(loan=loan, requested_by=actor, requested_at=timezone.now(),
                                        reason=reason)
    audit_record(actor=actor, action=LOAN_WRITE_OFF_REQUEST, obj=write_off, reason=reason,
                 after=snapshot(write_off, ["loan", "state"]))
    return write_off


def _decidable(actor: User, write_off_id: int) -> tuple[WriteOff, Loan]:
    write_off, loan = lock_write_off(write_off_id)
    if write_off.state != WriteOff.State.REQUESTED:
        raise InvalidState(_("This write-off was already decided."))
    if write_off.requested_by_id == actor.pk:
        raise Forbidden(_("The manager who asked for a write-off cannot decide it; another manager must."))
    return write_off, loan


@transactional
def write_off_approve(*, actor: User, write_off_id: int, today: date, reason: str = "") -> WriteOff:
    """A second manager approves on ``today``: the loan is brought up to yesterday, its three receivables go to the
    write-off expense, and it is closed as written off. Raises Forbidden, NotFound, InvalidState."""
    ACCESS.require(actor, "write_off.approve")
    write_off, loan = _decidable(actor, write_off_id)
    if loan.state == Loan.State.ACTIVE:
        loaded = state.load(loan)
        bring_to(loaded, today - ONE_DAY, actor=actor)
        state.flush(loaded)
    _check_estimated_loss(loan, _("The loan is no longer classed 추정손실 (estimated loss); it cannot be written off."))
    ids = [loan.principal_account_id, loan.interest_account_id, loan.default_interest_account_id]
    balances = dict(Account.objects.filter(pk__in=ids).values_list("pk", "balance"))
    principal, interest, default = (Decimal(balances[pk]) for pk in ids)
    total = principal + interest + default
    lines = [debit(chart.account_id(loan.fund.book, chart.WRITE_OFF_EXPENSE), total)]
    lines += [credit(pk, amount) for pk, amount in zip(ids, (principal, interest, default), strict=True) if amount > 0]
    moves = postings.Moves(lines, amount=total, principal=-principal, interest=-interest, default_interest=-default)
    journal = postings.post(loan, moves, kind=LoanTransaction.Kind.WRITE_OFF, value_date=today,
                            key=f"loan:{loan.pk}:write-off", actor=actor, memo=f"대손상각 {loan.enterprise.name}")
    loan.state = Loan.State.WRITTEN_OFF
    loan.written_off_on = today
    loan.default_interest_carry = Decimal(0)
    loan.save(update_fields=["state", "written_off_on", "default_interest_carry"])
    write_off.state = WriteOff.State.APPROVED
    write_off.decided_by, write_off.decided_at = actor, timezone.now()
    write_off.decision_reason = (reason or "").strip()
    write_off.written_off_on = today
    write_off.principal, write_off.interest, write_off.default_interest = (
        Money(principal, KRW), Money(interest, KRW), Money(default, KRW))
    write_off.journal = journal
    write_off.save()
    audit_record(actor=actor, action=LOAN_WRITE_OFF_APPROVE, obj=write_off, reason=write_off.decision_reason,
                 after=snapshot(write_off, ["loan", "state", "principal", "interest", "default_interest",
                                            "journal"]))
    return write_off


@transactional
def write_off_reject(*, actor: User, write_off_id: int, reason: str) -> WriteOff:
    """A second manager refuses the write-off. Raises Forbidden, NotFound, InvalidState, ValidationFailed."""
    ACCESS.require(actor, "write_off.reject")
    reason = require_reason(reason)
    write_off, _loan = _decidable(actor, write_off_id)
    write_off.state = WriteOff.State.REJECTED
    write_off.decided_by, write_off.decided_at, write_off.decision_reason = actor, timezone.now(), reason
    write_off.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    audit_record(actor=actor, action=LOAN_WRITE_OFF_REJECT, obj=write_off, reason=reason)
    return write_off
