"""The judging endpoints through the real URLs: a round set up, judges seated, opened, scored (blind), a conflict,
closed, ranked and advanced with four eyes; bad input as 400 naming the field; and every role on every endpoint
(judges of another round: 404; enterprise members: 403; auditors: read only)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from crowdfunding.models import AdvanceList, Contest, Entry, EntryNotice, Panel, Round, Score
from tests.crowdfunding.factories import ContestFactory, EntryFactory
from tests.crowdfunding.judging_setup import CRITERIA, FINAL_PANELS, close, in_english, marks, score, set_up
from tests.factories import JudgeFactory, ManagerFactory, MembershipFactory

from ..helpers import assert_error

pytestmark = pytest.mark.django_db
__all__ = ["in_english"]  # the fixture: the services called directly word their rules in English too

ROUNDS = "/api/v1/contest-rounds/"
LISTS = "/api/v1/advance-lists/"
QUEUE = "/api/v1/judging/queue/"


def client(user: Any) -> APIClient:
    """A client as ``user``, asking for English: the tests name the rules as the API words them in English."""
    c = APIClient(headers={"Accept-Language": "en"})
    if user is not None:
        c.force_authenticate(user)
    return c


def post(user: Any, path: str, data: Any = None) -> Any:
    return client(user).post(path, data=json.dumps(data if data is not None else {}), content_type="application/json")


def get(user: Any, path: str, **query: Any) -> Any:
    return client(user).get(path, query)


def scores_url(entry: Any) -> str:
    return f"/api/v1/contest-entries/{entry.pk}/scores/"


def conflict_url(entry: Any) -> str:
    return f"/api/v1/contest-entries/{entry.pk}/conflict/"


def ranking_url(contest: Any) -> str:
    return f"/api/v1/contests/{contest.pk}/ranking/"


@pytest.fixture
def world(db):
    """An open screening round (one expert panel, two judges) over two entries, the first scored 80 by the first
    judge; and another contest's open round with a judge of its own (the outsider)."""
    judged, (judges,) = set_up(judges=(2,))
    first, second = EntryFactory(contest=judged.contest), EntryFactory(contest=judged.contest)
    score(judges[0], first, 80)
    _other, (outsiders,) = set_up(judges=(1,))
    return {"round": judged, "judges": judges, "entries": (first, second), "outsider": outsiders[0]}


# --- the whole path ------------------------------------------------------------------------------------------------


