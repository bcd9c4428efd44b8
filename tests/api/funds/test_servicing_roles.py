"""Who may do what in loan servicing, beyond a status per role (that is the role matrix,
tests/api/test_roles_matrix.py, read from ``funds.access``): the manager who asked for a write-off cannot decide it,
another can; a second request while one waits, a missing reason; a member lists and reaches only its own
enterprise's repayments, and another enterprise's loan looks exactly like one that does not exist on every servicing
path; an auditor reads them all.

The world is built lazily, object by object, as each test names it (``tests.api.funds.world``).
"""

from __future__ import annotations

import pytest

from funds.models import Loan, Repayment, WriteOff
from ledger.models import Journal

from .helpers import assert_error, world_state
from .world import FundsWorld

L, R, W = "/api/v1/loans/", "/api/v1/repayments/", "/api/v1/write-offs/"


@pytest.fixture
def world(member) -> FundsWorld:
    return FundsWorld(member)


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_the_manager_who_asked_for_a_write_off_cannot_decide_it(bearer_client, world, decision):
    write_off = world.pending_write_off
    before = world_state()

    response = bearer_client(world.requester).post(
        f"{W}{write_off.pk}/{decision}/", {"reason": "제가 결정합니다"}, format="json"
    )

    body = assert_error(response, 403, "permission_denied")
    assert "다른 담당자" in body["message"], body  # another manager must decide
    assert world_state() == before
    assert WriteOff.objects.get(pk=write_off.pk).state == WriteOff.State.REQUESTED


def test_a_write_off_asked_for_through_the_api_cannot_be_approved_by_the_same_manager_but_by_another(
    bearer_client, world, manager, other_manager
):
    loan = world.own_doomed
    asked = bearer_client(manager).post(f"{L}{loan.pk}/write-off/", {"reason": "회수 불능"}, format="json")
    assert asked.status_code == 201, asked.content
    write_off_id = asked.json()["id"]
    assert asked.json()["state"] == "requested"
    assert asked.json()["requested_by"] == manager.pk

    before = world_state()
    assert_error(bearer_client(manager).post(f"{W}{write_off_id}/approve/", {}, format="json"), 403,
                 "permission_denied")
    assert world_state() == before

    approved = bearer_client(other_manager).post(f"{W}{write_off_id}/approve/", {"reason": "의결"}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    assert approved.json()["decided_by"] == other_manager.pk
    assert approved.json()["principal"] == "1000000"
    loan.refresh_from_db()
    assert loan.state == Loan.State.WRITTEN_OFF and loan.written_off_on == world.today


def test_a_second_write_off_request_while_one_waits_is_refused(bearer_client, world, manager):
    loan = WriteOff.objects.get(pk=world.pending_write_off.pk).loan
    before = world_state()

    response = bearer_client(manager).post(f"{L}{loan.pk}/write-off/", {"reason": "다시"}, format="json")

    assert_error(response, 409, "invalid_state")
    assert world_state() == before


@pytest.mark.parametrize("what", ["request", "reject"])
def test_a_write_off_request_or_rejection_without_a_reason_names_the_reason(bearer_client, world, manager, what):
    url = (f"{L}{world.own_doomed.pk}/write-off/" if what == "request"
           else f"{W}{world.pending_write_off.pk}/reject/")
    before = world_state()

    response = bearer_client(manager).post(url, {}, format="json")

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"reason"}
    assert world_state() == before


def test_a_reversal_without_a_reason_names_the_reason(bearer_client, world, manager):
    repayment = world.own_repayment
    before = world_state()

    response = bearer_client(manager).post(f"{R}{repayment.pk}/reverse/", {"reason": " "}, format="json")

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"reason"}
    assert world_state() == before


def test_a_member_lists_only_its_own_enterprises_repayments(bearer_client, world, member):
    own, other = world.own_repayment, world.other_repayment

    rows = bearer_client(member).get(R).json()["results"]

    assert [row["id"] for row in rows] == [own.pk]
    assert other.pk not in {row["id"] for row in rows}


@pytest.mark.parametrize("role", ["manager", "auditor", "admin_user"])
def test_staff_list_every_repayment_and_write_off(request, bearer_client, world, role):
    world.own_repayment, world.other_repayment, world.pending_write_off  # noqa: B018
    client = bearer_client(request.getfixturevalue(role))

    assert client.get(R).json()["count"] == Repayment.objects.count() == 2
    assert client.get(W).json()["count"] == WriteOff.objects.count() == 1


def test_another_enterprises_loan_looks_exactly_like_one_that_does_not_exist_on_every_servicing_path(
    bearer_client, world, member
):
    client = bearer_client(member)
    ids = world.ids("{other_written_off}{other_repayment}")
    theirs_loan, theirs_repayment, missing = ids["other_written_off"], ids["other_repayment"], ids["missing"]
    pairs = [
        ("get", f"{L}{theirs_loan}/repayments/", f"{L}{missing}/repayments/", {}),
        ("get", f"{L}{theirs_loan}/payoff/", f"{L}{missing}/payoff/", {}),
        ("get", f"{L}{theirs_loan}/transactions/", f"{L}{missing}/transactions/", {}),
        ("get", f"{L}{theirs_loan}/recoveries/", f"{L}{missing}/recoveries/", {}),
        ("get", f"{R}{theirs_repayment}/", f"{R}{missing}/", {}),
        ("post", f"{L}{theirs_loan}/repayments/", f"{L}{missing}/repayments/", {"Idempotency-Key": "peek"}),
    ]
    before = world_state()
    for method, theirs_path, missing_path, headers in pairs:
        theirs = getattr(client, method)(theirs_path, {"amount": "1000"} if method == "post" else None,
                                         format="json", headers=headers)
        nobodys = getattr(client, method)(missing_path, {"amount": "1000"} if method == "post" else None,
                                          format="json", headers=headers)
        assert theirs.status_code == nobodys.status_code == 404, (theirs_path, theirs.content)
        assert theirs.json() == nobodys.json()
    assert world_state() == before


def test_a_members_repayment_is_allocated_and_shown_to_it(bearer_client, world, member):
    loan = world.own_loan

    response = bearer_client(member).post(
        f"{L}{loan.pk}/repayments/", {"amount": "10000"}, format="json", headers={"Idempotency-Key": "m-1"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["loan"] == loan.pk and body["amount"] == "10000" and body["value_date"] == world.today.isoformat()
    allocation = body["allocation"]
    assert sum(int(v) for v in allocation.values()) == 10_000
    assert Journal.objects.get(pk=body["journal"]).kind == "loan.repayment"
    mine = bearer_client(member).get(f"{L}{loan.pk}/repayments/").json()
    assert [row["id"] for row in mine][-1] == body["id"]


def test_an_auditor_reads_every_servicing_view_of_any_loan(bearer_client, world, auditor):
    client = bearer_client(auditor)
    paths = [
        f"{L}{world.own_loan.pk}/repayments/", f"{L}{world.other_loan.pk}/payoff/",
        f"{L}{world.other_loan.pk}/transactions/", f"{L}{world.other_written_off.pk}/recoveries/",
        f"{R}{world.other_repayment.pk}/", f"{W}{world.approved_write_off.pk}/", R, W,
    ]
    before = world_state()

    assert [client.get(path).status_code for path in paths] == [200] * len(paths)
    assert world_state() == before
