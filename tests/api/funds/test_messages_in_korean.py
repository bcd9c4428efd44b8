"""The revolving fund's refusals speak Korean by default and English when the client asks (Accept-Language: en).

Only the human messages change with the language: the error codes, the field names and the amounts (in 원) do not.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from funds.models import LoanApplication
from tests.funds.factories import make_application, make_fund, make_loan, make_product

from .helpers import assert_error, nothing_written

A = "/api/v1/loan-applications/"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
FUND_NAME = "성동구 사회적경제활성화기금"


def client(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


@pytest.fixture
def product(db):
    """A fund lending each enterprise at most 50,000,000 won; the product lends 1,000,000 to 50,000,000 won."""
    return make_product(make_fund(exposure_limit=50_000_000))


@pytest.fixture
def over_the_limit(product, member) -> LoanApplication:
    """The member's enterprise already has an approved 40,000,000 won loan, so 15,000,000 more is too much."""
    make_loan(product, member=member, amount=40_000_000)
    return make_application(product, member=member, amount=15_000_000)


def test_an_application_over_the_exposure_limit_is_refused_in_korean_by_default_with_the_amounts_in_won(
    member, enterprise, over_the_limit
):
    with nothing_written():
        response = client(member).post(f"{A}{over_the_limit.pk}/submit/", {}, format="json")

    body = assert_error(response, 422, "limit_exceeded")
    assert body["message"] == (
        f"대출 한도를 초과합니다. {enterprise.name}의 {FUND_NAME} 추가 대출 가능액은 최대 10,000,000원입니다"
        "(한도 50,000,000원, 이용 중 40,000,000원)."
    )
    assert body["fields"] == {"amount": ["남은 대출 한도 10,000,000원을 초과합니다."]}
    over_the_limit.refresh_from_db()
    assert over_the_limit.state == LoanApplication.State.DRAFT


def test_the_same_refusal_is_in_english_on_request_and_korean_again_after(member, enterprise, over_the_limit):
    url = f"{A}{over_the_limit.pk}/submit/"

    english = assert_error(client(member).post(url, {}, format="json", **ENGLISH), 422, "limit_exceeded")
    korean = assert_error(client(member).post(url, {}, format="json"), 422, "limit_exceeded")

    assert english["message"] == (
        f"{enterprise.name} may borrow at most 10,000,000원 more from {FUND_NAME} "
        "(limit 50,000,000원, already 40,000,000원)."
    )
    assert english["fields"] == {"amount": ["exceeds the remaining exposure limit of 10,000,000원"]}
    # The language follows each request: an English request does not leave the next one English.
    assert korean["message"].startswith("대출 한도를 초과합니다.")
    assert korean["fields"] == {"amount": ["남은 대출 한도 10,000,000원을 초과합니다."]}


def test_a_wrong_state_is_named_by_its_korean_label(product, member):
    submitted = make_application(product, member=member, amount=5_000_000, state="submitted")
    url = f"{A}{submitted.pk}/submit/"

    korean = assert_error(client(member).post(url, {}, format="json"), 409, "invalid_state")
    english = assert_error(client(member).post(url, {}, format="json", **ENGLISH), 409, "invalid_state")

    assert korean["message"] == "작성 중인 신청만 제출할 수 있습니다. 이 신청의 상태는 '접수'입니다."
    assert english["message"] == "Only a draft can be submitted; this application's state is Submitted (접수)."


def test_a_role_that_may_not_open_a_fund_is_refused_in_korean_by_default(auditor):
    korean = assert_error(client(auditor).post("/api/v1/funds/", {}, format="json"), 403, "permission_denied")
    english = assert_error(
        client(auditor).post("/api/v1/funds/", {}, format="json", **ENGLISH), 403, "permission_denied"
    )

    assert korean["message"] == "현재 역할로는 이 작업을 할 수 없습니다."
    assert english["message"] == "Your role may not do this."


def test_an_amount_in_another_currency_is_refused_in_korean_by_default(product, member):
    url = f"/api/v1/loan-products/{product.pk}/quote/"
    body = {"principal": {"amount": "20000000", "currency": "USD"}, "disbursed_on": "2026-01-31"}

    korean = assert_error(client(member).post(url, body, format="json"), 400, "validation_error")
    english = assert_error(client(member).post(url, body, format="json", **ENGLISH), 400, "validation_error")

    assert korean["fields"] == {"principal": ["원화(KRW)여야 합니다(입력된 통화: USD)."]}
    assert english["fields"] == {"principal": ["must be in KRW, not USD"]}
