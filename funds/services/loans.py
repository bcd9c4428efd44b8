"""Loans: disbursement (대출 실행) with its schedule, bringing a loan up to a day (its close of business, inline),
and what paying it off on a day would take."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import check_money_date
from core.db import transactional
from core.engines import loans as engine
from core.engines.schedules import build_schedule
from core.errors import InvalidState, NotFound, ValidationFailed
from core.money import KRW, format_won, won_input
from enterprises.models import User
from ledger.services import credit, debit, journal_post

from .. import accounts as chart
from .. import delinquency
from ..access import ACCESS
from ..actions import LOAN_DISBURSE
from ..locks import lock_loan
from ..models import BusinessDay, Installment, Loan, LoanTransaction
from . import postings, state
from .funds import opening_limit
from .products import product_terms

ONE_DAY = timedelta(days=1)
QUOTE_HORIZON = timedelta(days=366)


def last_closed_day() -> date | None:
    """The last business day whose close of business has run (``BusinessDay``), if any."""
    return BusinessDay.objects.order_by("-date").values_list("date", flat=True).first()


def bring_to(loaded: state.Loaded, through: date, *, actor: Any = None,
             table: list[delinquency.Rule] | None = None) -> list[engine.DayClose]:
    """Close the loan's days up to ``through``: the engine's close of each day, its journals posted (one per
    calendar month), its new state applied to the rows in memory (``state.flush`` writes them)."""
    new, days = engine.close_through(state.terms(loaded.loan), loaded.state, through,
                                     table if table is not None else delinquency.rules())
    if days:
        postings.post_closes([(loaded.loan, span) for span in engine.by_month(days)], actor)
        state.apply(loaded, new)
    return days


def catch_up(loaded: state.Loaded, *, actor: Any = None, table: list[delinquency.Rule] | None = None,
             last_closed: date | None = None) -> bool:
    """Bring an active loan that lags behind the closed business days up to the last of them (``last_closed``, if
    the caller has read it), in the caller's transaction and under its lock of the loan (Fineract's inline close
    of business): a loan disbursed on a day already closed, say, has its interest due, default interest, days past
    due and class right at once, not after the next night. Every write on a loan calls it first. Returns whether
    anything was closed (applied in memory: the caller flushes)."""
    if loaded.loan.state != Loan.State.ACTIVE:
        return False
    last = last_closed or last_closed_day()
    if last is None or loaded.state.closed_through >= last:
        return False
    return bool(bring_to(loaded, last, actor=actor, table=table))


def check_open(loan: Loan, on: date, field_name: str, *, last_closed: date | None = None) -> None:
    """``on`` must be after the loan's closed days (and after ``last_closed``, the last business day closed, which
    the loan is about to be brought up to). Raises InvalidState, ValidationFailed."""
    if loan.state != Loan.State.ACTIVE:
        raise InvalidState(
            _("This loan is %(state)s; only an active loan takes repayments.") % {"state": loan.get_state_display()}
        )
    last = max(state.last_day_closed(loan), last_closed or date.min)
    if on <= last:
        raise ValidationFailed(
            _("%(date)s is in a closed period: this loan is closed through %(last)s.")
            % {"date": on.isoformat(), "last": last.isoformat()},
            fields={field_name: [_("must be after %(last)s") % {"last": last.isoformat()}]},
        )


@transactional
def loan_disburse(*, actor: User, loan_id: int, on_date: date, today: date, secured_amount: Any = None) -> Loan:
    """Pay out an approved loan from its fund's cash on ``on_date`` (not in the future, not before the fund was
    opened, within the back-dating window) and fix its schedule from that day. A loan disbursed on a day whose close
    of business has run is brought up to the last closed day at once (interest due, default interest, days past
    due, class), as the nightly close would have. Raises NotFound, InvalidState, InsufficientFunds,
    ValidationFailed."""
    ACCESS.require(actor, "loan.disburse")
    loan = lock_loan(loan_id)
    if loan.state != Loan.State.APPROVED:
        raise InvalidState(
            _("Only an approved loan can be disbursed; this loan's state is %(state)s.")
            % {"state": loan.get_state_display()}
        )
    check_money_date(on_date, field="disbursed_on", today=today, not_before=[opening_limit(loan.fund)])
    before = snapshot(loan)
    amount = loan.principal.amount
    if secured_amount is not None:
        secured = won_input(secured_amount, "secured_amount")
        if secured > amount:
            raise ValidationFailed(
                _("The secured part cannot exceed the principal."),
                fields={
                    "secured_amount": [_("at most the principal, %(amount)s") % {"amount": format_won(amount)}]
                },
            )
        loan.secured_amount = Money(secured, KRW)
    posted = journal_post(
        lines=[debit(loan.principal_account_id, amount), credit(chart.account_id(loan.fund.book, chart.CASH), amount)],
        kind="loan.disbursement",
        effective_date=on_date,
        idempotency_key=f"loan:{loan.pk}:disbursement",
        actor=actor,
        memo=f"대출 실행 {loan.enterprise.name}",
    )
    schedule = build_schedule(product_terms(loan, principal=amount, disbursed_on=on_date))
    rows = Installment.objects.bulk_create(
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
    loan.closed_through = on_date - ONE_DAY
    LoanTransaction.objects.create(
        loan=loan, journal=posted.journal, kind=LoanTransaction.Kind.DISBURSEMENT, value_date=on_date,
        amount=Money(amount, KRW), principal_change=amount,
    )
    loaded = state.loaded(loan, [(row.pk, state.plain(row)) for row in rows], Decimal(0))
    catch_up(loaded, actor=actor)
    state.flush(loaded, also=("state", "disbursed_on", "maturity_on", "closed_through", "secured_amount"))
    audit_record(actor=actor, action=LOAN_DISBURSE, obj=loan, before=before, after=snapshot(loan))
    return loan


def payoff_quote(*, loan_id: int, on: date, today: date) -> engine.Position:
    """What paying the loan off on ``on`` takes (at most a year after today or after maturity, whichever is later):
    the close of business up to the day before computed (not written), interest falling due by ``on`` counted.
    Changes nothing. Raises NotFound, InvalidState, ValidationFailed."""
    loan = Loan.objects.select_related("fund__book").filter(pk=loan_id).first()
    if loan is None:
        raise NotFound(_("No such loan."))
    check_open(loan, on, "on")
    latest = max(today, loan.maturity_on or loan.disbursed_on or on) + QUOTE_HORIZON
    if on > latest:
        raise ValidationFailed(
            _("A payoff can be quoted at most a year after today or after maturity, whichever is later (%(date)s).")
            % {"date": latest.isoformat()},
            fields={"on": [_("must be on or before %(date)s") % {"date": latest.isoformat()}]},
        )
    loaded = state.load(loan)
    return engine.quote(state.terms(loan), loaded.state, on, delinquency.rules())
