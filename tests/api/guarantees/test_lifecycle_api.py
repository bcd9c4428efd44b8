"""``/api/v1/guarantees/`` through the real URLs: the bank's officer reports the loan made, balances, repayment and
default with an Idempotency-Key; a manager cancels; who sees which guarantee (a bank officer its own bank's, a
member its own enterprise's); bad input on every money endpoint as a 400 naming the field; illegal moves as 409.
Every role on every operation is the role matrix's (tests/api/test_roles_matrix.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guarantees.models import Guarantee, GuaranteeBalance, GuaranteeProgram
from tests.factories import BankOfficerFactory, InstitutionFactory, ManagerFactory, MembershipFactory
from tests.guarantees.factories import make_guarantee

from ..helpers import assert_error
from .life import G, get, post, program_open_today

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = TODAY - timedelta(days=40)  # the loans' start: reports fall between it and today


@pytest.fixture
def program() -> GuaranteeProgram:
    return program_open_today(guarantee_ratio=Decimal("0.85"))


@pytest.fixture
def officer(program) -> Any:
    return BankOfficerFactory(institution=program.partner_banks.get())


@pytest.fixture
def approved(program) -> Guarantee:
    """30,000,000 approved at 85 %: 25,500,000 held."""
    return make_guarantee(program, amount=30_000_000, state="approved")


@pytest.fixture
def active(program) -> Guarantee:
    """20,000,000 lent 40 days ago at 5 % (at 85 %: 17,000,000 held)."""
    return make_guarantee(program, amount=20_000_000, start_on=DAY)


def execute_body(**overrides: Any) -> dict[str, Any]:
    return {"loan_amount": "28000000", "loan_rate": "0.04500", "start_on": DAY.isoformat(),
            "bank_reference": "110-234-567890", **overrides}


def committed(program: GuaranteeProgram) -> int:
    program.refresh_from_db()
    return int(program.committed.amount)


# --- the loan made ----------------------------------------------------------------------------------------------


def test_the_banks_officer_reports_the_loan_made_once_whatever_the_retries(program, officer, approved):
    url = f"{G}{approved.pk}/execute/"

    first = post(officer, url, execute_body(), key="exec-1")
    again = post(officer, url, execute_body(), key="exec-1")

    assert first.status_code == again.status_code == 200, first.content
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    data = first.json()
    # 28,000,000 x 0.85 = 23,800,000
    assert data["state"] == "active" and data["guaranteed"] == "23800000" and data["loan_amount"] == "28000000"
    assert data["loan_rate"] == "0.04500" and data["start_on"] == DAY.isoformat()
    assert data["interest_paid_to"] == DAY.isoformat()
    assert committed(program) == 23_800_000
    assert GuaranteeBalance.objects.filter(guarantee=approved).count() == 1
    conflict = assert_error(post(officer, url, execute_body(loan_amount="27000000"), key="exec-1"), 422)
    assert "Idempotency-Key" in conflict["fields"]
    assert_error(post(officer, url, execute_body(), key="exec-2"), 409, "invalid_state")


def test_a_money_call_without_its_idempotency_key_is_refused(program, officer, approved, active):
    for path, data in ((f"{G}{approved.pk}/execute/", execute_body()),
                       (f"{G}{active.pk}/balances/", {"on_date": TODAY.isoformat(), "balance": "1000"}),
                       (f"{G}{active.pk}/repay/", {"on_date": TODAY.isoformat()}),
                       (f"{G}{active.pk}/default/", {"on_date": TODAY.isoformat(), "balance": "1000",
                                                     "interest_paid_to": DAY.isoformat()})):
        refused = assert_error(post(officer, path, data), 400)
        assert "Idempotency-Key" in refused["fields"], path
    assert GuaranteeBalance.objects.count() == 1  # the active guarantee's first balance only


BAD_EXECUTIONS = [
    ({"loan_amount": "28000000.5"}, "loan_amount"),
    ({"loan_amount": "-1"}, "loan_amount"),
    ({"loan_amount": "0"}, "loan_amount"),
    ({"loan_amount": 2.8e7}, "loan_amount"),
    ({"loan_amount": {"amount": "28000000", "currency": "JPY"}}, "loan_amount"),
    ({"loan_amount": "30000001"}, "loan_amount"),  # more than approved (the service's rule)
    ({"loan_rate": "0.30000"}, "loan_rate"),
    ({"loan_rate": 0.045}, "loan_rate"),
    ({"loan_rate": "-0.01"}, "loan_rate"),
    ({"start_on": (TODAY + timedelta(days=1)).isoformat()}, "start_on"),  # in the future
    ({"start_on": "2026-13-01"}, "start_on"),
    ({"bank_reference": "x" * 51}, "bank_reference"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_EXECUTIONS)
def test_a_bad_execution_is_a_400_naming_the_field(program, officer, approved, overrides, field):
    refused = assert_error(post(officer, f"{G}{approved.pk}/execute/", execute_body(**overrides), key="k"), 400)

    assert field in refused["fields"], refused
    approved.refresh_from_db()
    assert approved.state == "approved" and committed(program) == 25_500_000


# --- balances, repayment, default -------------------------------------------------------------------------------


def test_balances_are_reported_and_listed(program, officer, active):
    # 17,000,000 held on 20,000,000. A balance of 18,000,001: x 0.85 = 15,300,000.85 -> 15,300,000; then 300,000
    # repaid: 17,700,001 x 0.85 = 15,045,000.85 -> 15,045,000.
    url = f"{G}{active.pk}/balances/"
    first = post(officer, url, {"on_date": (DAY + timedelta(days=10)).isoformat(), "balance": "18000001"}, key="b1")
    second = post(officer, url, {"on_date": (DAY + timedelta(days=20)).isoformat(), "repaid": 300_000}, key="b2")

    assert first.status_code == second.status_code == 201, first.content
    assert first.json()["kind"] == "report" and first.json()["repaid"] == "1999999"
    assert second.json()["kind"] == "repayment" and second.json()["balance"] == "17700001"
    assert committed(program) == 15_045_000
    listed = get(officer, url).json()
    assert [row["kind"] for row in listed] == ["execution", "report", "repayment"]
    detail = get(officer, f"{G}{active.pk}/").json()
    assert detail["guaranteed"] == "15045000" and detail["balance"] == "17700001"
    assert [row["balance"] for row in detail["balances"]] == ["20000000", "18000001", "17700001"]
    assert len(detail["schedule"]["installments"]) == 60
    assert detail["schedule"]["total_principal"] == "20000000"
    assert detail["schedule"]["maturity_on"] == detail["maturity_on"]


BAD_REPORTS = [
    ({"balance": "20000001"}, "balance"),  # a balance never rises
    ({"balance": "1.5"}, "balance"),
    ({"balance": "-5"}, "balance"),
    ({"balance": {"amount": "100", "currency": "USD"}}, "balance"),
    ({"repaid": "20000001"}, "repaid"),  # more than is owed
    ({"repaid": "0"}, "repaid"),
    ({"balance": "1", "repaid": "1"}, "balance"),  # one or the other
    ({}, "balance"),
    ({"balance": "100", "on_date": (TODAY + timedelta(days=1)).isoformat()}, "on_date"),  # in the future
    ({"balance": "100", "on_date": (DAY - timedelta(days=1)).isoformat()}, "on_date"),  # before the loan's start
    ({"balance": "100", "on_date": None}, "on_date"),
]


@pytest.mark.parametrize(("data", "field"), BAD_REPORTS)
def test_a_bad_report_is_a_400_naming_the_field(program, officer, active, data, field):
    body = {"on_date": TODAY.isoformat(), **data}
    refused = assert_error(post(officer, f"{G}{active.pk}/balances/", body, key="bad"), 400)

    assert field in refused["fields"], refused
    assert GuaranteeBalance.objects.filter(guarantee=active).count() == 1
    assert committed(program) == 17_000_000


def test_a_full_repayment_releases_the_guarantee_and_a_second_is_a_409(program, officer, active):
    url = f"{G}{active.pk}/repay/"

    repaid = post(officer, url, {"on_date": TODAY.isoformat()}, key="paid")

    assert repaid.status_code == 200, repaid.content
    assert repaid.json()["state"] == "repaid" and repaid.json()["guaranteed"] == "0"
    assert committed(program) == 0
    assert_error(post(officer, url, {"on_date": TODAY.isoformat()}, key="paid-again"), 409, "invalid_state")
    assert "on_date" in assert_error(post(officer, url, {"on_date": "tomorrow"}, key="bad"), 400)["fields"]


def test_a_repayment_dated_in_the_future_or_before_the_last_balance_is_a_400(program, officer, active):
    url = f"{G}{active.pk}/repay/"

    for day in (TODAY + timedelta(days=1), DAY - timedelta(days=1)):
        refused = assert_error(post(officer, url, {"on_date": day.isoformat()}, key=f"r-{day}"), 400)
        assert set(refused["fields"]) == {"on_date"}
    active.refresh_from_db()
    assert active.state == "active" and committed(program) == 17_000_000


def test_a_default_keeps_the_balance_guaranteed(program, officer, active):
    # 15,000,001 owed at default: x 0.85 = 12,750,000.85 -> 12,750,000.
    url = f"{G}{active.pk}/default/"
    body = {"on_date": TODAY.isoformat(), "balance": "15000001", "interest_paid_to": (DAY + timedelta(days=30))
            .isoformat()}

    for bad, field in (({"balance": "0"}, "balance"), ({"balance": "20000001"}, "balance"),
                       ({"balance": "1.5"}, "balance"),
                       ({"interest_paid_to": (DAY - timedelta(days=1)).isoformat()}, "interest_paid_to"),
                       ({"on_date": (TODAY + timedelta(days=1)).isoformat()}, "on_date")):
        assert field in assert_error(post(officer, url, {**body, **bad}, key=f"bad-{field}"), 400)["fields"]
    defaulted = post(officer, url, body, key="sago")

    assert defaulted.status_code == 200, defaulted.content
    assert defaulted.json()["state"] == "defaulted" and defaulted.json()["guaranteed"] == "12750000"
    assert defaulted.json()["defaulted_on"] == TODAY.isoformat()
    assert committed(program) == 12_750_000
    assert_error(post(officer, f"{G}{active.pk}/balances/", {"on_date": TODAY.isoformat(), "balance": "1"},
                      key="late"), 409, "invalid_state")


# --- cancellation ------------------------------------------------------------------------------------------------


def test_a_manager_cancels_an_approved_guarantee_with_a_reason(program, manager, approved, active):
    assert "reason" in assert_error(post(manager, f"{G}{approved.pk}/cancel/", {}), 400)["fields"]

    cancelled = post(manager, f"{G}{approved.pk}/cancel/", {"reason": "은행 대출 미실행"})

    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert committed(program) == 17_000_000
    assert_error(post(manager, f"{G}{active.pk}/cancel/", {"reason": "x"}), 409, "invalid_state")


# --- who sees what ------------------------------------------------------------------------------------------------


def test_each_sees_its_own_guarantees_and_the_list_filters(program, officer, active, approved):
    elsewhere = InstitutionFactory(kind="bank")
    program.partner_banks.add(elsewhere)
    foreign = make_guarantee(program, bank=elsewhere, amount=1_000_000)
    member = MembershipFactory(enterprise=active.enterprise).user
    manager = ManagerFactory()

    def ids(user: Any, **query: Any) -> set[int]:
        response = get(user, G, **query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(manager) == {active.pk, approved.pk, foreign.pk}
    assert ids(officer) == {active.pk, approved.pk}
    assert ids(member) == {active.pk}
    assert ids(manager, state="approved") == {approved.pk}
    assert ids(manager, bank=elsewhere.pk) == {foreign.pk}
    assert ids(manager, program=program.pk, state="active") == {active.pk, foreign.pk}
    assert ids(manager, program=10**9) == set()
    for query in ({"state": "lost"}, {"program": "abc"}, {"bank": "-1"}):
        assert_error(get(manager, G, **query), 400)
    other_officer = BankOfficerFactory(institution=elsewhere)
    assert_error(get(other_officer, f"{G}{active.pk}/"), 404)
    assert_error(get(other_officer, f"{G}{active.pk}/balances/"), 404)
    assert_error(post(other_officer, f"{G}{active.pk}/repay/", {"on_date": TODAY.isoformat()}, key="x"), 404)
    assert_error(get(member, f"{G}{foreign.pk}/"), 404)
    assert get(member, f"{G}{active.pk}/").json()["schedule"] is not None
    assert get(manager, f"{G}{approved.pk}/").json()["schedule"] is None
