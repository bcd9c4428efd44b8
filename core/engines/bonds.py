"""Social impact bonds (사회성과보상사업), as a pure engine: what the payment terms pay for verified outcomes, how
capital calls and distributions are shared among investors, and each investor's money multiple and IRR. Plain
``Decimal``, ``int`` and ``date`` in, frozen dataclasses and ``Decimal`` out; no database, no clock. A service loads
the contract's terms, results and investors' figures, calls these functions, writes back and posts the journals.

Amounts are whole won (an ``int`` or an integral ``Decimal``), never negative, at most 18 digits; percentages are
given as percents (``42`` for 42 %); a float, a bool, NaN, a fraction of a won or a negative is refused with
ValueError (``InvalidTerms``, a ValueError, for payment terms that cannot be applied). Every intermediate figure is
exact (``Fraction``; the IRR alone is solved in floats and checked in Decimal); an amount is rounded once, when it
becomes money, by a named rule.

The rules:

- **Achievement rate** (``achievement_rate``, 성과달성률): people with the outcome / people engaged, in percent,
  rounded DOWN to ``ACHIEVEMENT_QUANTUM`` (0.01 %p), so that a rate is never reported above a threshold it did not
  reach: 39 of 74 is 52.70 %.
- **Achievement table** (``AchievementTable``, 성과보상 기준표): thresholds (achievement rate, %) each with a payment
  as a percent of the principal. ``stepwise``: the percent of the highest threshold reached. ``linear``: interpolated
  between the neighbouring thresholds; at or beyond the highest one, its percent (never extrapolated). Below the
  lowest threshold: 0 (``below="zero"``), or on the straight line from (0 %, 0 %) to the lowest threshold
  (``below="linear"``, Gyeonggi's 해봄: below 12 % falls to 0 % at 0). The cap (``cap``, a percent of the principal)
  is never exceeded; without one, the highest threshold's percent is the most the table pays. The payment is
  ``principal x percent / 100`` rounded by ``PAYMENT_ROUNDING`` (down to the won, 절사) unless the terms name
  another. Thresholds strictly increase, percents never decrease (more outcome never pays less), all non-negative.
- **Rate card** (``RateCard``, 단가표): a price per verified outcome unit up to a maximum number of units:
  ``price x min(units, max_units)``, rounded by the same rule (a whole price times whole units is already whole).
- **Payment due** (``payment_due``): the terms' sum for the results so far (``earned``) less what was already paid,
  never negative and never above the contract's maximum outcome payment (budget cap) less what was already paid. An
  interim evaluation pays only if the terms give an interim share (``interim_percent``, 0 by default: no interim
  payments): ``earned x interim_percent / 100`` (rounded by the rule) less what was already paid. The final
  evaluation settles: ``earned`` less what was already paid. Interim payments are advances on the final payment and
  are never clawed back: when the final result earns less than was already paid, nothing more is due and
  ``overpaid`` says by how much.
- **Shares** (``pro_rata``, used by capital calls and distributions): each investor's share in proportion to its
  weight (commitment for a call, paid-in capital for a distribution), rounded DOWN to ``unit`` won; the rounding
  leftover goes to the investor the contract names (``leftover_to``, 잔여 단수 귀속 투자자), so that the shares add
  up to the amount exactly. A capital call never asks anyone for more than its commitment: the leftover goes to
  the named investor as far as its commitment allows, then to the others in order.
- **Distributions with classes** (``distribute_by_class``): the amount is spent in this order (``CLASS_ORDER``):
  1. the senior class's principal still outstanding (paid in, not yet returned);
  2. the senior class's return still outstanding, when the terms define one: ``senior_return_percent`` of its
     paid-in capital (rounded by the rule), a flat return, not a rate per year;
  3. the junior class's principal still outstanding (the junior class bears the first loss: it is repaid only
     once the senior class has its principal and return);
  4. the rest: in proportion to paid-in capital among all investors, or, when ``senior_share_of_rest`` is given,
     that percent of it to the senior class and the remainder to the junior class (each in proportion to paid-in
     capital within the class; to the other class when one class is empty).
  Within a step, the class's investors share in proportion to what each is owed in that step, each rounded down to
  the unit, the leftover to the named investor if it takes part in the step (and, for steps 1 to 3, while it is
  owed more), otherwise to the first investor (in the given order) that can take it; so nobody is ever paid more
  than it is owed in steps 1 to 3, and every won is distributed.
- **Money multiple** (``money_multiple``, 투자배수): distributions / paid-in, rounded DOWN to ``MULTIPLE_QUANTUM``
  (0.0001), never overstating what an investor got.
- **IRR** (``xirr``, 내부수익률): the rate at which the dated cash flows' net present value is zero, Actual/365 as
  Excel's XIRR (``sum flow / (1 + rate) ^ (days from the first flow / 365) = 0``), negative flows paid in, positive
  received; solved by pyxirr, checked here by the Decimal ``xnpv``, and rounded half-even to ``IRR_QUANTUM``
  (0.000001, i.e. 0.0001 %p). None when there is no rate (flows all of one sign, none, or all on one day).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from fractions import Fraction
from typing import Generic, TypeVar

import pyxirr

from .rounding import ROUNDING_MODES, Rounding
from .waterfall import Claim, waterfall

K = TypeVar("K", bound=Hashable)  # an investor's key

ZERO = Decimal(0)
HUNDRED = Decimal(100)
MAX_AMOUNT = Decimal(10) ** 18 - 1  # MoneyField(max_digits=18)

# The named rules.
ACHIEVEMENT_QUANTUM = Decimal("0.01")  # achievement rates in percent, rounded down to 0.01 %p
PERCENT_QUANTUM = Decimal("0.0001")  # a payment's percent of the principal as shown, rounded down (amounts are exact)
PAYMENT_ROUNDING = Rounding(unit=1, mode="floor")  # payments, returns: down to the won (절사)
MULTIPLE_QUANTUM = Decimal("0.0001")  # money multiples, rounded down
IRR_QUANTUM = Decimal("0.000001")  # IRR as a fraction (0.373363 = 37.3363 %), rounded half-even
DAYS_IN_YEAR = 365  # XIRR's day count: Actual/365, as Excel's
# The XIRR found must make the Decimal NPV zero within this share of the largest flow (a float solver's answer is
# checked, not trusted).
XNPV_TOLERANCE = Decimal("1e-9")

STEPWISE, LINEAR = "stepwise", "linear"
TABLE_MODES = (STEPWISE, LINEAR)
BELOW_ZERO, BELOW_LINEAR = "zero", "linear"  # what the table pays below its lowest threshold
BELOW_MODES = (BELOW_ZERO, BELOW_LINEAR)
SENIOR, JUNIOR = "senior", "junior"
CLASSES = (SENIOR, JUNIOR)

# The order a distribution with classes is spent in, declared once (the allocation, the statement and the tests
# read it).
CLASS_ORDER: tuple[Claim, ...] = (
    Claim("senior_principal", "선순위 원금", "The senior class's paid-in capital not yet returned"),
    Claim("senior_return", "선순위 수익", "The senior class's defined return not yet paid"),
    Claim("junior_principal", "후순위 원금", "The junior class's paid-in capital not yet returned"),
    Claim("rest", "잔여 배분", "What is left, by paid-in capital or by the stated split"),
)


class InvalidTerms(ValueError):
    """Payment terms that cannot be applied: an achievement table out of order or negative, an unknown mode, a
    negative price or maximum. The message names the rule broken."""


# --- inputs ----------------------------------------------------------------------------------------------------------


def _number(value: object, what: str, error: type[ValueError] = ValueError) -> Decimal:
    """``value`` as a finite, non-negative Decimal; a float (binary, inexact), a bool or anything else refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise error(f"{what} must be a Decimal or an int, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise error(f"{what} must be a finite number")
    if number < 0:
        raise error(f"{what} must not be negative")
    return number


def _won(value: object, what: str, error: type[ValueError] = ValueError) -> Decimal:
    """``value`` as a whole, non-negative number of won of at most 18 digits."""
    number = _number(value, what, error)
    if number != number.to_integral_value():
        raise error(f"{what} must be a whole number of won")
    if number > MAX_AMOUNT:
        raise error(f"{what} must have at most 18 digits")
    return number.quantize(Decimal(1))


def _unit(value: object) -> int:
    unit = int(_won(value, "the rounding unit"))
    if unit not in (1, 10, 100):
        raise ValueError("the rounding unit must be 1, 10 or 100 won")
    return unit


def _rounding(rule: object) -> Rounding:
    if not isinstance(rule, Rounding) or rule.unit not in (1, 10, 100) or rule.mode not in ROUNDING_MODES:
        raise InvalidTerms(f"the rounding rule must be a Rounding of unit 1, 10 or 100 and a mode of "
                           f"{sorted(ROUNDING_MODES)}")
    return rule


def _apply(amount: Fraction, rule: Rounding) -> Decimal:
    """An exact non-negative amount rounded to whole won by ``rule`` (floor 절사, ceil 절상 or half up 반올림, to a
    multiple of its unit), exactly (no intermediate precision)."""
    units = amount / rule.unit
    if rule.mode == "floor":
        whole = math.floor(units)
    elif rule.mode == "ceil":
        whole = math.ceil(units)
    else:
        whole = math.floor(units + Fraction(1, 2))
    return Decimal(whole * rule.unit)


def _down(value: Fraction, quantum: Decimal) -> Decimal:
    """A non-negative exact value rounded down to a multiple of ``quantum``, for showing."""
    steps = Fraction(quantum)
    return (Decimal(math.floor(value / steps)) * quantum).quantize(quantum)


def _fraction(value: Decimal) -> Fraction:
    return Fraction(value)


# --- achievement ----------------------------------------------------------------------------------------------------


def achievement_rate(with_outcome: int, engaged: int) -> Decimal:
    """The share of the people engaged who reached the outcome, in percent, rounded down to 0.01 %p
    (``ACHIEVEMENT_QUANTUM``). Raises ValueError on counts that are not whole and non-negative, no one engaged, or
    more with the outcome than engaged."""
    for value, what in ((with_outcome, "the number with the outcome"), (engaged, "the number engaged")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{what} must be a whole, non-negative number")
    if engaged == 0:
        raise ValueError("the number engaged must be above zero")
    if with_outcome > engaged:
        raise ValueError("the number with the outcome must not be more than the number engaged")
    return _down(Fraction(with_outcome * 100, engaged), ACHIEVEMENT_QUANTUM)


# --- payment terms ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One row of an achievement table: from ``threshold`` % achievement, ``percent`` % of the principal."""

    threshold: Decimal
    percent: Decimal


@dataclass(frozen=True)
class Payment:
    """What payment terms pay for one result: the amount (whole won); the percent of the principal (an achievement
    table's, rounded down to ``PERCENT_QUANTUM`` for showing; None for a rate card); the units paid for (a rate
    card's, None for a table); and whether the cap or the maximum number of units held the payment down."""

    amount: Decimal
    percent: Decimal | None = None
    units_paid: Decimal | None = None
    capped: bool = False


@dataclass(frozen=True)
class AchievementTable:
    """An achievement table (성과보상 기준표): its steps in increasing threshold order, ``stepwise`` or ``linear``,
    a cap (percent of the principal; None: the highest step's percent), what it pays below the lowest threshold
    (``zero`` or ``linear`` from (0, 0)) and its rounding rule. Raises InvalidTerms when built out of order."""

    steps: tuple[Step, ...]
    mode: str = LINEAR
    cap: Decimal | None = None
    below: str = BELOW_ZERO
    rounding: Rounding = PAYMENT_ROUNDING

    def __post_init__(self) -> None:
        if self.mode not in TABLE_MODES:
            raise InvalidTerms(f"the table's mode must be one of {TABLE_MODES}, not {self.mode!r}")
        if self.below not in BELOW_MODES:
            raise InvalidTerms(f"what the table pays below its lowest threshold must be one of {BELOW_MODES}, "
                               f"not {self.below!r}")
        if not isinstance(self.steps, tuple) or not self.steps:
            raise InvalidTerms("an achievement table needs at least one step (a tuple of Step)")
        previous: Step | None = None
        for index, step in enumerate(self.steps, start=1):
            if not isinstance(step, Step):
                raise InvalidTerms(f"step {index} must be a Step")
            threshold = _number(step.threshold, f"step {index}'s threshold", InvalidTerms)
            percent = _number(step.percent, f"step {index}'s percent", InvalidTerms)
            if previous is not None:
                if threshold <= previous.threshold:
                    raise InvalidTerms(f"step {index}'s threshold ({threshold} %) must be above the one before it "
                                       f"({previous.threshold} %): thresholds strictly increase")
                if percent < previous.percent:
                    raise InvalidTerms(f"step {index}'s percent ({percent} %) must not be below the one before it "
                                       f"({previous.percent} %): a better result never pays less")
            previous = step
        if self.cap is not None:
            _number(self.cap, "the cap", InvalidTerms)
        _rounding(self.rounding)

    @property
    def ceiling(self) -> Decimal:
        """The most the table pays, as a percent of the principal."""
        top = self.steps[-1].percent
        return top if self.cap is None else min(top, self.cap)

    def _exact(self, achievement: Decimal) -> tuple[Fraction, bool]:
        """The exact percent the table pays at ``achievement`` and whether the cap held it down."""
        rate = _fraction(achievement)
        points = [(_fraction(step.threshold), _fraction(step.percent)) for step in self.steps]
        first_threshold, first_percent = points[0]
        if rate < first_threshold:
            if self.below == BELOW_ZERO or first_threshold == 0:
                raw = Fraction(0)
            else:
                raw = first_percent * rate / first_threshold
        else:
            reached = max(index for index, (threshold, _percent) in enumerate(points) if threshold <= rate)
            low_threshold, low_percent = points[reached]
            if self.mode == STEPWISE or reached == len(points) - 1:
                raw = low_percent
            else:
                high_threshold, high_percent = points[reached + 1]
                raw = low_percent + (rate - low_threshold) * (high_percent - low_percent) / (
                    high_threshold - low_threshold)
        if self.cap is not None and raw > _fraction(self.cap):
            return _fraction(self.cap), True
        return raw, False

    def percent(self, achievement: Decimal) -> Decimal:
        """The percent of the principal the table pays at ``achievement`` %, rounded down to ``PERCENT_QUANTUM``
        (for showing; ``pay`` uses the exact figure)."""
        exact, _capped = self._exact(_number(achievement, "the achievement rate"))
        return _down(exact, PERCENT_QUANTUM)

    def pay(self, *, principal: Decimal, achievement: Decimal) -> Payment:
        """What the table pays on ``principal`` won for an achievement rate of ``achievement`` %: the exact percent
        times the principal, rounded once by the table's rule."""
        base = _won(principal, "the principal")
        exact, capped = self._exact(_number(achievement, "the achievement rate"))
        amount = _apply(_fraction(base) * exact / 100, self.rounding)
        return Payment(amount=amount, percent=_down(exact, PERCENT_QUANTUM), capped=capped)


@dataclass(frozen=True)
class RateCard:
    """A rate card (단가표): ``price`` won per verified outcome unit, for at most ``max_units`` units. Raises
    InvalidTerms on a negative or fractional price, or a negative maximum."""

    price: Decimal
    max_units: Decimal
    rounding: Rounding = PAYMENT_ROUNDING

    def __post_init__(self) -> None:
        _won(self.price, "the price per unit", InvalidTerms)
        _number(self.max_units, "the maximum number of units", InvalidTerms)
        _rounding(self.rounding)

    def pay(self, *, units: Decimal) -> Payment:
        """What the card pays for ``units`` verified outcome units: price x min(units, max_units), rounded by the
        card's rule."""
        verified = _number(units, "the number of outcome units")
        paid_for = min(verified, Decimal(self.max_units))
        amount = _apply(_fraction(Decimal(self.price)) * _fraction(paid_for), self.rounding)
        return Payment(amount=amount, units_paid=paid_for, capped=verified > self.max_units)


@dataclass(frozen=True)
class PaymentDue:
    """The outcome payment due at an evaluation point (성과보상금 지급액)."""

    earned: Decimal  # what the terms pay for the results so far
    payable: Decimal  # what this evaluation may bring the payments up to: earned (final) or its interim share
    already_paid: Decimal
    cap_left: Decimal  # the maximum outcome payment less what was already paid
    due: Decimal  # min(payable - already_paid, cap_left), never negative
    capped: bool  # the budget cap held the payment down
    overpaid: Decimal  # at the final evaluation: what was paid beyond what the results earned (not clawed back)


def payment_due(*, earned: Decimal, already_paid: Decimal, max_payment: Decimal, final: bool,
                interim_percent: Decimal = ZERO, rounding: Rounding = PAYMENT_ROUNDING) -> PaymentDue:
    """The payment due for results that ``earned`` won under the terms (the metrics' payments added up), after
    ``already_paid`` won, within the contract's ``max_payment`` (budget cap). ``final`` settles; an interim
    evaluation pays ``interim_percent`` % of what it earned (0: none). Raises ValueError on amounts that are not
    whole, non-negative won, more already paid than the cap, or an interim percent above 100."""
    earns = _won(earned, "earned")
    paid = _won(already_paid, "already paid")
    budget = _won(max_payment, "the maximum outcome payment")
    share = _number(interim_percent, "the interim percent")
    if share > HUNDRED:
        raise ValueError("the interim percent must be at most 100")
    if paid > budget:
        raise ValueError("more was already paid than the maximum outcome payment")
    rule = _rounding(rounding)
    payable = earns if final else _apply(_fraction(earns) * _fraction(share) / 100, rule)
    cap_left = budget - paid
    wanted = max(payable - paid, ZERO)
    due = min(wanted, cap_left)
    return PaymentDue(earned=earns, payable=payable, already_paid=paid, cap_left=cap_left, due=due,
                      capped=wanted > cap_left, overpaid=max(paid - earns, ZERO) if final else ZERO)


# --- shares: capital calls and distributions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Shares(Generic[K]):
    """An amount shared among investors: each investor's share in the investors' order (zero shares included), and
    the total (the shares add up to it exactly)."""

    shares: tuple[tuple[K, Decimal], ...]
    total: Decimal

    def __getitem__(self, investor: K) -> Decimal:
        return dict(self.shares).get(investor, ZERO)

    def as_dict(self) -> dict[K, Decimal]:
        return dict(self.shares)


def _weights(weights: Sequence[tuple[K, object]], what: str) -> list[tuple[K, int]]:
    seen: set[K] = set()
    checked: list[tuple[K, int]] = []
    for key, value in weights:
        if key in seen:
            raise ValueError(f"investor {key!r} appears twice")
        seen.add(key)
        checked.append((key, int(_won(value, f"investor {key!r}'s {what}"))))
    return checked


def _share_out(amount: int, weights: list[tuple[K, int]], leftover_to: K | None, unit: int,
               capped: bool) -> list[int]:
    """``amount`` in proportion to ``weights``, each share rounded down to ``unit``; the leftover to ``leftover_to``
    (when it has a weight), else to the first with a weight. ``capped``: nobody gets more than its weight (``amount``
    is then at most their sum): the leftover goes to the named investor as far as its weight allows, then to the
    others in order."""
    whole = sum(weight for _key, weight in weights)
    shares = [amount * weight // (whole * unit) * unit for _key, weight in weights]
    left = amount - sum(shares)
    if not left:
        return shares
    named = [index for index, (key, weight) in enumerate(weights) if key == leftover_to and weight]
    order = named + [index for index, (_key, weight) in enumerate(weights) if weight and index not in named]
    for index in order:
        extra = min(left, weights[index][1] - shares[index]) if capped else left
        shares[index] += extra
        left -= extra
        if not left:
            break
    return shares


def pro_rata(amount: Decimal, weights: Sequence[tuple[K, Decimal]], *, leftover_to: K,
             unit: Decimal = Decimal(1)) -> Shares[K]:
    """Share ``amount`` among investors (key, weight) in proportion to their weights, each share rounded down to
    ``unit`` won, the rounding leftover to ``leftover_to`` (or, if its weight is zero, to the first investor with a
    weight), so the shares add up to ``amount``. Raises ValueError on amounts or weights that are not whole,
    non-negative won, an investor given twice, a unit other than 1, 10 or 100, a ``leftover_to`` that is not among
    the investors, or an amount to share when every weight is zero."""
    return _pro_rata(amount, weights, leftover_to, unit, "weight")


def _pro_rata(amount: Decimal, weights: Sequence[tuple[K, Decimal]], leftover_to: K, unit: Decimal,
              what: str, capped: bool = False) -> Shares[K]:
    total = int(_won(amount, "the amount"))
    step = _unit(unit)
    checked = _weights(weights, what)
    if leftover_to not in {key for key, _weight in checked}:
        raise ValueError(f"the investor named for the rounding leftover ({leftover_to!r}) is not among the investors")
    if not total:
        return Shares(shares=tuple((key, ZERO) for key, _weight in checked), total=ZERO)
    if not any(weight for _key, weight in checked):
        raise ValueError("there is an amount to share but every weight is zero")
    if capped and total > sum(weight for _key, weight in checked):
        raise ValueError(f"the amount must not be more than the investors' {what} together")
    shares = _share_out(total, checked, leftover_to, step, capped=capped)
    return Shares(shares=tuple((key, Decimal(share)) for (key, _weight), share in zip(checked, shares, strict=True)),
                  total=Decimal(total))


def capital_call(amount: Decimal, commitments: Sequence[tuple[K, Decimal]], *, leftover_to: K,
                 unit: Decimal = Decimal(1)) -> Shares[K]:
    """A capital call (출자 요청) of ``amount`` from investors in proportion to their commitments (약정액), each share
    rounded down to ``unit``, the leftover to the named investor as far as its commitment allows (then to the others
    in order), so no share is above its investor's commitment. Pass what each has still to pay in when earlier calls
    were not all in proportion. Raises ValueError as ``pro_rata``, and when the call is more than the commitments
    together."""
    return _pro_rata(amount, commitments, leftover_to, unit, "commitments", capped=True)


def distribute(amount: Decimal, paid_in: Sequence[tuple[K, Decimal]], *, leftover_to: K,
               unit: Decimal = Decimal(1)) -> Shares[K]:
    """A distribution (배분) of ``amount`` in proportion to paid-in capital (납입액), each share rounded down to
    ``unit``, the leftover to the named investor. Raises ValueError as ``pro_rata``."""
    return _pro_rata(amount, paid_in, leftover_to, unit, "paid-in capital")


@dataclass(frozen=True)
class Holding(Generic[K]):
    """An investor's position in a contract with classes: its class (``senior`` or ``junior``), its paid-in capital,
    and what earlier distributions returned of its principal and paid of its (senior) return."""

    investor: K
    share_class: str
    paid_in: Decimal
    principal_returned: Decimal = ZERO
    return_paid: Decimal = ZERO


@dataclass(frozen=True)
class ClassShare(Generic[K]):
    """What one investor gets from a distribution with classes, by step."""

    investor: K
    share_class: str
    principal: Decimal = ZERO
    senior_return: Decimal = ZERO
    rest: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.principal + self.senior_return + self.rest


@dataclass(frozen=True)
class ClassDistribution(Generic[K]):
    """A distribution with classes: each step's amount (in ``CLASS_ORDER``) and each investor's share (in the
    holdings' order). The shares add up to ``total``, the amount distributed."""

    steps: tuple[tuple[str, Decimal], ...]
    shares: tuple[ClassShare[K], ...]
    total: Decimal

    def __getitem__(self, investor: K) -> ClassShare[K]:
        return next(share for share in self.shares if share.investor == investor)

    def step(self, name: str) -> Decimal:
        return dict(self.steps)[name]


@dataclass(frozen=True)
class _Row(Generic[K]):
    investor: K
    share_class: str
    paid_in: int
    principal_owed: int  # paid in, not yet returned
    return_owed: int  # the senior return defined, not yet paid


def distribute_by_class(amount: Decimal, holdings: Sequence[Holding[K]], *, leftover_to: K,
                        senior_return_percent: Decimal = ZERO, senior_share_of_rest: Decimal | None = None,
                        unit: Decimal = Decimal(1), rounding: Rounding = PAYMENT_ROUNDING) -> ClassDistribution[K]:
    """Distribute ``amount`` to investors in a senior and a junior class by ``CLASS_ORDER`` (see the module's
    rules): senior principal, the senior's defined return (``senior_return_percent`` of its paid-in capital, flat),
    junior principal, then the rest by paid-in capital or by ``senior_share_of_rest`` %. Raises ValueError on
    amounts that are not whole, non-negative won, an unknown class, more returned than paid in, a return paid
    beyond what is defined, an investor given twice, a ``leftover_to`` not among them, percents out of range, or an
    amount when nobody has paid in."""
    total = int(_won(amount, "the amount"))
    step = _unit(unit)
    rule = _rounding(rounding)
    return_rate = _fraction(_number(senior_return_percent, "the senior return percent"))
    split = None if senior_share_of_rest is None else _number(senior_share_of_rest, "the senior share of the rest")
    if split is not None and split > HUNDRED:
        raise ValueError("the senior share of the rest must be at most 100 %")
    seen: set[K] = set()
    rows: list[_Row[K]] = []
    for holding in holdings:
        key = holding.investor
        if key in seen:
            raise ValueError(f"investor {key!r} appears twice")
        seen.add(key)
        if holding.share_class not in CLASSES:
            raise ValueError(f"investor {key!r}'s class must be one of {CLASSES}, not {holding.share_class!r}")
        paid_in = int(_won(holding.paid_in, f"investor {key!r}'s paid-in capital"))
        returned = int(_won(holding.principal_returned, f"investor {key!r}'s principal returned"))
        return_paid = int(_won(holding.return_paid, f"investor {key!r}'s return paid"))
        if returned > paid_in:
            raise ValueError(f"investor {key!r} had more principal returned than it paid in")
        defined = int(_apply(paid_in * return_rate / 100, rule)) if holding.share_class == SENIOR else 0
        if return_paid > defined:
            raise ValueError(f"investor {key!r} was paid more return than the terms define")
        rows.append(_Row(key, holding.share_class, paid_in, paid_in - returned, defined - return_paid))
    if leftover_to not in seen:
        raise ValueError(f"the investor named for the rounding leftover ({leftover_to!r}) is not among the investors")
    if total and not any(row.paid_in for row in rows):
        raise ValueError("there is an amount to distribute but nobody has paid in")

    def weights(share_class: str | None, field: str) -> list[tuple[K, int]]:
        return [(row.investor, getattr(row, field)) for row in rows if share_class in (None, row.share_class)]

    def owing(share_class: str, field: str) -> Decimal:
        return Decimal(sum(weight for _key, weight in weights(share_class, field)))

    spent = waterfall(Decimal(total), [
        ("senior_principal", owing(SENIOR, "principal_owed")),
        ("senior_return", owing(SENIOR, "return_owed")),
        ("junior_principal", owing(JUNIOR, "principal_owed")),
    ])
    rest = int(spent.left)
    got: dict[K, dict[str, int]] = {row.investor: {"principal": 0, "senior_return": 0, "rest": 0} for row in rows}

    def give(amount_: int, among: list[tuple[K, int]], field: str, capped: bool) -> None:
        if not amount_:
            return
        for (key, _weight), share in zip(among, _share_out(amount_, among, leftover_to, step, capped), strict=True):
            got[key][field] += share

    give(int(spent["senior_principal"]), weights(SENIOR, "principal_owed"), "principal", capped=True)
    give(int(spent["senior_return"]), weights(SENIOR, "return_owed"), "senior_return", capped=True)
    give(int(spent["junior_principal"]), weights(JUNIOR, "principal_owed"), "principal", capped=True)
    seniors, juniors = weights(SENIOR, "paid_in"), weights(JUNIOR, "paid_in")
    if split is None or not any(weight for _key, weight in juniors) or not any(weight for _key, weight in seniors):
        give(rest, weights(None, "paid_in"), "rest", capped=False)
    else:
        to_seniors = int(_apply(rest * _fraction(split) / 100, rule))
        give(to_seniors, seniors, "rest", capped=False)
        give(rest - to_seniors, juniors, "rest", capped=False)
    shares = tuple(ClassShare(investor=row.investor, share_class=row.share_class,
                              principal=Decimal(got[row.investor]["principal"]),
                              senior_return=Decimal(got[row.investor]["senior_return"]),
                              rest=Decimal(got[row.investor]["rest"]))
                   for row in rows)
    steps = tuple((name, spent[name]) for name in ("senior_principal", "senior_return", "junior_principal"))
    return ClassDistribution(steps=(*steps, ("rest", Decimal(rest))), shares=shares, total=Decimal(total))


# --- investor figures ------------------------------------------------------------------------------------------------


def money_multiple(distributed: Decimal, paid_in: Decimal) -> Decimal | None:
    """Distributions / paid-in capital (투자배수), rounded down to ``MULTIPLE_QUANTUM``; None when nothing was paid
    in. Raises ValueError on amounts that are not whole, non-negative won."""
    received = _won(distributed, "distributed")
    invested = _won(paid_in, "paid in")
    if not invested:
        return None
    return _down(_fraction(received) / _fraction(invested), MULTIPLE_QUANTUM)


def _flows(flows: Sequence[tuple[date, Decimal]]) -> list[tuple[date, Decimal]]:
    checked: list[tuple[date, Decimal]] = []
    for index, (on, amount) in enumerate(flows, start=1):
        if not isinstance(on, date):
            raise ValueError(f"flow {index}'s date must be a date")
        if isinstance(amount, bool) or not isinstance(amount, Decimal | int) or not Decimal(amount).is_finite():
            raise ValueError(f"flow {index}'s amount must be a finite Decimal or int")
        magnitude = _won(abs(Decimal(amount)), f"flow {index}'s amount")
        checked.append((on, magnitude if amount >= 0 else -magnitude))
    return checked


def xnpv(rate: Decimal, flows: Sequence[tuple[date, Decimal]]) -> Decimal:
    """The net present value of dated ``flows`` at ``rate`` (a fraction, above -1), Actual/365 from the earliest
    flow, as Excel's XNPV, to 40 significant digits. Raises ValueError on a rate of -1 or less or bad flows."""
    checked = _flows(flows)
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= -1:
        raise ValueError("the rate must be a finite Decimal above -1")
    if not checked:
        return ZERO
    start = min(on for on, _amount in checked)
    with localcontext(Context(prec=40, rounding=ROUND_HALF_EVEN)):
        base = 1 + rate
        return sum((amount / base ** (Decimal((on - start).days) / DAYS_IN_YEAR) for on, amount in checked), ZERO)


def xirr(flows: Sequence[tuple[date, Decimal]]) -> Decimal | None:
    """The IRR of an investor's dated cash flows (negative paid in, positive received), Actual/365 as Excel's XIRR,
    rounded half-even to ``IRR_QUANTUM``; None when there is none (no flows, all of one sign, all on one day, or
    no rate at which the Decimal ``xnpv`` is zero). Raises ValueError on bad flows."""
    checked = _flows(flows)
    if not any(amount > 0 for _on, amount in checked) or not any(amount < 0 for _on, amount in checked):
        return None
    if len({on for on, _amount in checked}) < 2:
        return None
    found = pyxirr.xirr([on for on, _amount in checked], [float(amount) for _on, amount in checked], silent=True)
    if found is None or not math.isfinite(found) or found <= -1:
        return None
    rate = Decimal(repr(found))
    largest = max(abs(amount) for _on, amount in checked)
    if abs(xnpv(rate, checked)) > largest * XNPV_TOLERANCE:
        return None
    # Enough digits for any rate a float can hold (up to 1e308), not only the default context's 28.
    with localcontext(Context(prec=max(28, rate.adjusted() + 10))):
        return rate.quantize(IRR_QUANTUM, rounding=ROUND_HALF_EVEN)

