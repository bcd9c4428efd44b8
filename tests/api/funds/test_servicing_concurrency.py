"""Repayments racing each other and the close of business, on PostgreSQL: each thread has its own connection and
its own API client, they start together at a barrier, and the loan's row lock (and the Idempotency-Key's claim)
decide who goes first. Whatever the interleaving: no 5xx, no deadlock, nothing posted twice, never more accepted
than the payoff, the ledger balanced and every loan's schedule in step with its receivables."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone
from rest_framework.test import APIClient

from funds import services
from funds.models import Loan, LoanTransaction, Repayment
from funds.selectors import loan_disagreements
from ledger.models import Journal
from ledger.selectors import ledger_check
from tests.concurrency import run_together
from tests.funds.factories import make_fund, make_loan, make_product, member_of

from .helpers import months_before

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50
PRINCIPAL = 10_000_000


@pytest.fixture(autouse=True)
def _rules(asset_class_rules) -> None:
    """Every test here closes days, which classes loans."""


def api_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_repayment(user: Any, loan: Loan, amount: int | str, key: str) -> Any:
    return api_client(user).post(
        f"/api/v1/loans/{loan.pk}/repayments/", {"amount": str(amount)}, format="json",
        headers={"Idempotency-Key": key},
    )


def assert_clean(*loans: Loan) -> None:
    report = ledger_check()
    assert report.ok, report.problems
    for loan in loans:
        loan.refresh_from_db()
        assert loan_disagreements(loan) == []


@pytest.fixture
def loan(transactional_db) -> Loan:
    """10,000,000 won, equal principal over 12 months at 7 %, monthly day count, 1 won floor, paid out ten days
    ago: nothing is due yet; the payoff today is the principal and ten days of the first period's interest."""
    fund = make_fund()
    product = make_product(fund, method="equal_principal", grace_months=0, term_months=12,
                           annual_rate=Decimal("0.07000"), rounding_unit=1, approval_tiers=[])
    return make_loan(product, member=member_of(), amount=PRINCIPAL,
                     disbursed_on=timezone.localdate() - timedelta(days=10))


def test_fifty_retries_of_one_repayment_with_one_idempotency_key_pay_once(loan, manager):
    responses = run_together(THREADS, lambda i: post_repayment(manager, loan, 100_000, "one-key"))

    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [r.content[:200] for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} <= {"request_in_flight"}
    first = [r for r in responses if r.status_code == 201 and not r.has_header("Idempotent-Replayed")]
    assert len(first) == 1
    replays = [r for r in responses if r.status_code == 201 and r.has_header("Idempotent-Replayed")]
    assert all(r["Idempotent-Replayed"] == "true" and r.json() == first[0].json() for r in replays)
    assert Repayment.objects.filter(loan=loan).count() == 1
    assert Journal.objects.filter(kind="loan.repayment").count() == 1
    assert LoanTransaction.objects.filter(loan=loan, kind="repayment").count() == 1
    assert_clean(loan)

    reused = post_repayment(manager, loan, 100_001, "one-key")
    assert reused.status_code == 422, reused.content
    assert reused.json()["code"] == "idempotency_key_reused"
    again = post_repayment(manager, loan, 100_000, "one-key")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Repayment.objects.filter(loan=loan).count() == 1


