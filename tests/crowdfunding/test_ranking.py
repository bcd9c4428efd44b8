"""A round's ranking with known answers worked out by hand: two panels weighted 70/30, a trimmed mean over five
experts, a tie broken by the expert score and another by the earlier entry, an entry only one panel scored, an entry
nobody scored, z-scores against plain means; and the ranking loads in a handful of queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crowdfunding import selectors
from crowdfunding.models import Entry

from .factories import ContestFactory, EntryFactory
from .judging_setup import EXPERT_ONLY, FINAL_PANELS, fast_password_hashing, in_english, score, set_up

pytestmark = pytest.mark.django_db
__all__ = ["fast_password_hashing", "in_english"]  # the fixtures, used by every test

# Final, trimmed mean per panel (at least 5 judges: one highest and one lowest dropped; fewer: plain mean), expert
# panel 70 %, citizen panel 30 %. The standard rubric's total is the sum of the marks.
#
#      experts (5)            trimmed                        citizens (3)  mean   combined = 0.7 E + 0.3 C
#   A  80 90 70 85 75   drop 90, 70: (80+85+75)/3 = 80     90 80 70      80     56   + 24   = 80
#   B  60 60 95 65 70   drop 95, 60: (60+65+70)/3 = 65     100 90 95     95     45.5 + 28.5 = 74
#   C  90 88 86 84 82   drop 90, 82: (88+86+84)/3 = 86     50 60 70      60     60.2 + 18   = 78.2
#   D  74 74 74 60 100  drop 100, 60: (74+74+74)/3 = 74    88 88 88      88     51.8 + 26.4 = 78.2
#   F  50 50 50 50 50   drop 50, 50: 50                    (none)        -      50 over the expert panel alone
#   E  (nobody)                                                                 unranked
#
# C and D tie at 78.2: the expert score decides (86 > 74), so C is 2nd and D 3rd, both flagged tie_broken.
EXPERTS = {"A": (80, 90, 70, 85, 75), "B": (60, 60, 95, 65, 70), "C": (90, 88, 86, 84, 82),
           "D": (74, 74, 74, 60, 100), "F": (50, 50, 50, 50, 50)}
CITIZENS = {"A": (90, 80, 70), "B": (100, 90, 95), "C": (50, 60, 70), "D": (88, 88, 88)}


@pytest.fixture
def final():
    contest = ContestFactory(phase="final")
    judged, (experts, citizens) = set_up(contest, kind="final", aggregation="trimmed", panels=FINAL_PANELS,
                                         judges=(5, 3))
    entries = {name: EntryFactory(contest=contest, state="advanced", title=f"출품 {name}") for name in "ABCDEF"}
    for name, totals in EXPERTS.items():
        for judge, total in zip(experts, totals, strict=True):
            score(judge, entries[name], total)
    for name, totals in CITIZENS.items():
        for judge, total in zip(citizens, totals, strict=True):
            score(judge, entries[name], total)
    return judged, entries


def test_a_final_ranks_by_70_30_panels_with_trimmed_means_and_the_expert_score_breaking_a_tie(final):
    judged, entries = final

    ranking = selectors.round_ranking(judged)

    names = {entry.pk: name for name, entry in entries.items()}
    got = [(names[row.entry_id], row.rank, row.combined, row.tie_broken, row.complete) for row in ranking]
    assert got == [
        ("A", 1, Decimal("80.0000"), False, True),
        ("C", 2, Decimal("78.2000"), True, True),
        ("D", 3, Decimal("78.2000"), True, True),
        ("B", 4, Decimal("74.0000"), False, True),
        ("F", 5, Decimal("50.0000"), False, False),
        ("E", None, None, False, False),
    ]
    by_name = {names[row.entry_id]: row for row in ranking}
    assert [(cell.kind, cell.weight, cell.score, cell.judges) for cell in by_name["B"].panels] == [
        ("expert", Decimal(70), Decimal("65.0000"), 5), ("citizen", Decimal(30), Decimal("95.0000"), 3)]
    assert (by_name["C"].expert, by_name["D"].expert) == (Decimal("86.0000"), Decimal("74.0000"))
    assert [(cell.score, cell.judges) for cell in by_name["F"].panels] == [(Decimal("50.0000"), 5), (None, 0)]
    assert by_name["A"].title == "출품 A" and by_name["A"].enterprise_name == entries["A"].enterprise.name


def test_equal_scores_on_one_panel_go_to_the_earlier_entry():
    # One expert panel (it is also the tie-break), mean: both entries score 77; the one submitted a day earlier ranks
    # first, though it was made second.
    judged, (experts,) = set_up(aggregation="mean", panels=EXPERT_ONLY, judges=(2,))
    now = timezone.now()
    later = EntryFactory(contest=judged.contest, submitted_at=now)
    earlier = EntryFactory(contest=judged.contest, submitted_at=now - timedelta(days=1))
    for entry in (later, earlier):
        score(experts[0], entry, 70)
        score(experts[1], entry, 84)

    ranking = selectors.round_ranking(judged)

    assert [(row.entry_id, row.rank, row.combined, row.tie_broken) for row in ranking] == [
        (earlier.pk, 1, Decimal("77.0000"), True), (later.pk, 2, Decimal("77.0000"), True)]


def test_z_scores_put_a_harsh_and_a_lenient_judge_on_one_scale():
    # Judge 1 gives 79 and 81 (mean 80, population sd 1); judge 2 gives 73 and 87 (mean 80, sd 7). All four scores:
    # mean M = 80, sd S = sqrt(((1 + 1) + (49 + 49)) / 4) = sqrt(25) = 5. Rescaled, x -> M + S (x - mu) / sigma:
    #   entry 1: judge 1's 79 -> 80 + 5 x (-1)/1 = 75; judge 2's 73 -> 80 + 5 x (-7)/7 = 75; result 75
    #   entry 2: judge 1's 81 -> 85;                   judge 2's 87 -> 85;                   result 85
    # Plain means would be 76 and 84.
    judged, (experts,) = set_up(aggregation="zscore", panels=EXPERT_ONLY, judges=(2,))
    first, second = EntryFactory(contest=judged.contest), EntryFactory(contest=judged.contest)
    score(experts[0], first, 79)
    score(experts[1], first, 73)
    score(experts[0], second, 81)
    score(experts[1], second, 87)

    ranking = selectors.round_ranking(judged)

    assert [(row.entry_id, row.combined) for row in ranking] == [(second.pk, Decimal("85.0000")),
                                                                 (first.pk, Decimal("75.0000"))]
    judged.aggregation = "mean"
    judged.save()
    assert [row.combined for row in selectors.round_ranking(judged)] == [Decimal("84.0000"), Decimal("76.0000")]


def test_an_entry_withdrawn_or_screened_out_is_not_ranked_in_the_final(final):
    judged, entries = final
    Entry.objects.filter(pk=entries["A"].pk).update(state="not_advanced", eliminated_in="screening")

    ranking = selectors.round_ranking(judged)

    assert entries["A"].pk not in {row.entry_id for row in ranking}
    assert ranking[0].entry_id == entries["C"].pk and ranking[0].rank == 1


def test_the_ranking_loads_in_a_handful_of_queries_however_many_entries(final, django_assert_max_num_queries):
    judged, _entries = final
    for _ in range(20):
        EntryFactory(contest=judged.contest, state="advanced")

    with django_assert_max_num_queries(6):
        ranking = selectors.round_ranking(judged)

    assert len(ranking) == 26


def test_progress_counts_per_panel(final):
    # Experts: 5 judges x 6 entries = 30 expected, 25 recorded (A, B, C, D, F); citizens: 3 x 6 = 18, 12 recorded.
    judged, _entries = final

    progress = selectors.judging_progress(judged)

    assert [(row.kind, row.judges, row.recorded, row.expected, row.recused) for row in progress] == [
        ("expert", 5, 25, 30, 0), ("citizen", 3, 12, 18, 0)]
