"""Who may do what on funds, products, applications and approved loans, beyond a status per role (that is the role
matrix, tests/api/test_roles_matrix.py, read from ``funds.access``): a disbursement moves the cash, a member lists
only its own enterprise's applications and loans, staff list them all, another enterprise's application looks
exactly like one that does not exist.
"""

from __future__ import annotations

from datetime import date

import pytest

from funds.models import Loan, LoanApplication
from ledger.models import Journal

from .world import FundsWorld

A, L = "/api/v1/loan-applications/", "/api/v1/loans/"
KEY = {"Idempotency-Key": "matrix-key-1"}
APPLICATIONS_AND_LOANS = ("own_draft", "own_submitted", "own_recommended", "other_draft", "other_submitted",
                          "own_approved_loan", "other_approved_loan")


@pytest.fixture
def world(member) -> FundsWorld:
    """Applications (a draft, a submitted and a recommended one of the member's enterprise; a draft and a submitted
    one of another) and an approved loan of each enterprise."""
    world = FundsWorld(member)
    world.build(*APPLICATIONS_AND_LOANS)
    return world


@pytest.mark.parametrize("role", ["manager", "admin_user"])
def test_a_disbursement_by_a_manager_moves_the_funds_cash_to_the_loans_receivable(request, bearer_client, world, role):
    cash_before = Journal.objects.filter(kind="loan.disbursement").count()

    response = bearer_client(request.getfixturevalue(role)).post(
        f"{L}{world.own_approved_loan.pk}/disburse/", {"disbursed_on": "2026-03-31"}, format="json", headers=KEY
    )

    assert response.status_code == 200, response.content
    assert Journal.objects.filter(kind="loan.disbursement").count() == cash_before + 1
    world.own_approved_loan.refresh_from_db()
    assert world.own_approved_loan.state == Loan.State.ACTIVE
    assert world.own_approved_loan.disbursed_on == date(2026, 3, 31)
    assert world.own_approved_loan.principal_account.balance.amount == 10_000_000


def test_a_member_lists_only_its_own_enterprises_applications_and_loans(bearer_client, world, member):
    client = bearer_client(member)

    applications = client.get(A).json()["results"]
    loans = client.get(L).json()["results"]

    assert {row["id"] for row in applications} == {
        world.own_draft.pk, world.own_submitted.pk, world.own_recommended.pk, world.own_approved_loan.application_id,
    }
    assert [row["id"] for row in loans] == [world.own_approved_loan.pk]


@pytest.mark.parametrize("role", ["manager", "auditor", "admin_user"])
def test_staff_list_every_application_and_loan(request, bearer_client, world, role):
    client = bearer_client(request.getfixturevalue(role))

    assert client.get(A).json()["count"] == LoanApplication.objects.count() == 7
    assert client.get(L).json()["count"] == Loan.objects.count() == 2


def test_another_enterprises_application_looks_exactly_like_one_that_does_not_exist(bearer_client, world, member):
    client = bearer_client(member)
    ids = world.ids("{other_draft}{other_approved_loan}")

    for suffix in ("", "submit/", "withdraw/"):
        method = client.get if suffix == "" else client.post
        theirs = method(f"{A}{ids['other_draft']}/{suffix}")
        nobodys = method(f"{A}{ids['missing']}/{suffix}")
        assert theirs.status_code == nobodys.status_code == 404
        assert theirs.json() == nobodys.json()
    theirs, nobodys = client.get(f"{L}{ids['other_approved_loan']}/"), client.get(f"{L}{ids['missing']}/")
    assert theirs.status_code == nobodys.status_code == 404
    assert theirs.json() == nobodys.json()
