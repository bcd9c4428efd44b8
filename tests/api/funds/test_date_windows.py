"""Every date a person types that moves money, sets terms or bounds a period has a window, through the API.

With the production back-dating window (90 days): a date in the future, further back than the window, before the
fund was opened (or the loan written off), in year 1 or in year 9999, is a 400 that names the field and the limit,
and writes nothing; the edges of each window are taken. Loan terms are bounded too (ten years at most, every rate
within the legal 20 %). The world is built first with the tests' wide window (its stories lie further back), then
the window is narrowed to 90 days for the requests.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from funds import services
from funds.models import Fund, Loan
from tests.factories import AuditorFactory, ManagerFactory
from tests.funds.factories import make_fund, make_loan, make_product, member_of

from .helpers import assert_error, months_before, nothing_written

TODAY = timezone.localdate()
WINDOW = 90


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


FUTURE, TOO_OLD, YEAR_1, YEAR_9999 = days_ago(-1), days_ago(WINDOW + 1), "0001-01-01", "9999-12-31"


class World:
    def __init__(self) -> None:
        self.manager, self.auditor = ManagerFactory(), AuditorFactory()
        # The first fund opened long ago; the second 30 days ago (inside the window, after its start).
        self.fund = make_fund(exposure_limit=500_000_000)
        self.young = make_fund(code="young", opened_on=TODAY - timedelta(days=30),
                               capital_on=TODAY - timedelta(days=30))
        self.product = make_product(self.fund, term_months=12, grace_months=0, approval_tiers=[])
        self.young_product = make_product(self.young, term_months=12, grace_months=0, approval_tiers=[])
        self.member = member_of()
        self.approved = make_loan(self.product, member=self.member, amount=5_000_000)
        self.young_approved = make_loan(self.young_product, member=member_of(), amount=5_000_000)
        self.active = make_loan(self.product, member=self.member, amount=5_000_000,
                                disbursed_on=TODAY - timedelta(days=20))
        bullet = make_product(make_fund(code="bad-debts"), method="bullet", grace_months=0, term_months=1,
                              annual_rate=Decimal("0.03650"), day_count="actual_365", rounding_unit=1,
                              approval_tiers=[])
        doomed = make_loan(bullet, member=member_of(), amount=1_000_000, disbursed_on=months_before(TODAY, 14))
        services.close_days(TODAY - timedelta(days=1), TODAY - timedelta(days=1))
        request = services.write_off_request(actor=ManagerFactory(), loan_id=doomed.pk, reason="회수 불능")
        services.write_off_approve(actor=ManagerFactory(), write_off_id=request.pk, reason="의결",
                                   today=timezone.localdate())
        self.written_off = Loan.objects.get(pk=doomed.pk)

    def client(self, user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client


@pytest.fixture
def world(db, settings) -> World:
    built = World()
    settings.BACKDATE_DAYS = WINDOW
    return built


def post(world: World, path: str, body: dict[str, Any], *, key: bool = False, user: Any = None) -> Any:
    headers = {"Idempotency-Key": uuid.uuid4().hex, "Accept-Language": "en"} if key else {"Accept-Language": "en"}
    return world.client(user or world.manager).post(path, body, format="json", headers=headers)


def get(world: World, path: str, query: dict[str, str]) -> Any:
    return world.client(world.auditor).get(path, query, headers={"Accept-Language": "en"})


Call = Callable[[World, str], Any]

CALLS: dict[str, tuple[str, Call]] = {
    # name: (the field named in the refusal, a request with that field set to the date)
    "fund opened_on": ("opened_on", lambda w, d: post(w, "/api/v1/funds/", {
        "code": f"f{abs(hash(d)) % 10**8}", "name": "새 기금", "operator": w.fund.operator_id,
        "exposure_limit": "50000000", "eligible_kinds": ["cooperative"], "opened_on": d})),
    "contribution received_on": ("received_on", lambda w, d: post(w, f"/api/v1/funds/{w.fund.pk}/contributions/", {
        "source": "private", "amount": "1000000", "received_on": d}, key=True)),
    "disbursement disbursed_on": ("disbursed_on", lambda w, d: post(w, f"/api/v1/loans/{w.approved.pk}/disburse/", {
        "disbursed_on": d}, key=True)),
    "repayment value_date": ("value_date", lambda w, d: post(w, f"/api/v1/loans/{w.active.pk}/repayments/", {
        "amount": "10000", "value_date": d}, key=True)),
    "recovery received_on": ("received_on", lambda w, d: post(w, f"/api/v1/loans/{w.written_off.pk}/recoveries/", {
        "amount": "10000", "received_on": d}, key=True)),
    "quote disbursed_on": ("disbursed_on", lambda w, d: post(w, f"/api/v1/loan-products/{w.product.pk}/quote/", {
        "principal": "5000000", "disbursed_on": d})),
    "payoff on": ("on", lambda w, d: get(w, f"/api/v1/loans/{w.active.pk}/payoff/", {"on": d})),
    "statement period_start": ("period_start", lambda w, d: post(w, "/api/v1/statements/", {
        "kind": "fund", "subject": w.fund.pk, "period_start": d, "period_end": TODAY.isoformat()}, user=w.auditor)),
    "statement period_end": ("period_end", lambda w, d: post(w, "/api/v1/statements/", {
        "kind": "fund", "subject": w.fund.pk, "period_start": days_ago(10), "period_end": d}, user=w.auditor)),
    "journal export start": ("start", lambda w, d: get(w, f"/api/v1/funds/{w.fund.pk}/journal-export/", {
        "start": d, "end": TODAY.isoformat(), "file": "csv"})),
    "journal export end": ("end", lambda w, d: get(w, f"/api/v1/funds/{w.fund.pk}/journal-export/", {
        "start": days_ago(10), "end": d, "file": "csv"})),
}
# The dates each call refuses (every call refuses year 1 and year 9999 too).
REFUSED: dict[str, list[str]] = {
    "fund opened_on": [FUTURE, TOO_OLD],
    "contribution received_on": [FUTURE, TOO_OLD],
    "disbursement disbursed_on": [FUTURE, TOO_OLD],
    "repayment value_date": [FUTURE, TOO_OLD],
    "recovery received_on": [FUTURE, TOO_OLD],
    "quote disbursed_on": [(TODAY + timedelta(days=367)).isoformat(), TOO_OLD],
    "payoff on": [(TODAY + timedelta(days=2000)).isoformat(), days_ago(25)],  # after the horizon; in closed days
    "statement period_start": [FUTURE, "1999-12-31"],
    "statement period_end": [FUTURE, days_ago(11)],  # after today; before the start
    "journal export start": [FUTURE, "1999-12-31"],
    "journal export end": [FUTURE, days_ago(11)],
}
CASES = [pytest.param(name, day, id=f"{name} {day}") for name in CALLS
         for day in [*REFUSED[name], YEAR_1, YEAR_9999]]


@pytest.mark.parametrize(("name", "day"), CASES)
def test_a_date_out_of_its_window_is_a_400_naming_the_field_and_writes_nothing(world, name, day):
    field, call = CALLS[name]

    with nothing_written():
        response = call(world, day)

    body = assert_error(response, 400, "validation_error")
    assert field in body["fields"], body


# The edges, taken: (call, date); each a different call so that one success does not change the next.
TAKEN = [
    ("fund opened_on", days_ago(WINDOW)),
    ("contribution received_on", days_ago(WINDOW)),
    ("disbursement disbursed_on", days_ago(WINDOW)),
    ("repayment value_date", TODAY.isoformat()),
    ("recovery received_on", TODAY.isoformat()),
    ("quote disbursed_on", (TODAY + timedelta(days=366)).isoformat()),
    ("quote disbursed_on", days_ago(WINDOW)),
    ("statement period_start", days_ago(3660)),  # ten years: the longest period
    ("statement period_end", TODAY.isoformat()),
    ("journal export end", TODAY.isoformat()),
]


@pytest.mark.parametrize(("name", "day"), TAKEN, ids=[f"{n} {d}" for n, d in TAKEN])
def test_the_edge_of_each_window_is_taken(world, name, day):
    response = CALLS[name][1](world, day)

    assert response.status_code in (200, 201, 202), response.content


def test_a_period_may_start_on_the_first_day_the_system_records(world):
    response = post(world, "/api/v1/statements/", {"kind": "fund", "subject": world.fund.pk,
                                                    "period_start": "2000-01-01", "period_end": "2000-12-31"},
                    user=world.auditor)

    assert response.status_code == 202, response.content


def test_a_date_before_the_fund_was_opened_is_refused_naming_the_opening_day(world):
    opened = world.young.opened_on
    before = (opened - timedelta(days=1)).isoformat()

    with nothing_written():
        contribution = post(world, f"/api/v1/funds/{world.young.pk}/contributions/",
                            {"source": "private", "amount": "1000000", "received_on": before}, key=True)
        disbursement = post(world, f"/api/v1/loans/{world.young_approved.pk}/disburse/", {"disbursed_on": before},
                            key=True)

    for response, field in ((contribution, "received_on"), (disbursement, "disbursed_on")):
        message = assert_error(response, 400, "validation_error")["fields"][field]
        assert message == [f"must be on or after {opened.isoformat()} (the day the fund was opened)"]


def test_a_recovery_dated_before_the_write_off_is_refused_naming_it(world):
    written_off_on = world.written_off.written_off_on
    assert written_off_on is not None

    with nothing_written():
        response = post(world, f"/api/v1/loans/{world.written_off.pk}/recoveries/",
                        {"amount": "10000", "received_on": (written_off_on - timedelta(days=1)).isoformat()},
                        key=True)

    assert assert_error(response, 400, "validation_error")["fields"]["received_on"] == [
        f"must be on or after {written_off_on.isoformat()} (the day the loan was written off)"]


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"term_months": 121}, "term_months"),
        ({"term_months": 32767}, "term_months"),
        ({"term_months": 0}, "term_months"),
        ({"annual_rate": "0.30000"}, "annual_rate"),
        ({"default_spread": "0.50000"}, "default_spread"),
        ({"default_rate_cap": "0.25000"}, "default_rate_cap"),
        ({"grace_months": 120, "term_months": 120}, "grace_months"),
    ],
)
def test_loan_terms_out_of_bounds_are_refused_naming_the_term(world, terms, field):
    body = {"fund": world.fund.pk, "name": f"상품 {field}", "annual_rate": "0.02000", "term_months": 12,
            "grace_months": 0, "method": "equal_payment", "min_amount": "1000000", "max_amount": "5000000",
            **terms}

    with nothing_written():
        response = post(world, "/api/v1/loan-products/", body)

    fields = assert_error(response, 400, "validation_error")["fields"]
    assert field in fields or "non_field_errors" in fields, fields


def test_a_product_of_ten_years_at_the_legal_maximum_is_taken(world):
    response = post(world, "/api/v1/loan-products/", {
        "fund": world.fund.pk, "name": "십년 상품", "annual_rate": "0.20000", "term_months": 120, "grace_months": 119,
        "method": "equal_principal", "min_amount": "1000000", "max_amount": "5000000",
        "default_spread": "0.20000", "default_rate_cap": "0.20000"})

    assert response.status_code == 201, response.content


def test_close_of_business_refuses_a_day_before_the_back_dating_window(world):
    with pytest.raises(CommandError, match="date"):
        call_command("close_business", "--date", days_ago(WINDOW + 1))
    with pytest.raises(CommandError):
        call_command("close_business", "--date", YEAR_1)


def test_the_windows_are_in_the_api_docs(world):
    schema = world.client(world.auditor).get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]

    for component, field in (("FundCreateRequest", "opened_on"), ("ContributionRequest", "received_on"),
                             ("DisburseRequest", "disbursed_on"), ("RepaymentRequestRequest", "value_date"),
                             ("RecoveryRequestRequest", "received_on"), ("QuoteRequestRequest", "disbursed_on")):
        description = components[component]["properties"][field]["description"]
        assert "back-dating window" in description, (component, description)


def test_the_fund_shows_the_day_it_was_opened(world):
    body = world.client(world.auditor).get(f"/api/v1/funds/{world.young.pk}/").json()

    assert body["opened_on"] == (TODAY - timedelta(days=30)).isoformat()
    assert Fund.objects.get(pk=world.young.pk).opened_on == TODAY - timedelta(days=30)
