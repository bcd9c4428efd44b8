"""Database helpers shared by every package."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from djmoney.money import Money


def update_rows(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of each object back to its row, by primary key, with one prepared UPDATE run for every
    row (``executemany``). It does what ``QuerySet.bulk_update`` does, without the CASE WHEN expression that
    bulk_update builds and resolves in Python, which for a few hundred rows costs far more than the database work.
    Money fields write their amount (their currency column is not touched)."""
    if not objs:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns: list[Any] = [meta.get_field(name) for name in fields]
    assert meta.pk is not None
    sets = ", ".join(f"{quote(str(field.column))} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(str(meta.pk.column))} = %s"  # noqa: S608

    def value(obj: models.Model, field: Any) -> Any:
        raw = getattr(obj, field.attname)
        if isinstance(raw, Money):
            raw = raw.amount
        return field.get_db_prep_save(raw, connection)

    params = [[value(obj, field) for field in columns] + [obj.pk] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
