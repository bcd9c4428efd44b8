"""Guarantee fees through the real URLs: the quote, the bills, the enterprise's payments and the city's batches,
with Idempotency-Key, and bad input on every money endpoint (a 4xx naming the field, nothing written). Every role on
every operation is the role matrix's (tests/api/test_roles_matrix.py); the arithmetic is tests/guarantees/test_fees.py.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from guarantees import services
from guarantees.models import CityFeeBatch, FeeBill, FeePayment
from ledger.models import Journal
from tests.factories import MembershipFactory
from tests.guarantees.factories import contribute, make_guarantee, make_program

from ..helpers import assert_error

pytestmark = pytest.mark.django_db
GP, FB = "/api/v1/guarantee-programs/", "/api/v1/fee-bills/"
START = date(2026, 3, 2)


def client(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def post(user: Any, path: str, data: Any, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client(user).post(path, data=json.dumps(data), content_type="application/json", headers=headers)


@pytest.fixture
def program():
    program = make_program()
    contribute(program, 1_000_000_000)
    return program


@pytest.fixture
def guarantee(program, member):
    """The member's enterprise's guarantee of 20,000,000 won from 2026-03-02: 160,000 a year, the city 100,000."""
    return make_guarantee(program, enterprise=member.memberships.get().enterprise, amount=20_000_000, start_on=START)


@pytest.fixture
def bill(guarantee) -> FeeBill:
    """Its first year, billed today (as the bank's report of the loan's making bills it)."""
    return services.fee_bill_first_year(guarantee_id=guarantee.pk, actor=None, today=timezone.localdate())


def written() -> tuple[int, ...]:
    return (FeeBill.objects.count(), FeePayment.objects.count(), CityFeeBatch.objects.count(),
            Journal.objects.count())


# --- the quote -----------------------------------------------------------------------------------------------------


def test_anyone_signed_in_gets_a_quote_that_changes_nothing(program, plain_user):
    # 20,000,000 for a year of 365 days: 160,000, the city 100,000, the enterprise 60,000.
    before = written()
    response = client(plain_user).get(f"{GP}{program.pk}/fee-quote/",
                                      {"amount": "20000000", "start": "2026-03-02", "end": "2027-03-02"})

    assert response.status_code == 200, response.content
    assert response.json() == {"currency": "KRW", "days": 365, "fee": "160000", "city_share": "100000",
                               "enterprise_share": "60000"}
    assert written() == before


@pytest.mark.parametrize(("query", "field"), [
    ({"start": "2026-03-02", "end": "2027-03-02"}, "amount"),
    ({"amount": "abc", "start": "2026-03-02", "end": "2027-03-02"}, "amount"),
    ({"amount": "-1", "start": "2026-03-02", "end": "2027-03-02"}, "amount"),
    ({"amount": "100.5", "start": "2026-03-02", "end": "2027-03-02"}, "amount"),
    ({"amount": "30000010", "start": "2026-03-02", "end": "2027-03-02"}, "amount"),  # above the limit per firm
    ({"amount": "1000000", "end": "2027-03-02"}, "start"),
    ({"amount": "1000000", "start": "20260302", "end": "2027-03-02"}, "start"),
    ({"amount": "1000000", "start": "2026-03-02", "end": "2026-03-02"}, "end"),
    ({"amount": "1000000", "start": "2026-03-02", "end": "2046-03-02"}, "end"),
])
def test_a_bad_quote_is_a_400_naming_the_field(program, member, query, field):
    response = client(member).get(f"{GP}{program.pk}/fee-quote/", query)
    assert field in assert_error(response, 400, "validation_error")["fields"]


def test_a_quote_needs_a_signed_in_caller_and_a_program(program, api, member):
    assert api.get(f"{GP}{program.pk}/fee-quote/").status_code == 401
    missing = client(member).get(f"{GP}999999/fee-quote/", {"amount": "1000", "start": "2026-03-02",
                                                            "end": "2027-03-02"})
    assert_error(missing, 404, "not_found")


# --- bills ---------------------------------------------------------------------------------------------------------


def test_bills_are_listed_with_filters_and_read_with_what_is_owed_today(program, guarantee, bill, manager):
    other = services.fee_bill_first_year(guarantee_id=make_guarantee(program, start_on=START).pk, actor=None,
                                         today=timezone.localdate())

    listed = client(manager).get(FB).json()["results"]
    by_guarantee = client(manager).get(FB, {"guarantee": guarantee.pk}).json()["results"]
    by_program = client(manager).get(FB, {"program": program.pk, "state": "open"}).json()["results"]
    none_paid = client(manager).get(FB, {"state": "paid"}).json()["results"]
    detail = client(manager).get(f"{FB}{bill.pk}/").json()

    assert {row["id"] for row in listed} == {bill.pk, other.pk}
    assert [row["id"] for row in by_guarantee] == [bill.pk]
    assert {row["id"] for row in by_program} == {bill.pk, other.pk} and none_paid == []
    assert (detail["year"], detail["days"], detail["fee"], detail["city_share"], detail["enterprise_share"]) == (
        1, 365, "160000", "100000", "60000")
    assert detail["owed_today"] == {"on": timezone.localdate().isoformat(), "share": "60000",
                                    "late_fee_charged": "0", "late_fee_accrued": "0", "total": "60000"}
    assert detail["payments"] == [] and detail["refunds"] == []
    assert (detail["firm_outstanding"], detail["city_outstanding"], detail["state"]) == ("60000", "100000", "open")


@pytest.mark.parametrize(("query", "field"), [({"state": "bogus"}, "state"), ({"guarantee": "abc"}, "guarantee"),
                                              ({"program": "0"}, "program")])
def test_a_bad_filter_is_a_400_naming_it(bill, manager, query, field):
    assert field in assert_error(client(manager).get(FB, query), 400, "validation_error")["fields"]


def test_a_member_lists_only_its_own_enterprises_bills(program, bill, member):
    services.fee_bill_first_year(guarantee_id=make_guarantee(program, start_on=START).pk, actor=None,
                                 today=timezone.localdate())
    assert [row["id"] for row in client(member).get(FB).json()["results"]] == [bill.pk]


# --- the enterprise's payments -------------------------------------------------------------------------------------


def test_a_member_pays_and_a_replay_gives_the_same_answer(program, bill, member):
    pay = f"{FB}{bill.pk}/pay/"
    first = post(member, pay, {"amount": "60000"}, key="pay-1")
    replay = post(member, pay, {"amount": "60000"}, key="pay-1")

    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["payer"], body["amount"], body["share_paid"], body["late_fee_charged"]) == (
        "firm", "60000", "60000", "0")
    assert body["paid_on"] == timezone.localdate().isoformat() and body["bill_state"] == "open"
    assert replay.status_code == 201 and replay.json() == body and replay["Idempotent-Replayed"] == "true"
    assert FeePayment.objects.count() == 1
    nothing_left = post(member, pay, {"amount": "10"}, key="pay-2")
    assert "amount" in assert_error(nothing_left, 409, "invalid_state")["fields"]


def test_a_late_payment_is_charged_its_late_fee_first(program, guarantee, member):
    # Billed (and due) 30 days ago, paid today: the late fee on 60,000 for 30 days is 60,000 x 0.10 x 30 / 365 =
    # 180,000 / 365 = 493.15 -> 490.
    today = timezone.localdate()
    late = services.fee_bill_first_year(guarantee_id=guarantee.pk, actor=None, today=today - timedelta(days=30))

    response = post(member, f"{FB}{late.pk}/pay/", {"amount": "60490"}, key="late")

    assert response.status_code == 201, response.content
    assert (response.json()["late_fee_charged"], response.json()["late_fee_paid"],
            response.json()["share_paid"]) == ("490", "490", "60000")


@pytest.mark.parametrize(("data", "field"), [
    ({}, "amount"),
    ({"amount": "0"}, "amount"),
    ({"amount": "-100"}, "amount"),
    ({"amount": "10.5"}, "amount"),
    ({"amount": 10.5}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": "1000000000000000000000"}, "amount"),
    ({"amount": "1000", "paid_on": "yesterday"}, "paid_on"),
])
def test_a_bad_payment_is_a_400_naming_the_field_and_writes_nothing(bill, member, data, field):
    before = written()
    response = post(member, f"{FB}{bill.pk}/pay/", data, key="bad")
    assert field in assert_error(response, 400, "validation_error")["fields"]
    assert written() == before


def test_a_payment_needs_its_key_and_no_more_than_is_due(bill, member, manager):
    pay = f"{FB}{bill.pk}/pay/"
    assert "Idempotency-Key" in assert_error(post(member, pay, {"amount": "1000"}), 400)["fields"]
    too_much = post(member, pay, {"amount": "60010"}, key="much")
    assert "60,000원" in assert_error(too_much, 422, "limit_exceeded")["fields"]["amount"][0]
    another_day = post(member, pay, {"amount": "1000", "paid_on": "2026-03-02"}, key="day")
    assert "paid_on" in assert_error(another_day, 403, "permission_denied")["fields"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = post(manager, pay, {"amount": "1000", "paid_on": tomorrow}, key="future")
    assert "paid_on" in assert_error(future, 400, "validation_error")["fields"]
    assert FeePayment.objects.count() == 0


def test_another_enterprises_bill_is_not_found_for_a_member(program, member):
    other = services.fee_bill_first_year(guarantee_id=make_guarantee(program, start_on=START).pk, actor=None,
                                         today=timezone.localdate())
    response = post(member, f"{FB}{other.pk}/pay/", {"amount": "1000"}, key="other")
    assert_error(response, 404, "not_found")
    assert_error(client(member).get(f"{FB}{other.pk}/"), 404, "not_found")
    # A member of both enterprises may.
    MembershipFactory(user=member, enterprise=other.guarantee.enterprise)
    assert post(member, f"{FB}{other.pk}/pay/", {"amount": "1000"}, key="both").status_code == 201


# --- the city's batches --------------------------------------------------------------------------------------------


def test_a_manager_records_the_citys_batch_and_lists_it(program, bill, manager):
    path = f"{GP}{program.pk}/city-fee-payments/"
    today = timezone.localdate().isoformat()
    response = post(manager, path, {"bill_ids": [bill.pk], "paid_on": today, "memo": "12월 지원금"}, key="city")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["bill_count"], body["bills"], body["memo"]) == ("100000", 1, [bill.pk], "12월 지원금")
    assert client(manager).get(path).json() == [body]
    bill.refresh_from_db()
    assert int(bill.city_paid.amount) == 100_000
    again = post(manager, path, {"bill_ids": [bill.pk], "paid_on": today}, key="city-2")
    assert "bill_ids" in assert_error(again, 409, "invalid_state")["fields"]


def test_a_city_batch_by_due_date(program, bill, manager):
    today = timezone.localdate().isoformat()
    response = post(manager, f"{GP}{program.pk}/city-fee-payments/", {"due_by": today, "paid_on": today}, key="d")
    assert response.status_code == 201, response.content
    assert (response.json()["bills"], response.json()["due_by"]) == ([bill.pk], today)


@pytest.mark.parametrize(("data", "field"), [
    ({"paid_on": "TODAY"}, "bill_ids"),  # neither bills nor a due date
    ({"bill_ids": "BILL", "due_by": "TODAY", "paid_on": "TODAY"}, "bill_ids"),  # both
    ({"bill_ids": [], "paid_on": "TODAY"}, "bill_ids"),
    ({"bill_ids": ["x"], "paid_on": "TODAY"}, "bill_ids"),
    ({"bill_ids": [999999], "paid_on": "TODAY"}, "bill_ids"),
    ({"bill_ids": "BILL"}, "paid_on"),
    ({"bill_ids": "BILL", "paid_on": "TOMORROW"}, "paid_on"),
    ({"bill_ids": "BILL", "paid_on": "2026-13-01"}, "paid_on"),
    ({"due_by": "someday", "paid_on": "TODAY"}, "due_by"),
    ({"due_by": "2020-01-01", "paid_on": "TODAY"}, "due_by"),  # nothing due by then
])
def test_a_bad_city_batch_is_a_400_naming_the_field_and_writes_nothing(program, bill, manager, data, field):
    today = timezone.localdate()
    words = {"TODAY": today.isoformat(), "TOMORROW": (today + timedelta(days=1)).isoformat(), "BILL": [bill.pk]}
    data = {name: words.get(value, value) if isinstance(value, str) else value for name, value in data.items()}
    before = written()
    response = post(manager, f"{GP}{program.pk}/city-fee-payments/", data, key="bad")
    named = assert_error(response, 400, "validation_error")["fields"]
    assert field in {name.split(".")[0] for name in named}, named  # a list's item is named "bill_ids.0"
    assert written() == before
