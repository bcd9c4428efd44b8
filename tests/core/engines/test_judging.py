"""``core.engines.judging``: a contest round's judging (심사), with no database and no clock.

Every expected figure is worked out by hand in the test's comments from the rules (weighted totals out of 100;
mean, trimmed mean and z-scores of a panel; panels combined 70/30; ties broken by the expert score, then the earlier
entry; all rounded once to four decimals, half to even), not read from the engine. The properties are in
``test_judging_properties.py``.
"""

from __future__ import annotations

import random
from dataclasses import FrozenInstanceError
from datetime import datetime
from decimal import Decimal

import pytest

from core.engines.judging import (
    METHODS,
    SCORE_PLACES,
    TIE_BREAK,
    TRIM_MIN_JUDGES,
    Combined,
    Criterion,
    PanelResult,
    Ranked,
    RankInput,
    aggregate_panel,
    check_rubric,
    combine_panels,
    rank,
    select_advancing,
    weighted_total,
)

D = Decimal

# The rubric of a final round (본선): weights equal to the maxima, adding up to 100.
RUBRIC = [
    Criterion("social_value", D(30), D(30)),  # 사회적 가치
    Criterion("business", D(25), D(25)),  # 사업성
    Criterion("feasibility", D(25), D(25)),  # 실현 가능성
    Criterion("local", D(20), D(20)),  # 지역 연계
]


def marks(social_value, business, feasibility, local):
    return {"social_value": D(social_value), "business": D(business), "feasibility": D(feasibility),
            "local": D(local)}


def panel(table):
    """{judge: {entry: score}} -> {(judge, entry): Decimal(score)}"""
    return {(judge, entry): D(score) for judge, row in table.items() for entry, score in row.items()}


def scores_of(results):
    return {entry: result.score for entry, result in results.items()}


# --- weighted totals -----------------------------------------------------------------------------------------------


def test_weights_equal_to_the_maxima_add_the_marks_up():
    # 27 + 20 + 22.5 + 15.5 = 85 out of 100: each weight x mark / max is the mark itself; / 100 x 100 = 85.
    assert weighted_total(criteria=RUBRIC, marks=marks("27", "20", "22.5", "15.5")) == D("85.0000")
    # 27.3 + 19.9 + 22.5 + 15.6 = 85.3
    assert weighted_total(criteria=RUBRIC, marks=marks("27.3", "19.9", "22.5", "15.6")) == D("85.3000")


def test_full_and_empty_marks_are_a_hundred_and_zero():
    assert weighted_total(criteria=RUBRIC, marks=marks(30, 25, 25, 20)) == D("100.0000")
    assert weighted_total(criteria=RUBRIC, marks=marks(0, 0, 0, 0)) == D("0.0000")


def test_a_weight_of_forty_on_a_criterion_marked_out_of_ten():
    # weight 40, max 10, mark 7.5: 40 x 7.5 / 10 = 30; weight 60, max 30, mark 21: 60 x 21 / 30 = 42.
    # (30 + 42) / (40 + 60) x 100 = 72.
    rubric = [Criterion("plan", D(40), D(10)), Criterion("impact", D(60), D(30))]
    assert weighted_total(criteria=rubric, marks={"plan": D("7.5"), "impact": D(21)}) == D("72.0000")


def test_weights_that_do_not_add_up_to_a_hundred_still_give_a_score_out_of_a_hundred():
    # 40 x 8.5 / 10 = 34; 25 x 20 / 25 = 20; 20 x 3.3 / 5 = 13.2; sum 67.2 over weights 85:
    # 67.2 / 85 x 100 = 6720 / 85 = 79.0588235... -> 79.0588
    rubric = [Criterion("a", D(40), D(10)), Criterion("b", D(25), D(25)), Criterion("c", D(20), D(5))]
    assert weighted_total(criteria=rubric, marks={"a": D("8.5"), "b": D(20), "c": D("3.3")}) == D("79.0588")


def test_a_total_is_rounded_half_to_even():
    # One criterion out of 64: 0.1 / 64 x 100 = 0.15625 -> 0.1562 (the half goes to the even 2, not up to 3);
    # 0.3 / 64 x 100 = 0.46875 -> 0.4688 (to the even 8).
    rubric = [Criterion("only", D(1), D(64))]
    assert weighted_total(criteria=rubric, marks={"only": D("0.1")}) == D("0.1562")
    assert weighted_total(criteria=rubric, marks={"only": D("0.3")}) == D("0.4688")


