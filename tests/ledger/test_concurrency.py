"""Many managers clicking at once, on PostgreSQL: each thread has its own connection (Django gives one per
thread), they start together at a barrier, and the row locks decide who gets the money."""

from __future__ import annotations

from collections import Counter

import pytest

from core.errors import IdempotencyConflict, InsufficientFunds
from ledger.models import Journal
from ledger.selectors import account_balance_from_entries, ledger_check
from tests.concurrency import never_went_below_zero, run_together
from tests.factories import BookFactory, make_accounts
from tests.ledger.helpers import contribute, counters, spend

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EXPECTED = (InsufficientFunds, IdempotencyConflict)


def test_thirty_two_managers_spending_at_once_get_exactly_what_the_cash_allows():
    accounts = make_accounts(BookFactory())
    contribute(accounts, 100_000, "contribution")

    results = run_together(32, lambda i: spend(accounts, 7_000, f"spend-{i}"), EXPECTED)

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"Posted": 14, "InsufficientFunds": 18}
    assert counters(accounts["cash"]) == (100_000, 98_000, 2_000)
    assert counters(accounts["expense"]) == (98_000, 0, 98_000)
    assert account_balance_from_entries(accounts["cash"].pk) == 2_000
    assert Journal.objects.filter(kind="expense").count() == 14
    assert never_went_below_zero(accounts["cash"].pk)
    report = ledger_check()
    assert report.ok, report.problems


def test_sixteen_retries_of_one_idempotency_key_at_once_post_exactly_one_journal():
    accounts = make_accounts(BookFactory())
    contribute(accounts, 100_000, "contribution")

    results = run_together(16, lambda i: spend(accounts, 7_000, "loan:42:disbursement"), EXPECTED)

    assert sum(r.created for r in results) == 1
    assert len({r.journal.pk for r in results}) == 1
    assert Journal.objects.filter(idempotency_key="loan:42:disbursement").count() == 1
    assert counters(accounts["cash"]) == (100_000, 7_000, 93_000)
    assert counters(accounts["expense"]) == (7_000, 0, 7_000)
    report = ledger_check()
    assert report.ok, report.problems


def test_one_key_raced_with_two_different_contents_posts_one_of_them_and_refuses_the_other():
    accounts = make_accounts(BookFactory())
    contribute(accounts, 100_000, "contribution")

    results = run_together(16, lambda i: spend(accounts, 1_000 if i % 2 else 2_000, "raced-key"), EXPECTED)

    journal = Journal.objects.get(idempotency_key="raced-key")
    winner = journal.entries.first().amount.amount
    posted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, IdempotencyConflict)]
    assert len(posted) == 8
    assert len(refused) == 8
    assert {r.journal.pk for r in posted} == {journal.pk}
    assert counters(accounts["cash"])[2] == 100_000 - winner
    report = ledger_check()
    assert report.ok, report.problems