def test_fifty_repayments_with_their_own_keys_never_take_more_than_the_payoff(loan, manager):
    """Fifty payments of 1,000,000 won plus i x 1,000 (49,225,000 won in all) against a payoff a little above
    10,000,000: only some fit, in whatever order they get the loan's lock; each is refused (422) once it would
    take the loan past its payoff. Paid the same day, the payoff falls by exactly what was accepted."""
    today = timezone.localdate()
    payoff_before = services.payoff_quote(loan_id=loan.pk, on=today, today=timezone.localdate()).payoff
    amounts = [1_000_000 + i * 1_000 for i in range(THREADS)]

    responses = run_together(THREADS, lambda i: post_repayment(manager, loan, amounts[i], f"key-{i}"))

    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {201, 422}, [r.content[:200] for r in responses if r.status_code not in (201, 422)]
    assert {r.json()["code"] for r in responses if r.status_code == 422} == {"limit_exceeded"}
    accepted = [amounts[i] for i, r in enumerate(responses) if r.status_code == 201]
    assert 9 <= len(accepted) <= 10, accepted
    assert sum(accepted) <= payoff_before
    repayments = Repayment.objects.filter(loan=loan)
    assert repayments.count() == len(accepted) == Journal.objects.filter(kind="loan.repayment").count()
    assert repayments.aggregate(total=Sum("amount"))["total"] == sum(accepted)
    loan.refresh_from_db()
    if loan.state == Loan.State.ACTIVE:
        assert services.payoff_quote(loan_id=loan.pk, on=today,
                                     today=timezone.localdate()).payoff == payoff_before - sum(accepted)
    else:
        assert sum(accepted) == payoff_before
    assert_clean(loan)


@pytest.fixture
def late_loans(transactional_db) -> list[Loan]:
    """Eleven identical loans (10,000,000 won, equal principal over 12 months at 7 %, monthly day count) paid out
    a month and five days ago, never closed: each has its first installment (833,333 principal + 58,333
    interest) five days overdue. The last one is the control: no repayment touches it."""
    fund = make_fund(capital=200_000_000, exposure_limit=200_000_000)
    product = make_product(fund, method="equal_principal", grace_months=0, term_months=12,
                           annual_rate=Decimal("0.07000"), rounding_unit=1, approval_tiers=[])
    today = timezone.localdate()
    disbursed = months_before(today, 1) - timedelta(days=5)
    return [make_loan(product, member=member_of(), amount=PRINCIPAL, disbursed_on=disbursed) for _ in range(11)]


def test_a_close_of_business_racing_repayments_on_the_same_loans_neither_deadlocks_nor_posts_twice(
    late_loans, manager
):
    """One thread closes every day up to yesterday while 40 others each repay one of ten late loans (four
    payments a loan, each more than is overdue, so some of it prepays and recognises accrued interest). Whichever
    gets a loan's lock first brings it up to yesterday; the other finds it closed. Each loan's close-of-business
    postings must be exactly the control loan's, which only the close touched."""
    racing, control = late_loans[:10], late_loans[10]
    yesterday = timezone.localdate() - timedelta(days=1)

    def work(i: int) -> Any:
        if i == 0:
            return services.close_business(through=yesterday, today=timezone.localdate())
        loan = racing[(i - 1) % len(racing)]
        return post_repayment(manager, loan, 1_000_000 + i, f"race-{i}")

    results = run_together(1 + 4 * len(racing), work)

    responses = results[1:]
    assert {r.status_code for r in responses} == {201}, [r.content[:300] for r in responses if r.status_code != 201]
    assert Repayment.objects.count() == 4 * len(racing)

    def cob(loan: Loan) -> tuple[Any, ...]:
        rows = LoanTransaction.objects.filter(loan=loan, kind="close_of_business")
        totals = rows.aggregate(interest=Sum("interest_change"), default=Sum("default_interest_change"))
        dates = list(rows.values_list("value_date", flat=True))
        assert len(dates) == len(set(dates)), f"two close-of-business journals on one day for L{loan.pk}"
        return totals["interest"], totals["default"]

    control.refresh_from_db()
    assert control.closed_through == yesterday
    due_on = control.installments.get(number=1).due_on
    assert control.days_past_due == (yesterday - due_on).days + 1 >= 1
    expected = cob(control)
    assert expected[0] == 58_333 and expected[1] > 0
    for loan in racing:
        loan.refresh_from_db()
        assert loan.closed_through == yesterday
        assert cob(loan) == expected, loan.pk
    assert_clean(*late_loans)
