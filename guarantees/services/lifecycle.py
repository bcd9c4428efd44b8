"""A guarantee's life after approval, as the officer of its bank reports it: the loan made (대출 실행: the guarantee
becomes active), its balances and repayments, its full repayment (완제), its default (사고); and a manager's
cancellation of a guarantee the bank never lent on.

What the guarantee stands behind (``guaranteed``) follows the loan: the approved amount x ratio until the bank lends,
then the loan's balance x ratio (floored to the won, ``core.engines.capacity.guaranteed_share``), 0 once repaid
or cancelled; at default it is the balance then reported x ratio, and stays so until the claim. Every change of it
moves the program's capacity in use (``GuaranteeProgram.committed``) by the same amount, in the same transaction,
under the program's row lock: ``committed`` is always the sum of its guarantees' ``guaranteed``.

Each write locks the program's row, then the guarantee (``guarantee.locks``). A bank officer reaches only its own
bank's guarantees (``enterprises.roles.bank_of``): another bank's is "not found". Each report carries the caller's
idempotency key, kept on its ``GuaranteeBalance`` row (unique per guarantee): the same caller sending the same report
with the same key gets the first result back, whatever happened since; other content is a conflict. Dates are
money dates (``core.dates.check_money_date``: not in the future, within the back-dating window) and never before the
last balance reported: the balance history only moves forward, and the balance never rises.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import AuditAction, audit_record, snapshot
from core.dates import Limit, check_money_date
from core.db import transactional
from core.engines.capacity import guaranteed_share
from core.engines.schedules import add_months
from core.errors import IdempotencyConflict, InvalidState, NotFound, ValidationFailed
from core.inputs import KEY_FIELD, check_key, require_reason
from core.money import KRW, format_won, won_input
from enterprises.models import User
from enterprises.roles import bank_of

from ..access import ACCESS
from ..actions import GUARANTEE_BALANCE, GUARANTEE_CANCEL, GUARANTEE_DEFAULT, GUARANTEE_EXECUTE, GUARANTEE_REPAY
from ..locks import lock_guarantee, lock_program
from ..models import MAX_RATE, Guarantee, GuaranteeBalance, GuaranteeProgram
from .common import decimal_input
from .fees import fee_bill_first_year, fee_refund_unused

ZERO = Decimal(0)
State = Guarantee.State
Kind = GuaranteeBalance.Kind
MAX_REFERENCE = 50  # Guarantee.bank_reference


def _fail(field: str, message: str, rule: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [rule]})


def _locked(guarantee_id: int, *, bank: int | None = None) -> tuple[GuaranteeProgram, Guarantee]:
    """The guarantee's program row, then the guarantee, locked in that order. With ``bank``, the guarantee must be
    that bank's: another bank's is "not found" (checked before any lock is taken). Raises NotFound."""
    row = Guarantee.objects.filter(pk=guarantee_id).values_list("program_id", "bank_id").first()
    if row is None or (bank is not None and row[1] != bank):
        raise NotFound(_("No such guarantee."))
    program = lock_program(row[0])
    return program, lock_guarantee(guarantee_id)


def _bank_guarantee(actor: User, guarantee_id: int) -> tuple[GuaranteeProgram, Guarantee]:
    """A bank officer's own bank's guarantee, locked (program row, then the guarantee). Raises NotFound."""
    bank = bank_of(actor)
    if bank is None:  # an officer whose institution is not a bank sees no guarantee at all
        raise NotFound(_("No such guarantee."))
    return _locked(guarantee_id, bank=bank)


def _replayed(guarantee: Guarantee, key: str, actor: User, kind: str, on_date: date,
              **content: Any) -> GuaranteeBalance | None:
    """The report already made with ``key`` on this guarantee, if any: by the same caller, of the same kind, day
    and content (``content``: the row's or the guarantee's fields and the values asked). Raises
    IdempotencyConflict."""
    existing = GuaranteeBalance.objects.filter(guarantee=guarantee, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.reported_by_id != actor.pk:
        raise IdempotencyConflict(_("This idempotency key was already used by someone else; use a new one."),
                                  fields={KEY_FIELD: [_("already used by another user")]})

    def value(name: str) -> Any:
        held = getattr(existing, name) if hasattr(existing, name) else getattr(guarantee, name)
        return held.amount if isinstance(held, Money) else held

    if existing.kind != kind or existing.on_date != on_date or any(value(n) != v for n, v in content.items()):
        raise IdempotencyConflict(_("This idempotency key was already used for a different report."),
                                  fields={KEY_FIELD: [_("already used with another kind, date or amount")]})
    existing.guarantee = guarantee
    return existing


def _require_state(guarantee: Guarantee, *states: str, doing: str) -> None:
    if guarantee.state not in states:
        raise InvalidState(
            _("A guarantee whose state is %(state)s cannot be %(doing)s.")
            % {"state": guarantee.get_state_display(), "doing": doing})


def _set_guaranteed(program: GuaranteeProgram, guarantee: Guarantee, amount: Decimal) -> None:
    """The guarantee now stands behind ``amount``; the program's capacity in use moves by the difference (the
    caller holds both rows and saves the guarantee)."""
    change = amount - guarantee.guaranteed.amount
    if change:
        program.committed = Money(program.committed.amount + change, KRW)
        program.save(update_fields=["committed"])
    guarantee.guaranteed = Money(amount, KRW)


def _report_date(guarantee: Guarantee, on_date: date, today: date, field: str = "on_date") -> date:
    """A report's day: a money date (not in the future, within the back-dating window), never before the last
    balance reported. Raises ValidationFailed."""
    assert guarantee.balance_on is not None
    return check_money_date(on_date, field=field, today=today,
                            not_before=[Limit(guarantee.balance_on, _("the last balance reported"))])


def _record(actor: User, program: GuaranteeProgram, guarantee: Guarantee, action: AuditAction, *, kind: str,
            on_date: date, balance: Decimal, key: str, before: dict[str, Any], **changes: Any) -> GuaranteeBalance:
    """The loan's new ``balance`` from ``on_date``: the guarantee follows it (balance x ratio), its row and the
    program's written, the balance row recorded, the audit event written."""
    repaid = guarantee.balance.amount - balance if guarantee.state != State.APPROVED else ZERO
    for name, value in changes.items():
        setattr(guarantee, name, value)
    guarantee.balance, guarantee.balance_on = Money(balance, KRW), on_date
    _set_guaranteed(program, guarantee, guaranteed_share(balance, guarantee.ratio))
    guarantee.save()
    row = GuaranteeBalance.objects.create(guarantee=guarantee, kind=kind, on_date=on_date, balance=Money(balance, KRW),
                                          repaid=Money(repaid, KRW), reported_by=actor, idempotency_key=key)
    audit_record(actor=actor, action=action, obj=guarantee, before=before,
                 after={**snapshot(guarantee), "report": kind, "repaid": repaid,
                        "program_committed": program.committed.amount})
    return row


