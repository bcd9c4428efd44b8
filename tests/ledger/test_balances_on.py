"""Balances as of a date (``ledger.selectors.balance_on`` / ``balances_on``): from the entries of the journals
effective on or before that day, whenever they were posted, on each account's normal side."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ledger.selectors import balance_on, balances_on
from ledger.services import credit, debit, journal_post, journal_reverse

pytestmark = pytest.mark.django_db

D = date(2026, 3, 2)


def post(accounts, lines, on, key):
    return journal_post(lines=lines, kind="test", effective_date=on, idempotency_key=key)


def test_a_balance_counts_the_journals_effective_by_the_day_whenever_they_were_posted(accounts):
    cash, capital, expense = accounts["cash"], accounts["capital"], accounts["expense"]
    post(accounts, [debit(cash, 1_000_000), credit(capital, 1_000_000)], D, "in")
    post(accounts, [debit(expense, 300_000), credit(cash, 300_000)], D + timedelta(days=10), "out")
    post(accounts, [debit(cash, 50_000), credit(capital, 50_000)], D - timedelta(days=5), "back-dated, posted last")

    assert balance_on(cash, D - timedelta(days=6)) == 0
    assert balance_on(cash, D - timedelta(days=5)) == 50_000
    assert balance_on(cash, D) == 1_050_000
    assert balance_on(cash, D + timedelta(days=10)) == 750_000
    # On each account's normal side: capital is a credit account, the expense a debit one.
    assert balances_on([cash.pk, capital.pk, expense.pk], D + timedelta(days=10)) == {
        cash.pk: 750_000, capital.pk: 1_050_000, expense.pk: 300_000,
    }


def test_an_account_without_entries_by_then_is_left_out_and_its_balance_is_zero(accounts):
    cash, capital = accounts["cash"], accounts["capital"]
    post(accounts, [debit(cash, 10_000), credit(capital, 10_000)], D, "in")
    assert balances_on([cash.pk, capital.pk], D - timedelta(days=1)) == {}
    assert balance_on(accounts["expense"], D) == 0


def test_a_reversal_takes_the_balance_back_from_its_own_day(accounts, django_assert_num_queries):
    cash, capital = accounts["cash"], accounts["capital"]
    mistake = post(accounts, [debit(cash, 10_000), credit(capital, 10_000)], D, "mistake").journal
    journal_reverse(journal_id=mistake.pk, effective_date=D + timedelta(days=3), reason="잘못 입력")
    assert balance_on(cash, D + timedelta(days=2)) == 10_000
    with django_assert_num_queries(1):  # every account in one query
        assert balances_on([cash.pk, capital.pk], D + timedelta(days=3)) == {cash.pk: 0, capital.pk: 0}
