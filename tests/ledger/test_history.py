"""A no-overdraft account never ends a day below zero, however journals are back-dated; counters never pass 18 digits.

A journal dated in the past changes every balance from its day on. The ledger refuses one that would take a
no-overdraft account below zero at the end of its day or any later day, not only now; ``ledger_verify`` replays
every such account in effective-date order and reports any day it ended below zero (which only a change behind the
ledger's back can cause). Totals past 18 digits are refused whatever path a journal takes: its own total, a locked
account's counters, or the counters a ``deferred_counters`` block moves at its end.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InsufficientFunds, LimitExceeded
from core.money import MAX_WON
from ledger.models import Account, Journal
from ledger.selectors import ledger_check, overdrawn_in_the_past
from ledger.services import credit, debit, deferred_counters, journal_post
from tests.core.helpers import append_only_guard_off

from .helpers import counters, ledger_size

pytestmark = pytest.mark.django_db

D = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):  # the messages are asserted in English
        yield


def day(n: int) -> date:
    return D + timedelta(days=n)


def pay_in(accounts, amount: int, on: date, key: str):
    return journal_post(lines=[debit(accounts["cash"], amount), credit(accounts["capital"], amount)],
                        kind="contribution", effective_date=on, idempotency_key=key)


def pay_out(accounts, amount: int, on: date, key: str):
    return journal_post(lines=[debit(accounts["expense"], amount), credit(accounts["cash"], amount)],
                        kind="expense", effective_date=on, idempotency_key=key)


# --- back-dated payments --------------------------------------------------------------------------------------


def test_a_payment_dated_before_the_money_that_covers_it_arrived_is_refused_naming_the_day(accounts):
    pay_in(accounts, 100_000, day(10), "in")
    size = ledger_size()

    with pytest.raises(InsufficientFunds) as refused:
        pay_out(accounts, 30_000, day(5), "early")

    assert "2026-03-06" in refused.value.message and "0원" in refused.value.message
    assert refused.value.fields == {"amount": ["exceeds the 0원 available on 2026-03-06"]}
    assert ledger_size() == size and counters(accounts["cash"]) == (100_000, 0, 100_000)
    pay_out(accounts, 30_000, day(10), "on-the-day")  # the same payment on the day the money came is fine
    assert counters(accounts["cash"]) == (100_000, 30_000, 70_000)


def test_a_back_dated_payment_must_leave_every_later_day_covered_not_only_today(accounts):
    pay_in(accounts, 100_000, day(1), "in-1")
    pay_out(accounts, 80_000, day(5), "out-5")
    pay_in(accounts, 100_000, day(20), "in-20")  # 120,000 now; only 20,000 from the 5th to the 19th

    with pytest.raises(InsufficientFunds) as refused:
        pay_out(accounts, 30_000, day(3), "out-3")
    assert "20,000원" in refused.value.message and "2026-03-06" in refused.value.message

    pay_out(accounts, 20_000, day(3), "out-3-fits")  # leaves exactly 0 on the 5th to the 19th
    pay_out(accounts, 100_000, day(20), "out-20")  # and the 20th's money is all there on the 20th
    assert counters(accounts["cash"])[2] == 0
    assert overdrawn_in_the_past() == []
    assert ledger_check().ok


def test_an_account_that_may_go_below_zero_takes_back_dated_movements_freely(accounts):
    journal_post(lines=[debit(accounts["expense"], 5_000), credit(accounts["income"], 5_000)], kind="x",
                 effective_date=day(9), idempotency_key="later")
    journal_post(lines=[debit(accounts["income"], 7_000), credit(accounts["capital"], 7_000)], kind="x",
                 effective_date=day(1), idempotency_key="earlier")

    assert counters(accounts["income"])[2] == -2_000


# Each operation: (day, amount) where a positive amount comes in and a negative one goes out.
operations = st.lists(st.tuples(st.integers(0, 30), st.integers(-50_000, 60_000).filter(bool)), max_size=25)


def _fits(history: list[tuple[int, int]], on: int, amount: int) -> bool:
    """Independently of the ledger: would the balance at the end of every day from ``on`` on stay at or above
    zero with ``amount`` added on day ``on``?"""
    days = sorted({d for d, _ in history} | {on})
    return all(sum(a for d, a in history if d <= end) + amount >= 0 for end in days if end >= on)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_whatever_the_order_of_dated_movements_no_day_ever_ends_below_zero(accounts, ops):
    with transaction.atomic():  # each example on an empty book: its savepoint is rolled back
        accepted: list[tuple[int, int]] = []
        for index, (on, amount) in enumerate(ops):
            expected = _fits(accepted, on, amount)
            size = ledger_size()
            try:
                if amount > 0:
                    pay_in(accounts, amount, day(on), f"op-{index}")
                else:
                    pay_out(accounts, -amount, day(on), f"op-{index}")
            except InsufficientFunds:
                assert not expected, (accepted, on, amount)
                assert ledger_size() == size
                continue
            assert expected, (accepted, on, amount)
            accepted.append((on, amount))
        assert overdrawn_in_the_past() == []
        assert counters(accounts["cash"])[2] == sum(a for _, a in accepted)
        transaction.set_rollback(True)


# --- ledger_verify replays the past ---------------------------------------------------------------------------


def test_ledger_verify_reports_an_account_that_ended_a_past_day_below_zero(accounts):
    pay_in(accounts, 100_000, day(1), "in")
    out = pay_out(accounts, 70_000, day(4), "out").journal
    pay_out(accounts, 10_000, day(6), "out-2")
    # An edit behind the ledger's back: the payment moved before the money came.
    with append_only_guard_off("ledger_journal", "ledger_journal_append_only"):
        Journal.objects.filter(pk=out.pk).update(effective_date=day(0))

    [problem] = overdrawn_in_the_past()
    cash = accounts["cash"]
    assert problem == (f"account {cash} (#{cash.pk}) ended 1 day(s) below zero, replayed in effective-date order: "
                       f"first 2026-03-01, lowest -70000 on 2026-03-01")
    report = ledger_check()
    assert report.problems == [problem]  # the counters still agree with the entries: only the history is wrong
    err = StringIO()
    with pytest.raises(CommandError, match="1 differences"):
        call_command("ledger_verify", stdout=StringIO(), stderr=err)
    assert "below zero" in err.getvalue()


def test_ledger_verify_finds_nothing_in_a_history_that_never_went_below_zero(accounts):
    pay_in(accounts, 100_000, day(1), "in")
    pay_out(accounts, 100_000, day(1), "all-of-it")
    pay_in(accounts, 5, day(3), "in-2")

    assert overdrawn_in_the_past() == []


# --- 18 digits ------------------------------------------------------------------------------------------------


def test_a_journal_whose_total_passes_eighteen_digits_is_refused(accounts):
    size = ledger_size()

    with pytest.raises(LimitExceeded) as refused:
        journal_post(lines=[debit(accounts["cash"], MAX_WON), debit(accounts["expense"], 1),
                            credit(accounts["capital"], MAX_WON), credit(accounts["income"], 1)],
                     kind="x", effective_date=D, idempotency_key="huge")

    assert refused.value.fields.keys() == {"amount"}
    assert ledger_size() == size


@pytest.mark.postgres  # SQLite reads decimals back through a float: it cannot hold 18-digit totals exactly
def test_a_locked_accounts_totals_never_pass_eighteen_digits(accounts):
    pay_in(accounts, MAX_WON - 10, D, "nearly-full")
    size = ledger_size()

    with pytest.raises(LimitExceeded):
        pay_in(accounts, 11, D, "one-too-many")

    assert ledger_size() == size
    pay_in(accounts, 10, D, "exactly-full")
    assert counters(accounts["cash"]) == (MAX_WON, 0, MAX_WON)


@pytest.mark.postgres  # as above
def test_deferred_counters_refuse_to_pass_eighteen_digits_at_the_end_of_the_block_and_write_nothing(accounts):
    pay_in(accounts, MAX_WON - 10, D, "nearly-full")
    journal_post(lines=[debit(accounts["receivable"], 100), credit(accounts["income"], 100)], kind="x",
                 effective_date=D, idempotency_key="lend")
    size = ledger_size()
    cash = Account.objects.get(pk=accounts["cash"].pk)

    with pytest.raises(LimitExceeded) as refused, transaction.atomic(), deferred_counters([cash]):
        journal_post(lines=[debit(cash, 11), credit(accounts["receivable"], 11)], kind="repayment",
                     effective_date=D, idempotency_key="repay")

    assert refused.value.fields == {"amount": ["too large for the account's totals"]}
    assert ledger_size() == size
    assert counters(accounts["cash"]) == (MAX_WON - 10, 0, MAX_WON - 10)
    with transaction.atomic(), deferred_counters([cash]):
        journal_post(lines=[debit(cash, 10), credit(accounts["receivable"], 10)], kind="repayment",
                     effective_date=D, idempotency_key="repay-fits")
    assert counters(accounts["cash"]) == (MAX_WON, 0, MAX_WON)
    assert ledger_check().ok