@transactional
def guarantee_execute(
    *,
    actor: User,
    guarantee_id: int,
    loan_amount: Any,
    loan_rate: Any,
    start_on: date,
    idempotency_key: str,
    today: date,
    bank_reference: str = "",
) -> tuple[GuaranteeBalance, bool]:
    """The bank lent (대출 실행): ``loan_amount`` (at most the amount approved) at ``loan_rate`` (0 to 20 %) from
    ``start_on`` (a money date), maturing ``term_months`` later. The guarantee becomes active, standing behind the
    loan x ratio (the program's capacity in use moves by the difference from the approved share); its interest is
    paid to ``start_on``; the loan's first balance is recorded. Returns the balance row (its ``guarantee``) and
    whether it is new (a replay gives the first). Raises NotFound, InvalidState, ValidationFailed,
    IdempotencyConflict, Forbidden."""
    ACCESS.require(actor, "guarantee.execute")
    key = check_key(idempotency_key)
    amount = won_input(loan_amount, "loan_amount")
    rate = decimal_input(loan_rate, "loan_rate", low=ZERO, high=MAX_RATE)
    reference = (bank_reference or "").strip()
    if len(reference) > MAX_REFERENCE:
        raise _fail("bank_reference", _("The bank's loan number is too long."),
                    _("at most %(max)s characters") % {"max": MAX_REFERENCE})
    program, guarantee = _bank_guarantee(actor, guarantee_id)
    replay = _replayed(guarantee, key, actor, Kind.EXECUTION, start_on, balance=amount, loan_rate=rate)
    if replay is not None:
        return replay, False
    _require_state(guarantee, State.APPROVED, doing=_("executed: only an approved guarantee is lent on"))
    approved = guarantee.approved_amount.amount
    if amount > approved:
        raise _fail("loan_amount", _("The loan is larger than the amount approved."),
                    _("at most the amount approved, %(amount)s") % {"amount": format_won(approved)})
    check_money_date(start_on, field="start_on", today=today)
    before = snapshot(guarantee)
    row = _record(actor, program, guarantee, GUARANTEE_EXECUTE, kind=Kind.EXECUTION, on_date=start_on,
                  balance=amount, key=key, before=before, state=State.ACTIVE, loan_amount=Money(amount, KRW),
                  loan_rate=rate, maturity_on=add_months(start_on, guarantee.term_months), start_on=start_on,
                  interest_paid_to=start_on, bank_reference=reference, executed_by=actor)
    # The first guarantee year's fee is billed upfront, the day the loan is made (보증료 선납).
    fee_bill_first_year(guarantee_id=guarantee.pk, actor=actor, today=today)
    return row, True


