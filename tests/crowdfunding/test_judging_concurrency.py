"""Judging writes racing on PostgreSQL: each thread has its own connection, they start together at a barrier, and the
round's row lock (``crowdfunding.locks``) decides.

- Judges scoring while a manager closes the round: every score is either in before the close or refused ("scores
  are locked"); none lands after.
- One judge sending its score twice at once: one score, created once and then replaced.
- Two managers confirming the same list at once: one confirms, the other finds it confirmed; the entries move once
  and are told once.
- Two managers preparing a list for the same round at once: one list.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import translation

from core.errors import InvalidState
from crowdfunding import services
from crowdfunding.models import AdvanceList, EntryNotice, Round, Score
from tests.concurrency import run_together
from tests.factories import ManagerFactory

from .factories import EntryFactory
from .judging_setup import EXPERT_ONLY, TODAY, close, fast_password_hashing, in_english, marks, score, set_up

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
__all__ = ["fast_password_hashing", "in_english"]  # the fixtures, used by every test

JUDGES = 8


def test_no_score_lands_after_the_round_closes():
    judged, (judges,) = set_up(aggregation="mean", panels=EXPERT_ONLY, judges=(JUDGES,))
    entry = EntryFactory(contest=judged.contest)
    closer = ManagerFactory()

    def work(i: int):
        with translation.override("en"):  # each worker thread, as this one (in_english), names the rule in English
            if i == JUDGES:
                return services.round_close(actor=closer, today=TODAY, round_id=judged.pk)
            return services.score_record(actor=judges[i], today=TODAY, entry_id=entry.pk, marks=marks(50 + i))

    results = run_together(JUDGES + 1, work, expected=(InvalidState,))

    closed = Round.objects.get(pk=judged.pk)
    assert closed.state == "closed"
    recorded = [result for result in results[:JUDGES] if not isinstance(result, InvalidState)]
    refused = [result for result in results[:JUDGES] if isinstance(result, InvalidState)]
    assert len(recorded) + len(refused) == JUDGES
    assert all(error.fields == {"round": ["closed: scores are locked"]} for error in refused)
    assert Score.objects.filter(round=judged).count() == len(recorded)
    assert not Score.objects.filter(round=judged, scored_at__gt=closed.closed_at).exists()


def test_a_judge_sending_its_score_twice_at_once_has_one_score():
    judged, (judges,) = set_up(panels=EXPERT_ONLY, judges=(1,))
    entry = EntryFactory(contest=judged.contest)

    results = run_together(4, lambda i: services.score_record(actor=judges[0], today=TODAY, entry_id=entry.pk,
                                                               marks=marks(60 + i)))

    assert Counter(created for _score, created in results) == {True: 1, False: 3}
    assert Score.objects.filter(round=judged).count() == 1


def test_two_managers_confirming_one_list_at_once_move_the_entries_once():
    judged, (judges,) = set_up(aggregation="mean", panels=EXPERT_ONLY, judges=(1,))
    entries = [EntryFactory(contest=judged.contest) for _ in range(3)]
    for entry, total in zip(entries, (90, 80, 70), strict=True):
        score(judges[0], entry, total)
    close(judged)
    prepared = services.advance_prepare(actor=ManagerFactory(), today=TODAY, round_id=judged.pk, top_n=2)
    confirmers = [ManagerFactory() for _ in range(2)]

    results = run_together(2, lambda i: services.advance_confirm(actor=confirmers[i], today=TODAY,
                                                                  list_id=prepared.pk), expected=(InvalidState,))

    assert Counter(type(result).__name__ for result in results) == {"AdvanceList": 1, "InvalidState": 1}
    assert EntryNotice.objects.count() == 3
    assert AdvanceList.objects.get(pk=prepared.pk).state == "confirmed"


def test_two_managers_preparing_a_list_for_one_round_at_once_make_one():
    judged, (judges,) = set_up(aggregation="mean", panels=EXPERT_ONLY, judges=(1,))
    score(judges[0], EntryFactory(contest=judged.contest), 80)
    close(judged)
    preparers = [ManagerFactory() for _ in range(3)]

    results = run_together(3, lambda i: services.advance_prepare(actor=preparers[i], today=TODAY,
                                                                  round_id=judged.pk, top_n=1),
                           expected=(InvalidState,))

    assert Counter(type(result).__name__ for result in results) == {"AdvanceList": 1, "InvalidState": 2}
    assert AdvanceList.objects.filter(round=judged).count() == 1
