"""Matching pools (매칭 펀드) of a social crowdfunding contest, as a pure engine: plain ``Decimal`` in and out, frozen
dataclasses; no database, no clock. A service locks the pool and its funders, loads their plain values, calls these
functions, writes back what they return and posts the journals.

Amounts are whole won (an ``int`` or an integral ``Decimal``), never negative, at most ``MAX_AMOUNT`` (18 digits, as
the money fields); a float, NaN, infinity, a fraction of a won, a negative or a larger amount is refused with
ValueError. ``unit`` is the rounding unit in won (1, 10 or 100: 국고금
관리법 s47 drops amounts under 10 won in public payments); every share and match is rounded DOWN to it (절사), and
what rounding leaves stays in the pool. Percentages are given as percents (``50`` for 50 %).

The rules:

- **Several funders** (``split_across_funders``): a draw of ``amount`` from a pool is taken from each funder in
  proportion to what each has left, each share rounded down to ``unit``; the shortfall the rounding leaves is taken
  from the first funder (in the pool's funder order) whose remaining money covers it, or, when no single funder can
  (possible with unit 10), from the funders in order, each giving what it still has. When all together hold less
  than ``amount``, the draw is everything they hold ("funds exhausted"). Funders 100 and 50: a draw of 100 takes
  66 + 33, the shortfall of 1 from the first, so 67 and 33; a draw of 160 takes 100 and 50 (150, exhausted). Zero
  shares are omitted from ``Split.shares``: a service writes one row per funder that gave money.
- **Pledge matching** (``pledge_match``, as Goteo's matcher): ``floor_to_unit(min(pledge, cap per pledge) x factor)``,
  then limited by the cap per campaign (an amount, or a percent of the target rounded down to the unit; when both are
  set, the smaller) less what the campaign already got from the pool, by the cap per backer (per backer per campaign)
  less what the backer already got, and by what the pool has available ("funds exhausted": the match is what is
  left, rounded down to the unit). Never negative.
- **Trigger** (as Crowdfunder UK's partner pledges): a pledge is matched only if, counting that pledge itself, the
  campaign's pledges have reached ``trigger_percent`` of its target AND ``trigger_backers`` unique backers. The
  pledge that crosses the thresholds is matched in full; pledges before it are not matched retroactively. Only
  pledges count toward the trigger, never matched money (a match cannot trigger itself).
- **Top-up** (``top_up``, as Busan's BEF): at the deadline, when what counts toward the target (pledged + matched:
  the caller passes it as ``counted``) is at least ``threshold_percent`` of the target and below it, the pool pays
  the rest of the target, rounded UP to the unit (a top-up rounded down would leave an all-or-nothing campaign a few
  won short, and it would fail), limited by the pool (rounded down to the unit); 0 otherwise.
- **Quadratic funding** (``quadratic``, Gitcoin's linear QF): ``raw_i = (sum over backers of sqrt(total_b))^2 -
  sum_b total_b``, ``match_i = pot x raw_i / sum_j raw_j``. With a cap per campaign, every campaign above it is set
  to the cap and the rest of the pot is shared again among the uncapped ones in proportion to their raw values,
  repeated until none exceeds it. Each match is then rounded down to the unit; what rounding leaves, and what no
  campaign could take (all raw values zero, or every campaign capped), is ``leftover`` and stays in the pool. Square
  roots are taken in a local context of ``_PRECISION`` (50) significant digits, backers' values in sorted order, so
  the result does not depend on the order of the backers; each share is snapped to ``SNAP`` (1e-20 won) before it
  is compared with the cap and rounded down, so that a 50-digit error never turns a whole won into one less.
- **Returning unspent money** (``return_to_funders``): in proportion to what each funder contributed, each share
  rounded down to the unit; the rounding leftover goes to the first funder (in order), so the pool is emptied.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)  # a funder's key
C = TypeVar("C", bound=Hashable)  # a campaign's key
B = TypeVar("B", bound=Hashable)  # a backer's key

ZERO = Decimal(0)
HUNDRED = Decimal(100)
_PRECISION = 50  # significant digits for square roots and quotients (the brief asks for at least 40)
_CONTEXT = Context(prec=_PRECISION, rounding=ROUND_HALF_EVEN)
# A quadratic match is computed to 50 digits, so a share that is exactly a whole number (the whole pot to the one
# campaign with a raw value: pot x r / r) can come out as 3.99...9; matches are snapped to SNAP before they are
# compared with the cap or rounded down, so that such an error never costs a won.
SNAP = Decimal("1e-20")
MAX_AMOUNT = Decimal(10) ** 18 - 1  # MoneyField(max_digits=18)


# --- inputs ----------------------------------------------------------------------------------------------------------


def _number(value: object, what: str) -> Decimal:
    """``value`` as a finite, non-negative Decimal; a float (binary, inexact), a bool or anything else refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"{what} must be a Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{what} must be a finite number")
    if number < 0:
        raise ValueError(f"{what} must not be negative")
    return number


