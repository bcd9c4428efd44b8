"""Many managers disbursing at once, on PostgreSQL: each thread has its own connection, they start together at a
barrier, and the fund's cash row lock decides who gets the money. The fund never lends what it does not have."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import InsufficientFunds, InvalidState
from funds import accounts as chart
from funds import services
from funds.models import Fund, Installment, Loan
from ledger.models import Journal
from ledger.selectors import account_balance_from_entries, ledger_check
from tests.concurrency import never_went_below_zero, run_together
from tests.factories import ManagerFactory

from .factories import make_fund, make_loan, make_product, member_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ON = date(2026, 3, 31)
LOANS = 32
PRINCIPAL = 10_000_000
CAPITAL = 100_000_000  # exactly ten loans


@pytest.fixture
def fund_with_32_approved_loans(transactional_db) -> tuple[Fund, list[Loan]]:
    """100,000,000 won of capital and 32 approved loans of 10,000,000, each to its own enterprise."""
    fund = make_fund(capital=CAPITAL)
    product = make_product(fund)
    reviewer, approver = ManagerFactory(), ManagerFactory()
    loans = [
        make_loan(product, member=member_of(), amount=PRINCIPAL, reviewer=reviewer, approvers=[approver])
        for _ in range(LOANS)
    ]
    assert chart.cash(fund.book).balance.amount == CAPITAL
    return fund, loans


def assert_exactly_ten_paid_out(fund: Fund, loans: list[Loan]) -> None:
    cash = chart.cash(fund.book)
    states = Counter(Loan.objects.filter(pk__in=[loan.pk for loan in loans]).values_list("state", flat=True))
    assert states == {"active": 10, "approved": 22}
    assert cash.balance.amount == 0
    assert account_balance_from_entries(cash.pk) == 0
    assert never_went_below_zero(cash.pk)
    assert Journal.objects.filter(kind="loan.disbursement").count() == 10
    for loan in Loan.objects.filter(pk__in=[loan.pk for loan in loans]).select_related("principal_account"):
        paid_out = loan.state == Loan.State.ACTIVE
        assert loan.principal_account.balance.amount == (PRINCIPAL if paid_out else 0)
        assert Installment.objects.filter(loan=loan).count() == (loan.term_months if paid_out else 0)
        assert (loan.disbursed_on == ON) == paid_out
    report = ledger_check()
    assert report.ok, report.problems


def test_thirty_two_disbursements_racing_for_the_cash_of_ten_pay_out_exactly_ten(fund_with_32_approved_loans, manager):
    fund, loans = fund_with_32_approved_loans

    results = run_together(
        LOANS,
        lambda i: services.loan_disburse(actor=manager, loan_id=loans[i].pk, on_date=ON, today=timezone.localdate()),
        expected=(InsufficientFunds,),
    )

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"Loan": 10, "InsufficientFunds": 22}
    assert_exactly_ten_paid_out(fund, loans)


def test_thirty_two_disbursements_through_the_api_pay_out_exactly_ten_and_refuse_the_rest(
    fund_with_32_approved_loans, manager
):
    fund, loans = fund_with_32_approved_loans

    def disburse(i: int) -> Any:
        client = APIClient()
        client.force_authenticate(manager)
        return client.post(
            f"/api/v1/loans/{loans[i].pk}/disburse/", {"disbursed_on": ON.isoformat()}, format="json",
            headers={"Idempotency-Key": f"race-{i}"},
        )

    responses = run_together(LOANS, disburse, expected=())

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 10, 422: 22}, [r.content[:200] for r in responses if r.status_code not in (200, 422)]
    assert {r.json()["code"] for r in responses if r.status_code == 422} == {"insufficient_funds"}
    assert {r.json()["state"] for r in responses if r.status_code == 200} == {"active"}
    assert_exactly_ten_paid_out(fund, loans)


@pytest.fixture
def one_loan(transactional_db) -> Loan:
    fund = make_fund(capital=CAPITAL)
    return make_loan(make_product(fund), member=member_of(), amount=PRINCIPAL)


def assert_paid_out_once(loan: Loan) -> None:
    assert Journal.objects.filter(kind="loan.disbursement").count() == 1
    assert Journal.objects.filter(idempotency_key=f"loan:{loan.pk}:disbursement").count() == 1
    loan.refresh_from_db()
    assert loan.state == Loan.State.ACTIVE
    assert loan.principal_account.balance.amount == PRINCIPAL
    assert chart.cash(loan.fund.book).balance.amount == CAPITAL - PRINCIPAL
    assert loan.installments.count() == loan.term_months
    report = ledger_check()
    assert report.ok, report.problems


def test_sixteen_retries_of_one_disbursement_with_one_idempotency_key_post_one_journal(one_loan, manager):
    def disburse(i: int) -> Any:
        client = APIClient()
        client.force_authenticate(manager)
        return client.post(
            f"/api/v1/loans/{one_loan.pk}/disburse/", {"disbursed_on": ON.isoformat()}, format="json",
            headers={"Idempotency-Key": "one-key"},
        )

    responses = run_together(16, disburse, expected=())

    assert {r.status_code for r in responses} <= {200, 409}, [r.content[:200] for r in responses]
    first = [r for r in responses if r.status_code == 200 and not r.has_header("Idempotent-Replayed")]
    assert len(first) == 1
    replays = [r for r in responses if r.status_code == 200 and r.has_header("Idempotent-Replayed")]
    assert all(r.json() == first[0].json() for r in replays)
    assert {r.json()["code"] for r in responses if r.status_code == 409} <= {"request_in_flight"}
    assert_paid_out_once(one_loan)


def test_sixteen_managers_disbursing_one_loan_at_once_pay_it_out_once(one_loan, manager):
    results = run_together(
        16,
        lambda i: services.loan_disburse(actor=manager, loan_id=one_loan.pk, on_date=ON, today=timezone.localdate()),
        expected=(InvalidState,),
    )

    assert Counter(type(r).__name__ for r in results) == {"Loan": 1, "InvalidState": 15}
    assert_paid_out_once(one_loan)
