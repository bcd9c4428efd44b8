"""Many disbursements at once through the API, on PostgreSQL: each thread has its own connection and client, they
start together at a barrier, and the fund's cash row lock decides who gets the money; retries with one key pay out
once. The same races at the service level are tests/funds/test_disbursement_concurrency.py."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.concurrency import run_together
from tests.funds import test_disbursement_concurrency as race
from tests.funds.test_disbursement_concurrency import LOANS, ON, assert_exactly_ten_paid_out, assert_paid_out_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# The loans and the checks of the service-level races, raced here through the API.
fund_with_32_approved_loans = race.fund_with_32_approved_loans
one_loan = race.one_loan


def test_thirty_two_disbursements_through_the_api_pay_out_exactly_ten_and_refuse_the_rest(
    fund_with_32_approved_loans, manager
):
    fund, loans = fund_with_32_approved_loans

    def disburse(i: int) -> Any:
        client = APIClient()
        client.force_authenticate(manager)
        return client.post(
            f"/api/v1/loans/{loans[i].pk}/disburse/", {"disbursed_on": ON.isoformat()}, format="json",
            headers={"Idempotency-Key": f"race-{i}"},
        )

    responses = run_together(LOANS, disburse, expected=())

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 10, 422: 22}, [r.content[:200] for r in responses if r.status_code not in (200, 422)]
    assert {r.json()["code"] for r in responses if r.status_code == 422} == {"insufficient_funds"}
    assert {r.json()["state"] for r in responses if r.status_code == 200} == {"active"}
    assert_exactly_ten_paid_out(fund, loans)


def test_sixteen_retries_of_one_disbursement_with_one_idempotency_key_post_one_journal(one_loan, manager):
    def disburse(i: int) -> Any:
        client = APIClient()
        client.force_authenticate(manager)
        return client.post(
            f"/api/v1/loans/{one_loan.pk}/disburse/", {"disbursed_on": ON.isoformat()}, format="json",
            headers={"Idempotency-Key": "one-key"},
        )

    responses = run_together(16, disburse, expected=())

    assert {r.status_code for r in responses} <= {200, 409}, [r.content[:200] for r in responses]
    first = [r for r in responses if r.status_code == 200 and not r.has_header("Idempotent-Replayed")]
    assert len(first) == 1
    replays = [r for r in responses if r.status_code == 200 and r.has_header("Idempotent-Replayed")]
    assert all(r.json() == first[0].json() for r in replays)
    assert {r.json()["code"] for r in responses if r.status_code == 409} <= {"request_in_flight"}
    assert_paid_out_once(one_loan)