def test_a_mark_written_with_a_trailing_zero_is_a_step_of_a_tenth():
    # 7.50 is 7.5: 40 x 7.5 / 10 / 40 x 100 = 75
    assert weighted_total(criteria=[Criterion("plan", D(40), D(10))], marks={"plan": D("7.50")}) == D("75.0000")


def test_totals_have_four_decimal_places():
    assert weighted_total(criteria=RUBRIC, marks=marks(30, 25, 25, 20)).as_tuple().exponent == -4
    assert D("0.0001") == SCORE_PLACES


@pytest.mark.parametrize(("given", "why"), [
    ({"social_value": D(27), "business": D(20), "feasibility": D(22)}, "a criterion without a mark"),
    ({**marks(27, 20, 22, 15), "bonus": D(1)}, "a mark for no criterion"),
    (marks(27, -1, 22, 15), "a negative mark"),
    (marks("30.1", 20, 22, 15), "a mark above the maximum"),
    (marks("27.25", 20, 22, 15), "a mark with two decimal places"),
    (marks("27.01", 20, 22, 15), "a mark of a hundredth"),
    ({**marks(27, 20, 22, 15), "local": D("NaN")}, "a mark that is not a number"),
    ({**marks(27, 20, 22, 15), "local": 15.5}, "a float"),
])
def test_bad_marks_are_refused(given, why):
    with pytest.raises(ValueError):
        weighted_total(criteria=RUBRIC, marks=given)


@pytest.mark.parametrize(("rubric", "why"), [
    ([], "no criteria"),
    ([Criterion("a", D(10), D(10)), Criterion("a", D(20), D(20))], "a key twice"),
    ([Criterion("a", D(0), D(10))], "a weight of zero"),
    ([Criterion("a", D(-10), D(10))], "a negative weight"),
    ([Criterion("a", D(10), D(0))], "a maximum of zero"),
    ([Criterion("a", D(10), D(-10))], "a negative maximum"),
    ([Criterion("a", D("Infinity"), D(10))], "an infinite weight"),
])
def test_bad_rubrics_are_refused(rubric, why):
    with pytest.raises(ValueError):
        check_rubric(rubric)
    with pytest.raises(ValueError):
        weighted_total(criteria=rubric, marks={criterion.key: D(0) for criterion in rubric})


def test_a_good_rubric_passes_the_check():
    check_rubric(RUBRIC)
    check_rubric([Criterion("plan", D(40), D(10))])


# --- a panel: mean and trimmed mean ---------------------------------------------------------------------------------


def test_the_mean_of_four_judges():
    # (90 + 80 + 70 + 61) / 4 = 301 / 4 = 75.25
    scores = panel({1: {"e": 90}, 2: {"e": 80}, 3: {"e": 70}, 4: {"e": 61}})
    assert aggregate_panel(scores=scores, method="mean") == {"e": PanelResult(score=D("75.2500"), judges=4)}


def test_four_judges_are_too_few_to_trim_and_give_the_plain_mean():
    # Trimming would give (80 + 70) / 2 = 75; with 4 < 5 judges it is the plain mean, 75.25.
    assert TRIM_MIN_JUDGES == 5
    scores = panel({1: {"e": 90}, 2: {"e": 80}, 3: {"e": 70}, 4: {"e": 61}})
    assert aggregate_panel(scores=scores, method="trimmed") == {"e": PanelResult(score=D("75.2500"), judges=4)}


def test_five_judges_with_a_tie_at_the_top_drop_one_highest_and_one_lowest():
    # 88.5, 88.5, 80.0, 72.3, 60.1: one 88.5 and the 60.1 go; (88.5 + 80.0 + 72.3) / 3 = 240.8 / 3 = 80.2666...
    # -> 80.2667. (Dropping both 88.5s would give (80.0 + 72.3) / 2 = 76.15; the plain mean is 389.4 / 5 = 77.88.)
    scores = panel({1: {"e": "88.5"}, 2: {"e": "88.5"}, 3: {"e": "80.0"}, 4: {"e": "72.3"}, 5: {"e": "60.1"}})
    assert aggregate_panel(scores=scores, method="trimmed") == {"e": PanelResult(score=D("80.2667"), judges=5)}
    assert aggregate_panel(scores=scores, method="mean") == {"e": PanelResult(score=D("77.8800"), judges=5)}


