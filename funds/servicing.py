"""Loan servicing: repayments and their allocation, payoff, reversal of a repayment, close of business for one
loan, write-off and recovery. Each write is one transaction holding the loan's row lock.

How a loan's money sits in the fund's book (accrual basis):

- 대출채권 ``loan:…:principal``: debited at disbursement, credited by principal repaid (or written off).
- 미수이자 ``loan:…:interest``: an installment's interest is *recognised* (debit, credit interest income) when it
  falls due at close of business, or earlier when it is paid early (interest accrued in the current period, paid
  with a prepayment or a payoff); credited when paid. So its balance is always the sum over the installments of
  interest recognised minus interest paid, and the principal account's balance the sum of principal due minus paid.
- 미수연체이자 ``loan:…:default-interest``: accrued daily at close of business on overdue principal at the default
  rate, min(contract rate + spread, cap), actual/365; the part of a won is carried to the next day.

Days of a loan are closed in order; ``Loan.closed_through`` is the last one. A repayment's value date must be in the
open period (after ``closed_through``); before allocating it, the loan is brought up to the day before, so default
interest up to then is on the books. The allocation order is the issue's: default interest, overdue interest,
overdue principal, interest due on the value date, principal due on it, then prepayment: first the interest
accrued in the current period (경과이자), then future principal (the product says whether that shortens the term or
lowers the later installments). Paying exactly the payoff closes the loan; more is refused with the payoff amount.

A reversal (a bounced transfer) is allowed for the latest repayment not yet reversed: the close-of-business
journals posted since its value date are reversed, the repayment's journal is reversed, the loan and installments
are restored as they were before it, and the days since are closed again, so default interest and days past due
come out exactly as if the money had never arrived.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot, to_jsonable
from core.dates import Limit, check_money_date
from core.db import transactional, update_rows
from core.errors import (
    Forbidden,
    IdempotencyConflict,
    InvalidState,
    LimitExceeded,
    NotFound,
    ValidationFailed,
)
from core.money import KRW, MoneyError, format_won, to_won
from enterprises.models import User
from enterprises.roles import Role, has_role
from ledger.models import Account, Journal
from ledger.services import (
    JournalSpec,
    Line,
    credit,
    debit,
    deferred_counters,
    journal_post,
    journal_post_many,
    journal_reverse,
)

from . import accounts as chart
from . import delinquency
from .actions import (
    LOAN_RECOVERY,
    LOAN_REPAYMENT,
    LOAN_REPAYMENT_REVERSE,
    LOAN_WRITE_OFF_APPROVE,
    LOAN_WRITE_OFF_REJECT,
    LOAN_WRITE_OFF_REQUEST,
)
from .models import (
    BusinessDay,
    Installment,
    Loan,
    LoanTransaction,
    PrepaymentPolicy,
    Recovery,
    Repayment,
    WriteOff,
)
from .schedules import DayCount, Method, Rounding, amortize, period_interest
from .signals import repayment_made

ZERO = Decimal(0)
ONE_DAY = timedelta(days=1)
DAYS_IN_YEAR = Decimal(365)
QUOTE_HORIZON = timedelta(days=366)
MAX_KEY = 200  # a client's idempotency key; journal keys use its SHA-256, to stay within 200 characters
Txn = LoanTransaction.Kind

LOAN_STATE_FIELDS = [
    "state", "closed_through", "accelerated_on", "days_past_due", "asset_class", "default_interest_carry",
    "paid_off_on", "maturity_on",
]
INSTALLMENT_FIELDS = [
    "number", "due_on", "period_start", "principal_due", "interest_due", "principal_paid", "interest_paid",
    "interest_recognized", "accrual_start", "interest_fixed",
]
MONEY_FIELDS = {"principal_due", "interest_due", "principal_paid", "interest_paid", "interest_recognized",
                "interest_fixed"}


def _w(money: Money) -> Decimal:
    return Decimal(money.amount)


def _m(amount: Decimal) -> Money:
    return Money(amount, KRW)


def _rounding(loan: Loan) -> Rounding:
    return Rounding(loan.rounding_unit, loan.rounding_mode)


def _won(value: Any, field_name: str) -> Decimal:
    try:
        return to_won(value)
    except MoneyError as exc:
        raise ValidationFailed(
            _("Bad amount for %(field)s: %(reason)s.") % {"field": field_name, "reason": exc},
            fields={field_name: [str(exc)]},
        ) from None


def _check_key(key: str, key_field: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY:
        raise ValidationFailed(
            _("An idempotency key of 1 to %(max)s characters is required.") % {"max": MAX_KEY},
            fields={key_field: [_("1 to %(max)s characters") % {"max": MAX_KEY}]},
        )
    return key


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _is_manager(actor: Any) -> bool:
    return has_role(actor, Role.FUND_MANAGER, Role.ADMIN)


def _require_manager(actor: Any) -> None:
    if not _is_manager(actor):
        raise Forbidden(_("Only a fund manager may do this."))


def lock_loan(loan_id: int, *, cash: bool = True) -> Loan:
    """Lock the loan's row, then (with ``cash``) its fund's cash account, in that order, for any write on the loan.

    Every servicing write takes these two locks first. Its journals then lock further accounts (the loan's own,
    which the loan's lock already guards, and the fund's income accounts); since every transaction that reaches
    those shared accounts already holds the fund's cash, no two can wait on each other in a circle, however many
    journals each posts. A repayment is the exception (``cash=False``): it only adds to the shared accounts, so it
    moves them at its end, cash first (``ledger.services.deferred_counters``), and holds their locks only for the
    moments before its commit. Only the loan's own row is locked, not its fund or book (``of``): a journal insert
    takes a key-share lock on its book, which a FOR UPDATE of the book would block. The locks are FOR NO KEY
    UPDATE, which the foreign-key checks of rows referring to the loan or the cash account (a statement of the
    loan, an audit event, another repayment's entries, taken at their commit) do not wait for."""
    loan = (
        Loan.objects.select_for_update(of=("self",), no_key=True)
        .select_related("fund__book", "enterprise")
        .filter(pk=loan_id).first()
    )  # not its accounts: after waiting for the lock, PostgreSQL would give their rows as they were before the wait
    if loan is None:
        raise NotFound(_("No such loan."))
    if cash:
        list(Account.objects.select_for_update(no_key=True).filter(book_id=loan.fund.book_id, code=chart.CASH))
    return loan


SAVED_FIELDS = ["principal_due", "interest_due", "principal_paid", "interest_paid", "interest_recognized",
                "accrual_start", "interest_fixed"]


def _state(inst: Installment) -> tuple[Any, ...]:
    return tuple(getattr(inst, name) for name in SAVED_FIELDS)


def installments_of(loan: Loan) -> list[Installment]:
    """The loan's installments, each remembering its values as loaded, so that only changed rows are written."""
    return installments_by_loan([loan.pk])[loan.pk]


def installments_by_loan(loan_ids: list[int]) -> dict[int, list[Installment]]:
    by_loan: dict[int, list[Installment]] = {pk: [] for pk in loan_ids}
    for inst in Installment.objects.filter(loan_id__in=loan_ids).order_by("loan_id", "number"):
        inst._loaded = _state(inst)  # type: ignore[attr-defined]
        by_loan[inst.loan_id].append(inst)
    return by_loan


def changed_installments(insts: list[Installment]) -> list[Installment]:
    return [i for i in insts if getattr(i, "_loaded", None) != _state(i)]


def _unpaid_principal(inst: Installment) -> Decimal:
    return _w(inst.principal_due) - _w(inst.principal_paid)


def _unpaid_interest(inst: Installment) -> Decimal:
    return _w(inst.interest_due) - _w(inst.interest_paid)


def _settled(inst: Installment) -> bool:
    return _unpaid_principal(inst) == 0 and _unpaid_interest(inst) == 0


def _add(inst: Installment, name: str, amount: Decimal) -> None:
    setattr(inst, name, _m(_w(getattr(inst, name)) + amount))


def _last_day_closed(loan: Loan) -> date:
    assert loan.disbursed_on is not None
    return loan.closed_through or loan.disbursed_on - ONE_DAY


# --- postings ---------------------------------------------------------------------------------------------------


@dataclass
class Posting:
    """The lines of one journal on a loan, and what they do to its three receivables."""

    loan: Loan
    lines: list[Line] = field(default_factory=list)
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    default_interest: Decimal = ZERO
    amount: Decimal = ZERO  # cash received, or interest accrued

    def recognise(self, amount: Decimal) -> None:
        if amount > 0:
            book = self.loan.fund.book
            self.lines += [debit(self.loan.interest_account_id, amount),
                           credit(chart.account_id(book, chart.INTEREST_INCOME), amount)]
            self.interest += amount

    def accrue_default(self, amount: Decimal) -> None:
        if amount > 0:
            book = self.loan.fund.book
            self.lines += [debit(self.loan.default_interest_account_id, amount),
                           credit(chart.account_id(book, chart.DEFAULT_INTEREST_INCOME), amount)]
            self.default_interest += amount
            self.amount += amount

    def receive(self, *, principal: Decimal, interest: Decimal, default_interest: Decimal) -> None:
        total = principal + interest + default_interest
        self.lines.append(debit(chart.account_id(self.loan.fund.book, chart.CASH), total))
        for account_id, amount in ((self.loan.principal_account_id, principal),
                                   (self.loan.interest_account_id, interest),
                                   (self.loan.default_interest_account_id, default_interest)):
            if amount > 0:
                self.lines.append(credit(account_id, amount))
        self.principal -= principal
        self.interest -= interest
        self.default_interest -= default_interest
        self.amount += total


def _post(posting: Posting, *, kind: str, value_date: date, key: str, actor: Any, memo: str) -> Journal | None:
    if not posting.lines:
        return None
    journal = journal_post(
        lines=posting.lines, kind=f"loan.{kind}", effective_date=value_date, idempotency_key=key, actor=actor,
        memo=memo,
    ).journal
    LoanTransaction.objects.create(
        loan=posting.loan, journal=journal, kind=kind, value_date=value_date, amount=_m(posting.amount),
        principal_change=posting.principal, interest_change=posting.interest,
        default_interest_change=posting.default_interest,
    )
    return journal


# --- the current period's accrued interest ----------------------------------------------------------------------


def accrued_to(inst: Installment, on: date, rounding: Rounding) -> Decimal:
    """The interest of ``inst``'s period accrued before ``on`` (days from its start up to ``on``, not counting
    ``on``), in proportion to the days of the period; what was fixed by an earlier prepayment counts in full."""
    start = inst.accrual_start or inst.period_start
    fixed = _w(inst.interest_fixed)
    if on <= start:
        return fixed
    if on >= inst.due_on:
        return _w(inst.interest_due)
    variable = _w(inst.interest_due) - fixed
    share = rounding(variable * (on - start).days / (inst.due_on - start).days)
    return min(fixed + share, _w(inst.interest_due))


# --- one day of one loan ----------------------------------------------------------------------------------------


def _recognise_due(loan: Loan, insts: list[Installment], through: date, posting: Posting) -> None:
    for inst in insts:
        if inst.due_on > through:
            break
        missing = _w(inst.interest_due) - _w(inst.interest_recognized)
        if missing > 0:
            posting.recognise(missing)
            inst.interest_recognized = inst.interest_due


def _missed_twice(insts: list[Installment], through: date) -> bool:
    """Two consecutive installments due by ``through`` and not paid in full (분할상환금 2회 연속 지체)."""
    previous_missed: int | None = None  # the number of the last missed installment
    for inst in insts:
        if inst.due_on > through:
            return False
        if not _settled(inst):
            if previous_missed is not None and inst.number == previous_missed + 1:
                return True
            previous_missed = inst.number
    return False


def _accelerate(loan: Loan, insts: list[Installment], day: date, posting: Posting) -> None:
    """기한이익상실 at the close of ``day``: every installment falls due; contract interest stops after ``day``
    (the current period's interest is cut to what accrued through ``day``), default interest runs on it all."""
    future = [i for i in insts if i.due_on > day]
    if not future:
        return
    loan.accelerated_on = day
    rounding = _rounding(loan)
    current = future[0]
    accrued = accrued_to(current, day + ONE_DAY, rounding)
    current.interest_due = _m(max(accrued, _w(current.interest_paid)))
    for inst in future[1:]:
        inst.interest_due = inst.interest_paid
    for inst in future:
        missing = _w(inst.interest_due) - _w(inst.interest_recognized)
        if missing > 0:
            posting.recognise(missing)
            inst.interest_recognized = inst.interest_due
        inst.interest_fixed = _m(min(_w(inst.interest_fixed), _w(inst.interest_due)))


def _overdue_principal(loan: Loan, insts: list[Installment], through: date) -> Decimal:
    """Principal due by ``through`` and unpaid (all of it once the loan is accelerated)."""
    accelerated = loan.accelerated_on is not None and loan.accelerated_on <= through
    return sum((_unpaid_principal(i) for i in insts if accelerated or i.due_on <= through), ZERO)


def _days_past_due(insts: list[Installment], through: date) -> int:
    """At the close of ``through``: the days the oldest installment not paid in full has been late, its due date
    counting as the first (an installment unpaid at the close of its due date is 1 day past due)."""
    for inst in insts:
        if inst.due_on > through:
            return 0
        if not _settled(inst):
            return (through - inst.due_on).days + 1
    return 0


def _classify(loan: Loan, insts: list[Installment], table: list[delinquency.Rule]) -> None:
    outstanding = sum((_unpaid_principal(i) for i in insts), ZERO)
    loan.asset_class = delinquency.loan_class(loan.days_past_due, outstanding, _w(loan.secured_amount), table)


def close_day(loan: Loan, insts: list[Installment], day: date, table: list[delinquency.Rule]) -> Posting:
    """Apply the close of ``day`` to the loan in memory: interest falling due, acceleration, the day's default
    interest, days past due and asset class. Returns the posting (not yet written)."""
    posting = Posting(loan)
    _recognise_due(loan, insts, day, posting)
    if loan.accelerated_on is None and _missed_twice(insts, day):
        _accelerate(loan, insts, day, posting)
    overdue = _overdue_principal(loan, insts, day)
    if overdue > 0:
        exact = overdue * loan.default_rate / DAYS_IN_YEAR + loan.default_interest_carry
        whole = exact.to_integral_value(rounding=ROUND_DOWN)
        posting.accrue_default(whole)
        loan.default_interest_carry = (exact - whole).quantize(Decimal("0.000001"), rounding=ROUND_DOWN)
    loan.days_past_due = _days_past_due(insts, day)
    _classify(loan, insts, table)
    loan.closed_through = day
    return posting


@dataclass
class CloseJournal:
    """What the close of a run of days (within one calendar month) posts for one loan: one journal."""

    loan: Loan
    posting: Posting
    first: date
    last: date

    def spec(self) -> JournalSpec:
        span = self.last.isoformat() if self.first == self.last else f"{self.first.isoformat()}~{self.last.isoformat()}"
        return JournalSpec(lines=self.posting.lines, kind=f"loan.{Txn.CLOSE_OF_BUSINESS}", effective_date=self.last,
                           idempotency_key=f"loan:{self.loan.pk}:cob:{span}:r{self.loan.revision}",
                           memo=f"일마감 {span}")


def close_span(loan: Loan, insts: list[Installment], through: date,
               table: list[delinquency.Rule]) -> tuple[list[Posting], list[CloseJournal]]:
    """Close the loan's days after ``closed_through`` up to ``through`` in memory, each day on its own (so the result
    is the same however days are grouped). Returns each day's posting, and the journals to write: what the days
    post, one journal per calendar month of the span, dated its last day (nightly, one a day)."""
    postings: list[Posting] = []
    journals: list[CloseJournal] = []
    month: list[tuple[date, Posting]] = []

    def flush() -> None:
        if any(p.lines for _day, p in month):
            merged = Posting(loan)
            for _day, p in month:
                merged.lines += p.lines
                merged.interest += p.interest
                merged.default_interest += p.default_interest
                merged.amount += p.amount
            journals.append(CloseJournal(loan, merged, month[0][0], month[-1][0]))
        month.clear()

    day = _last_day_closed(loan) + ONE_DAY
    while day <= through:
        if month and (day.year, day.month) != (month[0][0].year, month[0][0].month):
            flush()
        posting = close_day(loan, insts, day, table)
        postings.append(posting)
        month.append((day, posting))
        day += ONE_DAY
    flush()
    return postings, journals


def write_close(journals: list[CloseJournal], actor: Any = None) -> int:
    """Post the journals of a close (of one loan or many) in one batch, with their loan transactions."""
    posted = journal_post_many(specs=[j.spec() for j in journals], actor=actor)
    LoanTransaction.objects.bulk_create(
        LoanTransaction(
            loan=j.loan, journal=p.journal, kind=Txn.CLOSE_OF_BUSINESS, value_date=j.last, amount=_m(j.posting.amount),
            principal_change=j.posting.principal, interest_change=j.posting.interest,
            default_interest_change=j.posting.default_interest,
        )
        for j, p in zip(journals, posted, strict=True)
        if p.created
    )
    return len(journals)


def bring_to(loan: Loan, insts: list[Installment], through: date, *, actor: Any = None,
             table: list[delinquency.Rule] | None = None, write: bool = True) -> list[Posting]:
    """Close the loan's days up to ``through`` (``close_span``) and, with ``write``, post and save it. With
    ``write=False`` nothing is written (a quote); the loan and installments change in memory either way."""
    postings, journals = close_span(loan, insts, through, table if table is not None else delinquency.rules())
    if write and postings:
        write_close(journals, actor)
        _save(loan, insts)
    return postings


def last_closed_day() -> date | None:
    """The last business day whose close of business has run (``BusinessDay``), if any."""
    return BusinessDay.objects.order_by("-date").values_list("date", flat=True).first()


def catch_up(loan: Loan, insts: list[Installment] | None = None, *, actor: Any = None,
             table: list[delinquency.Rule] | None = None) -> bool:
    """Bring an active loan that lags behind the closed business days up to the last of them, in the caller's
    transaction and under its lock of the loan (Fineract's inline close of business): a loan disbursed on a day
    already closed, say, has its interest due, default interest, days past due and class right at once, not after
    the next night. Every write on a loan calls it first. ``insts`` are the loan's installments if the caller has
    them (they change in memory too), else they are read only when there is something to close. Returns whether
    anything was closed."""
    if loan.state != Loan.State.ACTIVE:
        return False
    last = last_closed_day()
    if last is None or _last_day_closed(loan) >= last:
        return False
    bring_to(loan, insts if insts is not None else installments_of(loan), last, actor=actor, table=table)
    return True


def _save(loan: Loan, insts: list[Installment]) -> None:
    loan.save(update_fields=LOAN_STATE_FIELDS)
    changed = changed_installments(insts)
    update_rows(Installment, changed, SAVED_FIELDS)
    for inst in changed:
        inst._loaded = _state(inst)  # type: ignore[attr-defined]


# --- position and payoff ----------------------------------------------------------------------------------------


@dataclass
class Position:
    """What the borrower owes on ``on``, in allocation order."""

    on: date
    default_interest: Decimal
    overdue_interest: Decimal
    overdue_principal: Decimal
    interest: Decimal  # due on ``on``
    principal: Decimal  # due on ``on``
    accrued_interest: Decimal  # of the current period, before ``on``
    future_principal: Decimal

    @property
    def due(self) -> Decimal:
        return (self.default_interest + self.overdue_interest + self.overdue_principal + self.interest
                + self.principal)

    @property
    def payoff(self) -> Decimal:
        return self.due + self.accrued_interest + self.future_principal


def _current(loan: Loan, insts: list[Installment], on: date) -> Installment | None:
    """The installment whose period runs on ``on`` (due after it), unless the loan is accelerated."""
    if loan.accelerated_on is not None:
        return None
    return next((i for i in insts if i.due_on > on), None)


def _position(loan: Loan, insts: list[Installment], on: date, default_balance: Decimal) -> Position:
    accelerated = loan.accelerated_on is not None
    overdue = [i for i in insts if i.due_on < on or (accelerated and i.due_on != on)]
    today = [i for i in insts if i.due_on == on]
    future = [i for i in insts if i.due_on > on and not accelerated]
    current = _current(loan, insts, on)
    accrued = ZERO
    if current is not None:
        accrued = max(accrued_to(current, on, _rounding(loan)) - _w(current.interest_paid), ZERO)
    return Position(
        on=on,
        default_interest=default_balance,
        overdue_interest=sum((_unpaid_interest(i) for i in overdue), ZERO),
        overdue_principal=sum((_unpaid_principal(i) for i in overdue), ZERO),
        interest=sum((_unpaid_interest(i) for i in today), ZERO),
        principal=sum((_unpaid_principal(i) for i in today), ZERO),
        accrued_interest=accrued,
        future_principal=sum((_unpaid_principal(i) for i in future), ZERO),
    )


def _check_open(loan: Loan, on: date, field_name: str) -> None:
    if loan.state != Loan.State.ACTIVE:
        raise InvalidState(
            _("This loan is %(state)s; only an active loan takes repayments.") % {"state": loan.get_state_display()}
        )
    last = _last_day_closed(loan)
    if on <= last:
        raise ValidationFailed(
            _("%(date)s is in a closed period: this loan is closed through %(last)s.")
            % {"date": on.isoformat(), "last": last.isoformat()},
            fields={field_name: [_("must be after %(last)s") % {"last": last.isoformat()}]},
        )


def payoff_quote(*, loan_id: int, on: date) -> Position:
    """What paying the loan off on ``on`` takes: the close of business up to the day before is computed (not
    written), interest falling due by ``on`` counted. Changes nothing. Raises NotFound, InvalidState,
    ValidationFailed."""
    loan = Loan.objects.select_related("fund__book").filter(pk=loan_id).first()
    if loan is None:
        raise NotFound(_("No such loan."))
    _check_open(loan, on, "on")
    latest = max(timezone.localdate(), loan.maturity_on or loan.disbursed_on or on) + QUOTE_HORIZON
    if on > latest:
        raise ValidationFailed(
            _("A payoff can be quoted at most a year after today or after maturity, whichever is later (%(date)s).")
            % {"date": latest.isoformat()},
            fields={"on": [_("must be on or before %(date)s") % {"date": latest.isoformat()}]},
        )
    insts = installments_of(loan)
    postings = bring_to(loan, insts, on - ONE_DAY, write=False)
    default_balance = _w(loan.default_interest_account.balance) + sum((p.default_interest for p in postings), ZERO)
    _recognise_due(loan, insts, on, Posting(loan))
    return _position(loan, insts, on, default_balance)


# --- repayments -------------------------------------------------------------------------------------------------


def _loan_snapshot(loan: Loan, insts: list[Installment]) -> dict[str, Any]:
    rows = []
    for inst in insts:
        row = {}
        for name in INSTALLMENT_FIELDS:
            value = getattr(inst, name)
            row[name] = _w(value) if name in MONEY_FIELDS else value
        rows.append(row)
    return to_jsonable({"loan": {name: getattr(loan, name) for name in LOAN_STATE_FIELDS}, "installments": rows})


def _restore(loan: Loan, before: dict[str, Any]) -> list[Installment]:
    for name in LOAN_STATE_FIELDS:
        value = before["loan"][name]
        if name in ("closed_through", "accelerated_on", "paid_off_on", "maturity_on") and value:
            value = date.fromisoformat(value)
        if name == "default_interest_carry":
            value = Decimal(value)
        setattr(loan, name, value)
    Installment.objects.filter(loan=loan).delete()
    insts = []
    for row in before["installments"]:
        values = dict(row)
        for name in ("due_on", "period_start", "accrual_start"):
            values[name] = date.fromisoformat(values[name]) if values[name] else None
        for name in MONEY_FIELDS:
            values[name] = _m(Decimal(values[name]))
        insts.append(Installment(loan=loan, **values))
    return Installment.objects.bulk_create(insts)


@dataclass
class Allocation:
    default_interest: Decimal = ZERO
    overdue_interest: Decimal = ZERO
    overdue_principal: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO
    accrued_interest: Decimal = ZERO
    prepayment: Decimal = ZERO


def _allocate(loan: Loan, insts: list[Installment], on: date, amount: Decimal, position: Position) -> Allocation:
    """Spend ``amount`` (at most the payoff) in the issue's order, marking installments paid. Interest and
    principal of each group are paid oldest installment first."""
    a = Allocation()
    remaining = amount

    def take(owed: Decimal) -> Decimal:
        nonlocal remaining
        paid = min(remaining, owed)
        remaining -= paid
        return paid

    a.default_interest = take(position.default_interest)
    accelerated = loan.accelerated_on is not None
    overdue = [i for i in insts if i.due_on < on or (accelerated and i.due_on != on)]
    today = [i for i in insts if i.due_on == on]
    for group, interest_name, principal_name in ((overdue, "overdue_interest", "overdue_principal"),
                                                 (today, "interest", "principal")):
        for inst in group:
            paid = take(_unpaid_interest(inst))
            _add(inst, "interest_paid", paid)
            setattr(a, interest_name, getattr(a, interest_name) + paid)
        for inst in group:
            paid = take(_unpaid_principal(inst))
            _add(inst, "principal_paid", paid)
            setattr(a, principal_name, getattr(a, principal_name) + paid)
    if remaining == 0:
        return a
    current = _current(loan, insts, on)
    assert current is not None  # the payoff check leaves nothing over on an accelerated or matured loan
    paid = take(position.accrued_interest)
    _add(current, "interest_recognized", paid)
    _add(current, "interest_paid", paid)
    a.accrued_interest = paid
    if remaining == 0:
        return a
    future = [i for i in insts if i.due_on > on]
    a.prepayment = remaining
    if remaining == position.future_principal:  # paid off: the current period's interest is what accrued
        for inst in future:
            inst.principal_paid = inst.principal_due
            inst.interest_due = inst.interest_recognized = inst.interest_paid
            inst.interest_fixed = _m(min(_w(inst.interest_fixed), _w(inst.interest_due)))
    else:
        _reschedule(loan, insts, future, position.future_principal - remaining, on)
    return a


def _reschedule(loan: Loan, insts: list[Installment], future: list[Installment], balance: Decimal, on: date) -> None:
    """After a prepayment on ``on``: ``balance`` of principal is left on the future installments. The product's
    policy says how: lower installments (re-amortise over the same dates) or a shorter term (the prepaid principal
    comes off the last installments). Interest is recomputed on the new balances; the current period keeps the
    interest accrued before ``on`` (already paid) and accrues the rest on the new balance."""
    rounding = _rounding(loan)
    rate, day_count = loan.annual_rate, DayCount(loan.day_count)
    old = [_unpaid_principal(i) for i in future]
    if loan.method == Method.BULLET:
        principals = [ZERO] * (len(future) - 1) + [balance]
    elif loan.prepayment_policy == PrepaymentPolicy.LOWER_INSTALLMENTS:
        grace = sum(1 for p in old[:-1] if p == 0)
        principals = [i.principal for i in amortize(
            balance=balance, annual_rate=rate, method=Method(loan.method), day_count=day_count, rounding=rounding,
            start=on, dates=[i.due_on for i in future], interest_only=grace, first_number=future[0].number,
        )]
    else:
        principals, cut = list(old), sum(old, ZERO) - balance
        for index in range(len(principals) - 1, -1, -1):
            taken = min(cut, principals[index])
            principals[index] -= taken
            cut -= taken
    remaining = balance
    previous = on
    keep = len(principals)
    while keep > 1 and principals[keep - 1] == 0 and loan.method != Method.BULLET:
        keep -= 1
    for index, inst in enumerate(future[:keep]):
        if index == 0:
            fixed = _w(inst.interest_paid)
            if day_count == DayCount.MONTHLY:
                period = (inst.due_on - inst.period_start).days
                variable = rounding(remaining * rate / 12 * (inst.due_on - on).days / period)
            else:
                variable = rounding(period_interest(remaining, rate, day_count, (inst.due_on - on).days))
            inst.interest_fixed = _m(fixed)
            inst.accrual_start = on
            inst.interest_due = _m(fixed + variable)
        else:
            inst.interest_due = _m(rounding(period_interest(remaining, rate, day_count,
                                                            (inst.due_on - previous).days)))
        inst.principal_due = _m(principals[index])
        remaining -= principals[index]
        previous = inst.due_on
    assert remaining == 0
    dropped = future[keep:]
    if dropped:
        Installment.objects.filter(pk__in=[i.pk for i in dropped]).delete()
        for inst in dropped:
            insts.remove(inst)
    loan.maturity_on = insts[-1].due_on


def _after_payment(loan: Loan, insts: list[Installment], on: date, default_left: Decimal,
                   table: list[delinquency.Rule]) -> None:
    """Days past due and class as of the close of the day before; paid off when nothing is left."""
    loan.days_past_due = _days_past_due(insts, on - ONE_DAY)
    _classify(loan, insts, table)
    if all(_settled(i) for i in insts) and default_left == 0:
        loan.state = Loan.State.PAID_OFF
        loan.paid_off_on = on
        loan.default_interest_carry = Decimal(0)
        loan.days_past_due = 0


def _check_replay(existing: Any, actor: Any, amount: Decimal, on: date | None, on_name: str, key_field: str) -> None:
    """A key is the caller's own: the same caller with the same content replays; anything else is a conflict."""
    if existing.created_by_id != getattr(actor, "pk", None):
        raise IdempotencyConflict(
            _("This idempotency key was already used by someone else on this loan; use a new one."),
            fields={key_field: [_("already used by another user")]},
        )
    if _w(existing.amount) != amount or (on is not None and getattr(existing, on_name) != on):
        raise IdempotencyConflict(
            _("This idempotency key was already used for a different request on this loan."),
            fields={key_field: [_("already used with another amount or date")]},
        )


@transactional
def repayment_make(*, actor: User, loan_id: int, amount: Any, idempotency_key: str,
                   value_date: date | None = None, key_field: str = "idempotency_key",
                   today: date | None = None) -> tuple[Repayment, bool]:
    """A member of the borrowing enterprise (value date today) or a manager (a value date in the open period, within
    the back-dating window) pays ``amount``. Returns the repayment and whether it was new (the same key and content
    replays it). Raises Forbidden, NotFound, InvalidState, ValidationFailed, LimitExceeded, IdempotencyConflict."""
    key = _check_key(idempotency_key, key_field)
    value = _won(amount, "amount")
    if value <= 0:
        raise ValidationFailed(_("The amount must be more than zero."), fields={"amount": [_("must be positive")]})
    today = today or timezone.localdate()
    manager = _is_manager(actor)
    if value_date is not None and value_date != today and not manager:
        raise Forbidden(
            _("Only a fund manager may give a value date other than today."),
            fields={"value_date": [_("only a fund manager may set it")]},
        )
    if value_date is not None:
        check_money_date(value_date, field="value_date", today=today)
    loan = lock_loan(loan_id, cash=False)
    if not manager and not actor.memberships.filter(enterprise_id=loan.enterprise_id).exists():
        raise NotFound(_("No such loan."))
    existing = Repayment.objects.filter(loan=loan, idempotency_key=key).first()
    if existing is not None:
        _check_replay(existing, actor, value, value_date, "value_date", key_field)
        return existing, False
    with deferred_counters(chart.shared_accounts(loan.fund.book)):
        repayment = _repay(actor, loan, value, value_date or today, key)
    audit_record(actor=actor, action=LOAN_REPAYMENT, obj=repayment, after=snapshot(repayment, [
        "loan", "amount", "value_date", "journal", "default_interest", "overdue_interest", "overdue_principal",
        "interest", "principal", "accrued_interest", "prepayment", "paid_off",
    ]))
    repayment_made.send(sender=Repayment, actor=actor, repayment=repayment)
    return repayment, True


def _repay(actor: User, loan: Loan, value: Decimal, on: date, key: str) -> Repayment:
    """The body of ``repayment_make``, under the loan's lock, with the fund's shared accounts deferred: the loan is
    brought up to the last closed business day, the value date must fall after the loan's closed days, and the
    loan is closed up to the day before it."""
    table = delinquency.rules()
    insts = installments_of(loan)
    caught_up = catch_up(loan, insts, actor=actor, table=table)
    _check_open(loan, on, "value_date")
    if bring_to(loan, insts, on - ONE_DAY, actor=actor, table=table) or caught_up:
        loan.default_interest_account.refresh_from_db()
    before = _loan_snapshot(loan, insts)
    posting = Posting(loan)
    _recognise_due(loan, insts, on, posting)
    position = _position(loan, insts, on, _w(loan.default_interest_account.balance))
    if value > position.payoff:
        payoff = format_won(position.payoff)
        raise LimitExceeded(
            _("%(amount)s is more than the payoff on %(date)s, which is %(payoff)s.")
            % {"amount": format_won(value), "date": on.isoformat(), "payoff": payoff},
            fields={"amount": [_("at most the payoff, %(payoff)s") % {"payoff": payoff}]},
        )
    a = _allocate(loan, insts, on, value, position)
    if a.accrued_interest:
        posting.recognise(a.accrued_interest)
    posting.receive(
        principal=a.overdue_principal + a.principal + a.prepayment,
        interest=a.overdue_interest + a.interest + a.accrued_interest,
        default_interest=a.default_interest,
    )
    journal = _post(posting, kind=Txn.REPAYMENT, value_date=on, key=f"loan:{loan.pk}:repayment:{_digest(key)}",
                    actor=actor, memo=f"상환 {loan.enterprise.name}")
    assert journal is not None
    _after_payment(loan, insts, on, position.default_interest - a.default_interest, table)
    _save(loan, insts)
    repayment = Repayment.objects.create(
        loan=loan, idempotency_key=key, amount=_m(value), value_date=on, journal=journal,
        default_interest=_m(a.default_interest), overdue_interest=_m(a.overdue_interest),
        overdue_principal=_m(a.overdue_principal), interest=_m(a.interest), principal=_m(a.principal),
        accrued_interest=_m(a.accrued_interest), prepayment=_m(a.prepayment),
        paid_off=loan.state == Loan.State.PAID_OFF, before=before, created_by=actor,
    )
    return repayment


@transactional
def repayment_reverse(*, actor: User, repayment_id: int, reason: str) -> Repayment:
    """A manager reverses a repayment that did not arrive (a bounced transfer). Only the loan's latest repayment
    not yet reversed can be: a later one was allocated on top of it. Raises Forbidden, NotFound, InvalidState,
    ValidationFailed."""
    _require_manager(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("A reason is required."), fields={"reason": [_("required")]})
    loan_id = Repayment.objects.filter(pk=repayment_id).values_list("loan_id", flat=True).first()
    if loan_id is None:
        raise NotFound(_("No such repayment."))
    loan = lock_loan(loan_id)
    repayment = Repayment.objects.select_for_update(no_key=True).get(pk=repayment_id)
    if repayment.reversed_at is not None:
        raise InvalidState(_("This repayment was already reversed."))
    if loan.state == Loan.State.WRITTEN_OFF:
        raise InvalidState(_("The loan has been written off; its repayments can no longer be reversed."))
    later = Repayment.objects.filter(loan=loan, reversed_at__isnull=True, pk__gt=repayment.pk).first()
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
    insts = _restore(loan, repayment.before)
    loan.revision += 1
    loan.save(update_fields=[*LOAN_STATE_FIELDS, "revision"])
    # Close again the days closed since (for this loan, or for all loans while it was paid off by it).
    bring_to(loan, insts, max(closed_before, last_closed_day() or closed_before), actor=actor)
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


# --- write-off and recovery -------------------------------------------------------------------------------------


@transactional
def write_off_request(*, actor: User, loan_id: int, reason: str) -> WriteOff:
    """A manager asks to write off a loan classed 추정손실 (as of the last closed business day). Raises Forbidden,
    NotFound, InvalidState, ValidationFailed."""
    _require_manager(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("A reason is required."), fields={"reason": [_("required")]})
    loan = lock_loan(loan_id)
    catch_up(loan, actor=actor)
    if loan.state != Loan.State.ACTIVE or loan.asset_class != delinquency.WRITE_OFF_CLASS:
        raise InvalidState(
            _("Only an active loan classed 추정손실 (estimated loss) can be written off; this one is %(state)s, "
              "class %(cls)s.") % {"state": loan.get_state_display(), "cls": loan.asset_class}
        )
    if WriteOff.objects.filter(loan=loan, state=WriteOff.State.REQUESTED).exists():
        raise InvalidState(_("A write-off of this loan is already waiting for approval."))
    write_off = WriteOff.objects.create(loan=loan, requested_by=actor, requested_at=timezone.now(),
                                        reason=reason)
    audit_record(actor=actor, action=LOAN_WRITE_OFF_REQUEST, obj=write_off, reason=reason,
                 after=snapshot(write_off, ["loan", "state"]))
    return write_off


def _lock_write_off(write_off_id: int) -> tuple[WriteOff, Loan]:
    loan_id = WriteOff.objects.filter(pk=write_off_id).values_list("loan_id", flat=True).first()
    if loan_id is None:
        raise NotFound(_("No such write-off."))
    loan = lock_loan(loan_id)
    write_off = WriteOff.objects.select_for_update(no_key=True).get(pk=write_off_id)
    if write_off.state != WriteOff.State.REQUESTED:
        raise InvalidState(_("This write-off was already decided."))
    return write_off, loan


def _other_manager(actor: User, write_off: WriteOff) -> None:
    if write_off.requested_by_id == actor.pk:
        raise Forbidden(_("The manager who asked for a write-off cannot decide it; another manager must."))


@transactional
def write_off_approve(*, actor: User, write_off_id: int, reason: str = "") -> WriteOff:
    """A second manager approves: the loan is brought up to yesterday, its three receivables go to the write-off
    expense, and it is closed as written off. Raises Forbidden, NotFound, InvalidState."""
    _require_manager(actor)
    write_off, loan = _lock_write_off(write_off_id)
    _other_manager(actor, write_off)
    today = timezone.localdate()
    insts = installments_of(loan)
    bring_to(loan, insts, today - ONE_DAY, actor=actor)
    if loan.state != Loan.State.ACTIVE or loan.asset_class != delinquency.WRITE_OFF_CLASS:
        raise InvalidState(_("The loan is no longer classed 추정손실 (estimated loss); it cannot be written off."))
    accounts = [loan.principal_account, loan.interest_account, loan.default_interest_account]
    for account in accounts:
        account.refresh_from_db()
    principal, interest, default = (_w(a.balance) for a in accounts)
    total = principal + interest + default
    posting = Posting(loan)
    posting.lines.append(debit(chart.account(loan.fund.book, chart.WRITE_OFF_EXPENSE), total))
    for account, amount in zip(accounts, (principal, interest, default), strict=True):
        if amount > 0:
            posting.lines.append(credit(account, amount))
    posting.principal, posting.interest, posting.default_interest = -principal, -interest, -default
    posting.amount = total
    journal = _post(posting, kind=Txn.WRITE_OFF, value_date=today, key=f"loan:{loan.pk}:write-off",
                    actor=actor, memo=f"대손상각 {loan.enterprise.name}")
    loan.state = Loan.State.WRITTEN_OFF
    loan.written_off_on = today
    loan.default_interest_carry = Decimal(0)
    loan.save(update_fields=[*LOAN_STATE_FIELDS, "written_off_on"])
    write_off.state = WriteOff.State.APPROVED
    write_off.decided_by, write_off.decided_at = actor, timezone.now()
    write_off.decision_reason = (reason or "").strip()
    write_off.written_off_on = today
    write_off.principal, write_off.interest, write_off.default_interest = _m(principal), _m(interest), _m(default)
    write_off.journal = journal
    write_off.save()
    audit_record(actor=actor, action=LOAN_WRITE_OFF_APPROVE, obj=write_off, reason=write_off.decision_reason,
                 after=snapshot(write_off, ["loan", "state", "principal", "interest", "default_interest",
                                            "journal"]))
    return write_off


@transactional
def write_off_reject(*, actor: User, write_off_id: int, reason: str) -> WriteOff:
    _require_manager(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("A reason is required."), fields={"reason": [_("required")]})
    write_off, _loan = _lock_write_off(write_off_id)
    _other_manager(actor, write_off)
    write_off.state = WriteOff.State.REJECTED
    write_off.decided_by, write_off.decided_at, write_off.decision_reason = actor, timezone.now(), reason
    write_off.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    audit_record(actor=actor, action=LOAN_WRITE_OFF_REJECT, obj=write_off, reason=reason)
    return write_off


@transactional
def recovery_record(*, actor: User, loan_id: int, amount: Any, idempotency_key: str,
                    received_on: date | None = None, memo: str = "",
                    key_field: str = "idempotency_key", today: date | None = None) -> tuple[Recovery, bool]:
    """Money recovered on a written-off loan on ``received_on`` (default today; not in the future, not before the
    write-off, within the back-dating window), posted as income; at most what was written off, in total.
    Raises Forbidden, NotFound, InvalidState, ValidationFailed, LimitExceeded, IdempotencyConflict."""
    _require_manager(actor)
    key = _check_key(idempotency_key, key_field)
    value = _won(amount, "amount")
    if value <= 0:
        raise ValidationFailed(_("The amount must be more than zero."), fields={"amount": [_("must be positive")]})
    today = today or timezone.localdate()
    on = check_money_date(received_on or today, field="received_on", today=today)
    loan = lock_loan(loan_id)
    existing = Recovery.objects.filter(loan=loan, idempotency_key=key).first()
    if existing is not None:
        _check_replay(existing, actor, value, received_on, "received_on", key_field)
        return existing, False
    if loan.state != Loan.State.WRITTEN_OFF:
        raise InvalidState(_("Recoveries are recorded only on a written-off loan."))
    write_off = WriteOff.objects.get(loan=loan, state=WriteOff.State.APPROVED)
    assert loan.written_off_on is not None
    check_money_date(on, field="received_on", today=today,
                     not_before=[Limit(loan.written_off_on, _("the day the loan was written off"))])
    recovered = sum((_w(r.amount) for r in loan.recoveries.all()), ZERO)
    left = _w(write_off.total) - recovered
    if value > left:
        raise LimitExceeded(
            _("Only %(left)s of the amount written off is still unrecovered.") % {"left": format_won(left)},
            fields={"amount": [_("at most %(left)s") % {"left": format_won(left)}]},
        )
    posting = Posting(loan)
    posting.lines = [debit(chart.cash(loan.fund.book), value),
                     credit(chart.account(loan.fund.book, chart.RECOVERY_INCOME), value)]
    posting.amount = value
    journal = _post(posting, kind=Txn.RECOVERY, value_date=on, key=f"loan:{loan.pk}:recovery:{_digest(key)}",
                    actor=actor, memo=memo or f"상각채권 회수 {loan.enterprise.name}")
    assert journal is not None
    recovery = Recovery.objects.create(loan=loan, idempotency_key=key, amount=_m(value), received_on=on,
                                       memo=memo, journal=journal, created_by=actor)
    audit_record(actor=actor, action=LOAN_RECOVERY, obj=recovery,
                 after=snapshot(recovery, ["loan", "amount", "received_on", "journal"]))
    return recovery, True

