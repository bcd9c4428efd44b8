"""The fund summary over HTTP (GET /api/v1/funds/{id}/): the figures of tests/funds/test_fund_summary.py, worked out
by hand there on the same fund, rendered as decimal strings."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.funds.factories import make_fund
from tests.funds.test_fund_summary import EXPECTED_CLASSES, hand_worked_fund


@pytest.fixture
def worked_fund(db) -> Any:
    return hand_worked_fund()


def test_the_api_renders_the_summary_as_decimal_strings(worked_fund, auditor):
    fund = worked_fund
    client = APIClient()
    client.force_authenticate(auditor)

    body = client.get(f"/api/v1/funds/{fund.pk}/").json()

    assert body["currency"] == "KRW"
    assert body["capital_by_source"] == {"municipality": "250000000", "private": "250000000", "other": "50000000"}
    assert (body["capital"], body["cash"], body["outstanding_principal"]) == ("550000000", "502687651", "47345679")
    assert (body["disbursed_total"], body["principal_repaid_total"]) == ("52345678", "4999999")
    assert body["turnover"] == "0.0951"
    assert body["loans_by_state"] == {"approved": 1, "active": 5, "paid_off": 0, "written_off": 0}
    assert [
        (row["code"], row["loans"], row["outstanding"], row["allowance"]) for row in body["by_asset_class"]
    ] == [(code, n, str(out), str(allow)) for code, (n, out, _rate, allow) in EXPECTED_CLASSES.items()]
    assert body["required_allowance"] == "8396635"
    assert body["exposure_limit"] == "50000000"


def test_a_fund_without_capital_has_a_turnover_of_zero_not_a_division_by_zero(db, manager):
    fund = make_fund(capital=0)
    client = APIClient()
    client.force_authenticate(manager)

    body = client.get(f"/api/v1/funds/{fund.pk}/").json()

    assert body["turnover"] == "0.0000"
    assert body["capital"] == body["cash"] == body["required_allowance"] == "0"
    assert body["loans_by_state"] == {"approved": 0, "active": 0, "paid_off": 0, "written_off": 0}
