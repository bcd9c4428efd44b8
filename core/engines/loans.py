"""A term loan's servicing, as a pure engine: a loan's terms and state in, its new state and what to post out.

Used by the revolving fund (and by anything else that services a loan day by day). No database, no ledger, no
clock: the caller loads a ``State`` (the loan's scalars and the installments that can still change), calls
``close_through``, ``repay``, ``quote`` or ``position``, writes back what changed and posts the effects.

How the amounts behave (accrual basis):
- An installment's interest is *recognised* when it falls due at the close of its due date, or earlier when it is
  paid early (the interest accrued in the current period, paid with a prepayment or a payoff).
- Default interest (연체이자) accrues daily at the close of business on overdue principal at the default rate,
  actual/365; the part of a won is carried to the next day, exactly (in 365ths of a won).
- Two consecutive installments unpaid at a close accelerate the loan (기한이익상실): every installment falls due,
  contract interest stops after that day, default interest runs on all of it.
- A repayment on ``on`` (the loan closed through the day before) pays the claims of ``REPAYMENT_ORDER`` in turn;
  paying exactly the payoff pays the loan off; more is refused (``ExceedsPayoff``).

An installment settled (principal and interest paid in full) before the first open day never changes again, so a
``State`` need not hold it: the results are the same with or without such history (``needed``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from .classification import Rule, loan_class
from .rounding import Rounding
from .schedules import DayCount, Method, amortize, part_period_interest, period_interest
from .waterfall import Claim, Spent, in_order, waterfall

ZERO = Decimal(0)
ONE_DAY = timedelta(days=1)
DAYS_IN_YEAR = Decimal(365)
SHORTEN_TERM, LOWER_INSTALLMENTS = "shorten_term", "lower_installments"  # what a prepayment does to the schedule

# The order a repayment is spent in (충당 순서), declared once: the allocation, the repayment's record, its receipt,
# the API and the tests all read it.
REPAYMENT_ORDER: tuple[Claim, ...] = (
    Claim("default_interest", "연체이자", "Default interest accrued"),
    Claim("overdue_interest", "연체된 이자", "Interest of installments past due"),
    Claim("overdue_principal", "연체된 원금", "Principal of installments past due"),
    Claim("interest", "도래 이자", "Interest of the installment due on the value date"),
    Claim("principal", "도래 원금", "Principal of the installment due on the value date"),
    Claim("accrued_interest", "경과이자", "The current period's interest accrued before the value date"),
    Claim("prepayment", "중도상환 원금", "Principal not yet due, repaid early"),
)
PRINCIPAL_CLAIMS = ("overdue_principal", "principal", "prepayment")
INTEREST_CLAIMS = ("overdue_interest", "interest", "accrued_interest")


class ExceedsPayoff(ValueError):
    """A repayment of more than the payoff."""

    def __init__(self, payoff: Decimal) -> None:
        super().__init__(f"more than the payoff, {payoff}")
        self.payoff = payoff


@dataclass(frozen=True)
class Installment:
    number: int
    due_on: date
    period_start: date
    principal_due: Decimal
    interest_due: Decimal
    principal_paid: Decimal = ZERO
    interest_paid: Decimal = ZERO
    interest_recognized: Decimal = ZERO  # paid <= recognised <= due
    accrual_start: date | None = None  # after a prepayment in this period: the day the rest of its interest runs from
    interest_fixed: Decimal = ZERO  # interest of this period accrued (and paid) before accrual_start

    @property
    def unpaid_principal(self) -> Decimal:
        return self.principal_due - self.principal_paid

    @property
    def unpaid_interest(self) -> Decimal:
        return self.interest_due - self.interest_paid

    @property
    def settled(self) -> bool:
        return self.principal_paid == self.principal_due and self.interest_paid == self.interest_due


@dataclass(frozen=True)
class Terms:
    annual_rate: Decimal
    default_rate: Decimal  # 연체이자율: contract rate + spread, capped
    method: Method
    day_count: DayCount
    rounding: Rounding
    prepayment: str = SHORTEN_TERM  # or LOWER_INSTALLMENTS
    secured: Decimal = ZERO  # covered by collateral or a guarantee (for the classification)


@dataclass(frozen=True)
class State:
    """An active loan as of the close of ``closed_through`` (the day before disbursement, for a new loan)."""

    closed_through: date
    installments: tuple[Installment, ...]  # by number; settled history before the open period may be left out
    default_interest: Decimal = ZERO  # the default-interest receivable's balance
    # Default interest accrued and not yet posted (less than a won), in 365ths of a won: overdue principal x rate
    # has at most 5 decimal places, so the day's interest is carried exactly and no fraction of a won is ever lost.
    default_carry: Decimal = ZERO
    accelerated_on: date | None = None
    days_past_due: int = 0
    asset_class: str = "normal"
    maturity_on: date | None = None
    paid_off_on: date | None = None


@dataclass(frozen=True)
class DayClose:
    """What closing one day posts: interest recognised (falling due, or cut at acceleration) and default interest
    accrued."""

    day: date
    interest: Decimal = ZERO
    default_interest: Decimal = ZERO

    @property
    def posts(self) -> bool:
        return bool(self.interest or self.default_interest)


@dataclass(frozen=True)
class Span:
    """Days closed within one calendar month, posted as one journal dated the last of them."""

    first: date
    last: date
    interest: Decimal
    default_interest: Decimal


@dataclass(frozen=True)
class Position:
    """What the borrower owes on ``on``, in the repayment order."""

    on: date
    default_interest: Decimal
    overdue_interest: Decimal
    overdue_principal: Decimal
    interest: Decimal  # due on ``on``
    principal: Decimal  # due on ``on``
    accrued_interest: Decimal  # of the current period, before ``on``
    future_principal: Decimal

    def owed(self) -> dict[str, Decimal]:
        """By claim of ``REPAYMENT_ORDER``."""
        return {"default_interest": self.default_interest, "overdue_interest": self.overdue_interest,
                "overdue_principal": self.overdue_principal, "interest": self.interest, "principal": self.principal,
                "accrued_interest": self.accrued_interest, "prepayment": self.future_principal}

    @property
    def due(self) -> Decimal:
        return (self.default_interest + self.overdue_interest + self.overdue_principal + self.interest
                + self.principal)

    @property
    def payoff(self) -> Decimal:
        return self.due + self.accrued_interest + self.future_principal


@dataclass(frozen=True)
class Repaid:
    """A repayment applied: the new state, what it paid by claim, and the interest it recognised (due on the value
    date, or accrued and paid early), which the receipt of the money posts first."""

    state: State
    paid: Spent[str]
    recognised: Decimal

    @property
    def principal(self) -> Decimal:
        return sum((self.paid[name] for name in PRINCIPAL_CLAIMS), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((self.paid[name] for name in INTEREST_CLAIMS), ZERO)

    @property
    def default_interest(self) -> Decimal:
        return self.paid["default_interest"]


# --- the working copy -------------------------------------------------------------------------------------------


class _Work:
    """A mutable copy of a state, for one call of the engine (frozen values in and out)."""

    def __init__(self, state: State) -> None:
        self.insts = list(state.installments)
        self.closed_through = state.closed_through
        self.default_interest = state.default_interest
        self.default_carry = state.default_carry
        self.accelerated_on = state.accelerated_on
        self.days_past_due = state.days_past_due
        self.asset_class = state.asset_class
        self.maturity_on = state.maturity_on
        self.paid_off_on = state.paid_off_on

    def state(self) -> State:
        return State(
            closed_through=self.closed_through, installments=tuple(self.insts),
            default_interest=self.default_interest, default_carry=self.default_carry,
            accelerated_on=self.accelerated_on, days_past_due=self.days_past_due, asset_class=self.asset_class,
            maturity_on=self.maturity_on, paid_off_on=self.paid_off_on,
        )

    def change(self, index: int, **values: object) -> None:
        self.insts[index] = replace(self.insts[index], **values)  # type: ignore[arg-type]


def needed(installments: list[Installment], closed_through: date) -> list[Installment]:
    """The installments a ``State`` must hold: all but those settled and due by ``closed_through``."""
    return [i for i in installments if i.due_on > closed_through or not i.settled]


# --- the current period's accrued interest ----------------------------------------------------------------------


def accrued_to(inst: Installment, on: date, rounding: Rounding) -> Decimal:
    """The interest of ``inst``'s period accrued before ``on`` (days from its start up to ``on``, not counting
    ``on``), in proportion to the days of the period; what was fixed by an earlier prepayment counts in full."""
    start = inst.accrual_start or inst.period_start
    fixed = inst.interest_fixed
    if on <= start:
        return fixed
    if on >= inst.due_on:
        return inst.interest_due
    variable = inst.interest_due - fixed
    share = rounding(variable * (on - start).days / (inst.due_on - start).days)
    return min(fixed + share, inst.interest_due)


# --- closing days -----------------------------------------------------------------------------------------------


def _recognise_due(w: _Work, through: date) -> Decimal:
    """Recognise the interest of every installment due by ``through``; returns the amount."""
    total = ZERO
    for index, inst in enumerate(w.insts):
        if inst.due_on > through:
            break
        missing = inst.interest_due - inst.interest_recognized
        if missing > 0:
            total += missing
            w.change(index, interest_recognized=inst.interest_due)
    return total


def _missed_twice(insts: list[Installment], through: date) -> bool:
    """Two consecutive installments due by ``through`` and not paid in full (분할상환금 2회 연속 지체)."""
    previous_missed: int | None = None  # the number of the last missed installment
    for inst in insts:
        if inst.due_on > through:
            return False
        if not inst.settled:
            if previous_missed is not None and inst.number == previous_missed + 1:
                return True
            previous_missed = inst.number
    return False


def _accelerate(terms: Terms, w: _Work, day: date) -> Decimal:
    """기한이익상실 at the close of ``day``: every installment falls due; contract interest stops after ``day``
    (the current period's interest is cut to what accrued through ``day``), default interest runs on it all.
    Returns the interest recognised."""
    future = [index for index, inst in enumerate(w.insts) if inst.due_on > day]
    if not future:
        return ZERO
    w.accelerated_on = day
    recognised = ZERO
    for position, index in enumerate(future):
        inst = w.insts[index]
        if position == 0:
            due = max(accrued_to(inst, day + ONE_DAY, terms.rounding), inst.interest_paid)
        else:
            due = inst.interest_paid
        missing = due - inst.interest_recognized
        recognised += max(missing, ZERO)
        w.change(index, interest_due=due, interest_recognized=due if missing > 0 else inst.interest_recognized,
                 interest_fixed=min(inst.interest_fixed, due))
    return recognised


def _overdue_principal(w: _Work, through: date) -> Decimal:
    """Principal due by ``through`` and unpaid (all of it once the loan is accelerated)."""
    accelerated = w.accelerated_on is not None and w.accelerated_on <= through
    return sum((i.unpaid_principal for i in w.insts if accelerated or i.due_on <= through), ZERO)


def _days_past_due(insts: list[Installment], through: date) -> int:
    """At the close of ``through``: the days the oldest installment not paid in full has been late, its due date
    counting as the first (an installment unpaid at the close of its due date is 1 day past due)."""
    for inst in insts:
        if inst.due_on > through:
            return 0
        if not inst.settled:
            return (through - inst.due_on).days + 1
    return 0


def _classify(terms: Terms, w: _Work, table: list[Rule]) -> None:
    outstanding = sum((i.unpaid_principal for i in w.insts), ZERO)
    w.asset_class = loan_class(w.days_past_due, outstanding, terms.secured, table)


def _close_day(terms: Terms, w: _Work, day: date, table: list[Rule]) -> DayClose:
    interest = _recognise_due(w, day)
    if w.accelerated_on is None and _missed_twice(w.insts, day):
        interest += _accelerate(terms, w, day)
    overdue = _overdue_principal(w, day)
    default = ZERO
    if overdue > 0:
        default, w.default_carry = divmod(overdue * terms.default_rate + w.default_carry, DAYS_IN_YEAR)
        w.default_interest += default
    w.days_past_due = _days_past_due(w.insts, day)
    _classify(terms, w, table)
    w.closed_through = day
    return DayClose(day, interest, default)


def close_through(terms: Terms, state: State, through: date, table: list[Rule]) -> tuple[State, list[DayClose]]:
    """Close each day after ``state.closed_through`` up to ``through``, in order, each day on its own (so the result
    is the same however days are grouped): interest falling due, acceleration, the day's default interest, days
    past due and asset class. Returns the new state and each day's close."""
    w = _Work(state)
    days = []
    day = state.closed_through + ONE_DAY
    while day <= through:
        days.append(_close_day(terms, w, day, table))
        day += ONE_DAY
    return (w.state() if days else state), days


def by_month(days: list[DayClose]) -> list[Span]:
    """The closed days grouped by calendar month, the months with nothing to post left out."""
    spans: list[Span] = []
    month: list[DayClose] = []
    for close in [*days, None]:
        if month and (close is None or (close.day.year, close.day.month) != (month[0].day.year, month[0].day.month)):
            if any(c.posts for c in month):
                spans.append(Span(month[0].day, month[-1].day, sum((c.interest for c in month), ZERO),
                                  sum((c.default_interest for c in month), ZERO)))
            month = []
        if close is not None:
            month.append(close)
    return spans


# --- position, quote, repayment ---------------------------------------------------------------------------------


def _groups(w: _Work | State, on: date) -> tuple[list[int], list[int], list[int]]:
    """Indexes of the installments overdue on ``on``, due on it, and not yet due (none once accelerated)."""
    insts = w.insts if isinstance(w, _Work) else list(w.installments)
    accelerated = w.accelerated_on is not None
    overdue = [n for n, i in enumerate(insts) if i.due_on < on or (accelerated and i.due_on != on)]
    today = [n for n, i in enumerate(insts) if i.due_on == on]
    future = [n for n, i in enumerate(insts) if i.due_on > on and not accelerated]
    return overdue, today, future


def _position(terms: Terms, w: _Work, on: date) -> Position:
    overdue, today, future = _groups(w, on)
    insts = w.insts
    accrued = ZERO
    if future:
        current = insts[future[0]]
        accrued = max(accrued_to(current, on, terms.rounding) - current.interest_paid, ZERO)
    return Position(
        on=on,
        default_interest=w.default_interest,
        overdue_interest=sum((insts[n].unpaid_interest for n in overdue), ZERO),
        overdue_principal=sum((insts[n].unpaid_principal for n in overdue), ZERO),
        interest=sum((insts[n].unpaid_interest for n in today), ZERO),
        principal=sum((insts[n].unpaid_principal for n in today), ZERO),
        accrued_interest=accrued,
        future_principal=sum((insts[n].unpaid_principal for n in future), ZERO),
    )


def position(terms: Terms, state: State, on: date) -> Position:
    """What is owed on ``on`` (after ``state.closed_through``), by claim."""
    return _position(terms, _Work(state), on)


def quote(terms: Terms, state: State, on: date, table: list[Rule]) -> Position:
    """What paying the loan off on ``on`` takes: its days closed up to the day before (in memory), the interest
    falling due by ``on`` counted."""
    closed, _days = close_through(terms, state, on - ONE_DAY, table)
    return position(terms, closed, on)


def _pay(w: _Work, indexes: list[int], amount: Decimal, unpaid: str, paid: str) -> None:
    """Spread ``amount`` over the installments ``indexes``, oldest first."""
    spent = waterfall(amount, [(n, getattr(w.insts[n], unpaid)) for n in indexes])
    for n, share in spent.paid:
        if share:
            w.change(n, **{paid: getattr(w.insts[n], paid) + share})


def repay(terms: Terms, state: State, on: date, amount: Decimal, table: list[Rule]) -> Repaid:
    """Spend ``amount`` (more than zero, at most the payoff) on the loan on ``on``, which must be the first open day
    or later, with the loan closed through the day before. Interest and principal of each group are paid oldest
    installment first. Raises ExceedsPayoff, ValueError."""
    if amount <= 0:
        raise ValueError("a repayment must be more than zero")
    if on != state.closed_through + ONE_DAY:
        raise ValueError("close the loan through the day before the value date first")
    w = _Work(state)
    recognised = _recognise_due(w, on)
    owed = _position(terms, w, on)
    if amount > owed.payoff:
        raise ExceedsPayoff(owed.payoff)
    spent = waterfall(amount, in_order(REPAYMENT_ORDER, owed.owed()))
    overdue, today, future = _groups(w, on)
    w.default_interest -= spent["default_interest"]
    _pay(w, overdue, spent["overdue_interest"], "unpaid_interest", "interest_paid")
    _pay(w, overdue, spent["overdue_principal"], "unpaid_principal", "principal_paid")
    _pay(w, today, spent["interest"], "unpaid_interest", "interest_paid")
    _pay(w, today, spent["principal"], "unpaid_principal", "principal_paid")
    accrued = spent["accrued_interest"]
    if accrued:
        current = w.insts[future[0]]
        w.change(future[0], interest_recognized=current.interest_recognized + accrued,
                 interest_paid=current.interest_paid + accrued)
        recognised += accrued
    prepaid = spent["prepayment"]
    if prepaid and prepaid == owed.future_principal:  # paid off: the current period's interest is what accrued
        for n in future:
            inst = w.insts[n]
            w.change(n, principal_paid=inst.principal_due, interest_due=inst.interest_paid,
                     interest_recognized=inst.interest_paid,
                     interest_fixed=min(inst.interest_fixed, inst.interest_paid))
    elif prepaid:
        _reschedule(terms, w, future, owed.future_principal - prepaid, on)
    _after_payment(terms, w, on, table)
    return Repaid(w.state(), spent, recognised)


def _reschedule(terms: Terms, w: _Work, future: list[int], balance: Decimal, on: date) -> None:
    """After a prepayment on ``on``: ``balance`` of principal is left on the future installments. The terms say how:
    lower installments (re-amortise over the same dates) or a shorter term (the prepaid principal comes off the last
    installments). Interest is recomputed on the new balances; the current period keeps the interest accrued before
    ``on`` (already paid) and accrues the rest on the new balance. Installments left with nothing are dropped."""
    rounding, rate, day_count = terms.rounding, terms.annual_rate, terms.day_count
    insts = [w.insts[n] for n in future]
    old = [i.unpaid_principal for i in insts]
    if terms.method == Method.BULLET:
        principals = [ZERO] * (len(insts) - 1) + [balance]
    elif terms.prepayment == LOWER_INSTALLMENTS:
        grace = sum(1 for p in old[:-1] if p == 0)
        principals = [i.principal for i in amortize(
            balance=balance, annual_rate=rate, method=terms.method, day_count=day_count, rounding=rounding,
            start=on, dates=[i.due_on for i in insts], interest_only=grace, first_number=insts[0].number,
        )]
    else:
        principals, cut = list(old), sum(old, ZERO) - balance
        for index in range(len(principals) - 1, -1, -1):
            taken = min(cut, principals[index])
            principals[index] -= taken
            cut -= taken
    keep = len(principals)
    while keep > 1 and principals[keep - 1] == 0 and terms.method != Method.BULLET:
        keep -= 1
    remaining, previous = balance, on
    for index, inst in enumerate(insts[:keep]):
        if index == 0:
            fixed = inst.interest_paid
            variable = rounding(part_period_interest(remaining, rate, day_count, (inst.due_on - on).days,
                                                     (inst.due_on - inst.period_start).days))
            changes: dict[str, object] = {"interest_fixed": fixed, "accrual_start": on,
                                          "interest_due": fixed + variable}
        else:
            changes = {"interest_due": rounding(period_interest(remaining, rate, day_count,
                                                                (inst.due_on - previous).days))}
        w.change(future[index], principal_due=principals[index], **changes)
        remaining -= principals[index]
        previous = inst.due_on
    assert remaining == 0
    dropped = set(future[keep:])
    w.insts = [inst for n, inst in enumerate(w.insts) if n not in dropped]
    w.maturity_on = w.insts[-1].due_on


def _after_payment(terms: Terms, w: _Work, on: date, table: list[Rule]) -> None:
    """Days past due and class as of the close of the day before; paid off when nothing is left."""
    w.days_past_due = _days_past_due(w.insts, on - ONE_DAY)
    _classify(terms, w, table)
    if all(i.settled for i in w.insts) and w.default_interest == 0:
        w.paid_off_on = on
        w.default_carry = ZERO
        w.days_past_due = 0