def test_a_final_is_set_up_seated_opened_scored_closed_ranked_and_its_winners_confirmed(manager, other_manager):
    contest = ContestFactory(phase="funding")
    finalists = [EntryFactory(contest=contest, state="advanced") for _ in range(3)]
    body = {"contest": contest.pk, "kind": "final", "aggregation": "mean",
            "criteria": [{**row, "weight": str(row["weight"]), "max_score": str(row["max_score"])}
                         for row in CRITERIA],
            "panels": FINAL_PANELS}

    created = post(manager, ROUNDS, body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["state"] == "setup" and [c["key"] for c in data["criteria"]] == [
        "social-value", "business", "feasibility", "local"]
    assert [(p["name"], p["weight"], p["judge_count"]) for p in data["panels"]] == [
        ("전문가 심사단", "70.00", 0), ("시민 심사단", "30.00", 0)]
    again = post(manager, ROUNDS, {**body, "aggregation": "trimmed"})
    assert again.status_code == 200 and again.json()["id"] == data["id"] and again.json()["aggregation"] == "trimmed"
    url = f"{ROUNDS}{data['id']}/"
    expert, citizen = JudgeFactory(), JudgeFactory()
    panels = {p["name"]: p["id"] for p in data["panels"]}
    seated = post(manager, url + "judges/", {"panel": panels["전문가 심사단"], "judges": [expert.pk]})
    post(manager, url + "judges/", {"panel": panels["시민 심사단"], "judges": [citizen.pk]})
    assert seated.status_code == 200 and seated.json()["panels"][0]["judges"] == [
        {"id": expert.pk, "name": expert.display_name}]

    assert_error(post(manager, url + "open/"), 409, "invalid_state")  # the contest is not in its final yet
    Contest.objects.filter(pk=contest.pk).update(phase="final")
    assert post(manager, url + "open/").json()["state"] == "open"

    # Expert 90, 80, 70 and citizen 60, 100, 70: combined 0.7 E + 0.3 C = 81, 86, 70.
    for entry, (e, c) in zip(finalists, ((90, 60), (80, 100), (70, 70)), strict=True):
        recorded = post(expert, scores_url(entry), {"marks": marks(e), "comment": "좋음"})
        assert recorded.status_code == 201, recorded.content
        assert post(citizen, scores_url(entry), {"marks": marks(c)}).status_code == 201
    assert get(expert, f"{url}progress/").json()[0] == {
        "panel": panels["전문가 심사단"], "name": "전문가 심사단", "kind": "expert", "weight": "70.00", "judges": 1,
        "recorded": 3, "expected": 3, "recused": 0}

    assert post(manager, url + "close/").json()["state"] == "closed"
    ranking = get(expert, ranking_url(contest), round="final")
    assert ranking.status_code == 200, ranking.content
    rows = ranking.json()["rows"]
    assert [(row["entry"], row["rank"], row["combined"]) for row in rows] == [
        (finalists[1].pk, 1, "86.0000"), (finalists[0].pk, 2, "81.0000"), (finalists[2].pk, 3, "70.0000")]
    assert rows[0]["panels"][1] == {"panel": panels["시민 심사단"], "name": "시민 심사단", "kind": "citizen",
                                    "weight": "30.00", "score": "100.0000", "judges": 1}
    assert ranking.json()["tie_break"]

    prepared = post(manager, LISTS, {"round": data["id"], "top_n": 2})
    assert prepared.status_code == 201, prepared.content
    assert [(line["entry"], line["rank"], line["advances"]) for line in prepared.json()["lines"]] == [
        (finalists[1].pk, 1, True), (finalists[0].pk, 2, True), (finalists[2].pk, 3, False)]
    list_url = f"{LISTS}{prepared.json()['id']}/"
    four_eyes = assert_error(post(manager, list_url + "confirm/"), 409, "invalid_state")
    assert "four eyes" in four_eyes["message"].lower()
    confirmed = post(other_manager, list_url + "confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    assert list(Entry.objects.order_by("pk").values_list("state", flat=True)) == [
        "selected", "selected", "not_advanced"]
    assert EntryNotice.objects.count() == 3


# --- scores: blind, locked, recused, bad marks ---------------------------------------------------------------------


def test_a_judge_reads_only_its_own_score_until_the_round_closes_then_every_score(world, manager, auditor):
    first = world["entries"][0]
    scorer, other = world["judges"]
    score(other, first, 60)

    own = get(scorer, scores_url(first)).json()
    blind = get(other, scores_url(first)).json()
    staff = get(auditor, scores_url(first)).json()
    close(world["round"])
    after = get(other, scores_url(first)).json()

    assert [(s["judge"], s["total"], s["counts"]) for s in own] == [(scorer.pk, "80.0000", True)]
    assert [s["judge"] for s in blind] == [other.pk]
    assert sorted(s["total"] for s in staff) == sorted(s["total"] for s in after) == ["60.0000", "80.0000"]
    assert own[0]["marks"] == {"social-value": "30.0", "business": "25.0", "feasibility": "25.0", "local": "0.0"}


def test_rescoring_answers_200_and_after_closing_scores_are_locked_409(world):
    first = world["entries"][0]
    scorer = world["judges"][0]

    rescored = post(scorer, scores_url(first), {"marks": marks("72.5")})
    close(world["round"])
    locked = assert_error(post(scorer, scores_url(first), {"marks": marks(90)}), 409, "invalid_state")

    assert rescored.status_code == 200 and rescored.json()["total"] == "72.5000"
    assert locked["fields"] == {"round": ["closed: scores are locked"]}
    assert Score.objects.get(judge=scorer).total == Decimal("72.5")


def test_a_recused_judge_is_refused_with_403_recused_naming_why(world):
    second = world["entries"][1]
    judge = world["judges"][1]
    MembershipFactory(user=judge, enterprise=second.enterprise)

    refused = assert_error(post(judge, scores_url(second), {"marks": marks(90)}), 403, "recused")

    assert refused["fields"] == {"entry": ["member of the entry's enterprise"]}
    queue = get(judge, QUEUE).json()
    assert [(item["entry"], item["recused"]) for item in queue] == [
        (world["entries"][0].pk, False), (second.pk, True)]
    assert queue[1]["recusal"] == {"code": "own_enterprise", "reason": "member of the entry's enterprise"}


def test_a_conflict_is_declared_once_and_the_judges_score_stops_counting(world, manager):
    first = world["entries"][0]
    scorer = world["judges"][0]

    declared = post(scorer, conflict_url(first), {"reason": "대표와 친족"})
    again = post(scorer, conflict_url(first), {"reason": "다른 이유"})
    missing = assert_error(post(scorer, conflict_url(world["entries"][1]), {}), 400, "validation_error")

    assert declared.status_code == 201 and declared.json()["reason"] == "대표와 친족"
    assert again.status_code == 200 and again.json()["id"] == declared.json()["id"]
    assert "reason" in missing["fields"]
    (seen,) = get(manager, scores_url(first)).json()
    assert seen["counts"] is False and seen["recusal"]["code"] == "declared"
    assert get(manager, ranking_url(first.contest), round="screening").json()["rows"][0]["rank"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"marks": {**marks(80), "local": "20.5"}}, "marks.local"),
    ({"marks": {**marks(80), "local": 20.25}}, "marks.local"),
    ({"marks": {**marks(80), "local": "열"}}, "marks.local"),
    ({"marks": {**marks(80), "local": None}}, "marks.local"),
    ({"marks": {**marks(80), "bonus": "1"}}, "marks.bonus"),
    ({"marks": {"social-value": "30"}}, "marks.business"),
    ({"marks": {}}, "marks"),
    ({"marks": "80"}, "marks"),
    ({}, "marks"),
    ({"marks": marks(80), "comment": "x" * 2001}, "comment"),
])
def test_bad_marks_are_a_400_naming_the_criterion(world, body, field):
    judge = world["judges"][1]

    refused = assert_error(post(judge, scores_url(world["entries"][1]), body), 400, "validation_error")

    assert field in refused["fields"], refused
    assert not Score.objects.filter(judge=judge).exists()


