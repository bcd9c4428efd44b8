"""``manage.py ledger_verify`` and ``ledger_check``: every stored counter is recomputed from the entries."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection

from ledger.selectors import ledger_check
from ledger.services import journal_reverse
from tests.ledger.helpers import ON, contribute, spend

pytestmark = pytest.mark.django_db


def verify() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("ledger_verify", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def busy_ledger(accounts):
    contribute(accounts, 300_000_000, "c")
    spend(accounts, 1_250_000, "s1")
    mistake = spend(accounts, 400_000, "s2").journal
    journal_reverse(journal_id=mistake.pk, effective_date=ON, reason="이중 지급")
    return accounts


def test_an_empty_ledger_verifies(db):
    out, err = verify()

    assert "ledger: 0 books, 0 accounts, 0 journals, 0 entries; debits 0원, credits 0원" in out
    assert err == ""


def test_a_clean_ledger_prints_the_summary_and_exits_zero(busy_ledger):
    out, err = verify()

    assert out.splitlines() == [
        "ledger: 1 books, 5 accounts, 4 journals, 8 entries; debits 302,050,000원, credits 302,050,000원",
        "ledger_verify: every account agrees with its entries",
    ]
    assert err == ""


@pytest.mark.parametrize(
    ("name", "sql"),
    [
        # A debit-normal account: debits and balance go up together, so every CHECK constraint still holds.
        ("cash", "UPDATE ledger_account SET debit_total = debit_total + 500, balance = balance + 500 WHERE id = %s"),
        # A credit-normal account: credits and balance down together.
        ("capital", "UPDATE ledger_account SET credit_total = credit_total - 1, balance = balance - 1 WHERE id = %s"),
    ],
)
def test_counters_tampered_with_raw_sql_make_the_command_fail_and_name_the_account(busy_ledger, name, sql):
    account = busy_ledger[name]
    tamper(sql, [account.pk])
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="1 differences"):
        call_command("ledger_verify", stdout=out, stderr=err)

    assert f"account {account} (#{account.pk})" in err.getvalue()
    assert "ledger_verify: every account agrees" not in out.getvalue()


def test_the_command_line_exits_non_zero_when_a_counter_was_tampered_with(busy_ledger, capsys):
    cash = busy_ledger["cash"]
    tamper("UPDATE ledger_account SET debit_total = debit_total + 7, balance = balance + 7 WHERE id = %s", [cash.pk])

    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "ledger_verify"])

    assert exited.value.code != 0
    assert f"{cash}" in capsys.readouterr().err


def test_the_command_line_exits_zero_when_clean(busy_ledger, capsys):
    execute_from_command_line(["manage.py", "ledger_verify"])  # returns normally: exit status 0

    assert "every account agrees" in capsys.readouterr().out


def test_an_entry_slipped_into_a_journal_is_reported_as_unbalanced_and_as_a_counter_difference(busy_ledger):
    journal_id = busy_ledger["cash"].entries.order_by("journal_id").first().journal_id
    insert = (
        "INSERT INTO ledger_entry (journal_id, account_id, side, amount, amount_currency)"
        " VALUES (%s, %s, 'D', 9, 'KRW')"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The balance trigger would refuse this; play someone with superuser rights who switched triggers off
            # for their session. First run the balance checks still pending from the postings above (the
            # test's transaction never commits, but Django's teardown fires them), so they judge the honest
            # journals, not the tampered one.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(insert, [journal_id, busy_ledger["expense"].pk])
            cursor.execute("SET LOCAL session_replication_role = origin")
        else:
            cursor.execute(insert, [journal_id, busy_ledger["expense"].pk])

    report = ledger_check()

    assert not report.ok
    assert any(p.startswith(f"journal J{journal_id} is unbalanced") for p in report.problems)
    assert any(f"account {busy_ledger['expense']}" in p for p in report.problems)
    assert any("all debits" in p for p in report.problems)