@transactional
def guarantee_report(
    *,
    actor: User,
    guarantee_id: int,
    on_date: date,
    idempotency_key: str,
    today: date,
    balance: Any = None,
    repaid: Any = None,
) -> tuple[GuaranteeBalance, bool]:
    """The bank reports the active loan's ``balance`` from ``on_date`` (잔액 보고), or that ``repaid`` of it was
    repaid that day (상환): one of the two. The balance never rises, and a day is never before the last balance
    reported. The guarantee follows: balance x ratio (the capacity in use moves by the difference); a balance of 0
    is a full repayment (state repaid). Returns the balance row and whether it is new. Raises NotFound,
    InvalidState, ValidationFailed, IdempotencyConflict, Forbidden."""
    ACCESS.require(actor, "guarantee.report")
    key = check_key(idempotency_key)
    if (balance is None) == (repaid is None):
        raise _fail("balance", _("Report either the loan's balance or the amount repaid."),
                    _("give exactly one of balance and repaid"))
    kind = Kind.REPORT if balance is not None else Kind.REPAYMENT
    value = (won_input(balance, "balance", allow_zero=True) if kind == Kind.REPORT else won_input(repaid, "repaid"))
    program, guarantee = _bank_guarantee(actor, guarantee_id)
    content = {"balance": value} if kind == Kind.REPORT else {"repaid": value}
    replay = _replayed(guarantee, key, actor, kind, on_date, **content)
    if replay is not None:
        return replay, False
    _require_state(guarantee, State.ACTIVE, doing=_("reported on: only an active guarantee's loan is"))
    current = guarantee.balance.amount
    if kind == Kind.REPORT and value > current:
        raise _fail("balance", _("A loan's balance never rises."),
                    _("at most the last balance reported, %(amount)s") % {"amount": format_won(current)})
    if kind == Kind.REPAYMENT and value > current:
        raise _fail("repaid", _("More than the loan's balance was reported repaid."),
                    _("at most the balance, %(amount)s") % {"amount": format_won(current)})
    _report_date(guarantee, on_date, today)
    new_balance = value if kind == Kind.REPORT else current - value
    before = snapshot(guarantee)
    if new_balance == 0:
        row = _record(actor, program, guarantee, GUARANTEE_REPAY, kind=kind, on_date=on_date, balance=ZERO, key=key,
                      before=before, state=State.REPAID, repaid_on=on_date, closed_on=on_date)
        # The unused days of the fee year are refunded to each payer in the same shares.
        fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=on_date, actor=actor, today=today)
        return row, True
    return _record(actor, program, guarantee, GUARANTEE_BALANCE, kind=kind, on_date=on_date, balance=new_balance,
                   key=key, before=before), True