def test_a_json_number_with_one_decimal_is_taken_as_that_decimal(world):
    judge = world["judges"][1]
    body = {"marks": {"social-value": 27.5, "business": 20, "feasibility": 22.5, "local": 15}}

    recorded = post(judge, scores_url(world["entries"][1]), body)

    assert recorded.status_code == 201 and recorded.json()["total"] == "85.0000"


def test_a_judge_on_two_contests_filters_its_queue_by_contest(world, manager):
    outsider = world["outsider"]
    post(manager, f"{ROUNDS}{world['round'].pk}/judges/",
         {"panel": world["round"].panels.get().pk, "judges": [outsider.pk]})
    own_contest = Round.objects.exclude(pk=world["round"].pk).get().contest_id
    EntryFactory(contest_id=own_contest)

    everything = get(outsider, QUEUE).json()
    filtered = get(outsider, QUEUE, contest=world["round"].contest_id).json()

    assert {item["contest"] for item in everything} == {own_contest, world["round"].contest_id}
    assert [item["entry"] for item in filtered] == [entry.pk for entry in world["entries"]]
    assert "contest" in assert_error(get(outsider, QUEUE, contest="abc"), 400)["fields"]


# --- rounds: bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "field"), [
    ({"panels": [{"name": "전문가", "kind": "expert", "weight": "60"}]}, "panels"),
    ({"panels": [{"name": "시민 1", "kind": "citizen", "weight": "50"},
                 {"name": "시민 2", "kind": "citizen", "weight": "50"}]}, "panels"),
    ({"criteria": [{**CRITERIA[0], "weight": "0"}]}, "criteria[0].weight"),
    ({"criteria": [{**CRITERIA[0], "key": "Bad Key"}]}, "criteria[0].key"),
    ({"criteria": []}, "criteria"),
    ({"kind": "funding"}, "kind"),
    ({"aggregation": "median"}, "aggregation"),
    ({"contest": 10**9}, "contest"),
])
def test_a_bad_round_is_a_400_naming_the_field(manager, overrides, field):
    contest = ContestFactory(phase="screening")
    body = {"contest": contest.pk, "kind": "final", "criteria": CRITERIA, "panels": FINAL_PANELS, **overrides}

    refused = assert_error(post(manager, ROUNDS, json.loads(json.dumps(body, default=str))), 400)

    assert field in refused["fields"], refused
    assert not Round.objects.exists()


