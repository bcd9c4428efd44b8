"""Recoveries (상각채권 회수): money recovered on a written-off loan, posted as income, at most what was written off."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import Limit, check_money_date
from core.db import transactional
from core.errors import InvalidState, LimitExceeded
from core.inputs import check_key, digest
from core.money import KRW, format_won, won_input
from enterprises.models import User
from ledger.services import credit, debit

from .. import accounts as chart
from ..access import ACCESS
from ..actions import LOAN_RECOVERY
from ..locks import lock_loan
from ..models import Loan, LoanTransaction, Recovery, WriteOff
from . import postings
from .common import check_replay


@transactional
def recovery_record(*, actor: User, loan_id: int, amount: Any, idempotency_key: str, today: date,
                    received_on: date | None = None, memo: str = "") -> tuple[Recovery, bool]:
    """Money recovered on a written-off loan on ``received_on`` (default today; not in the future, not before the
    write-off, within the back-dating window), posted as income; at most what was written off, in total. Returns
    the recovery and whether it is new (the same caller, key and content give the first one back). Raises
    Forbidden, NotFound, InvalidState, ValidationFailed, LimitExceeded, IdempotencyConflict."""
    ACCESS.require(actor, "recovery.record")
    key = check_key(idempotency_key)
    value = won_input(amount, "amount")
    on = check_money_date(received_on or today, field="received_on", today=today)
    loan = lock_loan(loan_id)
    existing = Recovery.objects.filter(loan=loan, idempotency_key=key).first()
    if existing is not None:
        check_replay(existing, actor, value, received_on, "received_on")
        return existing, False
    if loan.state != Loan.State.WRITTEN_OFF:
        raise InvalidState(_("Recoveries are recorded only on a written-off loan."))
    write_off = WriteOff.objects.get(loan=loan, state=WriteOff.State.APPROVED)
    assert loan.written_off_on is not None
    check_money_date(on, field="received_on", today=today,
                     not_before=[Limit(loan.written_off_on, _("the day the loan was written off"))])
    recovered = sum(Recovery.objects.filter(loan=loan).values_list("amount", flat=True), Decimal(0))
    left = write_off.total.amount - recovered
    if value > left:
        raise LimitExceeded(
            _("Only %(left)s of the amount written off is still unrecovered.") % {"left": format_won(left)},
            fields={"amount": [_("at most %(left)s") % {"left": format_won(left)}]},
        )
    book = loan.fund.book
    moves = postings.Moves([debit(chart.account_id(book, chart.CASH), value),
                            credit(chart.account_id(book, chart.RECOVERY_INCOME), value)], amount=value)
    journal = postings.post(loan, moves, kind=LoanTransaction.Kind.RECOVERY, value_date=on,
                            key=f"loan:{loan.pk}:recovery:{digest(key)}", actor=actor,
                            memo=memo or f"상각채권 회수 {loan.enterprise.name}")
    recovery = Recovery.objects.create(loan=loan, idempotency_key=key, amount=Money(value, KRW), received_on=on,
                                       memo=memo, journal=journal, created_by=actor)
    audit_record(actor=actor, action=LOAN_RECOVERY, obj=recovery,
                 after=snapshot(recovery, ["loan", "amount", "received_on", "journal"]))
    return recovery, True
