"""The matching pools' endpoints through the real URLs: ``/api/v1/matching-pools/`` (a pool's life: opened, funders
added, money paid in with an Idempotency-Key, a pledge's match shown in the funders' figures), the refusals naming
the field, ``/api/v1/contests/{id}/matching-preview/``, and every role on every operation (anonymous 401; backers,
members, judges, evaluators and bank officers 403; the auditor reads and changes nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from crowdfunding.models import Match, MatchingPool, PoolFunder
from ledger.models import Journal
from tests.crowdfunding.campaign_factories import campaign, pool
from tests.crowdfunding.matching_helpers import ledger_is_clean, pledge
from tests.factories import InstitutionFactory, UserFactory

from ..helpers import assert_error
from .contest_helpers import MANAGERS, ROLES, STAFF, contest_now, get, patch, post, user_of

pytestmark = pytest.mark.django_db
P = "/api/v1/matching-pools/"


def match_pool_body(contest_id: int, **fields: Any) -> dict[str, Any]:
    return {"contest": contest_id, "name": "시민 매칭 펀드", "rule": "match", "factor": "1", **fields}


@pytest.fixture
def contest():
    return contest_now("funding")


def test_a_pools_life_through_the_api(manager, contest) -> None:
    live = campaign(contest)
    made = post(manager, P, match_pool_body(contest.pk, cap_per_backer="1000000"))
    assert made.status_code == 201, made.json()
    pool_id = made.json()["id"]
    assert made.json()["rule"] == "match" and made.json()["cap_per_backer"] == "1000000"
    first, second = InstitutionFactory(name="대구신용보증재단"), InstitutionFactory(name="대구은행")
    assert post(manager, f"{P}{pool_id}/funders/", {"institution": first.pk, "committed": "100"}).status_code == 201
    added = post(manager, f"{P}{pool_id}/funders/", {"institution": second.pk, "committed": "50"})
    funders = [f["id"] for f in added.json()["funders"]]
    today = timezone.localdate().isoformat()
    for funder, amount, key in zip(funders, ("100", "50"), ("in-1", "in-2"), strict=True):
        paid = post(manager, f"{P}{pool_id}/fundings/", {"funder": funder, "amount": amount, "received_on": today},
                    key=key)
        assert paid.status_code == 201, paid.json()
    journals = Journal.objects.count()
    replay = post(manager, f"{P}{pool_id}/fundings/", {"funder": funders[0], "amount": "100", "received_on": today},
                  key="in-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert Journal.objects.count() == journals
    pledge(live, UserFactory(), 100, on=timezone.localdate())  # after the money came in
    detail = get(manager, f"{P}{pool_id}/").json()
    # a match of 100 from 100 and 50: 67 and 33
    assert [(f["institution_name"], f["committed"], f["paid_in"], f["drawn"], f["available"])
            for f in detail["funders"]] == [("대구신용보증재단", "100", "100", "67", "33"),
                                            ("대구은행", "50", "50", "33", "17")]
    assert detail["totals"] == {"committed": "150", "paid_in": "150", "drawn": "100", "returned": "0",
                                "available": "50", "matches": 2}
    listed = get(manager, P, contest=contest.pk).json()
    assert [p["id"] for p in listed["results"]] == [pool_id]
    # once a match was drawn, the rule is fixed
    assert_error(patch(manager, f"{P}{pool_id}/", {"factor": "2"}), 409)
    ledger_is_clean()


def test_a_funding_needs_an_idempotency_key_and_a_funder_of_the_pool(manager, contest) -> None:
    matching = pool(contest, funders=(100,))
    other = pool(contest, funders=(100,))
    today = timezone.localdate().isoformat()
    body = {"funder": matching.funders.get().pk, "amount": "10", "received_on": today}
    assert_error(post(manager, f"{P}{matching.pk}/fundings/", body), 400)
    refused = assert_error(post(manager, f"{P}{other.pk}/fundings/", body, key="k-1"), 404)
    assert "funder" in refused["fields"]
    assert_error(post(manager, f"{P}{matching.pk}/fundings/", {**body, "amount": "-5"}, key="k-2"), 400)


@pytest.mark.parametrize(("body", "field"), [
    ({"rule": "top_up"}, "threshold"),
    ({"rule": "quadratic", "factor": "2"}, "factor"),
    ({"rule": "quadratic", "cap_per_pledge": "1000", "factor": None}, "cap_per_pledge"),
    ({"rule": "match", "threshold": "70"}, "threshold"),
    ({"rule": "match", "trigger_percent": "101"}, "trigger_percent"),
    ({"rule": "match", "cap_per_campaign_percent": "0"}, "cap_per_campaign_percent"),
    ({"rule": "match", "factor": "0"}, "factor"),
    ({"rule": "match", "unit": 5}, "unit"),
    ({"rule": "match", "campaigns": [999_999]}, "campaigns"),
])
def test_a_pool_breaking_a_rule_is_refused_naming_the_field(manager, contest, body, field) -> None:
    refused = assert_error(post(manager, P, {**match_pool_body(contest.pk), **body}), 400)
    assert field in refused["fields"], refused
    assert not MatchingPool.objects.exists()


def test_a_pool_of_a_contest_past_its_funding_is_refused_naming_the_phase(manager) -> None:
    over = contest_now("final")
    refused = assert_error(post(manager, P, match_pool_body(over.pk)), 409)
    assert "phase" in refused["fields"]


def test_a_pool_may_be_changed_before_anything_is_drawn(manager, contest) -> None:
    matching = pool(contest, funders=(100,))
    changed = patch(manager, f"{P}{matching.pk}/", {"rule": "top_up", "threshold": "70"})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["rule"] == "top_up" and changed.json()["threshold"] == "70.00"
    assert changed.json()["factor"] == "1.0000"


def test_the_preview_shows_the_quadratic_pools_share_now(manager, auditor, contest) -> None:
    a, b = campaign(contest, title="A"), campaign(contest, title="B")
    for amount in (100, 100, 100, 100):
        pledge(a, UserFactory(), amount)
    for amount in (400, 100):
        pledge(b, UserFactory(), amount)
    pool(contest, funders=(10_000,), rule="quadratic")
    body = get(auditor, f"/api/v1/contests/{contest.pk}/matching-preview/").json()
    # raw A = 40^2 - 400 = 1,200, raw B = 30^2 - 500 = 400: 7,500 and 2,500 of 10,000
    (line,) = body["pools"]
    assert line["pot"] == "10000" and line["leftover"] == "0"
    assert [(c["title"], c["contributions"], c["sum_of_roots"], c["match"]) for c in line["campaigns"]] == [
        ("A", 4, "40.00", "7500"), ("B", 2, "30.00", "2500")]
    assert not Match.objects.exists()
    assert_error(get(manager, "/api/v1/contests/999999/matching-preview/"), 404)


# --- every role on every operation ------------------------------------------------------------------------------

READS = {"list", "detail", "preview"}


def _call(operation: str, user: Any, contest: Any, matching: MatchingPool, funder: PoolFunder) -> Any:
    today = timezone.localdate().isoformat()
    calls = {
        "list": lambda: get(user, P),
        "detail": lambda: get(user, f"{P}{matching.pk}/"),
        "preview": lambda: get(user, f"/api/v1/contests/{contest.pk}/matching-preview/"),
        "create": lambda: post(user, P, match_pool_body(contest.pk)),
        "update": lambda: patch(user, f"{P}{matching.pk}/", {"name": "바뀐 이름"}),
        "funder": lambda: post(user, f"{P}{matching.pk}/funders/", {"institution": InstitutionFactory().pk}),
        "funding": lambda: post(user, f"{P}{matching.pk}/fundings/",
                                {"funder": funder.pk, "amount": "10", "received_on": today}, key="role-key"),
    }
    return calls[operation]()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", ["list", "detail", "preview", "create", "update", "funder", "funding"])
def test_every_role_on_every_operation(request, contest, role, operation) -> None:
    matching = pool(contest, funders=(100,))
    funder = matching.funders.get()
    journals, pools = Journal.objects.count(), MatchingPool.objects.count()
    response = _call(operation, user_of(request, role), contest, matching, funder)
    allowed = STAFF if operation in READS else MANAGERS
    if role == "anonymous":
        assert_error(response, 401)
    elif role not in allowed:
        assert_error(response, 403)
    else:
        assert response.status_code in (200, 201), (role, operation, response.json())
    if role not in MANAGERS:
        assert (Journal.objects.count(), MatchingPool.objects.count()) == (journals, pools)
        matching.refresh_from_db()
        assert matching.name != "바뀐 이름" and matching.funders.count() == 1
