"""Blind judging and the lock: while a round is open a judge sees only its own scores and not the ranking; once a
manager closes it, no score or conflict changes any more ("scores are locked"), and its judges see every score of
the round and its ranking."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import Forbidden, InvalidState, NotFound
from crowdfunding import selectors, services
from crowdfunding.models import Contest, Score
from tests.factories import AuditorFactory, JudgeFactory, ManagerFactory

from .factories import ContestFactory, EntryFactory
from .judging_setup import TODAY, close, fast_password_hashing, in_english, marks, score, set_up

pytestmark = pytest.mark.django_db
__all__ = ["fast_password_hashing", "in_english"]  # the fixtures, used by every test


@pytest.fixture
def scored():
    """An open screening round with three experts who each scored the one entry: 70, 80, 90."""
    judged, judges = set_up(judges=(3,))
    entry = EntryFactory(contest=judged.contest)
    for judge, total in zip(judges[0], (70, 80, 90), strict=True):
        score(judge, entry, total)
    return judged, judges[0], entry


def totals(user, entry) -> list[Decimal]:
    return sorted(visible.score.total for visible in selectors.scores_visible_to(user, entry))


def test_while_the_round_is_open_a_judge_sees_only_its_own_score(scored):
    _judged, judges, entry = scored

    assert totals(judges[0], entry) == [Decimal(70)]
    assert totals(judges[2], entry) == [Decimal(90)]


def test_staff_see_every_score_while_the_round_is_open(scored):
    _judged, _judges, entry = scored

    assert totals(ManagerFactory(), entry) == totals(AuditorFactory(), entry) == [70, 80, 90]


def test_after_the_round_closes_its_judges_see_every_score_of_it(scored):
    judged, judges, entry = scored

    close(judged)

    assert totals(judges[0], entry) == [70, 80, 90]
    assert totals(JudgeFactory(), entry) == []  # a judge of no round of the contest


def test_scores_are_locked_once_the_round_closes(scored):
    judged, judges, entry = scored
    close(judged)

    with pytest.raises(InvalidState) as rescoring:
        services.score_record(actor=judges[0], today=TODAY, entry_id=entry.pk, marks=marks(100))
    with pytest.raises(InvalidState) as declaring:
        services.conflict_declare(actor=judges[1], today=TODAY, entry_id=entry.pk, reason="늦은 신고")

    assert "locked" in rescoring.value.message
    assert rescoring.value.fields == declaring.value.fields == {"round": ["closed: scores are locked"]}
    assert Score.objects.get(judge=judges[0]).total == 70


def test_a_round_being_set_up_takes_no_score_yet():
    contest = ContestFactory(phase="call")
    _judged, judges = set_up(contest, open_it=False)
    entry = EntryFactory(contest=contest)

    with pytest.raises(InvalidState) as error:
        services.score_record(actor=judges[0][0], today=TODAY, entry_id=entry.pk, marks=marks(80))

    assert error.value.fields == {"round": ["not open yet"]}


def test_once_the_contest_has_moved_on_the_screening_judges_scores_stay_locked(scored):
    judged, judges, entry = scored
    close(judged)
    Contest.objects.filter(pk=judged.contest_id).update(phase="funding")

    with pytest.raises(InvalidState):
        services.score_record(actor=judges[0], today=TODAY, entry_id=entry.pk, marks=marks(100))


def test_a_judge_sees_the_ranking_only_after_the_round_closes(scored):
    judged, judges, _entry = scored

    with pytest.raises(Forbidden) as early:
        selectors.ranking_round_for(judges[0], judged.contest_id, "screening")
    close(judged)
    found = selectors.ranking_round_for(judges[0], judged.contest_id, "screening")

    assert early.value.fields == {"round": ["the ranking opens to its judges when the round closes"]}
    assert found == judged


def test_staff_see_the_ranking_at_any_time_and_a_judge_of_another_round_finds_none(scored):
    judged, _judges, _entry = scored

    assert selectors.ranking_round_for(ManagerFactory(), judged.contest_id, "screening") == judged
    assert selectors.ranking_round_for(AuditorFactory(), judged.contest_id, "screening") == judged
    with pytest.raises(NotFound):
        selectors.ranking_round_for(JudgeFactory(), judged.contest_id, "screening")
    with pytest.raises(NotFound):
        selectors.ranking_round_for(ManagerFactory(), judged.contest_id, "final")  # no final round
    with pytest.raises(NotFound):
        selectors.ranking_round_for(ManagerFactory(), 10**9, "screening")
