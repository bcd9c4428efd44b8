"""Bad input on every endpoint of the fund that takes money: a 4xx with the common error shape naming the field,
and nothing written (no audit event, no journal, no changed amount, no idempotency key kept)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import IdempotencyRecord
from funds import accounts as chart
from funds.models import FundContribution, Loan, LoanApplication
from ledger.models import Journal
from tests.funds.factories import make_application, make_fund, make_loan, make_product

from .helpers import assert_error, nothing_written

BAD_AMOUNTS = [
    pytest.param("-1000", id="negative"),
    pytest.param(-1000, id="negative-integer"),
    pytest.param("0", id="zero"),
    pytest.param("1000.5", id="fractional"),
    pytest.param(1000.5, id="float"),
    pytest.param(10_000_000.0, id="whole-float"),
    pytest.param("1" + "0" * 30, id="huge"),
    pytest.param(10**30, id="huge-integer"),
    pytest.param("1000000000000000000", id="one-past-the-largest"),
    pytest.param({"amount": "1000", "currency": "USD"}, id="dollars"),
    pytest.param({"amount": "10000000", "currency": "JPY"}, id="yen"),
    pytest.param("1e7", id="exponent"),
    pytest.param("천만원", id="words"),
    pytest.param("", id="empty"),
    pytest.param(None, id="null"),
    pytest.param(True, id="boolean"),
    pytest.param(["10000000"], id="list"),
    pytest.param("NaN", id="nan"),
    pytest.param("Infinity", id="infinity"),
    pytest.param("10,000,000", id="grouped"),
    pytest.param(" 10000000 ", id="padded"),
    pytest.param("10000000.0", id="point-zero"),
    pytest.param("+5", id="plus-sign"),
    pytest.param("007", id="leading-zeros"),
    pytest.param("１０００", id="fullwidth-digits"),
    pytest.param("²", id="superscript-digit"),
    pytest.param({"amount": "10000000"}, id="won-object-without-currency"),
    pytest.param({"amount": "10000000", "currency": "KRW", "note": "x"}, id="won-object-with-another-key"),
]
GOOD_AMOUNTS = [
    pytest.param("10000000", id="string"),
    pytest.param(10_000_000, id="integer"),
    pytest.param({"amount": "10000000", "currency": "KRW"}, id="won-object"),
    pytest.param({"amount": 10_000_000, "currency": "KRW"}, id="won-object-with-an-integer"),
]
# Each refusal names the rule it broke, in words (English on request; Korean by default).
REFUSALS = [
    pytest.param("1,000", "no thousands separators: write 1000", id="grouped"),
    pytest.param("12,000,000", "no thousands separators: write 12000000", id="grouped-millions"),
    pytest.param(" 1000 ", "no spaces", id="padded"),
    pytest.param("1 000", "no spaces", id="spaced"),
    pytest.param("1000.0", "whole won only, no decimal point", id="point-zero"),
    pytest.param("1000.5", "whole won only, no decimal point", id="fractional"),
    pytest.param(1000.0, "whole won only, no decimal point", id="whole-float"),
    pytest.param("+5", "no plus sign", id="plus-sign"),
    pytest.param("-1000", "must not be negative", id="negative"),
    pytest.param(-1000, "must not be negative", id="negative-integer"),
    pytest.param("0", "must be greater than zero", id="zero"),
    pytest.param(0, "must be greater than zero", id="zero-integer"),
    pytest.param("007", "no leading zeros", id="leading-zeros"),
    pytest.param("1000000000000000000", "must be at most 999,999,999,999,999,999", id="one-past-the-largest"),
    pytest.param(10**18, "must be at most 999,999,999,999,999,999", id="one-past-the-largest-integer"),
    pytest.param("1" + "0" * 30, "must be at most 999,999,999,999,999,999", id="huge"),
    pytest.param("1e7", 'ASCII digits only, such as "12000000"', id="exponent"),
    pytest.param("１０００", 'ASCII digits only, such as "12000000"', id="fullwidth-digits"),
    pytest.param("²", 'ASCII digits only, such as "12000000"', id="superscript-digit"),
    pytest.param("", 'must not be empty: write the number of won, such as "12000000"', id="empty"),
    pytest.param(True, 'must be a number of won in digits, such as "12000000"', id="boolean"),
    pytest.param(None, "This field may not be null.", id="null"),
    pytest.param({"amount": "1000", "currency": "USD"}, "must be in KRW, not USD", id="dollars"),
    pytest.param({"amount": "1000"}, 'currency is required with amount: "KRW"', id="won-object-without-currency"),
    pytest.param({"currency": "KRW"}, "amount is required with currency", id="won-object-without-amount"),
    pytest.param({"amount": "1,000", "currency": "KRW"}, "no thousands separators: write 1000", id="grouped-object"),
    pytest.param({"amount": "1000", "currency": "KRW", "memo": "x"}, "unknown keys memo: only amount and currency",
                 id="won-object-with-another-key"),
]


def client(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


@dataclass
class Endpoint:
    """One money endpoint: who calls it, how, and which field of the body carries the amount."""

    method: str
    path: str
    field: str
    body: Callable[[Any], dict[str, Any]]
    caller: str
    key: bool = False
    created: int = 201


@pytest.fixture
def setting(manager, member, enterprise) -> dict[str, Any]:
    fund = make_fund()
    product = make_product(fund)
    draft = make_application(product, member=member, amount=5_000_000)
    return {"fund": fund, "product": product, "draft": draft, "manager": manager, "member": member,
            "enterprise": enterprise}


ENDPOINTS = {
    "contribution": Endpoint(
        "post", "/api/v1/funds/{fund}/contributions/", "amount",
        lambda x: {"source": "municipality", "amount": x, "received_on": "2026-03-02"}, "manager", key=True,
    ),
    "quote": Endpoint(
        "post", "/api/v1/loan-products/{product}/quote/", "principal",
        lambda x: {"principal": x, "disbursed_on": "2026-03-31"}, "member", created=200,
    ),
    "application create": Endpoint(
        "post", "/api/v1/loan-applications/", "amount",
        lambda x: {"product": "{product}", "enterprise": "{enterprise}", "amount": x}, "member",
    ),
    "application edit": Endpoint(
        "patch", "/api/v1/loan-applications/{draft}/", "amount", lambda x: {"amount": x}, "member", created=200,
    ),
    "fund create": Endpoint(
        "post", "/api/v1/funds/", "exposure_limit",
        lambda x: {"code": "jung-gu", "name": "중구 기금", "operator": "{operator}", "exposure_limit": x,
                   "eligible_kinds": ["social"]},
        "manager",
    ),
    "product create": Endpoint(
        "post", "/api/v1/loan-products/", "min_amount",
        lambda x: {"fund": "{fund}", "name": "신규 상품", "annual_rate": "0.02000", "term_months": 12,
                   "method": "equal_principal", "min_amount": x, "max_amount": "50000000"},
        "manager",
    ),
}


def _call(setting: dict[str, Any], endpoint: Endpoint, amount: Any, key: str = "money-key-1") -> Any:
    ids = {
        "fund": setting["fund"].pk, "product": setting["product"].pk, "draft": setting["draft"].pk,
        "enterprise": setting["enterprise"].pk, "operator": setting["fund"].operator_id,
    }
    body = {
        name: ids[value[1:-1]] if isinstance(value, str) and value.startswith("{") and value[1:-1] in ids else value
        for name, value in endpoint.body(amount).items()
    }
    headers = {"Idempotency-Key": key} if endpoint.key else {}
    return getattr(client(setting[endpoint.caller]), endpoint.method)(
        endpoint.path.format(**ids), body, format="json", headers=headers
    )


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_a_bad_amount_is_refused_naming_the_field_and_writes_nothing(setting, name, amount):
    endpoint = ENDPOINTS[name]

    with nothing_written():
        response = _call(setting, endpoint, amount)

    body = assert_error(response, 400, "validation_error")
    assert endpoint.field in body["fields"], body
    assert endpoint.field in body["message"]


@pytest.mark.parametrize("amount", GOOD_AMOUNTS)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_a_whole_number_of_won_is_accepted_as_a_string_an_integer_or_a_won_object(setting, name, amount):
    endpoint = ENDPOINTS[name]

    response = _call(setting, endpoint, amount)

    assert response.status_code == endpoint.created, response.content
    assert response.json()[endpoint.field] == "10000000"


@pytest.mark.parametrize(("amount", "rule"), REFUSALS)
def test_a_refused_amount_says_which_rule_it_broke_in_words(setting, amount, rule):
    body = ENDPOINTS["application edit"].body(amount)

    with nothing_written():
        response = client(setting["member"]).patch(
            f"/api/v1/loan-applications/{setting['draft'].pk}/", body, format="json", headers={"Accept-Language": "en"}
        )

    assert assert_error(response, 400, "validation_error")["fields"] == {"amount": [rule]}


def test_a_refusal_names_its_rule_in_korean_by_default(setting):
    with nothing_written():
        response = _call(setting, ENDPOINTS["application edit"], "12,000,000")

    assert assert_error(response, 400, "validation_error")["fields"] == {
        "amount": ["천 단위 구분 기호(,) 없이 12000000처럼 쓰십시오."]
    }


@pytest.mark.postgres
def test_the_largest_amount_a_money_field_holds_is_accepted_and_one_more_is_not(setting):
    """PostgreSQL only: SQLite keeps 15 significant digits, and Django reads its decimals back through a float."""
    edit = ENDPOINTS["application edit"]

    assert _call(setting, edit, "999999999999999999").status_code == 200
    with nothing_written():
        assert_error(_call(setting, edit, "1000000000000000000"), 400, "validation_error")
    setting["draft"].refresh_from_db()
    assert setting["draft"].amount.amount == 999_999_999_999_999_999


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_malformed_json_is_refused_and_writes_nothing(setting, name):
    endpoint = ENDPOINTS[name]
    ids = {"fund": setting["fund"].pk, "product": setting["product"].pk, "draft": setting["draft"].pk}

    with nothing_written():
        response = client(setting[endpoint.caller]).generic(
            endpoint.method.upper(), endpoint.path.format(**ids), '{"amount": 1000,', content_type="application/json",
            headers={"Idempotency-Key": "money-key-1"},
        )

    assert_error(response, 400, "parse_error")


def test_a_quote_outside_the_products_range_names_the_principal(setting):
    with nothing_written():
        response = _call(setting, ENDPOINTS["quote"], "50000001")

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"principal"}


def test_a_good_quote_changes_nothing(setting):
    with nothing_written():
        response = _call(setting, ENDPOINTS["quote"], "12000000")

    assert response.status_code == 200, response.content
    assert response.json()["total_principal"] == "12000000"
    assert len(response.json()["installments"]) == setting["product"].term_months


@pytest.mark.parametrize("disbursed_on", ["2026-02-30", "yesterday", "", "9999-06-01"])
def test_a_quote_with_a_bad_disbursement_date_names_it(setting, disbursed_on):
    with nothing_written():
        response = client(setting["member"]).post(
            f"/api/v1/loan-products/{setting['product'].pk}/quote/",
            {"principal": "10000000", "disbursed_on": disbursed_on}, format="json",
        )

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"disbursed_on"}


def test_a_quote_more_than_a_year_ahead_or_before_the_back_dating_window_is_refused_naming_the_date(setting):
    """A quote is for a loan about to be made: from the back-dating window (20 years in tests) to a year ahead."""
    today = timezone.localdate()
    for day, rule in ((today + timedelta(days=367), "a year from today"),
                      (today - timedelta(days=7306), "back-dating window")):
        response = client(setting["member"]).post(
            f"/api/v1/loan-products/{setting['product'].pk}/quote/",
            {"principal": "10000000", "disbursed_on": day.isoformat()}, format="json",
            headers={"Accept-Language": "en"},
        )
        [message] = assert_error(response, 400, "validation_error")["fields"]["disbursed_on"]
        assert rule in message, message
    response = client(setting["member"]).post(
        f"/api/v1/loan-products/{setting['product'].pk}/quote/",
        {"principal": "10000000", "disbursed_on": (today + timedelta(days=366)).isoformat()}, format="json",
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source": "lottery", "amount": "1000", "received_on": "2026-03-02"}, "source"),
        ({"amount": "1000", "received_on": "2026-03-02"}, "source"),
        ({"source": "private", "amount": "1000", "received_on": "2026-13-01"}, "received_on"),
        ({"source": "private", "amount": "1000"}, "received_on"),
        ({"source": "private", "received_on": "2026-03-02"}, "amount"),
    ],
)
def test_a_contribution_with_a_bad_field_is_refused_naming_it(setting, body, field):
    with nothing_written():
        response = client(setting["manager"]).post(
            f"/api/v1/funds/{setting['fund'].pk}/contributions/", body, format="json",
            headers={"Idempotency-Key": "money-key-1"},
        )

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {field}


def test_two_approval_tiers_starting_at_the_same_amount_are_refused_naming_the_tiers(setting):
    body = ENDPOINTS["product create"].body("1000000")
    body.update(fund=setting["fund"].pk, approval_tiers=[{"above_amount": "30000000", "approvers": 2},
                                                         {"above_amount": 30_000_000, "approvers": 3}])

    with nothing_written():
        response = client(setting["manager"]).post("/api/v1/loan-products/", body, format="json")

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"approval_tiers"}


# --- the Idempotency-Key header -------------------------------------------------------------------------------


@pytest.fixture
def loan(setting) -> Loan:
    return make_loan(setting["product"], member=setting["member"], amount=10_000_000)


def _contribute(setting: dict[str, Any], headers: dict[str, str], amount: str = "1000000") -> Any:
    return client(setting["manager"]).post(
        f"/api/v1/funds/{setting['fund'].pk}/contributions/",
        {"source": "private", "amount": amount, "received_on": "2026-03-02"}, format="json", headers=headers,
    )


def _disburse(setting: dict[str, Any], loan: Loan, headers: dict[str, str], on: str = "2026-03-31") -> Any:
    return client(setting["manager"]).post(
        f"/api/v1/loans/{loan.pk}/disburse/", {"disbursed_on": on}, format="json", headers=headers
    )


@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": ""}, {"Idempotency-Key": "   "},
                                     {"Idempotency-Key": "k" * 201}], ids=["absent", "empty", "blank", "too-long"])
def test_a_call_that_moves_money_needs_an_idempotency_key(setting, loan, headers):
    with nothing_written():
        contributed = _contribute(setting, headers)
        disbursed = _disburse(setting, loan, headers)

    for response in (contributed, disbursed):
        assert assert_error(response, 400, "validation_error")["fields"].keys() == {"Idempotency-Key"}


def test_the_same_key_and_body_replays_the_contribution_instead_of_recording_it_twice(setting):
    first = _contribute(setting, {"Idempotency-Key": "c-1"})
    with nothing_written():
        again = _contribute(setting, {"Idempotency-Key": "c-1"})

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert FundContribution.objects.filter(amount=1_000_000).count() == 1


def test_the_same_key_with_another_amount_is_refused(setting, loan):
    assert _contribute(setting, {"Idempotency-Key": "c-1"}).status_code == 201

    with nothing_written():
        response = _contribute(setting, {"Idempotency-Key": "c-1"}, amount="2000000")

    assert assert_error(response, 422, "idempotency_key_reused")["fields"].keys() == {"Idempotency-Key"}


def test_disbursing_twice_with_different_keys_is_refused_the_second_time(setting, loan):
    first = _disburse(setting, loan, {"Idempotency-Key": "d-1"})
    assert first.status_code == 200, first.content

    with nothing_written():
        second = _disburse(setting, loan, {"Idempotency-Key": "d-2"})

    assert_error(second, 409, "invalid_state")
    assert Journal.objects.filter(kind="loan.disbursement").count() == 1


def test_disbursing_with_the_same_key_replays_the_first_answer(setting, loan):
    first = _disburse(setting, loan, {"Idempotency-Key": "d-1"})

    with nothing_written():
        again = _disburse(setting, loan, {"Idempotency-Key": "d-1"})

    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


@pytest.mark.parametrize("on", ["2026-02-30", "not a date", "9999-06-01"])
def test_a_disbursement_with_a_bad_date_is_refused_naming_it(setting, loan, on):
    with nothing_written():
        response = _disburse(setting, loan, {"Idempotency-Key": "d-1"}, on=on)

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"disbursed_on"}


def test_a_disbursement_the_fund_cannot_pay_is_refused_and_its_key_can_be_used_again(member, manager):
    fund = make_fund(capital=0)
    product = make_product(fund)
    loan = make_loan(product, member=member, amount=10_000_000)
    setting = {"fund": fund, "manager": manager}
    assert _contribute(setting, {"Idempotency-Key": "c-1"}, amount="9999999").status_code == 201

    with nothing_written():
        refused = _disburse(setting, loan, {"Idempotency-Key": "d-1"})

    assert assert_error(refused, 422, "insufficient_funds")["fields"].keys() == {"amount"}
    assert not IdempotencyRecord.objects.filter(key="d-1").exists()
    assert _contribute(setting, {"Idempotency-Key": "c-2"}, amount="1").status_code == 201
    paid = _disburse(setting, loan, {"Idempotency-Key": "d-1"})
    assert paid.status_code == 200, paid.content
    assert paid.json()["state"] == "active"
    loan.refresh_from_db()
    assert loan.disbursed_on == date(2026, 3, 31)
    assert chart.cash(fund.book).balance.amount == 0


def test_an_edit_of_an_application_that_is_no_longer_a_draft_is_refused(setting):
    application = setting["draft"]
    client(setting["member"]).post(f"/api/v1/loan-applications/{application.pk}/submit/")

    with nothing_written():
        response = _call(setting, ENDPOINTS["application edit"], "6000000")

    assert_error(response, 409, "invalid_state")
    assert LoanApplication.objects.get(pk=application.pk).amount.amount == 5_000_000
