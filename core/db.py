"""Database helpers shared by every package: transactions retried after a deadlock, and bulk row updates."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import OperationalError, connection, models, transaction
from django.utils.translation import gettext as _
from djmoney.money import Money

from .errors import Contention

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

# PostgreSQL broke the transaction off and rolled it back; the same work may succeed if run again:
# deadlock_detected, serialization_failure, lock_not_available (lock_timeout).
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def is_contention(exc: BaseException) -> bool:
    """A deadlock, a serialization failure or a lock wait given up (PostgreSQL), or a database busy past its
    timeout (SQLite): the transaction was rolled back whole, nothing was written."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    return connection.vendor == "sqlite" and "database is locked" in str(exc)


def run_retried(work: Callable[[], R]) -> R:
    """Run ``work`` in a transaction of its own; when the database broke it off (``is_contention``), run it again
    after a short random pause, at most ``settings.DB_CONFLICT_ATTEMPTS`` times in all, then raise Contention.

    Only the outermost transaction can be run again: inside an enclosing transaction ``work`` runs in a savepoint
    and a deadlock propagates to the code that owns the transaction (which, when it used this helper, retries)."""
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            return work()
    attempts = max(1, settings.DB_CONFLICT_ATTEMPTS)
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except OperationalError as exc:
            if not is_contention(exc):
                raise
            logger.warning("transaction broken off (attempt %s of %s): %s", attempt, attempts,
                           str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            if attempt == attempts:
                raise Contention(
                    _("Other requests were changing the same records at the same moment; nothing was changed. "
                      "Send the request again.")
                ) from exc
            # Jittered, growing pauses (about 10, 20, 40 ms...) so that the transactions that collided do not
            # collide again in step.
            time.sleep(random.uniform(0.5, 1.5) * 0.01 * 2 ** (attempt - 1))  # noqa: S311 - not for security
    raise AssertionError("unreachable")


def transactional(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a service function that is one transaction: it runs in ``transaction.atomic()`` and, when it is
    the outermost transaction, is run again after a deadlock or serialization failure (``run_retried``). The whole
    function is run again, so everything it does before its writes must be safe to repeat (reads, checks)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return run_retried(lambda: func(*args, **kwargs))

    return wrapper


def update_values(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write ``fields`` of rows given as plain values (each row: the fields' values in order, then the primary
    key) with one prepared UPDATE run for every row (``executemany``). Money fields take their amount."""
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns: list[Any] = [meta.get_field(name) for name in fields]
    assert meta.pk is not None
    sets = ", ".join(f"{quote(str(field.column))} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(str(meta.pk.column))} = %s"  # noqa: S608

    def prepared(field: Any, value: Any) -> Any:
        if isinstance(value, Money):
            value = value.amount
        if isinstance(value, Decimal):  # whole won (or a carry already quantized): both drivers take it as it is,
            return value  # and the field's own preparation (quantize in a fresh context) is the costly part
        return field.get_db_prep_save(value, connection)

    params = [[prepared(field, value) for field, value in zip(columns, row, strict=False)] + [row[-1]]
              for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def update_rows(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of each object back to its row, by primary key, with one prepared UPDATE run for every
    row (``executemany``). It does what ``QuerySet.bulk_update`` does, without the CASE WHEN expression that
    bulk_update builds and resolves in Python, which for a few hundred rows costs far more than the database work.
    Money fields write their amount (their currency column is not touched)."""
    attnames = [model._meta.get_field(name).attname for name in fields]  # type: ignore[union-attr]
    update_values(model, fields, [[getattr(obj, name) for name in attnames] + [obj.pk] for obj in objs])
