"""Many managers disbursing at once, on PostgreSQL: each thread has its own connection, they start together at a
barrier, and the fund's cash row lock decides who gets the money. The fund never lends what it does not have."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.utils import timezone

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


def test_sixteen_managers_disbursing_one_loan_at_once_pay_it_out_once(one_loan, manager):
    results = run_together(
        16,
        lambda i: services.loan_disburse(actor=manager, loan_id=one_loan.pk, on_date=ON, today=timezone.localdate()),
        expected=(InvalidState,),
    )

    assert Counter(type(r).__name__ for r in results) == {"Loan": 1, "InvalidState": 15}
    assert_paid_out_once(one_loan)
