"""The database not answering (restarting, failing over, out of connections) is a 503 with the common error body and
``Retry-After``, from a DRF view (``api.common.errors.exception_handler``) and from anywhere else (``json_500``,
Django's handler500); nothing is half-written, and the client may try again with the same Idempotency-Key."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import RequestFactory
from django.utils import timezone

from api.common.errors import json_500
from enterprises.models import User
from funds import services
from funds.models import Repayment
from tests.api.funds.helpers import nothing_written
from tests.api.helpers import assert_error
from tests.funds.factories import make_fund, make_loan, make_product

L = "/api/v1/loans/"
HANGUL = re.compile(r"[가-힣]")


def assert_unavailable(response) -> dict:
    if not hasattr(response, "json"):  # a response made by calling the handler, not through the test client
        response.json = lambda: json.loads(response.content)
    body = assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == "5"
    assert body["fields"] == {}
    return body


@pytest.fixture
def loan(db, member, enterprise):
    fund = make_fund()
    product = make_product(fund, grace_months=0, term_months=12, approval_tiers=[])
    return make_loan(product, member=member, enterprise=enterprise, amount=12_000_000,
                     disbursed_on=timezone.localdate() - timedelta(days=10))


# --- from a DRF view --------------------------------------------------------------------------------------------


def test_a_repayment_whose_database_goes_away_is_a_503_that_wrote_nothing_and_may_be_retried(
    bearer_client, loan, member, caplog,
):
    real_repayment_make = services.repayment_make

    def then_the_connection_drops(**kwargs):
        real_repayment_make(**kwargs)  # the repayment is written in the request's transaction...
        raise OperationalError("server closed the connection unexpectedly")  # ...which is never committed

    me = bearer_client(member)
    body, headers = {"amount": "100000"}, {"Idempotency-Key": "pay-1"}
    with (mock.patch.object(services, "repayment_make", side_effect=then_the_connection_drops) as service,
          nothing_written(), caplog.at_level(logging.ERROR, logger="api.common.errors")):
        response = me.post(f"{L}{loan.pk}/repayments/", body, format="json", headers=headers)
    assert service.call_count == 1
    assert_unavailable(response)
    assert [r.getMessage() for r in caplog.records if r.name == "api.common.errors"] == [
        "database unavailable: OperationalError: server closed the connection unexpectedly"]

    # The database is back: the same request with the same key is made, once.
    retried = me.post(f"{L}{loan.pk}/repayments/", body, format="json", headers=headers)
    assert retried.status_code == 201, retried.content
    assert "Idempotent-Replayed" not in retried
    assert Repayment.objects.filter(loan=loan).count() == 1


def test_a_list_whose_query_fails_on_a_dropped_connection_is_a_503(bearer_client, loan, manager):
    with mock.patch("funds.selectors.loans_visible_to", side_effect=InterfaceError("connection already closed")):
        response = bearer_client(manager).get(L)
    assert_unavailable(response)


def test_the_503_message_is_korean_by_default_and_english_on_request(bearer_client, loan, manager):
    client = bearer_client(manager)
    with mock.patch("funds.selectors.loans_visible_to", side_effect=OperationalError("the database is restarting")):
        korean = assert_unavailable(client.get(L))
        english = assert_unavailable(client.get(L, HTTP_ACCEPT_LANGUAGE="en"))
    assert english["message"] == ("The database is not answering; nothing was changed. Try again in a few "
                                  "seconds.")
    assert HANGUL.search(korean["message"]), korean["message"]


# --- json_500, Django's handler500 ------------------------------------------------------------------------------


@pytest.mark.parametrize("error", [OperationalError("could not connect to server"),
                                   InterfaceError("connection already closed")], ids=["operational", "interface"])
def test_json_500_handling_a_database_error_answers_503(error):
    request = RequestFactory().get("/admin/")
    try:
        raise error
    except (OperationalError, InterfaceError):
        response = json_500(request)
    assert_unavailable(response)


def test_json_500_handling_any_other_error_answers_500():
    request = RequestFactory().get("/admin/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = json_500(request)
    response.json = lambda: json.loads(response.content)
    body = assert_error(response, 500, "server_error")
    assert not response.has_header("Retry-After")
    assert body["message"] == "내부 오류가 발생했습니다. 오류 내용은 기록되었습니다."


# --- a real connection failure ----------------------------------------------------------------------------------


@pytest.fixture
def database_refuses_connections():
    """The next connection cannot be opened: the open one is closed, and opening one raises what the driver raises
    when the server does not answer. Afterwards the database is reachable again."""
    connection.close()
    refused = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=refused) as ensure:
        yield ensure
    connection.close()


@pytest.mark.django_db(transaction=True)  # the connection is closed: it must not hold the test's transaction
def test_an_api_request_while_the_database_refuses_connections_is_a_503(bearer_client, manager,
                                                                        database_refuses_connections):
    client = bearer_client(manager)  # the token is signed without the database
    response = client.get(L)
    assert database_refuses_connections.call_count >= 1
    assert_unavailable(response)


@pytest.mark.django_db(transaction=True)
def test_a_request_outside_drf_while_the_database_refuses_connections_is_a_503_too(client, manager):
    client.force_login(manager)  # a session in the database: the admin reads it, in Django's code, not DRF's
    client.raise_request_exception = False  # answer as a server would, through handler500
    connection.close()
    refused = OperationalError("connection refused")
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=refused) as ensure:
        response = client.get("/admin/", HTTP_ACCEPT="application/json")
        page = client.get("/admin/")  # a browser: the same 503, as a page
    connection.close()
    assert ensure.call_count >= 1
    assert_unavailable(response)
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert page["Content-Type"].startswith("text/html") and "Service unavailable" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_after_the_outage_the_same_request_is_answered(bearer_client, manager):
    client = bearer_client(manager)
    connection.close()
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection",
                           side_effect=OperationalError("connection refused")):
        assert client.get(L).status_code == 503
    connection.close()
    assert client.get(L).status_code == 200
    assert User.objects.filter(pk=manager.pk).exists()