def test_ties_at_both_ends_still_drop_only_one_score_each():
    # 70, 70, 70, 90, 60 -> without one 90 and one 60: (70 + 70 + 70) / 3 = 70
    # 75, 75, 60, 60, 66 -> without one 75 and one 60: (75 + 60 + 66) / 3 = 201 / 3 = 67
    scores = panel({1: {"a": 70, "b": 75}, 2: {"a": 70, "b": 75}, 3: {"a": 70, "b": 60}, 4: {"a": 90, "b": 60},
                    5: {"a": 60, "b": 66}})
    assert scores_of(aggregate_panel(scores=scores, method="trimmed")) == {"a": D(70), "b": D(67)}


def test_six_judges_keep_the_middle_four():
    # 95, 90, 80, 70, 65, 50 -> (90 + 80 + 70 + 65) / 4 = 305 / 4 = 76.25
    scores = panel({j: {"e": s} for j, s in enumerate([95, 90, 80, 70, 65, 50])})
    assert aggregate_panel(scores=scores, method="trimmed") == {"e": PanelResult(score=D("76.2500"), judges=6)}


def test_a_recused_judge_can_bring_an_entry_below_the_trimming_threshold():
    # Five scored "e", but judge 1 is recused: 4 remain (80, 70, 61, 90 of judges 2-5) -> plain mean 301 / 4 = 75.25.
    scores = panel({1: {"e": 100}, 2: {"e": 80}, 3: {"e": 70}, 4: {"e": 61}, 5: {"e": 90}})
    results = aggregate_panel(scores=scores, method="trimmed", excluded={(1, "e")})
    assert results == {"e": PanelResult(score=D("75.2500"), judges=4)}


def test_a_recused_score_never_counts_in_the_mean():
    # Judge 3 is recused from "e": (80 + 70) / 2 = 75, whatever judge 3 gave.
    scores = panel({1: {"e": 80, "f": 60}, 2: {"e": 70}, 3: {"e": 0, "f": 90}})
    results = aggregate_panel(scores=scores, method="mean", excluded=[(3, "e")])
    assert results == {"e": PanelResult(score=D("75.0000"), judges=2), "f": PanelResult(score=D("75.0000"), judges=2)}


def test_an_entry_nobody_counted_has_no_result():
    scores = panel({1: {"e": 80, "f": 60}})
    for method in METHODS:
        assert set(aggregate_panel(scores=scores, method=method, excluded={(1, "f")})) == {"e"}
        assert aggregate_panel(scores={}, method=method) == {}


def test_a_panel_mean_is_rounded_half_to_even():
    # (80.0001 + 80.0002) / 2 = 80.00015 -> 80.0002 (up to the even 2);
    # (80.0002 + 80.0003) / 2 = 80.00025 -> 80.0002 (down to the even 2).
    scores = panel({1: {"up": "80.0001", "down": "80.0002"}, 2: {"up": "80.0002", "down": "80.0003"}})
    assert scores_of(aggregate_panel(scores=scores, method="mean")) == {"up": D("80.0002"), "down": D("80.0002")}


# --- a panel: z-scores -----------------------------------------------------------------------------------------------

# Three judges, four entries. A is harsh and narrow, C lenient and wide; both A and B prefer e1, C prefers e4.
ZPANEL = panel({
    "A": {"e1": "62.4", "e2": "61.2", "e3": "60.8", "e4": "59.6"},
    "B": {"e1": "75.6", "e2": "69.2", "e3": "70.8", "e4": "64.4"},
    "C": {"e1": "67.8", "e2": "77.4", "e3": "80.6", "e4": "90.2"},
})