@transactional
def guarantee_repay(*, actor: User, guarantee_id: int, on_date: date, idempotency_key: str,
                    today: date) -> tuple[GuaranteeBalance, bool]:
    """The bank reports the active loan repaid in full on ``on_date`` (완제, early or at maturity): balance 0, the
    guarantee repaid, standing behind nothing; its share of the capacity is released. Returns the balance row and
    whether it is new. Raises NotFound, InvalidState, ValidationFailed, IdempotencyConflict, Forbidden."""
    ACCESS.require(actor, "guarantee.repay")
    key = check_key(idempotency_key)
    program, guarantee = _bank_guarantee(actor, guarantee_id)
    replay = _replayed(guarantee, key, actor, Kind.PAID_OFF, on_date)
    if replay is not None:
        return replay, False
    _require_state(guarantee, State.ACTIVE, doing=_("repaid: only an active guarantee's loan is"))
    _report_date(guarantee, on_date, today)
    row = _record(actor, program, guarantee, GUARANTEE_REPAY, kind=Kind.PAID_OFF, on_date=on_date, balance=ZERO,
                  key=key, before=snapshot(guarantee), state=State.REPAID, repaid_on=on_date, closed_on=on_date)
    # The unused days of the fee year are refunded to each payer in the same shares.
    fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=on_date, actor=actor, today=today)
    return row, True


@transactional
def guarantee_default(
    *,
    actor: User,
    guarantee_id: int,
    on_date: date,
    balance: Any,
    interest_paid_to: date,
    idempotency_key: str,
    today: date,
) -> tuple[GuaranteeBalance, bool]:
    """The bank reports the active loan in default (사고) on ``on_date``, with its ``balance`` then (above 0, never
    above the last reported) and the day its interest was paid to (from the last such day to ``on_date``). The
    guarantee is defaulted and stands behind that balance x ratio until the claim is paid. Returns the balance row
    and whether it is new. Raises NotFound, InvalidState, ValidationFailed, IdempotencyConflict, Forbidden."""
    ACCESS.require(actor, "guarantee.default")
    key = check_key(idempotency_key)
    value = won_input(balance, "balance")
    program, guarantee = _bank_guarantee(actor, guarantee_id)
    replay = _replayed(guarantee, key, actor, Kind.DEFAULT, on_date, balance=value,
                       interest_paid_to=interest_paid_to)
    if replay is not None:
        return replay, False
    _require_state(guarantee, State.ACTIVE, doing=_("defaulted: only an active guarantee's loan can be"))
    current = guarantee.balance.amount
    if value > current:
        raise _fail("balance", _("A loan's balance never rises."),
                    _("at most the last balance reported, %(amount)s") % {"amount": format_won(current)})
    _report_date(guarantee, on_date, today)
    assert guarantee.interest_paid_to is not None
    if interest_paid_to < guarantee.interest_paid_to or interest_paid_to > on_date:
        raise _fail("interest_paid_to", _("The day interest was paid to is out of range."),
                    _("from %(first)s to the day of default, %(last)s")
                    % {"first": guarantee.interest_paid_to.isoformat(), "last": on_date.isoformat()})
    return _record(actor, program, guarantee, GUARANTEE_DEFAULT, kind=Kind.DEFAULT, on_date=on_date, balance=value,
                   key=key, before=snapshot(guarantee), state=State.DEFAULTED, defaulted_on=on_date,
                   interest_paid_to=interest_paid_to), True


@transactional
def guarantee_cancel(*, actor: User, guarantee_id: int, reason: str, today: date) -> Guarantee:
    """A manager cancels an approved guarantee the bank never lent on, with a reason: it stands behind nothing and
    its share of the program's capacity is released. Cancelling is a state move, not a report: a second call is a
    409. Raises NotFound, InvalidState, ValidationFailed, Forbidden."""
    reason = require_reason(reason)
    ACCESS.require(actor, "guarantee.cancel")
    program, guarantee = _locked(guarantee_id)
    _require_state(guarantee, State.APPROVED, doing=_("cancelled: only an approved guarantee not lent on can be"))
    before = snapshot(guarantee)
    _set_guaranteed(program, guarantee, ZERO)
    guarantee.state, guarantee.closed_on = State.CANCELLED, today
    guarantee.save()
    audit_record(actor=actor, action=GUARANTEE_CANCEL, obj=guarantee, before=before, reason=reason,
                 after={**snapshot(guarantee), "program_committed": program.committed.amount})
    return guarantee
