"""The API's listings of the revolving fund come in the order they say, not in the order the rows were written
(the models have no default order: tests/funds/test_query_order.py). Each test writes its rows out of that order."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from funds.models import ApplicationApproval, Installment, LoanApplication, LoanTransaction, Repayment
from tests.factories import ManagerFactory
from tests.funds.factories import make_application, make_fund, make_loan, make_product, repay

L = "/api/v1/loans/"
A = "/api/v1/loan-applications/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(enterprise, member):
    loan = make_loan(make_product(make_fund()), member=member, enterprise=enterprise, amount=12_000_000,
                     disbursed_on=date(2026, 3, 10))
    repay(loan, 1_000_000, on_date=date(2026, 4, 10))
    repay(loan, 300_000, on_date=date(2026, 6, 20))
    return loan


def test_a_loans_schedule_comes_by_installment_number(bearer_client, member, loan):
    # The installments written again, the last first.
    rows = list(Installment.objects.filter(loan=loan).order_by("number"))
    Installment.objects.filter(loan=loan).delete()
    for row in reversed(rows):
        row.pk = None
        row.save()
    assert Installment.objects.filter(loan=loan).order_by("pk").values_list("number", flat=True).first() == len(rows)

    schedule = bearer_client(member).get(f"{L}{loan.pk}/schedule/").json()
    assert [i["number"] for i in schedule] == list(range(1, len(rows) + 1))


def test_a_loans_transactions_come_by_value_date_then_id(bearer_client, member, loan):
    txns = list(LoanTransaction.objects.filter(loan=loan).order_by("id"))
    # The latest transaction dated before all the others, and the first on the same day as the second.
    LoanTransaction.objects.filter(pk=txns[-1].pk).update(value_date=txns[0].value_date - timedelta(days=1))
    LoanTransaction.objects.filter(pk=txns[0].pk).update(value_date=txns[1].value_date)

    listed = [t["id"] for t in bearer_client(member).get(f"{L}{loan.pk}/transactions/").json()]
    assert listed[:3] == [txns[-1].pk, txns[0].pk, txns[1].pk]
    rows = LoanTransaction.objects.filter(loan=loan)
    assert listed == [t.pk for t in sorted(rows, key=lambda t: (t.value_date, t.pk))]


def test_a_loans_repayments_come_by_value_date_then_id(bearer_client, member, loan):
    first, second = Repayment.objects.filter(loan=loan).order_by("id")
    Repayment.objects.filter(pk=second.pk).update(value_date=first.value_date - timedelta(days=1))

    listed = bearer_client(member).get(f"{L}{loan.pk}/repayments/").json()
    assert [r["id"] for r in listed] == [second.pk, first.pk]


def test_applications_are_listed_newest_first_with_their_approvals_in_the_order_given(bearer_client, member,
                                                                                        enterprise):
    product = make_product(make_fund())
    made = [make_application(product, member=member, enterprise=enterprise) for _ in range(3)]
    now = timezone.now()
    for application, minutes in zip(made, (5, 1, 9), strict=True):
        LoanApplication.objects.filter(pk=application.pk).update(created_at=now - timedelta(minutes=minutes))

    results = bearer_client(member).get(A).json()["results"]
    assert [a["id"] for a in results] == [made[1].pk, made[0].pk, made[2].pk]

    # Approvals as the approving call shows them: in the order they were given, whatever their ids.
    big = make_application(product, member=member, enterprise=enterprise, amount=40_000_000, state="recommended")
    approvers = [ManagerFactory(), ManagerFactory()]
    first = bearer_client(approvers[0]).post(f"{A}{big.pk}/approve/", {"reason": "1차"}, format="json")
    assert first.status_code == 200, first.content
    ApplicationApproval.objects.filter(application=big).update(approved_at=now + timedelta(hours=1))
    second = bearer_client(approvers[1]).post(f"{A}{big.pk}/approve/", {"reason": "2차"}, format="json")
    assert second.status_code == 200, second.content
    assert [a["approver"] for a in second.json()["approvals"]] == [approvers[1].username, approvers[0].username]
    assert second.json()["loan"] is not None