def test_z_scores_of_three_judges_and_four_entries_by_hand():
    # Judge A: mu = (62.4 + 61.2 + 60.8 + 59.6) / 4 = 244 / 4 = 61; deviations 1.4, 0.2, -0.2, -1.4;
    #   variance = (1.96 + 0.04 + 0.04 + 1.96) / 4 = 1, sigma = 1; z = 1.4, 0.2, -0.2, -1.4.
    # Judge B: mu = 280 / 4 = 70; deviations 5.6, -0.8, 0.8, -5.6; variance = (31.36 + 0.64 + 0.64 + 31.36) / 4
    #   = 64 / 4 = 16, sigma = 4; z = 1.4, -0.2, 0.2, -1.4.
    # Judge C: mu = 316 / 4 = 79; deviations -11.2, -1.6, 1.6, 11.2; variance = (125.44 + 2.56 + 2.56 + 125.44) / 4
    #   = 256 / 4 = 64, sigma = 8; z = -1.4, -0.2, 0.2, 1.4.
    # All twelve: M = (244 + 280 + 316) / 12 = 840 / 12 = 70. Squared deviations from 70:
    #   A: 7.6^2 + 8.8^2 + 9.2^2 + 10.4^2 = 57.76 + 77.44 + 84.64 + 108.16 = 328
    #   B: 5.6^2 + 0.8^2 + 0.8^2 + 5.6^2 = 64
    #   C: 2.2^2 + 7.4^2 + 10.6^2 + 20.2^2 = 4.84 + 54.76 + 112.36 + 408.04 = 580
    #   S^2 = (328 + 64 + 580) / 12 = 972 / 12 = 81, S = 9.
    # Each score becomes 70 + 9 z; an entry's score is the mean of three: 70 + 9 (z_A + z_B + z_C) / 3 = 70 + 3 sum(z):
    #   e1: 1.4 + 1.4 - 1.4 = 1.4 -> 70 + 4.2 = 74.2
    #   e2: 0.2 - 0.2 - 0.2 = -0.2 -> 70 - 0.6 = 69.4
    #   e3: -0.2 + 0.2 + 0.2 = 0.2 -> 70 + 0.6 = 70.6
    #   e4: -1.4 - 1.4 + 1.4 = -1.4 -> 70 - 4.2 = 65.8
    results = aggregate_panel(scores=ZPANEL, method="zscore")
    assert results == {
        "e1": PanelResult(score=D("74.2000"), judges=3),
        "e2": PanelResult(score=D("69.4000"), judges=3),
        "e3": PanelResult(score=D("70.6000"), judges=3),
        "e4": PanelResult(score=D("65.8000"), judges=3),
    }


def test_the_plain_mean_of_the_same_panel_follows_the_lenient_judge():
    # e1: (62.4 + 75.6 + 67.8) / 3 = 205.8 / 3 = 68.6;  e2: 207.8 / 3 = 69.2666... -> 69.2667
    # e3: (60.8 + 70.8 + 80.6) / 3 = 212.2 / 3 = 70.7333... -> 70.7333;  e4: (59.6 + 64.4 + 90.2) / 3 = 214.2 / 3 = 71.4
    # The mean ranks e4 first (C's wide spread outweighs A and B); z-scores rank it last and e1 first.
    means = scores_of(aggregate_panel(scores=ZPANEL, method="mean"))
    assert means == {"e1": D("68.6000"), "e2": D("69.2667"), "e3": D("70.7333"), "e4": D("71.4000")}
    zscores = scores_of(aggregate_panel(scores=ZPANEL, method="zscore"))
    assert max(means, key=means.__getitem__) == "e4"
    assert max(zscores, key=zscores.__getitem__) == "e1"


def test_a_recused_score_changes_no_z_score_statistic():
    # Judge D scored e1 but is recused from it, and judge A's extra score for e5 is recused too: the panel is the
    # one above, and so are its results (D's 100 would otherwise raise M and S and give e1 a fourth score).
    scores = {**ZPANEL, ("D", "e1"): D(100), ("A", "e5"): D(0)}
    results = aggregate_panel(scores=scores, method="zscore", excluded={("D", "e1"), ("A", "e5")})
    assert results == aggregate_panel(scores=ZPANEL, method="zscore")