def _won(value: object, what: str) -> int:
    """``value`` as a whole, non-negative number of won (an int, for exact arithmetic)."""
    number = _number(value, what)
    if number != number.to_integral_value():
        raise ValueError(f"{what} must be a whole number of won")
    if number > MAX_AMOUNT:
        raise ValueError(f"{what} must have at most 18 digits")
    return int(number)


def _unit(value: object) -> int:
    unit = _won(value, "the rounding unit")
    if unit not in (1, 10, 100):
        raise ValueError("the rounding unit must be 1, 10 or 100 won")
    return unit


def _floor_to(amount: Decimal, unit: int) -> Decimal:
    """A non-negative amount rounded down to a multiple of ``unit`` won."""
    with localcontext(_CONTEXT):
        return (amount / unit).to_integral_value(rounding=ROUND_FLOOR) * unit


def _ceil_to(amount: Decimal, unit: int) -> Decimal:
    with localcontext(_CONTEXT):
        return (amount / unit).to_integral_value(rounding=ROUND_CEILING) * unit


def _funders(funders: Sequence[tuple[K, object]], what: str) -> list[tuple[K, int]]:
    seen: set[K] = set()
    checked: list[tuple[K, int]] = []
    for key, value in funders:
        if key in seen:
            raise ValueError(f"funder {key!r} appears twice")
        seen.add(key)
        checked.append((key, _won(value, f"what funder {key!r} {what}")))
    return checked


# --- several funders -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split(Generic[K]):
    """A draw from a pool's funders: each funder's share, in the funders' order, zero shares omitted; the total
    drawn; and whether the funders together held less than was asked (``exhausted``: the total is then all they
    held)."""

    shares: tuple[tuple[K, Decimal], ...]
    total: Decimal
    exhausted: bool

    def __getitem__(self, funder: K) -> Decimal:
        """A funder's share (0 for a funder that gave nothing)."""
        return dict(self.shares).get(funder, ZERO)

    def as_dict(self) -> dict[K, Decimal]:
        return dict(self.shares)


