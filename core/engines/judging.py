"""Judging a social crowdfunding contest (소셜 크라우드펀딩 대회 심사), as a pure engine: plain ``Decimal`` in and
out, frozen dataclasses; no database, no clock. A contest is judged in rounds (서류심사 screening, 본선 final); a
round has a rubric and panels (expert panel 전문가 심사단, citizen panel 시민 심사단); a service loads a round's marks
and scores as plain values, calls these functions and writes back what they return.

The rules:

- **A judge's score for an entry** (``weighted_total``) is ``sum(weight x mark / max_score) / sum(weights) x 100``
  over the rubric's criteria (평가 항목): a score out of 100 whatever the weights add up to, and weights need not
  equal maxima (weight 40 on a criterion marked out of 10). Judges mark in steps of ``MARK_STEP`` (0.1): a mark is
  refused when its value is not a multiple of 0.1 (``7.50`` is 7.5 and is accepted; ``7.25`` is refused), when it
  is negative or above the criterion's maximum, or when a criterion has no mark or a mark names no criterion. A
  rubric (``check_rubric``) is non-empty, its keys unique, its weights and maxima above zero.
- **Recusal** (제척·회피): a (judge, entry) pair in ``excluded`` is dropped before anything else is computed, so a
  recused judge's score never counts, in any method, nor in any statistic (a z-score's means and deviations).
- **A panel's score for an entry** (``aggregate_panel``) by one of ``METHODS``:
  ``"mean"``, the arithmetic mean of the judges who scored it;
  ``"trimmed"`` (최고·최저점 제외, as Korean public evaluations do), when at least ``TRIM_MIN_JUDGES`` (5) judges
  scored it, the mean without ONE highest and ONE lowest score (one each, even when tied), otherwise the plain
  mean;
  ``"zscore"``, each score ``x`` of judge ``j`` becomes ``M + S x (x - mu_j) / sigma_j``, where ``mu_j`` and
  ``sigma_j`` are the population mean and standard deviation of the scores judge ``j`` gave in the panel and ``M``
  and ``S`` those of all the panel's scores; a judge whose scores are all equal (or who gave one) has no spread
  and contributes ``M`` to each entry it scored; the entry's score is the mean of its rescaled scores, so that a
  harsh judge and a lenient one count alike. ``PanelResult.judges`` is the number of (non-recused) scores the
  entry had, the trimmed ones included (it is the number that decides whether the trim applies); an entry nobody
  scored has no result. Scores may be on any scale (a panel's scores are usually weighted totals out of 100).
- **Combining panels** (``combine_panels``): ``sum(weight_p x score_p) / sum(weight_p)`` (expert 70, citizen 30)
  over the panels that have a result for the entry: the rule ``MISSING_PANEL``, an entry missing a panel's result
  is combined over the panels that scored it and flagged ``complete=False``. ``weights`` names the round's panels:
  an entry is complete when every one of them scored it.
- **Ranking** (``rank``): higher combined score first; equal combined scores are decided by ``TIE_BREAK``, the
  higher expert panel score (no expert score after any number), then the earlier entry (``entered_at``, then the
  smaller ``entry_order``, which must be unique). Ranks run 1..n without gaps; ``tie_broken`` marks an entry whose
  combined score equals another's, so that the tie-break decided its place. Entries with no combined score (nobody
  scored them) come last, unranked (rank None), earliest entry first.
- **Advancing** (``select_advancing``, 본선 진출): either the first ``top_n`` ranked entries or every ranked entry
  scoring at least ``cut``; never an unranked one.
- **Rounding**: every score leaves this module rounded once, at the end, to ``SCORE_PLACES`` (four decimals), half
  to even (ROUND_HALF_EVEN, 오사오입: a half goes to the even neighbour, so halves do not drift scores up). Weighted
  totals, means, trimmed means and combined scores are computed exactly (sums and products of the inputs, then one
  exactly rounded quotient). A z-score needs square roots: it is computed to ``_PRECISION`` (60) significant
  digits, then rounded once to four decimals; its means are summed in sorted order, so the result does not depend
  on the order in which judges or scores are given.

Inputs are ``Decimal`` (or ``int``); a float, NaN or infinity is refused with ValueError, like every bad input.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from types import TracebackType
from typing import Any, Generic, TypeVar

J = TypeVar("J", bound=Hashable)  # a judge's key
E = TypeVar("E", bound=Hashable)  # an entry's key
P = TypeVar("P", bound=Hashable)  # a panel's key

ZERO = Decimal(0)
HUNDRED = Decimal(100)
SCORE_PLACES = Decimal("0.0001")
SCORE_ROUNDING = ROUND_HALF_EVEN
MARK_STEP = Decimal("0.1")
TRIM_MIN_JUDGES = 5
METHODS = ("mean", "trimmed", "zscore")
MISSING_PANEL = "an entry missing a panel's result is combined over the panels that scored it, flagged incomplete"
TIE_BREAK = "higher expert panel score, then earlier entry"

_PRECISION = 60  # significant digits for a z-score's square roots and quotients (the brief asks for 28 or more)
# Exact arithmetic: sums, products and integer quotients of the inputs need far fewer digits than this; an input
# that would need more (a number with hundreds of digits) is refused rather than silently rounded.
_EXACT_DIGITS = 1000
_ROUNDED = Context(prec=_PRECISION, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN,
                   traps=[InvalidOperation, DivisionByZero, Overflow])


class _Exact:
    """A decimal context in which any inexact operation raises ValueError instead of rounding."""

    def __enter__(self) -> None:
        self._local = localcontext(Context(prec=_EXACT_DIGITS, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX,
                                           Emin=MIN_EMIN, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact]))
        self._local.__enter__()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._local.__exit__(kind, error, traceback)
        if kind is not None and issubclass(kind, Inexact):
            raise ValueError("a number has too many digits to be computed exactly") from error


def _number(value: object, what: str) -> Decimal:
    """``value`` as a finite Decimal; an int is taken as it is, a float (binary, inexact) or anything else refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"{what} must be a Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{what} must be a finite number")
    return number


