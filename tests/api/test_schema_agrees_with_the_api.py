"""Real requests answer as the schema says: the short lists are plain lists whatever the page, a body that is not
JSON is a 415 only where the schema documents one, and the Idempotency-Key limits are the server's."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.funds.factories import make_application, make_fund, make_loan, make_product

from .helpers import assert_error

pytestmark = pytest.mark.django_db


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def loan(member):
    return make_loan(make_product(make_fund()), member=member, disbursed_on=timezone.localdate() - timedelta(days=40))


@pytest.mark.parametrize("action", ["schedule", "transactions", "repayments", "recoveries"])
def test_a_loans_short_lists_are_plain_lists_and_a_page_number_changes_nothing(manager, loan, action):
    url = f"/api/v1/loans/{loan.pk}/{action}/"

    first = signed_in(manager).get(url)
    far_page = signed_in(manager).get(url, {"page": 99})

    assert first.status_code == far_page.status_code == 200
    assert isinstance(first.json(), list)
    assert far_page.json() == first.json()


def test_a_funds_contributions_are_a_plain_list(manager):
    fund = make_fund()

    response = signed_in(manager).get(f"/api/v1/funds/{fund.pk}/contributions/", {"page": 99})

    assert response.status_code == 200
    assert sorted(row["amount"] for row in response.json()) == ["300000000", "300000000"]


def test_a_list_that_is_paginated_answers_404_for_a_page_past_its_end_as_documented(manager):
    make_fund()

    response = signed_in(manager).get("/api/v1/funds/", {"page": 99})

    assert_error(response, 404)


def test_a_body_that_is_not_json_is_refused_with_415(manager):
    response = signed_in(manager).generic("POST", "/api/v1/funds/", "code=x", content_type="text/plain")

    assert_error(response, 415, "unsupported_media_type")


def test_a_form_is_refused_with_415_too(manager):
    response = signed_in(manager).post("/api/v1/funds/", {"code": "x"}, format="multipart")

    assert_error(response, 415, "unsupported_media_type")


def test_an_action_without_a_body_reads_none_so_it_documents_no_415(member):
    application = make_application(make_product(make_fund()), member=member, amount=10_000_000)

    response = signed_in(member).generic(
        "POST", f"/api/v1/loan-applications/{application.pk}/submit/", "anything", content_type="text/plain"
    )

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(("key", "status"), [("k" * 200, 201), ("  " + "k" * 200 + "  ", 201), ("k" * 201, 400)],
                         ids=["200-characters", "200-characters-padded", "201-characters"])
def test_an_idempotency_key_of_1_to_200_characters_is_accepted_as_documented(manager, key, status):
    fund = make_fund()

    response = signed_in(manager).post(
        f"/api/v1/funds/{fund.pk}/contributions/",
        {"source": "private", "amount": "1000000", "received_on": date(2026, 3, 2).isoformat()},
        headers={"Idempotency-Key": key},
    )

    assert response.status_code == status, response.content


def test_a_replayed_money_call_says_so_in_its_documented_header(manager):
    fund = make_fund()
    body = {"source": "private", "amount": "1000000", "received_on": "2026-03-02"}
    url = f"/api/v1/funds/{fund.pk}/contributions/"

    first = signed_in(manager).post(url, body, headers={"Idempotency-Key": "c-1"})
    again = signed_in(manager).post(url, body, headers={"Idempotency-Key": "c-1"})

    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