def test_seating_a_panel_of_another_round_an_unknown_user_or_a_non_judge_is_a_400(world, manager, member):
    url = f"{ROUNDS}{world['round'].pk}/judges/"
    panel = world["round"].panels.get().pk
    elsewhere = Panel.objects.exclude(round=world["round"]).first().pk

    assert "panel" in assert_error(post(manager, url, {"panel": elsewhere, "judges": [JudgeFactory().pk]}),
                                   400)["fields"]
    assert "judges" in assert_error(post(manager, url, {"panel": panel, "judges": [10**9]}), 400)["fields"]
    assert "judges" in assert_error(post(manager, url, {"panel": panel, "judges": [member.pk]}), 400)["fields"]


def test_a_judge_of_another_round_may_join_this_one_on_one_panel(world, manager):
    url = f"{ROUNDS}{world['round'].pk}/judges/"

    joined = post(manager, url, {"panel": world["round"].panels.get().pk, "judges": [world["outsider"].pk]})

    assert joined.status_code == 200 and joined.json()["panels"][0]["judge_count"] == 3


def test_the_ranking_needs_a_known_round_in_the_query(world, manager):
    contest = world["round"].contest

    assert "round" in assert_error(get(manager, ranking_url(contest)), 400)["fields"]
    assert "round" in assert_error(get(manager, ranking_url(contest), round="funding"), 400)["fields"]
    assert_error(get(manager, ranking_url(contest), round="final"), 404, "not_found")
    assert_error(get(manager, "/api/v1/contests/999999999/ranking/", round="screening"), 404, "not_found")


@pytest.mark.parametrize(("body", "field"), [
    ({"top_n": 1, "cut": "50"}, "top_n"),
    ({}, "top_n"),
    ({"top_n": 0}, "top_n"),
    ({"cut": "100.1"}, "cut"),
    ({"cut": "abc"}, "cut"),
])
def test_a_bad_advance_selection_is_a_400_naming_the_field(world, manager, body, field):
    close(world["round"])

    refused = assert_error(post(manager, LISTS, {"round": world["round"].pk, **body}), 400)

    assert field in refused["fields"], refused
    assert not AdvanceList.objects.exists()


def test_preparing_the_list_of_an_open_round_is_a_409_and_of_no_round_a_404(world, manager):
    assert_error(post(manager, LISTS, {"round": world["round"].pk, "top_n": 1}), 409, "invalid_state")
    assert_error(post(manager, LISTS, {"round": 10**9, "top_n": 1}), 404, "not_found")


# --- every role on every endpoint ----------------------------------------------------------------------------------

ROLES = ["manager", "admin", "auditor", "judge", "outsider", "member", "plain", "bank_officer", "evaluator"]


@pytest.fixture
def as_role(world, manager, admin_user, auditor, bank_officer, evaluator, plain_user):
    first = world["entries"][0]
    member = MembershipFactory(enterprise=first.enterprise).user  # a member of the entry's own enterprise
    people = {"manager": manager, "admin": admin_user, "auditor": auditor, "judge": world["judges"][0],
              "outsider": world["outsider"], "member": member, "plain": plain_user, "bank_officer": bank_officer,
              "evaluator": evaluator}
    return people.__getitem__


def expect(role: str, table: dict[str, int]) -> int:
    return table.get(role, 403)


STAFF_READ = {"manager": 200, "admin": 200, "auditor": 200}


