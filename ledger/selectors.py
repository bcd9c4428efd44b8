"""Reads over the ledger: balances recomputed from entries (now, or as of a date), and the whole-ledger check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum

from .models import Account, Book, Entry, Journal, Side


@dataclass
class LedgerReport:
    books: int = 0
    accounts: int = 0
    journals: int = 0
    entries: int = 0
    total_debits: Decimal = Decimal(0)
    total_credits: Decimal = Decimal(0)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sum(side: str) -> Sum:
    return Sum("amount", filter=Q(side=side), default=Decimal(0))


def ledger_check() -> LedgerReport:
    """Recompute every account's totals from its entries and compare with the stored counters; check that every
    journal balances and has at least two entries."""
    report = LedgerReport(
        books=Book.objects.count(),
        accounts=Account.objects.count(),
        journals=Journal.objects.count(),
        entries=Entry.objects.count(),
    )
    recomputed = {
        row["account_id"]: (row["debits"], row["credits"])
        for row in Entry.objects.order_by()
        .values("account_id")
        .annotate(debits=_sum(Side.DEBIT), credits=_sum(Side.CREDIT))
    }
    for account in Account.objects.select_related("book").order_by("pk").iterator(chunk_size=5000):
        debits, credits = recomputed.get(account.pk, (Decimal(0), Decimal(0)))
        expected_balance = debits - credits if account.normal_side == Side.DEBIT else credits - debits
        stored = (account.debit_total.amount, account.credit_total.amount, account.balance.amount)
        if stored != (debits, credits, expected_balance):
            report.problems.append(
                f"account {account} (#{account.pk}): stored debits/credits/balance {stored[0]}/{stored[1]}/"
                f"{stored[2]}, entries say {debits}/{credits}/{expected_balance}"
            )
        if account.no_overdraft and expected_balance < 0:
            report.problems.append(f"account {account} (#{account.pk}) is overdrawn: {expected_balance}")
        report.total_debits += debits
        report.total_credits += credits
    entry_sum = lambda side: Sum("entries__amount", filter=Q(entries__side=side), default=Decimal(0))  # noqa: E731
    wrong = (
        Journal.objects.order_by("pk")
        .annotate(n=Count("entries"), debits=entry_sum(Side.DEBIT), credits=entry_sum(Side.CREDIT))
        .filter(~Q(debits=F("credits")) | ~Q(n=F("entry_count")) | ~Q(debits=F("total")) | Q(n__lt=2))
        .values("pk", "n", "debits", "credits", "entry_count", "total")
    )
    for row in wrong:
        found = f"{row['n']} entries, debits {row['debits']}, credits {row['credits']}"
        declared = f"it declares {row['entry_count']} entries totalling {row['total']}"
        if row["debits"] != row["credits"] or row["n"] < 2:
            report.problems.append(f"journal J{row['pk']} is unbalanced: {found}; {declared}")
        else:
            report.problems.append(f"journal J{row['pk']} does not match what it declares: {found}; {declared}")
    if report.total_debits != report.total_credits:
        report.problems.append(f"all debits {report.total_debits} differ from all credits {report.total_credits}")
    report.problems += overdrawn_in_the_past()
    return report


# Every no-overdraft account's balance at the end of each day it moved, replayed from its entries in effective-date
# order; the days it ended below zero. Portable SQL (a window over a grouped sum: PostgreSQL and SQLite 3.25+).
_OVERDRAWN_DAYS = """
SELECT account_id, effective_date, balance FROM (
    SELECT e.account_id, j.effective_date,
           SUM(SUM(CASE WHEN e.side = a.normal_side THEN e.amount ELSE -e.amount END))
               OVER (PARTITION BY e.account_id ORDER BY j.effective_date) AS balance
    FROM ledger_entry e
    JOIN ledger_journal j ON j.id = e.journal_id
    JOIN ledger_account a ON a.id = e.account_id
    WHERE a.no_overdraft
    GROUP BY e.account_id, j.effective_date
) AS days
WHERE balance < 0
ORDER BY account_id, effective_date
"""


def overdrawn_in_the_past() -> list[str]:
    """For each no-overdraft account that ended a day below zero when its entries are replayed in effective-date
    order (a back-dated payment taken out of money that only came in later, say): how many days, the first, and
    the lowest balance. Empty when none ever did."""
    with connection.cursor() as cursor:
        cursor.execute(_OVERDRAWN_DAYS)
        rows = cursor.fetchall()
    days: dict[int, list[tuple[object, Decimal]]] = {}
    for account_id, day, balance in rows:
        days.setdefault(account_id, []).append((day, Decimal(balance)))
    names = {a.pk: str(a) for a in Account.objects.select_related("book").filter(pk__in=days)}
    problems = []
    for account_id, negative in days.items():
        first_day, _balance = negative[0]
        lowest_day, lowest = min(negative, key=lambda row: row[1])
        problems.append(
            f"account {names[account_id]} (#{account_id}) ended {len(negative)} day(s) below zero, replayed in "
            f"effective-date order: first {first_day}, lowest {lowest} on {lowest_day}"
        )
    return problems


def account_balance_from_entries(account_id: int) -> Decimal:
    account = Account.objects.get(pk=account_id)
    totals = Entry.objects.filter(account_id=account_id).aggregate(d=_sum(Side.DEBIT), c=_sum(Side.CREDIT))
    return totals["d"] - totals["c"] if account.normal_side == Side.DEBIT else totals["c"] - totals["d"]


def balance_on(account: Account, on: date) -> Decimal:
    """The account's balance (on its normal side) as of ``on``: its entries of journals effective on or before that
    day, whenever they were posted."""
    return balances_on([account.pk], on).get(account.pk, Decimal(0))


def balances_on(accounts: Iterable[int] | QuerySet[Any], on: date) -> dict[int, Decimal]:
    """Each account's balance (on its normal side) as of ``on``, in one query; ``accounts`` are ids, or a
    ``values("…_id")`` subquery. An account with no entries by then is left out (its balance is zero)."""
    rows = (Entry.objects.filter(account_id__in=accounts, journal__effective_date__lte=on).order_by()
            .values("account_id", "account__normal_side")
            .annotate(debits=_sum(Side.DEBIT), credits=_sum(Side.CREDIT)))
    return {
        row["account_id"]: (row["debits"] - row["credits"] if row["account__normal_side"] == Side.DEBIT
                            else row["credits"] - row["debits"])
        for row in rows
    }
