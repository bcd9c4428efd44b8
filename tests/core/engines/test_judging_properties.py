"""``core.engines.judging``: properties that must hold for any panel, checked with hypothesis (known answers are in
``test_judging.py``). Panels are small (up to 5 judges and 5 entries) so that the examples run in seconds and still
produce ties, recusals, judges without spread and entries scored by one judge.
"""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction
from itertools import combinations, pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from core.engines.judging import (
    METHODS,
    TRIM_MIN_JUDGES,
    Criterion,
    PanelResult,
    RankInput,
    aggregate_panel,
    combine_panels,
    rank,
    weighted_total,
)

D = Decimal
ULP = D("0.0001")  # one unit of SCORE_PLACES
PROPERTY = settings(max_examples=150, deadline=None)

judges = st.integers(min_value=0, max_value=4)
entries = st.integers(min_value=0, max_value=4)
pairs = st.tuples(judges, entries)
# Scores as the weighted totals they are: out of 100, in tenths (many ties) or to four decimals.
scores_ = st.one_of(
    st.integers(min_value=0, max_value=1000).map(lambda n: D(n).scaleb(-1)),
    st.integers(min_value=0, max_value=1_000_000).map(lambda n: D(n).scaleb(-4)),
)
panels = st.dictionaries(pairs, scores_, max_size=25)
methods = st.sampled_from(METHODS)


def half_even(value: Fraction) -> Decimal:
    """An exact fraction rounded to four decimals, half to even (``round`` on a Fraction rounds half to even)."""
    rounded = round(value, 4)
    return D(rounded.numerator) / D(rounded.denominator)


# --- (a) z-scores: a judge's positive affine rescaling leaves the ranking as it was ---------------------------------

# Why the comparison below is sound. Rescaling judge j's scores to a x + b (a > 0) moves j's mean to a mu + b and its
# deviation to a sigma, so every z = (x - mu) / sigma of j is unchanged (and a judge without spread still has
# none); the other judges' z are untouched. An entry's z-scored result is M + S x mean(z) with the panel's M and S
# (S >= 0): the rescaling changes M and S, never the mean z of an entry, so the exact results keep their order. The
# engine rounds each result to 0.0001 (off by at most half of it, plus the 60-digit error of the square roots), so
# two results at most 0.0001 apart may be an exact tie that rounded apart, or a strict order that rounded together.
# A pair more than 0.0001 apart is strictly ordered in exact terms; the rescaled pair is then ordered the same way
# exactly, so after rounding it can be at most 0.0001 the other way. Hence: no pair is more than 0.0001 apart one
# way before and more than 0.0001 apart the other way after (results are multiples of 0.0001, so "more than 0.0001"
# is "at least 0.0002", a margin that absorbs the 60-digit error).


def clearly_above(results: dict, first, second) -> bool:
    return results[first].score - results[second].score > ULP


@PROPERTY
@given(scores=panels, judge=judges, a=st.integers(min_value=1, max_value=50), b=st.integers(-1000, 1000))
def test_rescaling_one_judge_by_a_positive_affine_map_keeps_the_z_scored_ranking(scores, judge, a, b):
    scale, shift = D(a).scaleb(-1), D(b).scaleb(-1)  # a in 0.1..5.0, b in -100.0..100.0
    rescaled = {(j, e): scale * x + shift if j == judge else x for (j, e), x in scores.items()}

    before = aggregate_panel(scores=scores, method="zscore")
    after = aggregate_panel(scores=rescaled, method="zscore")

    assert before.keys() == after.keys()
    for first, second in combinations(before, 2):
        for high, low in ((first, second), (second, first)):
            assert not (clearly_above(before, high, low) and clearly_above(after, low, high)), (high, low)


def test_the_affine_comparison_catches_an_aggregation_that_is_not_scale_free():
    # Judge 0 prefers e1 (70 to 68), judge 1 prefers e2 (61 to 60). The plain mean: e1 65, e2 64.5. Judge 0's scores
    # rescaled by 0.1 x: e1 (7 + 60) / 2 = 33.5, e2 (6.8 + 61) / 2 = 33.9: the mean's order flips, and the check
    # above would fail. The z-scores: each judge's z are +1 and -1, each entry's mean z is 0, both entries get M
    # before and after: a tie that stays one.
    scores = {(0, "e1"): D(70), (0, "e2"): D(68), (1, "e1"): D(60), (1, "e2"): D(61)}
    rescaled = {(j, e): D("0.1") * x if j == 0 else x for (j, e), x in scores.items()}
    before = aggregate_panel(scores=scores, method="mean")
    after = aggregate_panel(scores=rescaled, method="mean")
    assert clearly_above(before, "e1", "e2") and clearly_above(after, "e2", "e1")
    z_before = aggregate_panel(scores=scores, method="zscore")
    z_after = aggregate_panel(scores=rescaled, method="zscore")
    assert z_before["e1"].score == z_before["e2"].score and z_after["e1"].score == z_after["e2"].score


# --- (b) a recused judge's score changes nothing ------------------------------------------------------------------


@PROPERTY
@given(scores=panels, recused=st.dictionaries(pairs, scores_, max_size=8), also=st.sets(pairs, max_size=4),
       method=methods)
def test_adding_a_recused_score_changes_no_result(scores, recused, also, method):
    excluded = set(recused) | also
    counted = {pair: score for pair, score in scores.items() if pair not in excluded}

    without = aggregate_panel(scores=counted, method=method, excluded=excluded)
    with_recused = aggregate_panel(scores={**counted, **recused}, method=method, excluded=excluded)

    assert with_recused == without
    assert without == aggregate_panel(scores=counted, method=method)  # excluding pairs that are absent: a no-op