@pytest.mark.parametrize("role", ROLES)
def test_who_lists_and_reads_rounds(world, as_role, role):
    user = as_role(role)
    listed = get(user, ROUNDS)
    one = get(user, f"{ROUNDS}{world['round'].pk}/")
    progress = get(user, f"{ROUNDS}{world['round'].pk}/progress/")

    reads = {**STAFF_READ, "judge": 200, "outsider": 404}
    assert listed.status_code == expect(role, {**STAFF_READ, "judge": 200, "outsider": 200})
    assert one.status_code == expect(role, reads)
    assert progress.status_code == expect(role, reads)
    if listed.status_code == 200:
        ids = {row["id"] for row in listed.json()["results"]}
        assert (world["round"].pk in ids) == (role not in ("outsider",))
        assert len(ids) == (2 if role in STAFF_READ else 1)
    if one.status_code == 200:
        judges = one.json()["panels"][0]["judges"]
        assert (judges is None) == (role == "judge")  # a judge does not see who else judges
    if one.status_code in (403, 404):
        assert_error(one, one.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_who_sets_up_seats_opens_and_closes_rounds(world, as_role, role):
    user = as_role(role)
    contest = ContestFactory(phase="screening")
    body = {"contest": contest.pk, "kind": "screening", "criteria": CRITERIA, "panels": FINAL_PANELS}
    url = f"{ROUNDS}{world['round'].pk}/"

    created = post(user, ROUNDS, json.loads(json.dumps(body, default=str)))
    seated = post(user, url + "judges/", {"panel": world["round"].panels.get().pk, "judges": [JudgeFactory().pk]})
    closed = post(user, url + "close/")
    opened = post(user, url + "open/")  # the round is open (or just closed): 409 for a manager

    writers = {"manager": 201, "admin": 201}
    assert created.status_code == expect(role, writers)
    assert seated.status_code == expect(role, {"manager": 200, "admin": 200})
    assert closed.status_code == expect(role, {"manager": 200, "admin": 200})
    assert opened.status_code == expect(role, {"manager": 409, "admin": 409})


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_and_records_scores_and_declares_conflicts(world, as_role, role):
    user = as_role(role)
    first, second = world["entries"]

    read = get(user, scores_url(first))
    recorded = post(user, scores_url(second), {"marks": marks(70)})
    declared = post(user, conflict_url(second), {"reason": "이해관계"})

    assert read.status_code == expect(role, {**STAFF_READ, "judge": 200, "outsider": 404})
    assert recorded.status_code == expect(role, {"judge": 201, "outsider": 404})
    assert declared.status_code == expect(role, {"judge": 201, "outsider": 404})
    if read.status_code == 200:
        assert len(read.json()) == 1


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_the_ranking_before_and_after_the_round_closes(world, as_role, role):
    user = as_role(role)
    url = ranking_url(world["round"].contest)

    before = get(user, url, round="screening")
    close(world["round"])
    after = get(user, url, round="screening")

    assert before.status_code == expect(role, {**STAFF_READ, "judge": 403, "outsider": 404})
    assert after.status_code == expect(role, {**STAFF_READ, "judge": 200, "outsider": 404})
    if role == "judge":
        assert assert_error(before, 403)["fields"] == {
            "round": ["the ranking opens to its judges when the round closes"]}


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_a_queue(world, as_role, role):
    queue = get(as_role(role), QUEUE)

    assert queue.status_code == expect(role, {"judge": 200, "outsider": 200})
    if role == "judge":
        assert [item["entry"] for item in queue.json()] == [world["entries"][1].pk]  # the first is scored


@pytest.mark.parametrize("role", ROLES)
def test_who_prepares_reads_confirms_and_cancels_advance_lists(world, as_role, role):
    user = as_role(role)
    close(world["round"])
    preparer = ManagerFactory()
    prepared = post(preparer, LISTS, {"round": world["round"].pk, "top_n": 1}).json()
    url = f"{LISTS}{prepared['id']}/"

    listed = get(user, LISTS)
    one = get(user, url)
    made = post(user, LISTS, {"round": world["round"].pk, "top_n": 1})  # a live list exists: 409 for a manager
    confirmed = post(user, url + "confirm/")
    cancelled = post(user, url + "cancel/")  # confirmed by then (for a manager): 409

    assert listed.status_code == one.status_code == expect(role, STAFF_READ)
    assert made.status_code == expect(role, {"manager": 409, "admin": 409})
    assert confirmed.status_code == expect(role, {"manager": 200, "admin": 200})
    assert cancelled.status_code == expect(role, {"manager": 409, "admin": 409})


def test_an_anonymous_caller_gets_401_everywhere(world):
    first = world["entries"][0]
    for path in (ROUNDS, f"{ROUNDS}{world['round'].pk}/", scores_url(first), ranking_url(first.contest), QUEUE,
                 LISTS):
        assert_error(get(None, path), 401)
    assert_error(post(None, scores_url(first), {"marks": marks(80)}), 401)
