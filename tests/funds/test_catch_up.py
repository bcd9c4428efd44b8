"""A loan is never left behind the closed business days: any write on a loan that lags brings it up to date first.

A loan disbursed on a day whose close of business has already run used to show 0 days past due and class 정상 until
the next night, though its first installment was overdue. Now the disbursement closes its days up to the last closed
business day in the same transaction (Fineract's inline close of business), and so does every other write on a loan
that lags (a repayment, a write-off request): the result is exactly what the nightly close would have given.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funds import services
from funds.models import BusinessDay, Installment, Loan, LoanTransaction
from funds.selectors import loan_disagreements
from ledger.selectors import ledger_check
from tests.factories import ManagerFactory

from .factories import make_catch_up_product, make_loan, make_loan_left_behind, member_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture(autouse=True)
def _rules(asset_class_rules) -> None:
    """Closing days classes loans."""


@pytest.fixture
def product(db) -> Any:
    return make_catch_up_product()


def state(loan: Loan) -> dict[str, Any]:
    """Everything about a loan's servicing that the close of business decides, comparable between two loans."""
    loan = Loan.objects.select_related("principal_account", "interest_account", "default_interest_account").get(
        pk=loan.pk)
    return {
        "closed_through": loan.closed_through,
        "days_past_due": loan.days_past_due,
        "asset_class": loan.asset_class,
        "accelerated_on": loan.accelerated_on,
        "default_interest_carry": loan.default_interest_carry,
        "balances": (loan.principal_account.balance, loan.interest_account.balance,
                     loan.default_interest_account.balance),
        "installments": list(Installment.objects.filter(loan=loan).order_by("number").values_list(
            "number", "due_on", "principal_due", "interest_due", "interest_recognized", "principal_paid",
            "interest_paid")),
        "transactions": sorted(LoanTransaction.objects.filter(loan=loan).values_list(
            "kind", "value_date", "amount", "interest_change", "default_interest_change")),
    }


def test_a_loan_disbursed_on_a_closed_day_is_up_to_date_at_once_as_if_the_nightly_close_had_run(product):
    disbursed_on = TODAY - timedelta(days=75)  # its first installment fell due about 45 days ago: 요주의
    nightly = make_loan(product, member=member_of(), amount=12_000_000, disbursed_on=disbursed_on)
    # the nightly run closes the days of the loan paid out 45 days ago
    services.close_business(through=YESTERDAY,
                            today=timezone.localdate())

    late = make_loan(product, member=member_of(), amount=12_000_000, disbursed_on=disbursed_on)  # recorded late

    expected, got = state(nightly), state(late)
    assert got["closed_through"] == YESTERDAY
    assert got["days_past_due"] > 0 and got["asset_class"] != "normal"
    assert got["balances"][2].amount > 0  # default interest since the first installment fell due
    assert got == expected
    assert loan_disagreements(late) == []
    assert ledger_check().ok


def test_a_loan_disbursed_on_the_open_day_has_nothing_to_catch_up(product):
    services.close_business(through=YESTERDAY, today=timezone.localdate())

    loan = make_loan(product, member=member_of(), amount=12_000_000, disbursed_on=TODAY)

    assert state(loan)["closed_through"] == YESTERDAY
    assert LoanTransaction.objects.filter(loan=loan).values_list("kind", flat=True).get() == "disbursement"


def test_a_repayment_on_a_loan_left_behind_brings_it_up_to_date_before_allocating(product):
    disbursed_on = TODAY - timedelta(days=45)
    nightly = make_loan(product, member=member_of(), amount=12_000_000, disbursed_on=disbursed_on)
    services.close_business(through=YESTERDAY, today=timezone.localdate())
    BusinessDay.objects.all().delete()
    behind = make_loan_left_behind(product, disbursed_on=disbursed_on, amount=12_000_000)
    manager = ManagerFactory()

    paid = [services.repayment_make(actor=manager, loan_id=loan.pk, amount=300_000, idempotency_key="pay",
                                    today=timezone.localdate())[0]
            for loan in (nightly, behind)]

    allocation = [(p.default_interest, p.overdue_interest, p.overdue_principal, p.interest, p.principal,
                   p.accrued_interest, p.prepayment) for p in paid]
    assert allocation[0] == allocation[1]
    assert paid[1].default_interest.amount > 0  # the default interest up to yesterday was on the books first
    assert state(behind) == state(nightly)
    assert ledger_check().ok


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(days_back=st.integers(1, 85), amount=st.integers(1_000_000, 50_000_000))
def test_whenever_a_loan_is_recorded_late_it_ends_as_the_nightly_close_would_have_left_it(product, days_back,
                                                                                          amount):
    from django.db import transaction

    with transaction.atomic():
        disbursed_on = TODAY - timedelta(days=days_back)
        nightly = make_loan(product, member=member_of(), amount=amount, disbursed_on=disbursed_on)
        services.close_business(through=YESTERDAY, today=timezone.localdate())
        late = make_loan(product, member=member_of(), amount=amount, disbursed_on=disbursed_on)
        assert state(late) == state(nightly)
        transaction.set_rollback(True)
