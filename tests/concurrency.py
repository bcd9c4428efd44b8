"""Running work in many threads at once against PostgreSQL, and checking what the locks let through."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection, connections

from ledger.models import Entry, Side


def run_together(
    count: int, work: Callable[[int], Any], expected: tuple[type[BaseException], ...] = ()
) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together at a barrier, each on its own database connection;
    return each result or the exception it raised. Any exception not in ``expected`` fails the test."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def worker(i: int) -> None:
        try:
            connection.ensure_connection()  # connect before the barrier, so the work really races
            barrier.wait(timeout=60)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread and asserted there
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, expected)]
    assert not unexpected, unexpected
    return results


def never_went_below_zero(account_id: int) -> bool:
    """Replay a debit-normal account's entries in the order they were posted (journal ids are handed out under the
    account's row lock) and say whether its balance ever went below zero."""
    running = 0
    entries = Entry.objects.filter(account_id=account_id).order_by("journal_id", "id").values_list("side", "amount")
    for side, amount in entries:
        running += amount if side == Side.DEBIT else -amount
        if running < 0:
            return False
    return True