def _round_ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """``numerator / denominator`` (denominator above zero) rounded once, exactly, to SCORE_PLACES, half to even.
    Runs in the exact context: the scaled integer quotient and its remainder are exact, so no digit is lost before
    the rounding decides."""
    scaled = numerator.scaleb(4)  # in units of 0.0001
    if scaled.adjusted() - denominator.adjusted() >= _EXACT_DIGITS - 1:
        raise ValueError("a number has too many digits to be computed exactly")
    quotient, remainder = divmod(scaled, denominator)  # quotient truncated toward zero, remainder signed as scaled
    twice = abs(remainder) * 2
    if twice > denominator or (twice == denominator and quotient % 2 != 0):
        quotient += 1 if scaled > 0 else -1
    return _unsigned_zero(quotient.scaleb(-4))


def _unsigned_zero(score: Decimal) -> Decimal:
    """A score that rounds to zero from below is 0.0000, not -0.0000."""
    return score if score else abs(score)


def _mean(scores: Sequence[Decimal]) -> Decimal:
    return _round_ratio(sum(scores, ZERO), Decimal(len(scores)))


# --- the rubric and a judge's weighted total ---------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One criterion of a round's rubric (평가 항목): its key, its weight (배점 비중) and the maximum mark."""

    key: str
    weight: Decimal
    max_score: Decimal


def check_rubric(criteria: Sequence[Criterion]) -> None:
    """Raises ValueError unless the rubric has criteria, unique keys and weights and maxima above zero."""
    if not criteria:
        raise ValueError("a rubric needs at least one criterion")
    seen: set[str] = set()
    for criterion in criteria:
        if criterion.key in seen:
            raise ValueError(f"criterion {criterion.key!r} appears twice")
        seen.add(criterion.key)
        if _number(criterion.weight, f"the weight of {criterion.key!r}") <= 0:
            raise ValueError(f"the weight of {criterion.key!r} must be above zero")
        if _number(criterion.max_score, f"the maximum of {criterion.key!r}") <= 0:
            raise ValueError(f"the maximum of {criterion.key!r} must be above zero")


