"""``deferred_counters``: journals posted inside the block move the shared accounts' counters once, at its end, in
the order given; nothing moves if the block fails; taking money out of a deferred no-overdraft account is refused
(it would need a check under a lock the block does not take)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from ledger.models import Account, Journal
from ledger.selectors import ledger_check
from ledger.services import JournalSpec, credit, debit, deferred_counters, journal_post, journal_post_many
from tests.concurrency import run_together
from tests.factories import BookFactory, make_accounts

from .helpers import ON, contribute, counters, ledger_size


def _repay(accounts, amount, interest, key):
    """A borrower pays: cash in, receivable and interest income out/in."""
    lines = [debit(accounts["cash"], amount + interest), credit(accounts["receivable"], amount)]
    if interest:
        lines.append(credit(accounts["income"], interest))
    return journal_post(lines=lines, kind="repayment", effective_date=ON, idempotency_key=key)


def _lend(accounts, amount, key):
    return journal_post(lines=[debit(accounts["receivable"], amount), credit(accounts["cash"], amount)],
                        kind="loan", effective_date=ON, idempotency_key=key)


def test_the_shared_counters_move_at_the_end_of_the_block_and_the_others_at_once(accounts):
    contribute(accounts, 100_000, "seed")
    _lend(accounts, 60_000, "lend")
    with transaction.atomic():
        with deferred_counters([accounts["cash"], accounts["income"]]):
            _repay(accounts, 10_000, 500, "r1")
            journal_post_many(specs=[JournalSpec(
                lines=[debit(accounts["cash"], 2_000), credit(accounts["receivable"], 2_000)], kind="repayment",
                effective_date=ON, idempotency_key="r2")])
            assert counters(accounts["cash"]) == (100_000, 60_000, 40_000)  # not yet
            assert counters(accounts["receivable"]) == (60_000, 12_000, 48_000)  # at once: it was locked
        assert counters(accounts["cash"]) == (112_500, 60_000, 52_500)
        assert counters(accounts["income"]) == (0, 500, 500)
    assert ledger_check().ok


def test_nothing_moves_when_the_block_fails(accounts):
    contribute(accounts, 100_000, "seed")
    _lend(accounts, 60_000, "lend")
    size = ledger_size()
    with pytest.raises(ZeroDivisionError), transaction.atomic(), deferred_counters([accounts["cash"]]):
        _repay(accounts, 10_000, 0, "r1")
        1 / 0  # noqa: B018
    assert ledger_size() == size
    assert counters(accounts["cash"]) == (100_000, 60_000, 40_000)
    assert ledger_check().ok


def test_taking_money_out_of_a_deferred_no_overdraft_account_is_refused(accounts):
    contribute(accounts, 100_000, "seed")
    with pytest.raises(RuntimeError, match="may only grow"), transaction.atomic(), \
            deferred_counters([accounts["cash"]]):
        _lend(accounts, 1_000, "lend")
    assert counters(accounts["cash"]) == (100_000, 0, 100_000)
    assert not Journal.objects.filter(idempotency_key="lend").exists()


@pytest.mark.django_db(transaction=True)
def test_a_block_needs_a_transaction():
    accounts = make_accounts(BookFactory())
    with pytest.raises(RuntimeError, match="transaction"), deferred_counters([accounts["cash"]]):
        pass


def test_blocks_do_not_nest(accounts):
    with pytest.raises(RuntimeError, match="nest"), transaction.atomic(), deferred_counters([accounts["cash"]]), \
            deferred_counters([accounts["income"]]):
        pass


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_block_holds_no_lock_on_the_shared_account_until_its_end():
    """While one repayment is inside its block (its journal posted), another transaction can lock the cash row
    at once; the counters come out right when both commit."""
    accounts = make_accounts(BookFactory())
    contribute(accounts, 100_000, "seed")
    _lend(accounts, 60_000, "lend")
    posted, release = threading.Event(), threading.Event()

    def repayment() -> None:
        try:
            with transaction.atomic(), deferred_counters([accounts["cash"], accounts["income"]]):
                _repay(accounts, 10_000, 300, "r1")
                posted.set()
                assert release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=repayment)
    worker.start()
    try:
        assert posted.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            cash = Account.objects.select_for_update().get(pk=accounts["cash"].pk)  # not blocked
            assert cash.balance.amount == 40_000
    finally:
        release.set()
        worker.join()
    assert counters(accounts["cash"]) == (110_300, 60_000, 50_300)
    assert counters(accounts["income"]) == (0, 300, 300)
    assert ledger_check().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_repayments_and_spendings_at_once_keep_the_counters_exact():
    """Deferred repayments and locked spendings of one cash account race; the counters equal the entries."""
    accounts = make_accounts(BookFactory())
    contribute(accounts, 100_000, "seed")
    _lend(accounts, 60_000, "lend")

    def one(i: int):
        if i % 2:
            return journal_post(lines=[debit(accounts["expense"], 1_000), credit(accounts["cash"], 1_000)],
                                kind="expense", effective_date=ON, idempotency_key=f"spend-{i}")
        with transaction.atomic(), deferred_counters([accounts["cash"], accounts["income"]]):
            return _repay(accounts, 2_000, 100, f"repay-{i}")

    results = run_together(24, one, ())
    assert all(r.created for r in results)
    assert counters(accounts["cash"]) == (100_000 + 12 * 2_100, 60_000 + 12 * 1_000, 40_000 + 12 * 1_100)
    assert counters(accounts["income"]) == (0, 1_200, 1_200)
    report = ledger_check()
    assert report.ok, report.problems
