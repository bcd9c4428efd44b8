"""A loan is never left behind the closed business days, as the API shows it: the response to a late disbursement,
a value date in the days a lagging loan is brought through, a write-off request on a loan left behind. The service
tests of the same rule are tests/funds/test_catch_up.py.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from funds import services
from funds.models import Loan
from tests.factories import ManagerFactory
from tests.funds.factories import (
    make_catch_up_product,
    make_fund,
    make_loan,
    make_loan_left_behind,
    make_product,
    member_of,
)

from .helpers import assert_error, months_before

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture(autouse=True)
def _rules(asset_class_rules) -> None:
    """Closing days classes loans."""


@pytest.fixture
def product(db) -> Any:
    return make_catch_up_product()


def test_the_api_shows_the_late_loan_overdue_in_the_response_to_its_disbursement(bearer_client, product):
    services.close_business(through=YESTERDAY, today=timezone.localdate())
    loan = make_loan(product, member=member_of(), amount=12_000_000)
    manager = ManagerFactory()

    response = bearer_client(manager).post(f"/api/v1/loans/{loan.pk}/disburse/",
                                           {"disbursed_on": (TODAY - timedelta(days=75)).isoformat()},
                                           format="json", headers={"Idempotency-Key": "late-disbursement"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["closed_through"] == YESTERDAY.isoformat()
    assert body["days_past_due"] > 0 and body["asset_class"] != "normal"
    assert int(body["default_interest_receivable"]) > 0


def test_a_value_date_in_the_days_a_lagging_loan_is_brought_through_is_refused(bearer_client, product):
    behind = make_loan_left_behind(product, disbursed_on=TODAY - timedelta(days=45), amount=12_000_000)

    response = bearer_client(ManagerFactory()).post(
        f"/api/v1/loans/{behind.pk}/repayments/",
        {"amount": "10000", "value_date": (TODAY - timedelta(days=3)).isoformat()},
        format="json", headers={"Idempotency-Key": "in-closed-days"})

    assert "value_date" in assert_error(response, 400, "validation_error")["fields"]


def test_a_write_off_request_on_a_loan_left_behind_sees_its_class_as_of_the_last_closed_day(bearer_client):
    bullet = make_product(make_fund(code="bad-debts"), method="bullet", grace_months=0, term_months=1,
                          annual_rate=Decimal("0.03650"), day_count="actual_365", rounding_unit=1, approval_tiers=[])
    behind = make_loan_left_behind(bullet, disbursed_on=months_before(TODAY, 14), amount=1_000_000)
    assert Loan.objects.get(pk=behind.pk).asset_class == "normal"  # stale: its days were never closed

    response = bearer_client(ManagerFactory()).post(f"/api/v1/loans/{behind.pk}/write-off/",
                                                    {"reason": "폐업, 1년 이상 연체"}, format="json")

    assert response.status_code == 201, response.content
    assert Loan.objects.get(pk=behind.pk).asset_class == "estimated_loss"