def weighted_total(*, criteria: Sequence[Criterion], marks: Mapping[str, Decimal]) -> Decimal:
    """A judge's score out of 100 for one entry: ``sum(weight x mark / max_score) / sum(weights) x 100``, computed
    exactly and rounded once to SCORE_PLACES, ROUND_HALF_EVEN. Raises ValueError on a bad rubric (``check_rubric``),
    a criterion without a mark, a mark for no criterion, a mark below zero or above its maximum, or a mark that is
    not a multiple of MARK_STEP (0.1)."""
    check_rubric(criteria)
    unknown = set(marks) - {criterion.key for criterion in criteria}
    if unknown:
        raise ValueError(f"marks for no criterion of the rubric: {sorted(map(str, unknown))}")
    with _Exact():
        values: list[Decimal] = []
        for criterion in criteria:
            if criterion.key not in marks:
                raise ValueError(f"criterion {criterion.key!r} has no mark")
            mark = _number(marks[criterion.key], f"the mark for {criterion.key!r}")
            if not ZERO <= mark <= criterion.max_score:
                raise ValueError(f"the mark for {criterion.key!r} must be between 0 and {criterion.max_score}")
            steps = mark / MARK_STEP  # exact: 7.50 is 75 steps, 7.25 is 72.5
            if steps != steps.to_integral_value():
                raise ValueError(f"the mark for {criterion.key!r} must be in steps of {MARK_STEP}")
            values.append(mark)
        # Over the common denominator (the product of the maxima), so that nothing is divided before the end.
        common = Decimal(1)
        for criterion in criteria:
            common *= criterion.max_score
        numerator = sum((criterion.weight * mark * (common / criterion.max_score)
                         for criterion, mark in zip(criteria, values, strict=True)), ZERO)
        weights = sum((criterion.weight for criterion in criteria), ZERO)
        return _round_ratio(numerator * HUNDRED, weights * common)


# --- a panel's scores ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelResult:
    """A panel's score for an entry and how many (non-recused) judges' scores it had."""

    score: Decimal
    judges: int


def aggregate_panel(*, scores: Mapping[tuple[J, E], Decimal], method: str,
                    excluded: Collection[tuple[J, E]] = ()) -> dict[E, PanelResult]:
    """Each entry's score in one panel, from its judges' scores keyed (judge, entry), by ``method`` (one of
    METHODS), with the recused pairs in ``excluded`` dropped first. Entries nobody scored are absent. Rounded once to
    SCORE_PLACES, ROUND_HALF_EVEN. Raises ValueError on an unknown method or a score that is not a finite number."""
    if method not in METHODS:
        raise ValueError(f"the method must be one of {METHODS}, not {method!r}")
    recused = set(excluded)
    counted: dict[tuple[J, E], Decimal] = {}
    for (judge, entry), score in scores.items():
        value = _number(score, f"the score of judge {judge!r} for entry {entry!r}")
        if (judge, entry) not in recused:
            counted[(judge, entry)] = value
    by_entry: dict[E, list[Decimal]] = defaultdict(list)
    for (_judge, entry), value in counted.items():
        by_entry[entry].append(value)
    if not counted:
        return {}
    with _Exact():
        if method == "zscore":
            return _zscores(counted, by_entry)
        results: dict[E, PanelResult] = {}
        for entry, values in by_entry.items():
            kept = values
            if method == "trimmed" and len(values) >= TRIM_MIN_JUDGES:
                kept = sorted(values)[1:-1]  # one lowest and one highest, even when others equal them
            results[entry] = PanelResult(score=_mean(kept), judges=len(values))
        return results