def test_a_judge_who_gives_every_entry_the_same_score_contributes_the_panel_mean():
    # Judge 1: 74, 74 (no spread). Judge 2: 62, 78: mu = 70, sigma = 8 (deviations -8, 8); z = -1, 1.
    # All four: M = 288 / 4 = 72; deviations 2, 2, -10, 6; S^2 = (4 + 4 + 100 + 36) / 4 = 36, S = 6.
    # e1: judge 1 -> M = 72; judge 2 -> 72 + 6 x (-1) = 66; mean (72 + 66) / 2 = 69.
    # e2: 72 and 72 + 6 = 78; mean 75.
    scores = panel({1: {"e1": 74, "e2": 74}, 2: {"e1": 62, "e2": 78}})
    assert scores_of(aggregate_panel(scores=scores, method="zscore")) == {"e1": D(69), "e2": D(75)}


def test_a_judge_with_a_single_score_contributes_the_panel_mean():
    # The panel above plus judge 3, who scored only e3 (72): one score, no spread, so e3 gets M.
    # All five: M = (288 + 72) / 5 = 72; S^2 = (4 + 4 + 100 + 36 + 0) / 5 = 28.8, S = 5.366563...
    # e3: 72. e1: (72 + 72 - S) / 2 = 72 - S / 2 = 72 - 2.6832815... = 69.3167184... -> 69.3167;
    # e2: 72 + S / 2 = 74.6832815... -> 74.6833.
    scores = panel({1: {"e1": 74, "e2": 74}, 2: {"e1": 62, "e2": 78}, 3: {"e3": 72}})
    results = aggregate_panel(scores=scores, method="zscore")
    assert scores_of(results) == {"e1": D("69.3167"), "e2": D("74.6833"), "e3": D("72.0000")}
    assert results["e3"].judges == 1


def test_a_panel_whose_scores_are_all_equal_gives_each_entry_that_score():
    scores = panel({1: {"a": "80.5", "b": "80.5"}, 2: {"a": "80.5"}})
    assert scores_of(aggregate_panel(scores=scores, method="zscore")) == {"a": D("80.5"), "b": D("80.5")}


def test_an_unknown_method_or_a_bad_score_is_refused():
    with pytest.raises(ValueError):
        aggregate_panel(scores=panel({1: {"e": 80}}), method="median")
    bad_scores: tuple[object, ...] = (D("NaN"), D("Infinity"), 80.5, "80")
    for bad in bad_scores:
        for method in METHODS:
            with pytest.raises(ValueError):
                aggregate_panel(scores={(1, "e"): bad}, method=method)  # type: ignore[dict-item]


# --- combining panels --------------------------------------------------------------------------------------------

WEIGHTS = {"expert": D(70), "citizen": D(30)}


def test_the_expert_panel_weighs_seventy_and_the_citizens_thirty():
    # e1: (70 x 80 + 30 x 90) / 100 = (5600 + 2700) / 100 = 83
    # e2: (70 x 85.25 + 30 x 72.4) / 100 = (5967.5 + 2172) / 100 = 81.395
    results = {
        "expert": {"e1": PanelResult(D(80), 5), "e2": PanelResult(D("85.25"), 5)},
        "citizen": {"e1": PanelResult(D(90), 40), "e2": PanelResult(D("72.4"), 38)},
    }
    combined = combine_panels(results=results, weights=WEIGHTS)
    assert combined == {
        "e1": Combined(score=D("83.0000"), panels={"expert": D(80), "citizen": D(90)}, complete=True),
        "e2": Combined(score=D("81.3950"), panels={"expert": D("85.25"), "citizen": D("72.4")}, complete=True),
    }
    # The same weights written as shares: (0.7 x 85.25 + 0.3 x 72.4) / 1.0 = 81.395
    assert combine_panels(results=results, weights={"expert": D("0.7"), "citizen": D("0.3")}) == combined


def test_an_entry_missing_a_panel_is_combined_over_the_panels_that_scored_it_and_flagged():
    # e3: only the citizens scored it: 30 x 90 / 30 = 90. e4: only the experts: 70 x 77.7 / 70 = 77.7.
    results = {"expert": {"e4": PanelResult(D("77.7"), 5)}, "citizen": {"e3": PanelResult(D(90), 12)}}
    combined = combine_panels(results=results, weights=WEIGHTS)
    assert combined == {
        "e3": Combined(score=D("90.0000"), panels={"citizen": D(90)}, complete=False),
        "e4": Combined(score=D("77.7000"), panels={"expert": D("77.7")}, complete=False),
    }


