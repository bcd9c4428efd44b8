"""Tampering with the audit trail the way an attacker with database access would, on either database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def append_only_guard_off(table: str = "core_auditevent",
                          trigger: str = "core_auditevent_append_only") -> Iterator[None]:
    """On PostgreSQL, switch off the trigger that refuses UPDATE and DELETE of ``table`` (audit events by default;
    the ledger's journals with ``ledger_journal``, ``ledger_journal_append_only``) for the block (in one
    transaction, switched back on before it ends). SQLite has no such trigger, so there is nothing to switch."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # A table with pending deferred trigger events (the foreign key check on the actor, queued by every insert
        # or update in this still-open test transaction) cannot be altered, so checks run at once in the block.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        yield
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