def _zscores(counted: Mapping[tuple[J, E], Decimal], by_entry: Mapping[E, list[Decimal]]) -> dict[E, PanelResult]:
    """The z-score method over the panel's counted scores (already without the recused ones). Runs in the exact
    context; the square roots and quotients are taken in the 60-digit one."""
    by_judge: dict[J, list[Decimal]] = defaultdict(list)
    for (judge, _entry), value in counted.items():
        by_judge[judge].append(value)
    # Population statistics from exact sums: mean = s1 / n, deviation = sqrt(n x s2 - s1^2) / n.
    everything = list(counted.values())
    n_all = Decimal(len(everything))
    s1_all = sum(everything, ZERO)
    spread_all = n_all * sum((value * value for value in everything), ZERO) - s1_all * s1_all
    judge_stats: dict[J, tuple[Decimal, Decimal, Decimal]] = {}
    for judge, values in by_judge.items():
        s1 = sum(values, ZERO)
        n = Decimal(len(values))
        judge_stats[judge] = (n, s1, n * sum((value * value for value in values), ZERO) - s1 * s1)
    exact_mean = _round_ratio(s1_all, n_all)  # M, rounded: what an entry gets when its deviations cancel
    standardised: dict[E, list[Decimal]] = defaultdict(list)
    results: dict[E, PanelResult] = {}
    with localcontext(_ROUNDED):
        mean_all = s1_all / n_all  # M
        deviation_all = spread_all.sqrt() / n_all  # S
        roots = {judge: spread.sqrt() for judge, (_n, _s1, spread) in judge_stats.items()}
        for (judge, entry), value in counted.items():
            n, s1, spread = judge_stats[judge]
            # (x - mu_j) / sigma_j = (n x - s1) / sqrt(n x s2 - s1^2); a judge without spread contributes M (z = 0)
            standardised[entry].append((n * value - s1) / roots[judge] if spread else ZERO)
        for entry in by_entry:
            zs = standardised[entry]
            total = sum(sorted(zs), ZERO)  # sorted: the same sum whatever order the judges came in
            if total:
                rescaled = mean_all + deviation_all * total / len(zs)
                score = _unsigned_zero(rescaled.quantize(SCORE_PLACES, rounding=SCORE_ROUNDING))
            else:
                score = exact_mean
            results[entry] = PanelResult(score=score, judges=len(zs))
    return results


# --- combining panels ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Combined(Generic[P]):
    """An entry's combined score, the panels' scores it was combined from, and whether every panel scored it."""

    score: Decimal
    panels: dict[P, Decimal]
    complete: bool


def combine_panels(*, results: Mapping[P, Mapping[E, PanelResult]],
                   weights: Mapping[P, Decimal]) -> dict[E, Combined[P]]:
    """Each entry's ``sum(weight_p x score_p) / sum(weight_p)`` over the panels with a result for it (MISSING_PANEL:
    an entry some panel of ``weights`` did not score is combined over the others and flagged incomplete). Rounded
    once to SCORE_PLACES, ROUND_HALF_EVEN. Raises ValueError on a weight not above zero or a panel's results without
    a weight."""
    for panel, weight in weights.items():
        if _number(weight, f"the weight of panel {panel!r}") <= 0:
            raise ValueError(f"the weight of panel {panel!r} must be above zero")
    unweighted = [panel for panel in results if panel not in weights]
    if unweighted:
        raise ValueError(f"panels without a weight: {unweighted!r}")
    by_entry: dict[E, dict[P, Decimal]] = defaultdict(dict)
    for panel, panel_results in results.items():
        for entry, result in panel_results.items():
            by_entry[entry][panel] = _number(result.score, f"panel {panel!r}'s score for entry {entry!r}")
    combined: dict[E, Combined[P]] = {}
    with _Exact():
        for entry, panels in by_entry.items():
            numerator = sum((Decimal(weights[panel]) * score for panel, score in panels.items()), ZERO)
            denominator = sum((Decimal(weights[panel]) for panel in panels), ZERO)
            combined[entry] = Combined(score=_round_ratio(numerator, denominator), panels=dict(panels),
                                       complete=all(panel in panels for panel in weights))
    return combined


