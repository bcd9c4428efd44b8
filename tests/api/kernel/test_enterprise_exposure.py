"""An enterprise's exposure in the API (GET /api/v1/enterprises/ and /{id}/): what it owes under each instrument
and in all, amounts as decimal strings; read-only; the list reads a page's exposures at once."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import EnterpriseFactory
from tests.funds.factories import make_fund, make_loan, make_product, repay

URL = "/api/v1/enterprises/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def borrower(enterprise, member):
    """20,000,000 lent on 2026-02-02, 5,000,000 of it prepaid with the first installment's 33,330 interest on
    2026-03-02 (20,000,000 x 0.02 / 12 = 33,333.3 -> 33,330): 15,000,000 owed; and 10,000,000 approved, not paid
    out: 25,000,000 in all."""
    product = make_product(make_fund())
    active = make_loan(product, member=member, amount=20_000_000, disbursed_on=date(2026, 2, 2))
    repay(active, 5_033_330, on_date=date(2026, 3, 2))
    make_loan(product, member=member, amount=10_000_000)
    return enterprise


def test_an_enterprise_shows_what_it_owes_under_each_instrument_and_in_all(bearer_client, manager, borrower):
    body = bearer_client(manager).get(f"{URL}{borrower.pk}/").json()

    assert body["exposure"] == {
        "total": "25000000",
        "by_instrument": [{"name": "funds", "label": "회전기금", "amount": "25000000"},
                          {"name": "guarantees", "label": "특례보증", "amount": "0"}],
    }


def test_a_member_sees_its_own_enterprises_exposure_with_the_label_in_its_language(bearer_client, member, borrower):
    response = bearer_client(member).get(f"{URL}{borrower.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.json()["exposure"]["by_instrument"] == [
        {"name": "funds", "label": "Revolving funds", "amount": "25000000"},
        {"name": "guarantees", "label": "Special guarantees", "amount": "0"}]


def test_an_enterprise_that_owes_nothing_shows_zero(bearer_client, manager, enterprise):
    body = bearer_client(manager).get(f"{URL}{enterprise.pk}/").json()

    assert body["exposure"] == {"total": "0", "by_instrument": [
        {"name": "funds", "label": "회전기금", "amount": "0"},
        {"name": "guarantees", "label": "특례보증", "amount": "0"},
    ]}


def test_the_exposure_sent_in_a_patch_is_ignored(bearer_client, manager, enterprise):
    response = bearer_client(manager).patch(f"{URL}{enterprise.pk}/", {"exposure": {"total": "1"}}, format="json")

    assert response.status_code == 200
    assert response.json()["exposure"]["total"] == "0"


def test_the_list_shows_each_enterprises_exposure_at_the_same_cost_for_one_or_many(bearer_client, manager, borrower):
    client = bearer_client(manager)
    with CaptureQueriesContext(connection) as one:
        assert [row["exposure"]["total"] for row in client.get(URL).json()["results"]] == ["25000000"]
    EnterpriseFactory.create_batch(5)
    with CaptureQueriesContext(connection) as six:
        rows = client.get(URL).json()["results"]

    assert len(rows) == 6
    assert {row["id"]: row["exposure"]["total"] for row in rows}[borrower.pk] == "25000000"
    assert sorted(row["exposure"]["total"] for row in rows) == ["0"] * 5 + ["25000000"]
    assert len(six) == len(one)
