"""The ``Idempotency-Key`` store (``api.common.idempotency``) through a real request to a test-only money view.

Each run of the view leaves one audit event (``ACTION``), so "ran once" and "wrote nothing" can be counted.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from api.common.idempotency import HEADER, LEASE, request_fingerprint
from api.models import IdempotencyRecord
from core.models import AuditEvent
from tests.api.helpers import assert_error
from tests.factories import UserFactory

from .idempotency_urls import ACTION

URL = "/payouts/"
BODY = {"amount": "5000000", "fund": 7}

pytestmark = pytest.mark.urls("tests.api.common.idempotency_urls")


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def pay(client: APIClient, key: str | None, body: dict | None = None, url: str = URL):
    headers = {} if key is None else {HEADER: key}
    return client.post(url, BODY if body is None else body, format="json", headers=headers)


def runs() -> int:
    return AuditEvent.objects.filter(action=ACTION.name).count()


@pytest.fixture
def payer(db):
    return UserFactory()


@pytest.fixture
def as_payer(payer) -> APIClient:
    return client_for(payer)


# --- replay ----------------------------------------------------------------------------------------------------


def test_the_first_request_runs_and_its_response_is_stored(as_payer, payer):
    response = pay(as_payer, "key-1")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert runs() == 1
    record = IdempotencyRecord.objects.get(caller=payer, key="key-1")
    assert record.state == IdempotencyRecord.State.COMPLETED
    assert record.response_status == 201
    assert record.response_body == response.json()
    assert record.completed_at is not None


def test_the_same_key_and_body_replays_the_response_without_running_again(as_payer):
    first = pay(as_payer, "key-1")

    again = pay(as_payer, "key-1")
    third = pay(as_payer, "key-1")

    for replay in (again, third):
        assert replay.status_code == first.status_code == 201
        assert replay.json() == first.json()
        assert replay["Idempotent-Replayed"] == "true"
    assert runs() == 1


def test_the_same_body_with_its_keys_in_another_order_is_the_same_request(as_payer):
    first = pay(as_payer, "key-1", {"amount": "5000000", "fund": 7})

    again = pay(as_payer, "key-1", {"fund": 7, "amount": "5000000"})

    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert runs() == 1


def test_a_replay_comes_from_another_client_of_the_same_user_too(as_payer, payer):
    first = pay(as_payer, "key-1")

    again = pay(client_for(payer), "key-1")

    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert runs() == 1


# --- conflicts -------------------------------------------------------------------------------------------------


def test_the_same_key_with_another_body_is_a_422_and_does_not_run(as_payer, payer):
    first = pay(as_payer, "key-1")

    response = pay(as_payer, "key-1", {"amount": "9000000", "fund": 7})

    body = assert_error(response, 422, "idempotency_key_reused")
    assert HEADER in body["fields"]
    assert "key-1" in body["message"]
    assert runs() == 1
    record = IdempotencyRecord.objects.get(caller=payer, key="key-1")
    assert record.response_body == first.json()


def test_the_same_key_on_another_endpoint_is_a_422(as_payer):
    pay(as_payer, "key-1")

    response = pay(as_payer, "key-1", url="/other-payouts/")

    assert_error(response, 422, "idempotency_key_reused")
    assert runs() == 1


def test_a_request_still_in_flight_is_a_409_and_does_not_run(as_payer, payer):
    IdempotencyRecord.objects.create(
        caller=payer,
        key="key-1",
        method="POST",
        path=URL,
        fingerprint=request_fingerprint("POST", URL, BODY),
        locked_until=timezone.now() + LEASE,
    )

    response = pay(as_payer, "key-1")

    body = assert_error(response, 409, "request_in_flight")
    assert HEADER in body["fields"]
    assert runs() == 0
    assert IdempotencyRecord.objects.get(caller=payer, key="key-1").state == IdempotencyRecord.State.IN_FLIGHT


def test_an_abandoned_claim_whose_lease_ran_out_is_taken_over(as_payer, payer):
    IdempotencyRecord.objects.create(
        caller=payer,
        key="key-1",
        method="POST",
        path=URL,
        fingerprint=request_fingerprint("POST", URL, BODY),
        locked_until=timezone.now() - timedelta(seconds=1),
    )

    response = pay(as_payer, "key-1")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert runs() == 1
    record = IdempotencyRecord.objects.get(caller=payer, key="key-1")
    assert record.state == IdempotencyRecord.State.COMPLETED
    assert record.response_body == response.json()
    assert pay(as_payer, "key-1")["Idempotent-Replayed"] == "true"


def test_an_abandoned_claim_with_another_body_is_still_a_422(as_payer, payer):
    IdempotencyRecord.objects.create(
        caller=payer,
        key="key-1",
        method="POST",
        path=URL,
        fingerprint=request_fingerprint("POST", URL, {"amount": "1"}),
        locked_until=timezone.now() - timedelta(seconds=1),
    )

    assert_error(pay(as_payer, "key-1"), 422, "idempotency_key_reused")
    assert runs() == 0


# --- failures release the key ----------------------------------------------------------------------------------


def test_a_domain_error_rolls_back_the_views_writes_and_releases_the_key(as_payer, payer):
    failing = {**BODY, "outcome": "domain_error"}

    response = pay(as_payer, "key-1", failing)

    body = assert_error(response, 422, "insufficient_funds")
    assert body["fields"] == {"amount": ["more than the fund holds"]}
    assert runs() == 0  # the view wrote an event before raising: rolled back
    assert not IdempotencyRecord.objects.filter(caller=payer, key="key-1").exists()


def test_after_a_failure_the_same_key_may_be_used_again_even_with_another_body(as_payer):
    pay(as_payer, "key-1", {**BODY, "outcome": "domain_error"})

    retried_same = pay(as_payer, "key-1", {**BODY, "outcome": "domain_error"})
    fixed = pay(as_payer, "key-1")

    assert_error(retried_same, 422, "insufficient_funds")  # ran again, not a replay of the failure
    assert "Idempotent-Replayed" not in retried_same
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed
    assert runs() == 1


def test_an_error_response_without_an_exception_rolls_back_and_releases_too(as_payer, payer):
    response = pay(as_payer, "key-1", {**BODY, "outcome": "error_response"})

    assert_error(response, 409, "invalid_state")
    assert runs() == 0
    assert not IdempotencyRecord.objects.exists()
    assert pay(as_payer, "key-1").status_code == 201


def test_a_crash_rolls_back_releases_the_key_and_is_a_json_500(as_payer, payer):
    as_payer.raise_request_exception = False

    response = pay(as_payer, "key-1", {**BODY, "outcome": "crash"})

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert runs() == 0
    assert not IdempotencyRecord.objects.exists()
    assert pay(as_payer, "key-1").status_code == 201


# --- the header ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "   "])
def test_a_missing_key_is_a_400_naming_the_header(as_payer, key):
    response = pay(as_payer, key)

    body = assert_error(response, 400, "validation_error")
    assert list(body["fields"]) == [HEADER]
    assert HEADER in body["message"]
    assert runs() == 0
    assert not IdempotencyRecord.objects.exists()


def test_a_key_longer_than_200_characters_is_a_400(as_payer):
    body = assert_error(pay(as_payer, "k" * 201), 400, "validation_error")

    assert HEADER in body["fields"]
    assert runs() == 0


def test_a_key_of_200_characters_is_fine(as_payer):
    assert pay(as_payer, "k" * 200).status_code == 201


def test_malformed_json_is_a_400_and_claims_nothing(as_payer):
    response = as_payer.generic("POST", URL, '{"amount": ', content_type="application/json", headers={HEADER: "k"})

    assert_error(response, 400, "parse_error")
    assert not IdempotencyRecord.objects.exists()
    assert runs() == 0


def test_anonymous_is_a_401_and_claims_nothing(db, api):
    assert_error(pay(api, "key-1"), 401, "not_authenticated")
    assert not IdempotencyRecord.objects.exists()


# --- keys belong to their caller -------------------------------------------------------------------------------


def test_keys_are_per_caller(as_payer, payer):
    someone_else = UserFactory()

    mine = pay(as_payer, "shared-key")
    theirs = pay(client_for(someone_else), "shared-key", {"amount": "1000", "fund": 7})

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["by"] == someone_else.username
    assert runs() == 2
    assert IdempotencyRecord.objects.filter(key="shared-key").count() == 2


def test_another_callers_same_key_and_body_is_not_a_replay_of_mine(as_payer):
    someone_else = UserFactory()
    mine = pay(as_payer, "shared-key")

    theirs = pay(client_for(someone_else), "shared-key")

    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json() != mine.json()
    assert runs() == 2


# --- concurrency (PostgreSQL) ----------------------------------------------------------------------------------


def _send_at_once(users_and_bodies: list[tuple[object, str, dict]]) -> list[tuple[int, dict | None, str | None]]:
    """Send every (user, key, body) from its own thread, released together; return (status, json, replayed)."""
    barrier = threading.Barrier(len(users_and_bodies))
    results: list[tuple[int, dict | None, str | None] | None] = [None] * len(users_and_bodies)

    def send(index: int, user: object, key: str, body: dict) -> None:
        try:
            client = client_for(user)
            client.raise_request_exception = False
            barrier.wait(timeout=30)
            response = client.post(URL, body, format="json", headers={HEADER: key})
            try:
                data = response.json()
            except ValueError:
                data = None
            results[index] = (response.status_code, data, response.get("Idempotent-Replayed"))
        except Exception as exc:  # noqa: BLE001 - recorded, so that the main thread fails with it
            results[index] = (-1, {"exception": repr(exc)}, None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i, *args)) for i, args in enumerate(users_and_bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(result is not None for result in results), results
    return results  # type: ignore[return-value]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_simultaneous_requests_with_one_key_run_the_view_exactly_once():
    payer = UserFactory()
    body = {**BODY, "delay": "0.3"}  # keeps the first request in flight while the others arrive

    results = _send_at_once([(payer, "same-key", body)] * 16)

    statuses = sorted(status for status, _, _ in results)
    assert set(statuses) <= {201, 409}, results
    assert runs() == 1
    fresh = [data for status, data, replayed in results if status == 201 and replayed is None]
    replays = [data for status, data, replayed in results if status == 201 and replayed == "true"]
    conflicts = [data for status, data, _ in results if status == 409]
    assert len(fresh) == 1, results
    assert all(data == fresh[0] for data in replays), results
    assert all(data["code"] == "request_in_flight" for data in conflicts), results
    assert len(fresh) + len(replays) + len(conflicts) == 16
    record = IdempotencyRecord.objects.get(caller=payer, key="same-key")
    assert record.state == IdempotencyRecord.State.COMPLETED and record.response_body == fresh[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_failing_requests_with_one_key_never_answer_500():
    # The first holder releases its key while the others are still looking it up: each must get the failure
    # itself (it ran) or a 409, never a 500.
    payer = UserFactory()
    body = {**BODY, "outcome": "domain_error"}

    for _ in range(5):
        results = _send_at_once([(payer, "failing-key", body)] * 16)
        statuses = {status for status, _, _ in results}
        assert statuses <= {409, 422}, results
    assert runs() == 0
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_with_different_keys_all_run():
    payer = UserFactory()

    results = _send_at_once([(payer, f"key-{i}", {**BODY, "n": i}) for i in range(16)])

    assert [status for status, _, _ in results] == [201] * 16, results
    assert runs() == 16
    assert IdempotencyRecord.objects.filter(state=IdempotencyRecord.State.COMPLETED).count() == 16


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_but_live_request_is_not_taken_over_when_its_lease_runs_out(payer):
    """The lease has run out, but the first request is still running (it holds the claim's advisory lock inside
    its transaction): a retry is told 409, not run a second time. Once the holder is gone, the retry takes over."""
    from api.common.idempotency import _hold

    record = IdempotencyRecord.objects.create(
        caller=payer,
        key="slow-1",
        method="POST",
        path=URL,
        fingerprint=request_fingerprint("POST", URL, BODY),
        locked_until=timezone.now() - timedelta(seconds=1),
    )
    holding, release = threading.Event(), threading.Event()

    def slow_request() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                _hold(record)
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=slow_request)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        assert_error(pay(client_for(payer), "slow-1"), 409, "request_in_flight")
        assert runs() == 0
    finally:
        release.set()
        holder.join(timeout=30)

    response = pay(client_for(payer), "slow-1")
    assert response.status_code == 201
    assert runs() == 1