# --- (c) results stay within their inputs ---------------------------------------------------------------------------


@PROPERTY
@given(scores=panels, excluded=st.sets(pairs, max_size=6), method=st.sampled_from(["mean", "trimmed"]))
def test_a_mean_or_trimmed_mean_lies_between_the_entrys_lowest_and_highest_score(scores, excluded, method):
    results = aggregate_panel(scores=scores, method=method, excluded=excluded)
    counted: dict[int, list[Decimal]] = {}
    for (judge, entry), score in scores.items():
        if (judge, entry) not in excluded:
            counted.setdefault(entry, []).append(score)

    assert results.keys() == counted.keys()
    for entry, values in counted.items():
        assert min(values) <= results[entry].score <= max(values)
        assert results[entry].judges == len(values)
        # and equals an independent exact computation, rounded half to even
        kept = sorted(values)[1:-1] if method == "trimmed" and len(values) >= TRIM_MIN_JUDGES else values
        assert results[entry].score == half_even(sum(map(Fraction, kept), Fraction(0)) / len(kept))


@st.composite
def rubrics_and_marks(draw):
    size = draw(st.integers(min_value=1, max_value=6))
    criteria, marks = [], {}
    for index in range(size):
        weight = D(draw(st.integers(min_value=1, max_value=1000))).scaleb(-1)  # 0.1 .. 100.0
        tenths = draw(st.integers(min_value=1, max_value=500))  # max 0.1 .. 50.0
        criteria.append(Criterion(f"c{index}", weight, D(tenths).scaleb(-1)))
        marks[f"c{index}"] = D(draw(st.integers(min_value=0, max_value=tenths))).scaleb(-1)
    return criteria, marks


@PROPERTY
@given(rubric=rubrics_and_marks())
def test_a_weighted_total_lies_between_zero_and_a_hundred_and_is_the_exact_formula_rounded(rubric):
    criteria, marks = rubric
    total = weighted_total(criteria=criteria, marks=marks)

    assert D(0) <= total <= D(100)
    exact = sum((Fraction(c.weight) * Fraction(marks[c.key]) / Fraction(c.max_score) for c in criteria),
                Fraction(0)) / sum((Fraction(c.weight) for c in criteria), Fraction(0)) * 100
    assert total == half_even(exact)
    assert weighted_total(criteria=criteria, marks={c.key: c.max_score for c in criteria}) == D(100)
    assert weighted_total(criteria=criteria, marks={c.key: D(0) for c in criteria}) == D(0)


@PROPERTY
@given(expert=st.dictionaries(entries, scores_, max_size=5), citizen=st.dictionaries(entries, scores_, max_size=5),
       weights=st.tuples(st.integers(1, 100), st.integers(1, 100)))
def test_a_combined_score_lies_between_its_panels_scores(expert, citizen, weights):
    results = {"expert": {e: PanelResult(s, 1) for e, s in expert.items()},
               "citizen": {e: PanelResult(s, 1) for e, s in citizen.items()}}
    combined = combine_panels(results=results, weights={"expert": D(weights[0]), "citizen": D(weights[1])})

    assert combined.keys() == expert.keys() | citizen.keys()
    for entry, result in combined.items():
        assert min(result.panels.values()) <= result.score <= max(result.panels.values())
        assert result.complete == (entry in expert and entry in citizen)


# --- (d) judges' names do not matter ------------------------------------------------------------------------------


@PROPERTY
@given(scores=panels, excluded=st.sets(pairs, max_size=6), method=methods,
       names=st.permutations(["kim", "lee", "park", "choi", "jung"]), seed=st.integers(0, 2**16))
def test_renaming_the_judges_and_reordering_their_scores_changes_nothing(scores, excluded, method, names, seed):
    items = [((names[judge], entry), score) for (judge, entry), score in scores.items()]
    random.Random(seed).shuffle(items)
    renamed = dict(items)
    renamed_excluded = {(names[judge], entry) for judge, entry in excluded}

    assert aggregate_panel(scores=renamed, method=method, excluded=renamed_excluded) == aggregate_panel(
        scores=scores, method=method, excluded=excluded)


# --- ranking -----------------------------------------------------------------------------------------------------


@PROPERTY
@given(rows=st.lists(st.tuples(st.none() | st.integers(0, 20).map(D), st.none() | st.integers(0, 20).map(D),
                               st.integers(0, 5)), max_size=12),
       seed=st.integers(0, 2**16))
def test_ranks_run_one_to_n_in_score_order_whatever_order_the_rows_come_in(rows, seed):
    inputs = [RankInput(entry=index, score=score, expert_score=expert, entered_at=at, entry_order=index)
              for index, (score, expert, at) in enumerate(rows)]
    ranked = rank(rows=inputs)
    shuffled = list(inputs)
    random.Random(seed).shuffle(shuffled)

    assert rank(rows=shuffled) == ranked
    places = [r for r in ranked if r.rank is not None]
    assert [r.rank for r in places] == list(range(1, len(places) + 1))
    assert all(r.rank is None for r in ranked[len(places):])
    assert len(places) == sum(1 for score, _expert, _at in rows if score is not None)
    for higher, lower in pairwise(places):
        assert higher.score is not None and lower.score is not None
        assert higher.score >= lower.score
        if higher.score == lower.score:
            assert higher.tie_broken and lower.tie_broken
    for r in places:
        assert r.tie_broken == (sum(1 for other in places if other.score == r.score) > 1)
