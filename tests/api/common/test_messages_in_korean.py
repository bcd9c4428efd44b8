"""The messages of error responses: Korean by default, English when the client asks for it.

The codes and field names never depend on the language; only the human messages do. A message is translated
when the error is raised, in the language of the request that raised it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from api.common.idempotency import HEADER
from core.errors import InsufficientFunds
from enterprises.models import Enterprise
from ledger.services import credit, debit, journal_post
from tests.api.helpers import assert_error, enterprise_payload
from tests.factories import BookFactory, make_accounts
from tests.funds.factories import make_fund, make_product
from tests.ledger.helpers import ON, contribute

ENTERPRISES = "/api/v1/enterprises/"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def as_manager(bearer_client, manager):
    return bearer_client(manager)


@pytest.fixture
def accounts(db):
    return make_accounts(BookFactory())


def post_journal(client, accounts, amount, key="k-1", **headers):
    body = {"debit": accounts["cash"].pk, "credit": accounts["capital"].pk, "amount": amount, "key": key}
    return client.post("/journals/", body, format="json", **headers)


# --- through the API -------------------------------------------------------------------------------------------


def test_a_duplicate_business_number_is_refused_in_korean_by_default_and_in_english_on_request(as_manager, enterprise):
    body = enterprise_payload(business_number=enterprise.business_number)

    korean = assert_error(as_manager.post(ENTERPRISES, body, format="json"), 400, "validation_error")
    english = assert_error(as_manager.post(ENTERPRISES, body, format="json", **ENGLISH), 400, "validation_error")
    korean_again = assert_error(as_manager.post(ENTERPRISES, body, format="json"), 400, "validation_error")

    assert korean["message"] == "기업 정보가 입력 규칙에 맞지 않습니다."
    assert korean["fields"] == {"business_number": ["이 사업자등록번호로 이미 등록된 기업이 있습니다."]}
    assert english["message"] == "The enterprise's data breaks a rule."
    assert english["fields"] == {
        "business_number": ["an enterprise with this business registration number already exists"]
    }
    # The module-level message is lazy: an English request in between does not leave it English.
    assert korean_again == korean
    assert Enterprise.objects.count() == 1


def test_a_fractional_principal_for_a_loan_quote_is_a_400_in_korean_by_default_and_in_english_on_request(
    bearer_client, member
):
    product = make_product(make_fund())
    client = bearer_client(member)
    url = f"/api/v1/loan-products/{product.pk}/quote/"
    body = {"principal": "20000000.5", "disbursed_on": "2026-01-31"}

    korean = assert_error(client.post(url, body, format="json"), 400, "validation_error")
    english = assert_error(client.post(url, body, format="json", **ENGLISH), 400, "validation_error")

    assert korean["message"] == "입력값이 올바르지 않습니다: principal."
    assert korean["fields"] == {"principal": ["원 단위 정수만 쓸 수 있습니다(소수점 없이)."]}
    assert english["message"] == "Invalid input: principal."
    assert english["fields"] == {"principal": ["whole won only, no decimal point"]}


@pytest.mark.urls("tests.api.common.journal_urls")
def test_a_fractional_amount_is_a_400_in_korean_by_default_and_in_english_on_request(bearer_client, manager, accounts):
    client = bearer_client(manager)

    korean = assert_error(post_journal(client, accounts, "1000.5"), 400, "validation_error")
    english = assert_error(post_journal(client, accounts, "1000.5", **ENGLISH), 400, "validation_error")

    rule_ko = "원 단위 정수여야 합니다(1원 미만 금액은 쓸 수 없습니다)."
    assert korean["fields"] == {"lines[0].amount": [rule_ko]}
    assert korean["message"] == f"금액이 올바르지 않습니다. {rule_ko}"
    assert english["fields"] == {"lines[0].amount": ["must be a whole number of won (no fractions of a won)"]}
    assert english["message"] == "Bad amount: must be a whole number of won (no fractions of a won)."


@pytest.mark.urls("tests.api.common.journal_urls")
def test_an_overdraft_through_the_api_names_the_amounts_in_won_in_the_requested_language(
    bearer_client, manager, accounts
):
    client = bearer_client(manager)
    contribute(accounts, 10_000, "c")

    # The cash account is debited here, so overdrawing it means crediting it: swap the sides.
    body = {"debit": accounts["expense"].pk, "credit": accounts["cash"].pk, "amount": "10001", "key": "s"}
    korean = assert_error(client.post("/journals/", body, format="json"), 422, "insufficient_funds")
    english = assert_error(client.post("/journals/", body, format="json", **ENGLISH), 422, "insufficient_funds")

    assert korean["message"] == (
        "잔액이 부족합니다. 현금의 잔액은 10,000원이며, 이 분개를 전기하면 잔액이 -1원이 됩니다."
    )
    assert korean["fields"] == {"amount": ["사용 가능한 잔액 10,000원을 초과합니다."]}
    assert english["message"] == "현금 holds 10,000원; this would take it to -1원."
    assert english["fields"] == {"amount": ["exceeds the available 10,000원"]}


def test_a_drf_validation_error_lists_the_fields_in_korean(as_manager):
    body = enterprise_payload()
    del body["kind"]

    korean = assert_error(as_manager.post(ENTERPRISES, body, format="json"), 400, "validation_error")
    english = assert_error(as_manager.post(ENTERPRISES, body, format="json", **ENGLISH), 400, "validation_error")

    assert korean["message"] == "입력값이 올바르지 않습니다: kind."
    assert english["message"] == "Invalid input: kind."


def test_a_role_that_may_not_write_is_refused_in_korean(bearer_client, auditor):
    client = bearer_client(auditor)

    korean = assert_error(client.post(ENTERPRISES, enterprise_payload(), format="json"), 403, "permission_denied")
    english = assert_error(
        client.post(ENTERPRISES, enterprise_payload(), format="json", **ENGLISH), 403, "permission_denied"
    )

    assert korean["message"] == "현재 역할로는 이 작업을 할 수 없습니다."
    assert english["message"] == "Your role may not do this."


def test_an_unknown_path_is_a_korean_404(api):
    """A client asking for JSON (outside /api/ a browser gets the page of tests/web)."""
    korean = assert_error(api.get("/no/such/path/", HTTP_ACCEPT="application/json"), 404, "not_found")
    english = assert_error(api.get("/no/such/path/", HTTP_ACCEPT="application/json", **ENGLISH), 404, "not_found")

    assert korean["message"] == "요청한 경로를 찾을 수 없습니다: /no/such/path/"
    assert english["message"] == "No such path: /no/such/path/"


@pytest.mark.urls("tests.api.common.idempotency_urls")
def test_a_money_call_without_an_idempotency_key_is_refused_in_korean(bearer_client, manager):
    response = bearer_client(manager).post("/payouts/", {"amount": "5000"}, format="json")

    body = assert_error(response, 400, "validation_error")
    assert body["message"] == "자금이 이동하는 요청에는 멱등키(Idempotency-Key) 헤더가 필요합니다."
    assert list(body["fields"]) == [HEADER]
    assert body["fields"][HEADER][0].startswith("필수 항목입니다.")


# --- the services themselves, outside a request ----------------------------------------------------------------


def test_the_insufficient_funds_message_is_korean_and_names_the_amounts_in_won(accounts):
    contribute(accounts, 100_000, "c")

    with translation.override("ko"), pytest.raises(InsufficientFunds) as refused:
        journal_post(
            lines=[debit(accounts["expense"], 100_001), credit(accounts["cash"], 100_001)],
            kind="expense",
            effective_date=ON,
            idempotency_key="s",
        )

    assert refused.value.code == "insufficient_funds"
    assert refused.value.message == (
        "잔액이 부족합니다. 현금의 잔액은 100,000원이며, 이 분개를 전기하면 잔액이 -1원이 됩니다."
    )
    assert refused.value.fields == {"amount": ["사용 가능한 잔액 100,000원을 초과합니다."]}


def test_outside_a_request_service_messages_are_in_the_default_language_korean(accounts):
    assert settings.LANGUAGE_CODE == "ko"

    with pytest.raises(InsufficientFunds) as refused:
        journal_post(
            lines=[debit(accounts["expense"], 1), credit(accounts["cash"], 1)],
            kind="expense",
            effective_date=ON,
            idempotency_key="s",
        )

    assert refused.value.message.startswith("잔액이 부족합니다.")
    assert "0원" in refused.value.message


# --- the catalogue ---------------------------------------------------------------------------------------------


def test_every_translation_keeps_the_placeholders_of_its_english_message():
    """A msgstr that dropped or renamed a %(name)s would raise KeyError, or lose the value, at the moment of error."""
    text = (Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    checked = 0
    for entry in re.split(r"\n\s*\n", text):
        if "python-format" not in entry:
            continue
        # A plural entry (msgid_plural, msgstr[0]: Korean has one form) is checked against its plural msgid.
        ids = re.split(r"\nmsgid_plural ", entry.split("msgid ", 1)[1].split("\nmsgstr", 1)[0])
        msgid = "".join(re.findall(r'"(.*)"', ids[-1]))
        for msgstr_part in re.split(r"\nmsgstr(?:\[\d\])? ", entry)[1:]:
            msgstr = "".join(re.findall(r'"(.*)"', msgstr_part))
            assert sorted(re.findall(r"%\(\w+\)\w", msgid)) == sorted(re.findall(r"%\(\w+\)\w", msgstr)), msgid
        checked += 1
    assert checked >= 20