def _proportional(amount: int, weights: list[tuple[K, int]], unit: int) -> list[int]:
    """Each weight's share of ``amount`` in proportion, rounded down to ``unit`` (exact integer arithmetic)."""
    whole = sum(weight for _key, weight in weights)
    return [amount * weight // (whole * unit) * unit for _key, weight in weights]


def split_across_funders(amount: Decimal, funders: Sequence[tuple[K, Decimal]],
                         unit: Decimal = Decimal(1)) -> Split[K]:
    """Draw ``amount`` from ``funders`` (funder key, what it has left), given in the pool's funder order: in
    proportion to what each has left, each share rounded down to ``unit``, the shortfall from the first funder that
    can cover it (else from the funders in order); everything they hold when that is less than ``amount``. Raises
    ValueError on an amount or a balance that is not whole, non-negative won, a funder given twice or a unit other
    than 1, 10 or 100."""
    wanted = _won(amount, "the amount")
    step = _unit(unit)
    held = _funders(funders, "has left")
    holding = sum(left for _key, left in held)
    if holding <= wanted:
        return Split(shares=tuple((key, Decimal(left)) for key, left in held if left),
                     total=Decimal(holding), exhausted=holding < wanted)
    shares = _proportional(wanted, held, step)
    shortfall = wanted - sum(shares)
    if shortfall:
        # Each share is below its funder's balance by the rounding alone: share <= amount x left / holding < left.
        coverer = next((index for index, (_key, left) in enumerate(held) if left - shares[index] >= shortfall), None)
        if coverer is not None:
            shares[coverer] += shortfall
        else:
            for index, (_key, left) in enumerate(held):
                extra = min(left - shares[index], shortfall)
                shares[index] += extra
                shortfall -= extra
    return Split(shares=tuple((key, Decimal(share)) for (key, _left), share in zip(held, shares, strict=True) if share),
                 total=Decimal(wanted), exhausted=False)


def return_to_funders(amount: Decimal, funders: Sequence[tuple[K, Decimal]],
                      unit: Decimal = Decimal(1)) -> Split[K]:
    """Give a pool's unspent ``amount`` back to its ``funders`` (funder key, what it contributed), in proportion to
    what each contributed, each share rounded down to ``unit``; the rounding leftover goes to the first funder (in
    order) that contributed anything, so that the whole amount goes back and nothing stays in the pool.
    ``Split.exhausted`` is always False. Raises ValueError on amounts that are not whole, non-negative won, a funder
    given twice, a unit other than 1, 10 or 100, or an amount to return when nobody contributed anything."""
    returning = _won(amount, "the amount")
    step = _unit(unit)
    contributed = _funders(funders, "contributed")
    if not returning:
        return Split(shares=(), total=ZERO, exhausted=False)
    if not any(given for _key, given in contributed):
        raise ValueError("there is money to return but no funder contributed anything")
    shares = _proportional(returning, contributed, step)
    first = next(index for index, (_key, given) in enumerate(contributed) if given)
    shares[first] += returning - sum(shares)
    return Split(shares=tuple((key, Decimal(share))
                              for (key, _given), share in zip(contributed, shares, strict=True) if share),
                 total=Decimal(returning), exhausted=False)


# --- pledge matching ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PledgeRule:
    """A pool's rule for matching pledges (매칭 규칙). ``factor`` 1 is 1:1 (each won pledged brings one won), 0.5 is
    half. A cap of None is no cap. Percents are percents (50 for 50 %); a trigger of 0 is no trigger."""

    factor: Decimal = Decimal(1)
    cap_per_pledge: Decimal | None = None  # the part of a pledge that is matched, at most
    cap_per_campaign_amount: Decimal | None = None  # what one campaign may get from the pool, at most
    cap_per_campaign_percent: Decimal | None = None  # the same as a percent of the campaign's target
    cap_per_backer: Decimal | None = None  # what one backer's pledges to one campaign may bring, at most
    trigger_percent: Decimal = ZERO  # matching starts at this percent of the target pledged ...
    trigger_backers: int = 0  # ... and this many unique backers
    unit: Decimal = Decimal(1)  # rounding unit, 1, 10 or 100 won

    def __post_init__(self) -> None:
        _number(self.factor, "the factor")
        for name in ("cap_per_pledge", "cap_per_campaign_amount", "cap_per_backer"):
            value = getattr(self, name)
            if value is not None:
                _won(value, name)
        if self.cap_per_campaign_percent is not None:
            _number(self.cap_per_campaign_percent, "cap_per_campaign_percent")
        _number(self.trigger_percent, "trigger_percent")
        if isinstance(self.trigger_backers, bool) or not isinstance(self.trigger_backers, int):
            raise ValueError("trigger_backers must be a whole number")
        if self.trigger_backers < 0:
            raise ValueError("trigger_backers must not be negative")
        _unit(self.unit)

    def campaign_cap(self, target: Decimal) -> Decimal | None:
        """What one campaign may get from the pool in all: the smaller of the amount and the percent of ``target``
        (rounded down to the unit) that are set; None when neither is."""
        caps: list[Decimal] = []
        if self.cap_per_campaign_amount is not None:
            caps.append(Decimal(self.cap_per_campaign_amount))
        if self.cap_per_campaign_percent is not None:
            with localcontext(_CONTEXT):
                share = Decimal(_won(target, "the campaign's target")) * self.cap_per_campaign_percent / HUNDRED
            caps.append(_floor_to(share, _unit(self.unit)))
        return min(caps) if caps else None

    def triggered(self, *, target: Decimal, pledged_after: Decimal, backers_after: int) -> bool:
        """Whether a pledge is matched: counting it, the campaign's pledges reach ``trigger_percent`` of ``target``
        and ``trigger_backers`` unique backers."""
        with localcontext(_CONTEXT):
            enough_money = Decimal(pledged_after) * HUNDRED >= self.trigger_percent * Decimal(target)
        return enough_money and backers_after >= self.trigger_backers


def pledge_match(rule: PledgeRule, *, pledge: Decimal, campaign_target: Decimal, campaign_matched_so_far: Decimal,
                 backer_matched_so_far: Decimal, pool_available: Decimal, campaign_pledged_before: Decimal,
                 campaign_backers_after: int) -> Decimal:
    """What the pool adds to one pledge under ``rule``, rounded down to the rule's unit, never negative.
    ``campaign_pledged_before`` is the campaign's live pledges before this one (pledges only, no matched money);
    ``campaign_backers_after`` its unique backers counting this pledge's backer; the ``*_matched_so_far`` are what
    the campaign and this backer already got from this pool (matches of live pledges); ``pool_available`` what the
    pool holds now. Returns 0 before the trigger is reached. Raises ValueError on amounts that are not whole,
    non-negative won or a negative count of backers."""
    amount = _won(pledge, "the pledge")
    target = _won(campaign_target, "the campaign's target")
    campaign_got = _won(campaign_matched_so_far, "what the campaign was matched so far")
    backer_got = _won(backer_matched_so_far, "what the backer was matched so far")
    available = _won(pool_available, "what the pool has available")
    before = _won(campaign_pledged_before, "what the campaign had pledged before")
    if isinstance(campaign_backers_after, bool) or not isinstance(campaign_backers_after, int):
        raise ValueError("the number of backers must be a whole number")
    if campaign_backers_after < 1:
        raise ValueError("the number of backers counting this pledge's backer must be at least 1")
    unit = _unit(rule.unit)
    if not rule.triggered(target=Decimal(target), pledged_after=Decimal(before + amount),
                          backers_after=campaign_backers_after):
        return ZERO
    matched_part = Decimal(amount)
    if rule.cap_per_pledge is not None:
        matched_part = min(matched_part, Decimal(rule.cap_per_pledge))
    with localcontext(_CONTEXT):
        limits = [_floor_to(matched_part * rule.factor, unit), Decimal(available)]
    campaign_cap = rule.campaign_cap(Decimal(target))
    if campaign_cap is not None:
        limits.append(campaign_cap - campaign_got)
    if rule.cap_per_backer is not None:
        limits.append(Decimal(rule.cap_per_backer) - backer_got)
    return max(ZERO, _floor_to(max(ZERO, min(limits)), unit))


# --- top-up ---------------------------------------------------------------------------------------------------------


def top_up(*, counted: Decimal, target: Decimal, threshold_percent: Decimal, pool_available: Decimal,
           unit: Decimal = Decimal(1)) -> Decimal:
    """What the pool pays a campaign at its deadline to complete its target (부족분 지원): when ``counted`` (what
    counts toward the target: the caller passes pledged + matched) is at least ``threshold_percent`` of ``target``
    and below it, ``target - counted`` rounded up to ``unit``, limited by ``pool_available`` rounded down to
    ``unit``; 0 otherwise (below the threshold, at or above the target). Raises ValueError on amounts that are not
    whole, non-negative won, a threshold outside 0..100 or a target of zero."""
    have = _won(counted, "what counts toward the target")
    goal = _won(target, "the target")
    threshold = _number(threshold_percent, "the threshold percent")
    available = _won(pool_available, "what the pool has available")
    step = _unit(unit)
    if threshold > HUNDRED:
        raise ValueError("the threshold percent must be at most 100")
    if goal == 0:
        raise ValueError("the target must be above zero")
    if have >= goal:
        return ZERO
    with localcontext(_CONTEXT):
        if Decimal(have) * HUNDRED < threshold * goal:
            return ZERO
    return min(_ceil_to(Decimal(goal - have), step), _floor_to(Decimal(available), step))


# --- quadratic funding ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuadraticResult(Generic[C]):
    """A quadratic funding round: each campaign's match (rounded down to the unit, every campaign present, in the
    order given), its raw value ``(sum sqrt)^2 - sum`` (to ``_PRECISION`` digits), the campaigns set to the cap,
    and what stays in the pool (``leftover = pot - sum of matches``)."""

    matches: Mapping[C, Decimal]
    raw: Mapping[C, Decimal]
    capped: frozenset[C]
    leftover: Decimal

    @property
    def total(self) -> Decimal:
        return sum(self.matches.values(), ZERO)


def raw_value(contributions: Mapping[B, Decimal]) -> Decimal:
    """A campaign's raw quadratic value, ``(sum over backers of sqrt(total_b))^2 - sum_b total_b``, to
    ``_PRECISION`` significant digits; exactly 0 with fewer than two backers who gave something. The square roots
    are summed in ascending order of the backers' totals, so the order of the backers does not matter."""
    totals = sorted(_won(value, f"backer {backer!r}'s total") for backer, value in contributions.items())
    giving = [total for total in totals if total]
    if len(giving) < 2:
        return ZERO  # one backer: sqrt(x)^2 - x is 0 exactly, however its root rounds
    with localcontext(_CONTEXT):
        roots = sum((Decimal(total).sqrt() for total in giving), ZERO)
        return max(ZERO, roots * roots - sum(giving))


def quadratic(contributions: Mapping[C, Mapping[B, Decimal]], pot: Decimal, cap_per_campaign: Decimal | None,
              unit: Decimal = Decimal(1)) -> QuadraticResult[C]:
    """Share ``pot`` among campaigns by linear quadratic funding (Gitcoin): each campaign's backers' totals
    (``{campaign: {backer: total}}``) give its raw value; the pot is shared in proportion to the raw values; with
    ``cap_per_campaign``, a campaign above the cap gets the cap and the excess is shared again among the uncapped
    campaigns in proportion to their raw values, until none exceeds it; each match is rounded down to ``unit``; the
    rest is ``leftover``. Raises ValueError on amounts that are not whole, non-negative won or a unit other than 1,
    10 or 100."""
    whole_pot = Decimal(_won(pot, "the pot"))
    step = _unit(unit)
    cap = None if cap_per_campaign is None else Decimal(_won(cap_per_campaign, "the cap per campaign"))
    raw = {campaign: raw_value(backers) for campaign, backers in contributions.items()}
    exact: dict[C, Decimal] = dict.fromkeys(raw, ZERO)
    capped: set[C] = set()
    with localcontext(_CONTEXT):
        while True:
            open_ = [campaign for campaign in raw if campaign not in capped and raw[campaign] > 0]
            weight = sum((raw[campaign] for campaign in open_), ZERO)
            remaining = whole_pot - (cap * len(capped) if cap is not None else ZERO)
            if not open_ or remaining <= 0:
                break
            for campaign in open_:
                exact[campaign] = (remaining * raw[campaign] / weight).quantize(SNAP)
            if cap is None:
                break
            over = {campaign for campaign in open_ if exact[campaign] > cap}
            if not over:
                break
            for campaign in over:
                exact[campaign] = cap
            capped |= over
    matches = {campaign: _floor_to(value, step) for campaign, value in exact.items()}
    return QuadraticResult(matches=matches, raw=raw, capped=frozenset(capped),
                           leftover=whole_pot - sum(matches.values(), ZERO))
