"""Rates and dates are accepted exactly as the schema writes them: a rate is a decimal string from "0" to "0.20000"
with at most five decimals, a date is YYYY-MM-DD."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.helpers import assert_error
from tests.funds.factories import make_fund, make_product

pytestmark = pytest.mark.django_db


def product_body(fund_id: int, annual_rate: object) -> dict[str, object]:
    return {"fund": fund_id, "name": "신규 상품", "annual_rate": annual_rate, "term_months": 12,
            "method": "equal_principal", "min_amount": "1000000", "max_amount": "50000000"}


@pytest.mark.parametrize("rate", ["0.02000", "0.02", "0", "0.2", "0.20000", "0.19999"])
def test_a_rate_written_as_the_schema_says_is_accepted(manager, rate):
    client = APIClient()
    client.force_authenticate(manager)

    response = client.post("/api/v1/loan-products/", product_body(make_fund().pk, rate), format="json")

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("rate", "rule"),
    [
        (0.02, 'must be a decimal string such as "0.02000", not a JSON number'),
        ("0.020000", "at most five decimals"),
        ("0.25", "at most 0.20000, the legal maximum"),
        ("-0.01", 'must be a fraction written in ASCII digits with a decimal point, such as "0.02000"'),
        (" 0.02", 'must be a fraction written in ASCII digits with a decimal point, such as "0.02000"'),
        ("2e-2", 'must be a fraction written in ASCII digits with a decimal point, such as "0.02000"'),
        ("00.02", "no leading zeros"),
    ],
)
def test_a_rate_written_otherwise_is_refused_naming_the_rule(manager, rate, rule):
    client = APIClient()
    client.force_authenticate(manager)

    response = client.post("/api/v1/loan-products/", product_body(make_fund().pk, rate), format="json",
                           headers={"Accept-Language": "en"})

    assert assert_error(response, 400, "validation_error")["fields"] == {"annual_rate": [rule]}


@pytest.mark.parametrize("disbursed_on", ["20260302", "2026-3-2", "2026-W10-1", "2026-03-02T00:00:00"])
def test_a_date_not_written_yyyy_mm_dd_is_refused(member, disbursed_on):
    client = APIClient()
    client.force_authenticate(member)
    product = make_product(make_fund())

    response = client.post(f"/api/v1/loan-products/{product.pk}/quote/",
                           {"principal": "10000000", "disbursed_on": disbursed_on}, format="json",
                           headers={"Accept-Language": "en"})

    assert assert_error(response, 400, "validation_error")["fields"] == {
        "disbursed_on": ["must be a date written YYYY-MM-DD, such as 2026-03-02"]
    }
