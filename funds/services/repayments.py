"""Repayments (상환) and their reversal.

A repayment's value date must be in the loan's open period (after its closed days, and after the last business day
closed, which the loan is first brought up to); the loan is closed up to the day before, then the engine spends the
money in ``core.engines.loans.REPAYMENT_ORDER``: default interest, overdue interest, overdue principal, interest
and principal due that day, interest accrued in the current period (경과이자), then principal not yet due (the
product says whether that shortens the term or lowers the later installments). Paying exactly the payoff closes
the loan; more is refused with the payoff amount.

A reversal (a bounced transfer) is allowed for the latest repayment not yet reversed: the close-of-business
journals posted since its value date are reversed, the repayment's journal is reversed, the loan and installments
are restored as they were before it, and the days since are closed again, so default interest and days past due
come out exactly as if the money had never arrived.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import check_money_date
from core.db import transactional
from core.engines import loans as engine
from core.errors import Forbidden, InvalidState, LimitExceeded, NotFound
from core.inputs import check_key, digest, require_reason
from core.money import KRW, format_won, won_input
from enterprises.models import User
from enterprises.roles import is_member
from ledger.models import Journal
from ledger.services import deferred_counters, journal_reverse

from .. import accounts as chart
from .. import delinquency
from ..access import ACCESS
from ..actions import LOAN_REPAYMENT, LOAN_REPAYMENT_REVERSE
from ..locks import lock_loan, lock_repayment
from ..models import Loan, LoanTransaction, Repayment
from ..signals import repayment_made
from . import postings, state
from .common import check_replay, is_manager
from .loans import bring_to, check_open, last_closed_day

ONE_DAY = timedelta(days=1)
Txn = LoanTransaction.Kind
CLAIMS = [claim.name for claim in engine.REPAYMENT_ORDER]  # the repayment's fields of what it paid, in order
AUDITED = ["loan", "amount", "value_date", "journal", *CLAIMS, "paid_off"]


@transactional
def repayment_make(*, actor: User, loan_id: int, amount: Any, idempotency_key: str, today: date,
                   value_date: date | None = None) -> tuple[Repayment, bool]:
    """A member of the borrowing enterprise (value date today) or a manager (a value date in the open period, within
    the back-dating window) pays ``amount``. Returns the repayment and whether it was new (the same key and content
    replays it). Raises Forbidden, NotFound, InvalidState, ValidationFailed, LimitExceeded, IdempotencyConflict."""
    ACCESS.require(actor, "repayment.make")
    key = check_key(idempotency_key)
    value = won_input(amount, "amount")
    manager = is_manager(actor)
    if value_date is not None and value_date != today and not manager:
        raise Forbidden(
            _("Only a fund manager may give a value date other than today."),
            fields={"value_date": [_("only a fund manager may set it")]},
        )
    if value_date is not None:
        check_money_date(value_date, field="value_date", today=today)
    loan = lock_loan(loan_id, cash=False, last_closed=True, shared_accounts=True)
    if not manager and not is_member(actor, loan.enterprise_id):
        raise NotFound(_("No such loan."))
    existing = Repayment.objects.filter(loan=loan, idempotency_key=key).first()
    if existing is not None:
        check_replay(existing, actor, value, value_date, "value_date")
        return existing, False
    with deferred_counters(chart.shared_accounts(loan.fund)):
        repayment = _repay(actor, loan, value, value_date or today, key)
    audit_record(actor=actor, action=LOAN_REPAYMENT, obj=repayment, after=snapshot(repayment, AUDITED))
    repayment_made.send(sender=Repayment, actor=actor, repayment=repayment)
    return repayment, True


def _repay(actor: User, loan: Loan, value: Any, on: date, key: str) -> Repayment:
    """The body of ``repayment_make``, under the loan's lock, with the fund's shared accounts deferred."""
    check_open(loan, on, "value_date", last_closed=loan.last_closed_day)  # type: ignore[attr-defined]
    table = delinquency.rules()
    loaded = state.load(loan, lock_accounts=True)
    if bring_to(loaded, on - ONE_DAY, actor=actor, table=table):
        loaded.accounts = state.lock_receivables(loan)  # moved by the close's journals: read them again
    before = state.snapshot(loaded)
    try:
        repaid = engine.repay(state.terms(loan), loaded.state, on, value, table)
    except engine.ExceedsPayoff as exc:
        payoff = format_won(exc.payoff)
        raise LimitExceeded(
            _("%(amount)s is more than the payoff on %(date)s, which is %(payoff)s.")
            % {"amount": format_won(value), "date": on.isoformat(), "payoff": payoff},
            fields={"amount": [_("at most the payoff, %(payoff)s") % {"payoff": payoff}]},
        ) from None
    # The journal's key comes from the repayment's, found unused under the loan's lock; the loan is closed through
    # the day before ``on``, so none of its accounts has an entry dated later.
    journal = postings.post(loan, postings.repayment_moves(loan, repaid), kind=Txn.REPAYMENT, value_date=on,
                            key=f"loan:{loan.pk}:repayment:{digest(key)}", actor=actor,
                            memo=f"상환 {loan.enterprise.name}", locked=loaded.accounts, key_is_new=True,
                            nothing_later=True)
    state.apply(loaded, repaid.state)
    state.flush(loaded)
    # The receivables as the journal left them (locked, moved in memory and written): the loan's balances now.
    loan.principal_account = loaded.accounts[loan.principal_account_id]
    loan.interest_account = loaded.accounts[loan.interest_account_id]
    loan.default_interest_account = loaded.accounts[loan.default_interest_account_id]
    return Repayment.objects.create(
        loan=loan, idempotency_key=key, amount=Money(value, KRW), value_date=on, journal=journal,
        **{name: Money(repaid.paid[name], KRW) for name in CLAIMS},
        paid_off=loan.state == Loan.State.PAID_OFF, before=before, created_by=actor,
    )


@transactional
def repayment_reverse(*, actor: User, repayment_id: int, reason: str) -> Repayment:
    """A manager reverses a repayment that did not arrive (a bounced transfer). Only the loan's latest repayment
    not yet reversed can be: a later one was allocated on top of it. Raises Forbidden, NotFound, InvalidState,
    ValidationFailed."""
    ACCESS.require(actor, "repayment.reverse")
    reason = require_reason(reason)
    repayment, loan = lock_repayment(repayment_id)
    if repayment.reversed_at is not None:
        raise InvalidState(_("This repayment was already reversed."))
    if loan.state == Loan.State.WRITTEN_OFF:
        raise InvalidState(_("The loan has been written off; its repayments can no longer be reversed."))
    later = (Repayment.objects.filter(loan=loan, reversed_at__isnull=True, pk__gt=repayment.pk)
             .order_by("value_date", "id").first())
    if later is not None:
        raise InvalidState(
            _("Repayment R%(later)s came after this one; reverse it first.") % {"later": later.pk}
        )
    closed_before = loan.closed_through
    assert closed_before is not None
    on = repayment.value_date
    undo = LoanTransaction.objects.filter(
        loan=loan, kind=Txn.CLOSE_OF_BUSINESS, reversed=False, value_date__gte=on
    ).order_by("-value_date", "-id")
    for txn in undo:
        _reverse_transaction(txn, Txn.CLOSE_REVERSAL, actor, reason)
    journal = _reverse_transaction(LoanTransaction.objects.get(journal=repayment.journal), Txn.REPAYMENT_REVERSAL,
                                   actor, reason)
    state.restore(loan, repayment.before)
    loan.revision += 1
    loan.save(update_fields=[*state.LOAN_STATE_FIELDS, "revision"])
    # Close again the days closed since (for this loan, or for all loans while it was paid off by it).
    loaded = state.load(loan)
    bring_to(loaded, max(closed_before, last_closed_day() or closed_before), actor=actor)
    state.flush(loaded)
    repayment.reversed_at = timezone.now()
    repayment.reversed_by = actor
    repayment.reversal_reason = reason
    repayment.reversal_journal = journal
    repayment.save(update_fields=["reversed_at", "reversed_by", "reversal_reason", "reversal_journal"])
    audit_record(actor=actor, action=LOAN_REPAYMENT_REVERSE, obj=repayment, reason=reason,
                 after=snapshot(repayment, ["loan", "amount", "value_date", "reversal_journal"]))
    return repayment


def _reverse_transaction(txn: LoanTransaction, kind: str, actor: Any, reason: str) -> Journal:
    journal = journal_reverse(journal_id=txn.journal_id, effective_date=txn.value_date, reason=reason,
                              actor=actor).journal
    LoanTransaction.objects.create(
        loan=txn.loan, journal=journal, kind=kind, value_date=txn.value_date, amount=txn.amount,
        principal_change=-txn.principal_change, interest_change=-txn.interest_change,
        default_interest_change=-txn.default_interest_change, reversed=True,
    )
    txn.reversed = True
    txn.save(update_fields=["reversed"])
    return journal
