"""Small helpers shared by the ledger tests: the two postings a fund makes most, and fresh reads of counters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledger.models import Account, Entry, Journal
from ledger.services import Posted, credit, debit, journal_post

ON = date(2026, 3, 2)


def contribute(accounts: dict[str, Account], amount: int, key: str) -> Posted:
    """The district pays capital into the fund: debit cash, credit capital."""
    return journal_post(
        lines=[debit(accounts["cash"], amount), credit(accounts["capital"], amount)],
        kind="contribution",
        effective_date=ON,
        idempotency_key=key,
        memo="성동구 출연금",
    )


def spend(accounts: dict[str, Account], amount: int, key: str) -> Posted:
    """The fund pays an expense out of its cash: debit expense, credit cash."""
    return journal_post(
        lines=[debit(accounts["expense"], amount), credit(accounts["cash"], amount)],
        kind="expense",
        effective_date=ON,
        idempotency_key=key,
    )


def counters(account: Account) -> tuple[Decimal, Decimal, Decimal]:
    """The account's stored (debits, credits, balance), read fresh from the database."""
    fresh = Account.objects.get(pk=account.pk)
    return fresh.debit_total.amount, fresh.credit_total.amount, fresh.balance.amount


def ledger_size() -> tuple[int, int]:
    return Journal.objects.count(), Entry.objects.count()
