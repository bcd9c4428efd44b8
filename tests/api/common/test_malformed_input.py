"""Malformed input is a 4xx where it enters, never a 500, and writes nothing.

Each class is handled once, where it comes in: the JSON parser (nesting, NUL, lone surrogates), the middleware (NUL
in a path or a query string), the idempotency store (the key's characters, a path longer than it keeps), the money
field (digits ``str.isdigit`` takes but ``int`` refuses), the ledger's counters (18 digits). Every case runs on
SQLite and on PostgreSQL (which is what refuses NUL in text and overflows numeric columns).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from api.common.parsers import MAX_DEPTH
from core.money import MAX_WON
from funds import accounts as chart
from ledger.models import Account
from ledger.services import credit, debit, journal_post
from tests.api.funds.helpers import nothing_written
from tests.api.helpers import assert_error
from tests.factories import PASSWORD, UserFactory
from tests.funds.factories import make_fund, make_loan, make_product, member_of

pytestmark = pytest.mark.django_db


def nested(depth: int) -> str:
    """A JSON object ``depth`` levels deep: {"a": {"a": ... {} ...}}."""
    return '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)


def raw(client: Any, path: str, body: str, **headers: str) -> Any:
    return client.generic("POST", path, body, content_type="application/json", headers=headers)


@pytest.fixture
def loan(db) -> Any:
    fund = make_fund()
    product = make_product(fund, term_months=12, grace_months=0, approval_tiers=[])
    return make_loan(product, member=member_of(), amount=5_000_000, disbursed_on=timezone.localdate()
                     - timedelta(days=5))


# --- nesting ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
def test_json_nested_too_deep_is_a_400_even_on_the_login_without_a_token(api, depth):
    user = UserFactory()

    response = raw(api, "/api/v1/auth/token/", nested(depth))

    body = assert_error(response, 400, "parse_error")
    assert str(MAX_DEPTH) in body["message"]
    assert api.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD},
                    format="json").status_code == 200  # and the login still works


def test_json_nested_too_deep_on_a_money_call_is_a_400_and_writes_nothing(bearer_client, manager, loan):
    with nothing_written():
        response = raw(bearer_client(manager), f"/api/v1/loans/{loan.pk}/repayments/", nested(1000),
                       **{"Idempotency-Key": "deep-1"})

    assert_error(response, 400, "parse_error")


def test_json_as_deep_as_allowed_reaches_the_serializer_which_names_the_fields(bearer_client, manager, loan):
    response = raw(bearer_client(manager), f"/api/v1/loans/{loan.pk}/repayments/", nested(MAX_DEPTH),
                   **{"Idempotency-Key": "deep-2"})

    assert "amount" in assert_error(response, 400, "validation_error")["fields"]


# --- text the database cannot hold ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "부도\u0000이체"}, "reason"),
        ({"reason": "\ud800"}, "reason"),
        ({"reason": "ok", "\u0000": 1}, "non_field_errors"),
        ({"reason": "ok", "extra": {"deep": ["x", "y\u0000"]}}, "extra.deep[1]"),
    ],
    ids=["nul", "lone surrogate", "nul key", "nested"],
)
def test_text_with_nul_or_a_lone_surrogate_is_a_400_naming_where_it_is(bearer_client, manager, loan, body, field):
    write_off = f"/api/v1/loans/{loan.pk}/write-off/"

    with nothing_written():
        response = raw(bearer_client(manager), write_off, json.dumps(body))

    assert list(assert_error(response, 400, "validation_error")["fields"]) == [field]


@pytest.mark.parametrize("path", ["/api/v1/loans/{pk}%00/repayments/", "/api/v1/loans/%00/repayments/",
                                  "/api/v1/loans/{pk}/repayments%00/"])
def test_nul_in_a_money_calls_path_names_nothing_404_and_writes_nothing(bearer_client, manager, loan, path):
    with nothing_written():
        response = bearer_client(manager).post(path.format(pk=loan.pk), {"amount": "1000"}, format="json",
                                               headers={"Idempotency-Key": "nul-path"})

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(("query", "name"), [("action=a%00b", "action"),
                                           ("object_type=enterprises.enterprise&object_id=1%00", "object_id"),
                                           ("actor=%00", "actor")])
def test_nul_in_a_filter_is_a_400_naming_the_parameter(bearer_client, auditor, query, name):
    response = bearer_client(auditor).get(f"/api/v1/audit-events/?{query}")

    assert list(assert_error(response, 400, "validation_error")["fields"]) == [name]


def test_a_parameter_no_operation_reads_is_ignored_whatever_it_holds(bearer_client, auditor):
    assert bearer_client(auditor).get("/api/v1/audit-events/?act%00or=%00").status_code == 200


@pytest.mark.parametrize("statement", ["²", "١٢٣", "1%00", "-1", "0", str(2**63)])
def test_a_statement_filter_that_is_not_an_id_in_ascii_digits_is_a_400_naming_it(bearer_client, auditor,
                                                                                  statement):
    response = bearer_client(auditor).get(f"/api/v1/statement-downloads/?statement={statement}")

    assert list(assert_error(response, 400, "validation_error")["fields"]) == ["statement"]


# --- digits and keys --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("digits", ["²", "١٢٣", "１２３", "1\u00b2"])
def test_digits_that_isdigit_takes_but_int_refuses_are_a_4xx_in_amounts_and_paths(bearer_client, manager, loan,
                                                                                  digits):
    assert digits.isdigit()
    client = bearer_client(manager)

    with nothing_written():
        amount = client.post(f"/api/v1/loans/{loan.pk}/repayments/", {"amount": digits}, format="json",
                             headers={"Idempotency-Key": "digits-amount"})
        path = client.post(f"/api/v1/loans/{digits}/repayments/", {"amount": "1000"}, format="json",
                           headers={"Idempotency-Key": "digits-path"})

    assert list(assert_error(amount, 400, "validation_error")["fields"]) == ["amount"]
    assert path.status_code == 404, path.content


@pytest.mark.parametrize("key", ["key\u0001", "키-한글", "a\tb", "a\u007fb"])
def test_an_idempotency_key_with_characters_a_header_does_not_carry_intact_is_a_400(bearer_client, manager, loan,
                                                                                    key):
    with nothing_written():
        response = bearer_client(manager).generic(
            "POST", f"/api/v1/loans/{loan.pk}/repayments/", json.dumps({"amount": "1000"}),
            content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)

    assert list(assert_error(response, 400, "validation_error")["fields"]) == ["Idempotency-Key"]


def test_a_money_call_on_a_path_longer_than_the_idempotency_store_keeps_is_a_404(bearer_client, manager):
    with nothing_written():
        response = bearer_client(manager).post(f"/api/v1/loans/{'9' * 600}/repayments/", {"amount": "1000"},
                                               format="json", headers={"Idempotency-Key": "long-path"})

    assert_error(response, 404, "not_found")


# --- counters near the 18-digit ceiling ---------------------------------------------------------------------------


@pytest.mark.postgres  # SQLite reads decimals back through a float: it cannot hold 18-digit totals exactly
def test_a_repayment_that_would_take_the_funds_cash_past_eighteen_digits_is_a_422_and_writes_nothing(
        bearer_client, manager, loan):
    book = loan.fund.book
    cash = Account.objects.get(book=book, code=chart.CASH)
    room = MAX_WON - cash.debit_total.amount - 500
    journal_post(lines=[debit(cash, room), credit(chart.capital(book, "other"), room)], kind="fund.contribution",
                 effective_date=timezone.localdate(), idempotency_key="fill-the-counter")

    with nothing_written():
        response = bearer_client(manager).post(f"/api/v1/loans/{loan.pk}/repayments/", {"amount": "1000"},
                                               format="json", headers={"Idempotency-Key": "overflow"})

    assert "amount" in assert_error(response, 422, "limit_exceeded")["fields"]
    ok = bearer_client(manager).post(f"/api/v1/loans/{loan.pk}/repayments/", {"amount": "500"}, format="json",
                                     headers={"Idempotency-Key": "fits"})
    assert ok.status_code == 201, ok.content