def test_a_panel_with_no_results_at_all_leaves_every_entry_incomplete():
    combined = combine_panels(results={"expert": {"e1": PanelResult(D(80), 5)}}, weights=WEIGHTS)
    assert combined == {"e1": Combined(score=D("80.0000"), panels={"expert": D(80)}, complete=False)}


def test_a_combined_score_is_rounded_half_to_even():
    # (1 x 0.0001 + 1 x 0.0002) / 2 = 0.00015 -> 0.0002; (0.0002 + 0.0003) / 2 = 0.00025 -> 0.0002
    results = {"p": {"a": PanelResult(D("0.0001"), 1), "b": PanelResult(D("0.0002"), 1)},
               "q": {"a": PanelResult(D("0.0002"), 1), "b": PanelResult(D("0.0003"), 1)}}
    combined = combine_panels(results=results, weights={"p": D(1), "q": D(1)})
    assert {entry: c.score for entry, c in combined.items()} == {"a": D("0.0002"), "b": D("0.0002")}


@pytest.mark.parametrize("weights", [
    {"expert": D(0), "citizen": D(30)},
    {"expert": D(70), "citizen": D(-30)},
    {"expert": D(70)},  # the citizens' results have no weight
    {"expert": D("NaN"), "citizen": D(30)},
])
def test_bad_panel_weights_are_refused(weights):
    results = {"expert": {"e1": PanelResult(D(80), 5)}, "citizen": {"e1": PanelResult(D(90), 40)}}
    with pytest.raises(ValueError):
        combine_panels(results=results, weights=weights)


# --- ranking -----------------------------------------------------------------------------------------------------

T = [datetime(2025, 5, day, 9, 0) for day in range(1, 8)]  # entry times, earliest first

ROWS = [
    RankInput(entry="A", score=D(85), expert_score=D(80), entered_at=T[0], entry_order=1),
    RankInput(entry="B", score=D(85), expert_score=D(82), entered_at=T[2], entry_order=2),
    RankInput(entry="C", score=D(90), expert_score=D(88), entered_at=T[1], entry_order=3),
    RankInput(entry="D", score=D(85), expert_score=D(82), entered_at=T[3], entry_order=4),
    RankInput(entry="E", score=None, expert_score=None, entered_at=T[4], entry_order=5),
    RankInput(entry="F", score=D(85), expert_score=None, entered_at=T[0], entry_order=6),
    RankInput(entry="G", score=D(70), expert_score=D(95), entered_at=T[0], entry_order=7),
]


def test_higher_scores_first_and_equal_scores_by_the_expert_score_then_the_earlier_entry():
    # C 90 is first alone. A, B, D and F share 85: B and D have the higher expert score (82 > 80 > none); B was
    # entered before D; A (80) next; F has no expert score and comes after any number, though entered first.
    # G's 70 is alone (its expert 95 does not matter). E has no score: unranked, last.
    assert TIE_BREAK == "higher expert panel score, then earlier entry"
    assert rank(rows=ROWS) == [
        Ranked(entry="C", rank=1, score=D(90), expert_score=D(88), tie_broken=False),
        Ranked(entry="B", rank=2, score=D(85), expert_score=D(82), tie_broken=True),
        Ranked(entry="D", rank=3, score=D(85), expert_score=D(82), tie_broken=True),
        Ranked(entry="A", rank=4, score=D(85), expert_score=D(80), tie_broken=True),
        Ranked(entry="F", rank=5, score=D(85), expert_score=None, tie_broken=True),
        Ranked(entry="G", rank=6, score=D(70), expert_score=D(95), tie_broken=False),
        Ranked(entry="E", rank=None, score=None, expert_score=None, tie_broken=False),
    ]


def test_the_order_rows_come_in_does_not_matter():
    rows = list(ROWS)
    random.Random(7).shuffle(rows)
    assert rank(rows=rows) == rank(rows=ROWS)
    assert rank(rows=list(reversed(ROWS))) == rank(rows=ROWS)


