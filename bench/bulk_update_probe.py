"""Probe behind a proposed change: Django's ``bulk_update`` against one ``UPDATE ... FROM (VALUES ...)``.

    .venv/bin/python bench/bulk_update_probe.py

The close of business writes each batch of 200 loans back: loans (8 fields), changed installments (7 fields),
touched ledger accounts (3 fields, ``ledger.services.journal_post_many``). These were all ``bulk_update`` calls;
funds/ has since moved to ``core.db.update_rows`` (one prepared UPDATE per row, executemany), ledger/ still uses
``bulk_update`` for the accounts. Django builds ``SET f = CASE WHEN id = .. THEN .. ... END`` for every field, one ``When`` per row, and resolves
and compiles each of them: CPU in Python that grows with rows x fields, and a statement that PostgreSQL evaluates
in rows x rows x fields comparisons. This script builds a small portfolio (database ``sf_bench_probe``, dropped
afterwards), then for the same rows and values times both ways, inside transactions that are rolled back.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import portfolio

URL = "postgres://postgres@127.0.0.1:5432/sf_bench_probe"


def values_update(model, objs, fields) -> None:
    """One UPDATE ... FROM (VALUES ...) setting ``fields`` of ``objs`` (what is proposed instead of bulk_update)."""
    from django.db import connection

    meta = model._meta
    columns, casts = [], []
    for name in fields:
        field = meta.get_field(name)
        columns.append(field.column)
        casts.append(field.db_type(connection))
        if hasattr(field, "currency_field_name"):  # djmoney: the currency column travels with the amount
            cur = meta.get_field(field.currency_field_name)
            columns.append(cur.column)
            casts.append(cur.db_type(connection))
    rows, params = [], []
    for obj in objs:
        row = [obj.pk]
        for name in fields:
            field = meta.get_field(name)
            value = getattr(obj, name)
            if hasattr(field, "currency_field_name"):
                row += [value.amount, str(value.currency)]
            else:
                row.append(field.get_db_prep_save(value, connection))
        rows.append("(" + ", ".join(["%s"] * len(row)) + ")")
        params += row
    first = "(" + ", ".join(["%s::bigint"] + [f"%s::{c}" for c in casts]) + ")"
    rows[0] = first
    sets = ", ".join(f'"{c}" = v."{c}"' for c in columns)
    names = ", ".join(["id", *[f'"{c}"' for c in columns]])
    sql = (f'UPDATE "{meta.db_table}" AS t SET {sets} FROM (VALUES {", ".join(rows)}) AS v({names}) '
           f'WHERE t.id = v.id')
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def timed(fn, repeat: int = 7) -> float:
    from django.db import transaction

    times = []
    for _ in range(repeat):
        with transaction.atomic():
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    return statistics.median(times) * 1000


def main() -> None:
    portfolio.recreate_database(URL)
    portfolio.django_setup(URL)
    portfolio.migrate()
    from django.utils import timezone

    from funds import servicing
    from funds.models import Installment, Loan
    from ledger.models import Account

    portfolio.build(loans=3000, first_open_day=timezone.localdate() - timedelta(days=1), log=lambda m: None)
    loans = list(Loan.objects.order_by("pk")[:200])
    insts = list(Installment.objects.filter(loan__in=loans[:100]).order_by("pk")[:200])
    accounts = list(Account.objects.filter(code__startswith="loan:").order_by("pk")[:300])
    for inst in insts:
        inst.interest_recognized = inst.interest_due
    for loan in loans:
        loan.closed_through = loan.closed_through + timedelta(days=1)
    cases = [
        ("Loan, 200 rows x 8 fields (a close batch)", Loan, loans, servicing.LOAN_STATE_FIELDS),
        ("Installment, 200 rows x 7 fields", Installment, insts, servicing.SAVED_FIELDS),
        ("Account, 300 rows x 3 fields (journal_post_many)", Account, accounts,
         ["debit_total", "credit_total", "balance"]),
        ("Installment, 35 rows x 7 fields (a prepayment)", Installment, insts[:35], servicing.SAVED_FIELDS),
    ]
    try:
        from core.db import update_rows  # the executemany helper funds/ now uses, where it exists
    except ImportError:
        update_rows = None
    print(f"{'rows written':52} {'bulk_update ms':>15} {'update_rows ms':>15} {'VALUES ms':>10}")
    for label, model, objs, fields in cases:
        django_ms = timed(lambda model=model, objs=objs, fields=fields: model.objects.bulk_update(objs, fields))
        rows_ms = (timed(lambda model=model, objs=objs, fields=fields: update_rows(model, objs, fields))
                   if update_rows else float("nan"))
        values_ms = timed(lambda model=model, objs=objs, fields=fields: values_update(model, objs, fields))
        print(f"{label:52} {django_ms:15.1f} {rows_ms:15.1f} {values_ms:10.1f}")
    # the same values land: check one case
    from django.db import transaction

    with transaction.atomic():
        values_update(Loan, loans, servicing.LOAN_STATE_FIELDS)
        assert Loan.objects.get(pk=loans[0].pk).closed_through == loans[0].closed_through
        transaction.set_rollback(True)
    from django.db import connection

    connection.close()
    portfolio.drop_database(URL)


if __name__ == "__main__":
    main()
