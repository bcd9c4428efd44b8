"""A statement is rendered once, however many workers are handed it at the same time (a task delivered twice, a
worker restarted): the second waits for the first's row lock, then finds it ready and leaves it. PostgreSQL, real
threads and connections."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from statements.models import Statement
from statements.services import statement_render
from tests.factories import ManagerFactory
from tests.funds.factories import make_fund, make_loan, make_product, repay


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_statement_render_it_once(asset_class_rules, enterprise, member, media_root):
    loan = make_loan(make_product(make_fund()), member=member, enterprise=enterprise, amount=12_000_000,
                     disbursed_on=date(2026, 3, 10))
    repay(loan, 1_000_000, on_date=date(2026, 4, 10))
    statement = Statement.objects.create(kind=Statement.Kind.LOAN, loan=loan, enterprise=enterprise, fund=loan.fund,
                                         period_start=date(2026, 3, 1), period_end=date(2026, 8, 31),
                                         requested_by=ManagerFactory())
    start = threading.Barrier(2)
    outcomes: list[bool] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait(10)
            outcomes.append(statement_render(statement_id=statement.pk).rendered)
        except Exception as exc:  # noqa: BLE001 (reported below: a thread's exception would otherwise vanish)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(outcomes) == [False, True]
    statement.refresh_from_db()
    assert statement.state == Statement.State.READY and statement.sha256
    assert [p.name for p in (media_root / "statements").rglob("*.pdf")] == [f"{statement.number}.pdf"]
