"""PostgreSQL guards that hold even against raw SQL written past the posting service.

These tests commit for real (``transaction=True``) so that the deferred constraint trigger, which checks a
journal's balance at COMMIT, actually fires: the refusal comes at the end of ``transaction.atomic()``.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from ledger.models import Entry, Journal
from tests.factories import BookFactory, make_accounts
from tests.ledger.helpers import contribute, counters

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def insert_journal(cursor, book_id: int, key: str, entry_count: int = 2, total: int = 10_000) -> int:
    cursor.execute(
        "INSERT INTO ledger_journal (book_id, idempotency_key, fingerprint, kind, effective_date, recorded_at, memo,"
        " entry_count, total, total_currency) VALUES (%s, %s, %s, 'raw', %s, now(), '', %s, %s, 'KRW') RETURNING id",
        [book_id, key, "0" * 64, date(2026, 3, 2), entry_count, total],
    )
    return cursor.fetchone()[0]


def insert_entry(cursor, journal_id: int, account_id: int, side: str, amount: int) -> None:
    cursor.execute(
        "INSERT INTO ledger_entry (journal_id, account_id, side, amount, amount_currency)"
        " VALUES (%s, %s, %s, %s, 'KRW')",
        [journal_id, account_id, side, amount],
    )


def write_raw_journal(book_id: int, entries: list[tuple[int, str, int]]) -> str:
    """Write a journal and its entries with raw SQL in one transaction; return its idempotency key."""
    key = f"raw-{uuid.uuid4()}"
    # The journal declares what its entries add up to, as the posting service does.
    declared_total = sum(amount for _, side, amount in entries if side == "D") or 10_000
    with transaction.atomic(), connection.cursor() as cursor:
        journal_id = insert_journal(cursor, book_id, key, max(len(entries), 2), declared_total)
        for account_id, side, amount in entries:
            insert_entry(cursor, journal_id, account_id, side, amount)
    return key


@pytest.fixture
def accounts():
    return make_accounts(BookFactory())


def test_a_balanced_journal_written_with_raw_sql_is_accepted(accounts):
    # The control for the refusals below: the trigger lets a good journal through.
    book_id = accounts["cash"].book_id

    key = write_raw_journal(book_id, [(accounts["cash"].pk, "D", 5_000), (accounts["capital"].pk, "C", 5_000)])

    assert Journal.objects.filter(idempotency_key=key).exists()
    assert Entry.objects.filter(journal__idempotency_key=key).count() == 2


def test_an_unbalanced_journal_written_with_raw_sql_is_refused_at_commit(accounts):
    book_id = accounts["cash"].book_id
    key = f"raw-{uuid.uuid4()}"

    # The refusal comes when the atomic block commits: inside it, every statement is accepted.
    with pytest.raises(IntegrityError, match="unbalanced"), transaction.atomic(), connection.cursor() as cursor:
        journal_id = insert_journal(cursor, book_id, key)
        insert_entry(cursor, journal_id, accounts["cash"].pk, "D", 10_000)
        insert_entry(cursor, journal_id, accounts["capital"].pk, "C", 9_000)
        cursor.execute("SELECT count(*) FROM ledger_entry WHERE journal_id = %s", [journal_id])
        assert cursor.fetchone()[0] == 2

    assert not Journal.objects.filter(idempotency_key=key).exists()
    assert Journal.objects.count() == 0
    assert Entry.objects.count() == 0


def test_a_journal_with_one_entry_is_refused_by_the_database(accounts):
    with pytest.raises(IntegrityError, match="unbalanced"):
        write_raw_journal(accounts["cash"].book_id, [(accounts["cash"].pk, "D", 10_000)])

    assert Journal.objects.count() == 0
    assert Entry.objects.count() == 0


def test_a_journal_with_no_entries_is_refused_by_the_database(accounts):
    with pytest.raises(IntegrityError, match="unbalanced"):
        write_raw_journal(accounts["cash"].book_id, [])

    assert Journal.objects.count() == 0


def test_a_journal_with_entries_on_accounts_of_another_book_is_refused_by_the_database(accounts):
    other = make_accounts(BookFactory())

    with pytest.raises(IntegrityError, match="another book"):
        write_raw_journal(accounts["cash"].book_id, [(other["cash"].pk, "D", 1_000), (other["capital"].pk, "C", 1_000)])

    with pytest.raises(IntegrityError, match="another book"):
        write_raw_journal(
            accounts["cash"].book_id, [(accounts["cash"].pk, "D", 1_000), (other["capital"].pk, "C", 1_000)]
        )

    assert Journal.objects.count() == 0
    assert Entry.objects.count() == 0


def test_an_entry_added_later_that_unbalances_a_posted_journal_is_refused(accounts):
    journal = contribute(accounts, 10_000, "c").journal

    with pytest.raises(IntegrityError, match="unbalanced"), transaction.atomic(), connection.cursor() as cursor:
        insert_entry(cursor, journal.pk, accounts["cash"].pk, "D", 1)

    assert Entry.objects.filter(journal=journal).count() == 2


def test_a_balanced_pair_slipped_into_a_posted_journal_is_refused(accounts):
    journal = contribute(accounts, 10_000, "c").journal

    with pytest.raises(IntegrityError, match="declares"), transaction.atomic(), connection.cursor() as cursor:
        insert_entry(cursor, journal.pk, accounts["cash"].pk, "D", 500)
        insert_entry(cursor, journal.pk, accounts["capital"].pk, "C", 500)

    assert Entry.objects.filter(journal=journal).count() == 2


def test_a_journal_whose_entries_differ_from_its_declared_total_is_refused(accounts):
    book_id = accounts["cash"].book_id
    with pytest.raises(IntegrityError, match="declares"), transaction.atomic(), connection.cursor() as cursor:
        journal_id = insert_journal(cursor, book_id, f"raw-{uuid.uuid4()}", 2, 7_000)
        insert_entry(cursor, journal_id, accounts["cash"].pk, "D", 5_000)
        insert_entry(cursor, journal_id, accounts["capital"].pk, "C", 5_000)

    assert Journal.objects.count() == 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entry SET amount = amount + 1 WHERE journal_id = %s",
        "UPDATE ledger_entry SET side = CASE side WHEN 'D' THEN 'C' ELSE 'D' END WHERE journal_id = %s",
        "DELETE FROM ledger_entry WHERE journal_id = %s",
        "UPDATE ledger_journal SET memo = 'rewritten' WHERE id = %s",
        "UPDATE ledger_journal SET effective_date = effective_date - 30 WHERE id = %s",
        "DELETE FROM ledger_journal WHERE id = %s",
    ],
    ids=[
        "update-entry-amount",
        "update-entry-side",
        "delete-entries",
        "update-journal",
        "backdate-journal",
        "delete-journal",
    ],
)
def test_changing_or_deleting_posted_rows_with_raw_sql_is_refused(accounts, statement):
    journal = contribute(accounts, 10_000, "c").journal
    rows = Entry.objects.filter(journal=journal).order_by("pk").values_list("pk", "account_id", "side", "amount")
    before = list(rows)
    journal_before = Journal.objects.filter(pk=journal.pk).values("memo", "effective_date").get()

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [journal.pk])

    assert list(rows.all()) == before
    assert Journal.objects.filter(pk=journal.pk).values("memo", "effective_date").get() == journal_before
    assert counters(accounts["cash"]) == (10_000, 0, 10_000)


def test_the_orm_cannot_delete_a_posted_entry_either(accounts):
    journal = contribute(accounts, 10_000, "c").journal

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Entry.objects.filter(journal=journal).delete()

    assert Entry.objects.filter(journal=journal).count() == 2
