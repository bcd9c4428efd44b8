"""Claims on a special guarantee (대위변제) and the recovery of what was paid (구상), as a pure engine. No database,
no clock: the service loads the loan's figures or the 구상채권's state, calls ``claim_amount`` or ``recover``, writes
back the new state and posts what it returns.

The claim (대위변제 청구액), when the borrower defaults and the bank calls the guarantee:
- The bank's position on the payment date is the principal outstanding, plus the interest unpaid at the loan's
  normal (contract) rate from the date interest is paid to (``interest_paid_to``: interest is paid for the days
  before it) up to the payment date, not counting the payment date (한편넣기), simple, actual/365; plus the bank's
  costs (법적절차비용 and the like). Default interest above the normal rate (연체가산이자) is not covered.
- The interest is the one fraction: it is rounded once, by the program's ``Rounding`` (10 won floor by default);
  what that drops is still owed by the borrower to the bank, outside the guarantee.
- The guarantor pays its guaranteed share: ``ratio`` (부분보증비율, 0.85 for 85 %) of the whole position (principal,
  interest and costs: under a partial guarantee the bank bears its share of everything), rounded by the program's
  rule, and never more than ``limit``, the guarantee's face amount (보증금액), when it is given. ``cut`` is what the
  cap left to the bank.

The recovery (구상채권): what the guarantor paid becomes the 구상채권's principal, owed by the borrower from the
payment date.
- Damages (지연손해금) are simple interest on the principal outstanding (not on costs, not on damages) at the
  program's rate (12 %/yr, say), actual/365, from the payment date or the last recovery up to the recovery date, not
  counting the recovery date: ``(on - since).days`` days.
- A recovery pays costs (구상비용: the guarantor's own costs of recovering, charged with ``charge_costs``), then
  damages, then principal (비용, 이자, 원본의 순서: 민법 s479), as declared once in ``RECOVERY_ORDER`` and spent by
  ``waterfall``. More than everything owed is reported as ``left`` (the service refuses such a recovery).
- Damages are kept exact, not rounded by the program's rule: each accrual posts the whole won and carries the part of
  a won to the next, exactly (in 365ths of a won, as ``loans.py`` does with default interest). So the damages owed
  on a day are the same however many recoveries (or statements) came before: a debtor who pays in many small amounts
  neither gains nor loses a won by it. When the 구상채권 is settled in full, the carry (less than a won, with no
  principal left to run on) is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, localcontext

from .rounding import Rounding
from .waterfall import Claim, Spent, in_order, waterfall

ZERO = Decimal(0)
ONE = Decimal(1)
DAYS_IN_YEAR = Decimal(365)
DEFAULT_ROUNDING = Rounding(10, "floor")  # 10 won, 절사
_PRECISION = 50

# The order a recovery is spent in (충당 순서, 민법 s479: 비용, 이자, 원본), declared once: the allocation, the
# recovery's record, its receipt, the API and the tests all read it.
RECOVERY_ORDER: tuple[Claim, ...] = (
    Claim("costs", "구상비용", "The guarantor's costs of recovering (legal and enforcement costs)"),
    Claim("damages", "지연손해금", "Damages on the principal since the claim was paid or the last recovery"),
    Claim("principal", "구상원금", "What the guarantor paid the bank and has not recovered"),
)


def _whole_won(amount: Decimal) -> bool:
    return amount.is_finite() and amount >= 0 and amount == amount.to_integral_value()


def _check_won(name: str, amount: Decimal) -> None:
    if not _whole_won(amount):
        raise ValueError(f"{name} must be a whole, non-negative number of won")


# --- the claim --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimAmount:
    """What the guarantor pays the bank: the bank's position by part, the cap and what it cut."""

    principal: Decimal  # 대출원금 잔액
    interest_days: int
    interest_exact: Decimal
    interest: Decimal  # 미수이자, rounded
    costs: Decimal  # the bank's costs
    cap: Decimal  # ratio x position, rounded, and at most the limit
    amount: Decimal  # what the guarantor pays: min(position, cap)

    @property
    def position(self) -> Decimal:
        """The bank's whole position on the payment date."""
        return self.principal + self.interest + self.costs

    @property
    def cut(self) -> Decimal:
        """What the cap left to the bank."""
        return self.position - self.amount


def claim_amount(*, principal: Decimal, loan_rate: Decimal, interest_paid_to: date, paid_on: date,
                 costs: Decimal = ZERO, ratio: Decimal = ONE, limit: Decimal | None = None,
                 rounding: Rounding = DEFAULT_ROUNDING) -> ClaimAmount:
    """The claim paid on ``paid_on`` for a loan with ``principal`` outstanding and interest paid up to (not
    including) ``interest_paid_to``: principal + the unpaid interest at ``loan_rate`` + ``costs``, at most ``ratio`` of
    it and at most ``limit``. Raises ValueError for fractions of a won, negatives, a ratio outside (0, 1], or interest
    paid beyond the payment date."""
    _check_won("principal", principal)
    _check_won("costs", costs)
    if limit is not None:
        _check_won("limit", limit)
    if not loan_rate >= 0:
        raise ValueError("loan_rate must not be negative")
    if not ZERO < ratio <= ONE:
        raise ValueError("ratio must be more than 0 and at most 1")
    if interest_paid_to > paid_on:
        raise ValueError("interest must not be paid beyond the payment date")
    days = (paid_on - interest_paid_to).days
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        interest_exact = principal * loan_rate * days / DAYS_IN_YEAR
    interest = rounding(interest_exact)
    position = principal + interest + costs
    cap = rounding(position * ratio)
    if limit is not None:
        cap = min(cap, limit)
    return ClaimAmount(principal=principal, interest_days=days, interest_exact=interest_exact, interest=interest,
                       costs=costs, cap=cap, amount=min(position, cap))