# --- ranking and advancing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankInput(Generic[E]):
    """What ranking needs of an entry: its combined score (None when nobody scored it), its expert panel's score,
    when it was entered (a datetime or a sequence number) and its unique entry number."""

    entry: E
    score: Decimal | None
    expert_score: Decimal | None
    entered_at: Any
    entry_order: int


@dataclass(frozen=True)
class Ranked(Generic[E]):
    """An entry's place: rank 1..n, or None when it has no score; ``tie_broken`` when its combined score equals
    another ranked entry's and TIE_BREAK decided between them."""

    entry: E
    rank: int | None
    score: Decimal | None
    expert_score: Decimal | None
    tie_broken: bool


def rank(*, rows: Sequence[RankInput[E]]) -> list[Ranked[E]]:
    """The entries in order: ranked ones by combined score, ties broken by TIE_BREAK (higher expert score, None
    last; then earlier ``entered_at``; then smaller ``entry_order``), then the unranked ones (score None), earliest
    first. Raises ValueError on an entry or an entry number given twice, or a score that is not a finite number."""
    entries: set[E] = set()
    orders: set[int] = set()
    for row in rows:
        if row.entry in entries:
            raise ValueError(f"entry {row.entry!r} appears twice")
        if row.entry_order in orders:
            raise ValueError(f"entry number {row.entry_order!r} appears twice: the tie-break could not decide")
        entries.add(row.entry)
        orders.add(row.entry_order)
        if row.score is not None:
            _number(row.score, f"the score of entry {row.entry!r}")
        if row.expert_score is not None:
            _number(row.expert_score, f"the expert score of entry {row.entry!r}")

    def order(score: Decimal, row: RankInput[E]) -> tuple[Any, ...]:
        expert = row.expert_score
        return (-score, expert is None, ZERO if expert is None else -expert, row.entered_at, row.entry_order)

    scored = [(row.score, row) for row in rows if row.score is not None]
    scored.sort(key=lambda pair: order(*pair))
    ties: dict[Decimal, int] = defaultdict(int)
    for score, _row in scored:
        ties[score] += 1
    ranked: list[Ranked[E]] = [
        Ranked(entry=row.entry, rank=place, score=score, expert_score=row.expert_score, tie_broken=ties[score] > 1)
        for place, (score, row) in enumerate(scored, start=1)
    ]
    unscored = sorted((row for row in rows if row.score is None), key=lambda row: (row.entered_at, row.entry_order))
    ranked.extend(Ranked(entry=row.entry, rank=None, score=None, expert_score=row.expert_score, tie_broken=False)
                  for row in unscored)
    return ranked


def select_advancing(*, ranked: Sequence[Ranked[E]], top_n: int | None = None,
                     cut: Decimal | None = None) -> list[E]:
    """The entries that advance, in rank order: the first ``top_n`` ranked, or every ranked entry scoring at least
    ``cut``; unranked entries never advance. Raises ValueError unless exactly one of ``top_n`` (at least 1) and
    ``cut`` (between 0 and 100) is given."""
    if (top_n is None) == (cut is None):
        raise ValueError("give exactly one of top_n and cut")
    places = sorted(((row.rank, row.score, row.entry) for row in ranked
                     if row.rank is not None and row.score is not None), key=lambda place: place[0])
    if top_n is not None:
        if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
            raise ValueError("top_n must be a whole number of at least 1")
        return [entry for _rank, _score, entry in places[:top_n]]
    bar = _number(cut, "the cut")
    if not ZERO <= bar <= HUNDRED:
        raise ValueError("the cut must be between 0 and 100")
    return [entry for _rank, score, entry in places if score >= bar]
