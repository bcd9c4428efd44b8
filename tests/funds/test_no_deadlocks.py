"""A deadlock between two transactions is run again by ``core.db.run_retried``; one that remains after the last
attempt is ``Contention`` (a 409 ``concurrent_update`` with Retry-After over HTTP), never "the database is not
answering". The API's side, light concurrency on one loan and one enterprise that never ends in a 5xx, is
tests/api/funds/test_no_deadlocks.py.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import OperationalError, connection

from core.db import run_retried
from core.errors import Contention
from enterprises.models import Enterprise
from tests.concurrency import run_together
from tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _crossing_locks(attempts: dict[int, int]) -> list[Any]:
    """Two transactions lock two enterprises in opposite orders, each waiting at a barrier after its first lock:
    PostgreSQL breaks the deadlock by rolling one of them back."""
    first, second = EnterpriseFactory(), EnterpriseFactory()
    barrier = threading.Barrier(2)

    def work(i: int) -> str:
        order = (first.pk, second.pk) if i == 0 else (second.pk, first.pk)

        def transaction_body() -> str:
            attempts[i] = attempts.get(i, 0) + 1
            Enterprise.objects.select_for_update().get(pk=order[0])
            if attempts[i] == 1:
                barrier.wait(timeout=30)
            Enterprise.objects.select_for_update().get(pk=order[1])
            return "done"

        return run_retried(transaction_body)

    return run_together(2, work, expected=(Contention,))


def test_a_deadlock_is_run_again_and_both_transactions_succeed():
    attempts: dict[int, int] = {}

    results = _crossing_locks(attempts)

    assert results == ["done", "done"]
    assert sorted(attempts.values()) == [1, 2]  # the one PostgreSQL rolled back ran again


def test_a_deadlock_that_remains_after_the_last_attempt_is_contention_not_an_outage(settings):
    settings.DB_CONFLICT_ATTEMPTS = 1
    attempts: dict[int, int] = {}

    results = _crossing_locks(attempts)

    refused = [r for r in results if isinstance(r, Contention)]
    assert len(refused) == 1 and results.count("done") == 1
    assert refused[0].code == "concurrent_update"
    assert isinstance(refused[0].__cause__, OperationalError)
    assert getattr(refused[0].__cause__.__cause__, "sqlstate", None) == "40P01"
    assert connection.vendor == "postgresql"