# --- the recovery -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recourse:
    """A 구상채권 as of ``since``: damages are accrued up to (not including) ``since``."""

    principal: Decimal  # 구상원금 not recovered
    since: date  # the claim's payment date, or the last accrual (a recovery)
    costs: Decimal = ZERO  # 구상비용 unpaid
    damages: Decimal = ZERO  # 지연손해금 accrued and unpaid, whole won
    # Damages accrued and not yet posted (less than a won), in 365ths of a won: principal x rate x days has finitely
    # many decimal places, so it is carried exactly and no fraction of a won is ever lost between recoveries.
    damages_carry: Decimal = ZERO

    def __post_init__(self) -> None:
        _check_won("principal", self.principal)
        _check_won("costs", self.costs)
        _check_won("damages", self.damages)
        if not ZERO <= self.damages_carry < DAYS_IN_YEAR:
            raise ValueError("damages_carry must be at least 0 and less than 365 (365ths of a won)")

    @property
    def owed(self) -> Decimal:
        """Everything owed as of ``since`` (damages accrued up to it)."""
        return self.costs + self.damages + self.principal

    @property
    def settled(self) -> bool:
        return self.owed == 0

    def by_claim(self) -> dict[str, Decimal]:
        """By claim of ``RECOVERY_ORDER``."""
        return {"costs": self.costs, "damages": self.damages, "principal": self.principal}


@dataclass(frozen=True)
class Recovered:
    """A recovery applied: the new state, the damages it accrued first, and what it paid by claim of
    ``RECOVERY_ORDER`` (``paid.left``: more than was owed, which the service refuses)."""

    state: Recourse
    accrued: Decimal  # damages accrued from the old ``since`` to the recovery date, whole won
    paid: Spent[str]

    @property
    def left(self) -> Decimal:
        return self.paid.left


def open_recourse(claim: ClaimAmount, *, paid_on: date) -> Recourse:
    """The 구상채권 a paid claim leaves: its principal is what the guarantor paid, damages run from ``paid_on``."""
    return Recourse(principal=claim.amount, since=paid_on)


def accrue(state: Recourse, on: date, *, rate: Decimal) -> tuple[Recourse, Decimal]:
    """Damages at ``rate`` on the principal from ``state.since`` up to (not including) ``on``: the new state (as of
    ``on``) and the whole won accrued. Accruing in steps gives what one accrual over the whole span gives. Raises
    ValueError for a date before ``since`` or a negative rate."""
    if on < state.since:
        raise ValueError(f"damages already run to {state.since}")
    if not rate >= 0:
        raise ValueError("rate must not be negative")
    days = (on - state.since).days
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        accrued, carry = divmod(state.principal * rate * days + state.damages_carry, DAYS_IN_YEAR)
    return replace(state, since=on, damages=state.damages + accrued, damages_carry=carry), accrued


def owed_on(state: Recourse, on: date, *, rate: Decimal) -> dict[str, Decimal]:
    """What the debtor owes on ``on``, by claim of ``RECOVERY_ORDER`` (damages accrued up to ``on``)."""
    return accrue(state, on, rate=rate)[0].by_claim()


def charge_costs(state: Recourse, amount: Decimal) -> Recourse:
    """The guarantor's costs of recovering (a court fee, say), added to the 구상채권. They earn no damages."""
    _check_won("costs", amount)
    return replace(state, costs=state.costs + amount)


def recover(state: Recourse, on: date, amount: Decimal, *, rate: Decimal) -> Recovered:
    """Apply a recovery of ``amount`` received on ``on``: damages accrue up to ``on``, then the amount pays costs,
    damages and principal in ``RECOVERY_ORDER``; whatever is more than everything owed is ``left``. Raises
    ValueError for a fraction of a won or a negative amount, a date before ``state.since`` or a negative rate."""
    _check_won("amount", amount)
    accrued_state, accrued = accrue(state, on, rate=rate)
    spent = waterfall(amount, in_order(RECOVERY_ORDER, accrued_state.by_claim()))
    new = replace(accrued_state, costs=accrued_state.costs - spent["costs"],
                  damages=accrued_state.damages - spent["damages"],
                  principal=accrued_state.principal - spent["principal"])
    if new.settled:
        new = replace(new, damages_carry=ZERO)
    return Recovered(state=new, accrued=accrued, paid=spent)
