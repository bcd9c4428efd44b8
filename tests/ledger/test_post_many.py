"""``journal_post_many``: the batch form of posting, as the close of business uses it. Each journal keeps the rules
of ``journal_post``; the batch is all or nothing."""

from __future__ import annotations

import pytest

from core.errors import IdempotencyConflict, InsufficientFunds, Unbalanced, ValidationFailed
from ledger.models import Journal
from ledger.selectors import ledger_check
from ledger.services import JournalSpec, credit, debit, journal_post_many

from .helpers import ON, contribute, counters


def _spend(accounts, amount, key):
    return JournalSpec(lines=[debit(accounts["expense"], amount), credit(accounts["cash"], amount)], kind="expense",
                       effective_date=ON, idempotency_key=key)


def test_posts_each_journal_and_moves_the_counters_once(accounts):
    contribute(accounts, 100_000, "seed")
    posted = journal_post_many(specs=[_spend(accounts, 30_000, "a"), _spend(accounts, 20_000, "b")])
    assert [p.created for p in posted] == [True, True]
    assert [p.journal.total.amount for p in posted] == [30_000, 20_000]
    assert counters(accounts["cash"]) == (100_000, 50_000, 50_000)
    assert ledger_check().ok


def test_replays_a_known_key_and_refuses_it_with_other_content(accounts):
    contribute(accounts, 100_000, "seed")
    first = journal_post_many(specs=[_spend(accounts, 30_000, "a")])[0]
    again = journal_post_many(specs=[_spend(accounts, 30_000, "a"), _spend(accounts, 1_000, "c")])
    assert (again[0].journal.pk, again[0].created, again[1].created) == (first.journal.pk, False, True)
    assert counters(accounts["cash"]) == (100_000, 31_000, 69_000)
    with pytest.raises(IdempotencyConflict):
        journal_post_many(specs=[_spend(accounts, 30_001, "a")])


@pytest.mark.parametrize(
    ("specs", "error"),
    [
        (lambda a: [_spend(a, 60_000, "x"), _spend(a, 50_000, "y")], InsufficientFunds),  # the second overdraws
        (lambda a: [_spend(a, 1, "x"), _spend(a, 1, "x")], ValidationFailed),  # one key twice
        (lambda a: [JournalSpec(lines=[debit(a["expense"], 2), credit(a["cash"], 1)], kind="k", effective_date=ON,
                                idempotency_key="u")], Unbalanced),
    ],
)
def test_a_bad_journal_refuses_the_whole_batch(accounts, specs, error):
    contribute(accounts, 100_000, "seed")
    journals = Journal.objects.count()
    with pytest.raises(error):
        journal_post_many(specs=specs(accounts))
    assert Journal.objects.count() == journals
    assert counters(accounts["cash"]) == (100_000, 0, 100_000)
