"""``journal_post``'s options for a hot path that already knows some facts (a repayment): accounts it has locked and
read (``locked``), a key no journal can have (``key_is_new``), no entry dated later (``nothing_later``). Each spares
round trips; none relaxes a rule the posting still checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core.errors import InsufficientFunds
from ledger.models import Account, Journal
from ledger.selectors import ledger_check
from ledger.services import credit, debit, journal_post
from tests.ledger.helpers import ON, contribute, counters

pytestmark = pytest.mark.django_db


def _locked(*accounts: Account) -> dict[int, Account]:
    ids = [a.pk for a in accounts]
    return {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _lend(accounts, key, *, amount=400_000, on=ON, **options):
    return journal_post(lines=[debit(accounts["receivable"], amount), credit(accounts["cash"], amount)],
                        kind="lend", effective_date=on, idempotency_key=key, **options)


def test_accounts_the_caller_locked_are_not_locked_again_and_end_with_the_right_counters(accounts):
    contribute(accounts, 1_000_000, "c")
    with transaction.atomic():
        held = _locked(accounts["cash"], accounts["receivable"])
        with CaptureQueriesContext(connection) as captured:
            _lend(accounts, "lend-1", locked=held)
    assert not [q for q in captured.captured_queries if "FOR UPDATE" in q["sql"] and "ledger_account" in q["sql"]]
    assert counters(accounts["cash"]) == (1_000_000, 400_000, 600_000)
    assert counters(accounts["receivable"]) == (400_000, 0, 400_000)
    # The objects handed in were moved too: they are the accounts as they stand now.
    assert held[accounts["cash"].pk].balance.amount == 600_000
    assert ledger_check().ok


def test_locked_accounts_are_still_refused_an_overdraft(accounts):
    contribute(accounts, 100_000, "c")
    with transaction.atomic():
        held = _locked(accounts["cash"], accounts["receivable"])
        with pytest.raises(InsufficientFunds):
            _lend(accounts, "too-much", locked=held, key_is_new=True, nothing_later=True)
    assert counters(accounts["cash"]) == (100_000, 0, 100_000)
    assert not Journal.objects.filter(idempotency_key="too-much").exists()


def test_a_new_key_skips_the_replay_checks_and_a_caller_wrong_about_it_gets_the_unique_index_not_a_second_journal(
        accounts):
    contribute(accounts, 1_000_000, "c")
    with CaptureQueriesContext(connection) as captured:
        _lend(accounts, "lend-1", key_is_new=True)
    replays = [q for q in captured.captured_queries
               if q["sql"].startswith("SELECT") and '"ledger_journal"."idempotency_key" =' in q["sql"]]
    assert not replays
    assert not [q for q in captured.captured_queries if "SAVEPOINT" in q["sql"]]
    with pytest.raises(IntegrityError), transaction.atomic():
        _lend(accounts, "lend-1", key_is_new=True)  # the same key again: the index refuses it
    assert Journal.objects.filter(idempotency_key="lend-1").count() == 1
    assert counters(accounts["cash"]) == (1_000_000, 400_000, 600_000)


def test_with_nothing_later_the_past_is_not_replayed_but_the_balance_now_is_still_checked(accounts):
    contribute(accounts, 500_000, "c")
    with CaptureQueriesContext(connection) as captured:
        _lend(accounts, "lend-1", nothing_later=True)
    assert not [q for q in captured.captured_queries if "ledger_entry" in q["sql"] and "SUM" in q["sql"].upper()]
    with pytest.raises(InsufficientFunds):
        _lend(accounts, "lend-2", nothing_later=True)  # 100,000 left: 400,000 more is refused now
    assert counters(accounts["cash"]) == (500_000, 400_000, 100_000)


def test_without_nothing_later_a_back_dated_journal_is_checked_against_the_past(accounts):
    """The default, for contrast: cash was 0 before the contribution, so lending before it is refused."""
    contribute(accounts, 500_000, "c")
    with pytest.raises(InsufficientFunds):
        _lend(accounts, "early", on=ON - timedelta(days=1))
