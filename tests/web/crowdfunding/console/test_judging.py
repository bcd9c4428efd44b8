"""Judging in the console: setting up a round (the standard rubric offered; each rule beside its row), seating
judges, opening and closing the round, its page (rubric, panels, progress, conflicts), the ranking with each panel's
result (known answers, the tie-break, a recused judge's score excluded) and its download, and the advance list
(prepared from the ranking, confirmed by another manager, four eyes visible to the preparer, cancelled).

The world's screening round (tests/web/crowdfunding/world.py): one expert panel of three judges (kim, lee, park),
the mean of their scores; the marks "high", "mid" and "low" total 88, 80 and 60 (the weights equal the maxima)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from crowdfunding.models import AdvanceList, Conflict, Entry, EntryNotice, Round
from tests.crowdfunding.factories import ContestFactory, EntryFactory
from tests.factories import JudgeFactory, UserFactory

from ..helpers import LIST_NOTE, field_errors, form_as_shown, ko, nothing_written, text

pytestmark = pytest.mark.django_db


def _url(name: str, pk: int) -> str:
    return reverse(f"web:{name}", args=[pk])


def _setup_form(criteria: list[tuple], panels: list[tuple], kind: str = "screening") -> dict[str, str]:
    data = {"round-kind": kind, "round-aggregation": "trimmed",
            "criteria-TOTAL_FORMS": str(len(criteria)), "criteria-INITIAL_FORMS": "0",
            "criteria-MIN_NUM_FORMS": "1", "criteria-MAX_NUM_FORMS": "12",
            "panels-TOTAL_FORMS": str(len(panels)), "panels-INITIAL_FORMS": "0",
            "panels-MIN_NUM_FORMS": "1", "panels-MAX_NUM_FORMS": "4"}
    for i, (key, name, weight, maximum) in enumerate(criteria):
        data.update({f"criteria-{i}-key": key, f"criteria-{i}-name": name, f"criteria-{i}-weight": str(weight),
                     f"criteria-{i}-max_score": str(maximum)})
    for i, (name, kind_, weight) in enumerate(panels):
        data.update({f"panels-{i}-name": name, f"panels-{i}-kind": kind_, f"panels-{i}-weight": str(weight)})
    return data


STANDARD = [("social-value", "사회적 가치", 30, 30), ("business", "사업성", 25, 25),
            ("feasibility", "실현 가능성", 25, 25), ("local", "지역 연계", 20, 20)]


def test_a_manager_sets_up_a_screening_round_from_the_standard_rubric(client_as, manager):
    contest = ContestFactory(phase="screening")
    client = client_as(manager)
    form = text(client.get(_url("contest-round-setup", contest.pk), {"kind": "screening"}))
    assert 'value="사회적 가치"' in form and 'value="전문가 심사단"' in form

    response = client.post(_url("contest-round-setup", contest.pk),
                           _setup_form(STANDARD, [("전문가 심사단", "expert", 100)]))

    judged = Round.objects.get(contest=contest, kind="screening")
    assert response.status_code == 303 and response["Location"] == _url("contest-round", judged.pk)
    assert (judged.state, judged.aggregation) == ("setup", "trimmed")
    assert [(c.key, c.weight, c.max_score) for c in judged.criteria.all()] == [
        ("social-value", 30, 30), ("business", 25, 25), ("feasibility", 25, 25), ("local", 20, 20)]
    page = text(client.get(_url("contest-round", judged.pk)))
    assert "사회적 가치" in page and _url("contest-round-open", judged.pk) in page


@pytest.mark.parametrize("kind", ["screening", "final"])
def test_the_set_up_form_sent_as_shown_makes_the_standard_round(client_as, manager, kind):
    contest = ContestFactory(phase=kind)
    client = client_as(manager)
    shown = form_as_shown(text(client.get(_url("contest-round-setup", contest.pk), {"kind": kind})))

    response = client.post(_url("contest-round-setup", contest.pk), shown)

    assert response.status_code == 303
    judged = Round.objects.get(contest=contest, kind=kind)
    assert [c.name for c in judged.criteria.all()] == ["사회적 가치", "사업성", "실현 가능성", "지역 연계"]
    assert [(p.kind, p.weight) for p in judged.panels.all()] == (
        [("expert", 100)] if kind == "screening" else [("expert", 70), ("citizen", 30)])


@pytest.mark.parametrize(("criteria", "panels", "where"), [
    (STANDARD, [("전문가 심사단", "expert", 60)], "panels"),  # the weights add up to 60
    ([("social-value", "사회적 가치", 0, 30)], [("전문가 심사단", "expert", 100)], "criteria-0-weight"),
    ([("social-value", "사회적 가치", 30, 30), ("social-value", "중복", 10, 10)], [("전문가 심사단", "expert", 100)],
     "criteria-1-key"),
], ids=["panels-not-100", "zero-weight", "duplicate-key"])
def test_a_bad_rubric_or_panel_is_refused_beside_its_row(client_as, manager, criteria, panels, where):
    contest = ContestFactory(phase="screening")
    with nothing_written():
        response = client_as(manager).post(_url("contest-round-setup", contest.pk), _setup_form(criteria, panels))
    assert response.status_code == 400
    form = response.context["form"]
    if where == "panels":
        assert form["panels"].non_form_errors()
    else:
        _part, index, field = where.split("-")
        assert form[_part].forms[int(index)].errors[field]
    assert 'class="error"' in text(response) or 'class="form-errors"' in text(response)


def test_judges_are_seated_and_the_round_opens(client_as, manager):
    contest = ContestFactory(phase="screening")
    EntryFactory(contest=contest)
    client = client_as(manager)
    client.post(_url("contest-round-setup", contest.pk), _setup_form(STANDARD, [("전문가 심사단", "expert", 100)]))
    judged = Round.objects.get(contest=contest)
    with nothing_written():
        assert client.post(_url("contest-round-open", judged.pk), {}).status_code == 409  # no judge yet
    panel = judged.panels.get()
    not_a_judge, kim, lee = UserFactory(), JudgeFactory(username="judge.kim"), JudgeFactory(username="judge.lee")
    with nothing_written():
        refused = client.post(_url("contest-round-judges", judged.pk), {"panel": panel.pk,
                                                                        "judges": [kim.pk, not_a_judge.pk]})
    assert refused.status_code == 400 and "judges" in field_errors(refused)

    seated = client.post(_url("contest-round-judges", judged.pk), {"panel": panel.pk, "judges": [kim.pk, lee.pk]})
    opened = client.post(_url("contest-round-open", judged.pk), {})

    assert seated.status_code == opened.status_code == 303
    judged.refresh_from_db()
    assert judged.state == "open" and set(panel.judges.values_list("judge__username", flat=True)) == {
        "judge.kim", "judge.lee"}
    page = text(client.get(_url("contest-round", judged.pk)))
    assert "judge.kim" in page and _url("contest-round-close", judged.pk) in page


def test_the_rounds_page_shows_each_panels_progress_and_the_conflicts(cw, client_as, auditor):
    kim, lee, park = cw.judges
    first, second, _third = cw.entries
    cw.score(kim, first, "high")
    cw.score(lee, first, "mid")
    Conflict.objects.create(round=cw.screening, entry=second, judge=park, reason="멘토로 참여했습니다")
    response = client_as(auditor).get(_url("contest-round", cw.screening.pk))
    progress = response.context["panels"][0].progress
    # 3 judges x 3 entries, less park's conflict: 8 expected; 2 recorded.
    assert (progress.judges, progress.recorded, progress.expected, progress.recused) == (3, 2, 8, 1)
    page = text(response)
    assert "멘토로 참여했습니다" in page and 'max="8" value="2"' in page
    assert _url("contest-round-close", cw.screening.pk) not in page  # an auditor


def test_the_ranking_gives_each_panels_result_and_the_combined_score(cw, client_as, manager):
    judged = cw.scored  # entry 0: 88, 1: 80, 2: 60 from each judge
    client = client_as(manager)
    response = client.get(_url("contest-round-ranking", judged.pk))
    rows = response.context["table"].data.data
    assert [(row["rank"], row["entry"], str(row["combined"])) for row in rows] == [
        (1, cw.entries[0].title, "88.0000"), (2, cw.entries[1].title, "80.0000"),
        (3, cw.entries[2].title, "60.0000")]
    panel = cw.panel
    assert [row[f"judges_{panel.pk}"] for row in rows] == [3, 3, 3]
    page = text(response)
    assert "88.0000" in page and "전문가 심사단 (100%)" in page and ko("The round is still open: the ranking may "
                                                                       "change.") in page
    download = client.get(_url("contest-round-ranking", judged.pk), {"_export": "csv"})
    lines = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert lines[1][:4] == ["1", cw.entries[0].title, cw.entries[0].enterprise.name, "88.0000"]


def test_a_tie_is_broken_by_the_earlier_entry_and_said_so(cw, client_as, manager):
    first, second, third = cw.entries
    for judge in cw.judges:
        cw.score(judge, first, "low")
        cw.score(judge, second, "mid")
        cw.score(judge, third, "mid")  # the same 80 as the second, entered later
    rows = client_as(manager).get(_url("contest-round-ranking", cw.screening.pk)).context["table"].data.data
    assert [(row["entry"], row["rank"]) for row in rows] == [(second.title, 1), (third.title, 2), (first.title, 3)]
    assert rows[0]["tie_broken"] and rows[1]["tie_broken"] and not rows[2]["tie_broken"]


def test_a_recused_judges_score_does_not_count(cw, client_as, manager):
    kim, lee, park = cw.judges
    first = cw.entries[0]
    cw.score(kim, first, "low")  # 60
    cw.score(lee, first, "high")  # 88
    cw.score(park, first, "high")  # 88
    Conflict.objects.create(round=cw.screening, entry=first, judge=kim, reason="가족이 근무합니다")
    rows = client_as(manager).get(_url("contest-round-ranking", cw.screening.pk)).context["table"].data.data
    row = next(row for row in rows if row["entry"] == first.title)
    # Without kim: (88 + 88) / 2 = 88, from 2 judges (with him it would be 78.6667).
    assert (str(row["combined"]), row[f"judges_{cw.panel.pk}"]) == ("88.0000", 2)


def test_a_manager_closes_the_round(cw, client_as, manager):
    judged = cw.scored
    response = client_as(manager).post(_url("contest-round-close", judged.pk), {})
    assert response.status_code == 303
    judged.refresh_from_db()
    assert (judged.state, judged.closed_by_id) == ("closed", manager.pk)
    with nothing_written():
        assert client_as(manager).post(_url("contest-round-close", judged.pk), {}).status_code == 409


def test_the_advance_list_is_prepared_by_one_and_confirmed_by_another(cw, client_as, manager):
    judged = cw.closed
    preparer = client_as(cw.preparer)
    with nothing_written():
        both = preparer.post(_url("contest-advance-prepare", judged.pk), {"top_n": "2", "cut": "70"})
    assert both.status_code == 400

    response = preparer.post(_url("contest-advance-prepare", judged.pk), {"top_n": "2"})

    made = AdvanceList.objects.get(round=judged)
    assert response.status_code == 303 and response["Location"] == _url("contest-advance-list", made.pk)
    assert list(made.lines.values_list("rank", "advances")) == [(1, True), (2, True), (3, False)]
    page = text(preparer.get(_url("contest-advance-list", made.pk)))
    assert ko(LIST_NOTE) in page and _url("contest-advance-confirm", made.pk) not in page
    shown = preparer.get(_url("contest-advance-confirm", made.pk))
    assert ko(LIST_NOTE) in text(shown) and 'class="action-form"' not in text(shown)
    with nothing_written():
        assert preparer.post(_url("contest-advance-confirm", made.pk), {}).status_code == 409

    confirmed = client_as(manager).post(_url("contest-advance-confirm", made.pk), {})

    assert confirmed.status_code == 303
    made.refresh_from_db()
    assert (made.state, made.decided_by_id) == ("confirmed", manager.pk)
    states = [Entry.objects.get(pk=entry.pk).state for entry in cw.entries]
    assert states == ["advanced", "advanced", "not_advanced"]
    assert EntryNotice.objects.filter(entry=cw.entries[2], kind="not_advanced").exists()


def test_a_list_cannot_be_prepared_while_the_round_is_open(cw, client_as, manager):
    judged = cw.scored
    with nothing_written():
        response = client_as(manager).post(_url("contest-advance-prepare", judged.pk), {"cut": "70"})
    assert response.status_code == 409


def test_the_preparer_cancels_the_list_and_another_can_be_prepared(cw, client_as):
    made = cw.prepared_list
    client = client_as(cw.preparer)
    response = client.post(_url("contest-advance-cancel", made.pk), {"reason": "컷 기준 변경"})
    assert response.status_code == 303 and response["Location"] == _url("contest-round", cw.closed.pk)
    made.refresh_from_db()
    assert made.state == "cancelled"
    assert _url("contest-advance-prepare", cw.closed.pk) in text(client.get(_url("contest-round", cw.closed.pk)))
    assert client.post(_url("contest-advance-prepare", cw.closed.pk), {"cut": "70"}).status_code == 303