def test_equal_expert_scores_entered_together_are_decided_by_the_entry_number():
    # Sequence numbers for entry times: x and y both entered at 3 with the same scores; y's number 1 < x's 2.
    # z has the same combined score but an earlier entry (2): it goes before both.
    rows = [
        RankInput(entry="x", score=D("77.7"), expert_score=D(70), entered_at=3, entry_order=2),
        RankInput(entry="y", score=D("77.7"), expert_score=D(70), entered_at=3, entry_order=1),
        RankInput(entry="z", score=D("77.7"), expert_score=D(70), entered_at=2, entry_order=9),
    ]
    assert [(r.entry, r.rank, r.tie_broken) for r in rank(rows=rows)] == [("z", 1, True), ("y", 2, True),
                                                                          ("x", 3, True)]


def test_ranks_have_no_gaps_and_unranked_entries_come_earliest_first():
    rows = [
        RankInput(entry=1, score=None, expert_score=None, entered_at=5, entry_order=1),
        RankInput(entry=2, score=None, expert_score=None, entered_at=4, entry_order=2),
        RankInput(entry=3, score=D(50), expert_score=D(50), entered_at=9, entry_order=3),
        RankInput(entry=4, score=D(50), expert_score=D(50), entered_at=8, entry_order=4),
        RankInput(entry=5, score=D(40), expert_score=D(40), entered_at=1, entry_order=5),
    ]
    assert [(r.entry, r.rank) for r in rank(rows=rows)] == [(4, 1), (3, 2), (5, 3), (2, None), (1, None)]
    assert rank(rows=[]) == []


def test_an_entry_or_an_entry_number_given_twice_or_a_bad_score_is_refused():
    with pytest.raises(ValueError):
        rank(rows=[ROWS[0], ROWS[0]])
    with pytest.raises(ValueError):
        rank(rows=[ROWS[0], RankInput(entry="Z", score=D(1), expert_score=None, entered_at=T[0], entry_order=1)])
    with pytest.raises(ValueError):
        rank(rows=[RankInput(entry="Z", score=D("NaN"), expert_score=None, entered_at=T[0], entry_order=1)])
    with pytest.raises(ValueError):
        rank(rows=[RankInput(entry="Z", score=D(1), expert_score=D("Infinity"), entered_at=T[0], entry_order=1)])


# --- advancing -----------------------------------------------------------------------------------------------------


def test_the_first_n_ranked_advance():
    ranked = rank(rows=ROWS)
    assert select_advancing(ranked=ranked, top_n=1) == ["C"]
    assert select_advancing(ranked=ranked, top_n=2) == ["C", "B"]  # B over D by the tie-break
    # More places than ranked entries: every ranked one, never the unranked E.
    assert select_advancing(ranked=ranked, top_n=10) == ["C", "B", "D", "A", "F", "G"]


def test_every_ranked_entry_at_or_above_the_cut_advances():
    ranked = rank(rows=ROWS)
    assert select_advancing(ranked=ranked, cut=D(85)) == ["C", "B", "D", "A", "F"]  # 85 >= 85
    assert select_advancing(ranked=ranked, cut=D("85.0001")) == ["C"]
    assert select_advancing(ranked=ranked, cut=D(0)) == ["C", "B", "D", "A", "F", "G"]
    assert select_advancing(ranked=ranked, cut=D(100)) == []


def test_advancing_follows_the_ranks_whatever_order_they_are_given_in():
    ranked = list(reversed(rank(rows=ROWS)))
    assert select_advancing(ranked=ranked, top_n=3) == ["C", "B", "D"]


@pytest.mark.parametrize("arguments", [
    {},
    {"top_n": 3, "cut": D(80)},
    {"top_n": 0},
    {"top_n": -1},
    {"cut": D("-0.0001")},
    {"cut": D("100.0001")},
    {"cut": D("NaN")},
])
def test_a_selection_needs_exactly_one_good_rule(arguments):
    with pytest.raises(ValueError):
        select_advancing(ranked=rank(rows=ROWS), **arguments)


def test_results_are_frozen():
    with pytest.raises(FrozenInstanceError):
        PanelResult(D(1), 1).score = D(2)  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        rank(rows=ROWS)[0].rank = 9  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        Criterion("a", D(1), D(1)).weight = D(2)  # type: ignore[misc]
