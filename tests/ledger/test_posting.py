"""``journal_post``: what it writes, what it refuses, and that a refusal leaves nothing behind."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation
from djmoney.money import Money

from core.errors import IdempotencyConflict, InsufficientFunds, NotFound, Unbalanced, ValidationFailed
from ledger.models import Account, Entry, Journal, Side
from ledger.selectors import account_balance_from_entries, ledger_check
from ledger.services import Line, account_create, credit, debit, journal_post
from tests.factories import BookFactory, UserFactory, make_accounts
from tests.ledger.helpers import ON, contribute, counters, ledger_size, spend

pytestmark = pytest.mark.django_db


def post(lines, key="k-1", **kwargs):
    return journal_post(lines=lines, kind="test", effective_date=ON, idempotency_key=key, **kwargs)


# --- what a good posting writes ----------------------------------------------------------------------------


def test_a_contribution_moves_cash_and_capital_and_writes_one_journal_with_two_entries(accounts):
    posted = contribute(accounts, 300_000_000, "contribution-1")

    assert posted.created is True
    journal = Journal.objects.get(pk=posted.journal.pk)
    assert journal.kind == "contribution"
    assert journal.effective_date == ON
    assert journal.book_id == accounts["cash"].book_id
    assert journal.memo == "성동구 출연금"
    assert sorted((e.account_id, e.side, e.amount) for e in journal.entries.all()) == sorted(
        [
            (accounts["cash"].pk, Side.DEBIT, Money(300_000_000, "KRW")),
            (accounts["capital"].pk, Side.CREDIT, Money(300_000_000, "KRW")),
        ]
    )
    assert counters(accounts["cash"]) == (300_000_000, 0, 300_000_000)
    assert counters(accounts["capital"]) == (0, 300_000_000, 300_000_000)
    assert ledger_check().ok


def test_a_multi_line_journal_moves_every_account_it_names(accounts):
    contribute(accounts, 1_000_000, "c")
    post([debit(accounts["receivable"], 500_000), credit(accounts["cash"], 500_000)], key="lend")
    # A repayment of 110,000: 100,000 principal and 10,000 interest.
    post(
        [
            debit(accounts["cash"], 110_000),
            credit(accounts["receivable"], 100_000),
            credit(accounts["income"], 10_000),
        ],
        key="repay",
    )

    assert counters(accounts["cash"]) == (1_110_000, 500_000, 610_000)
    assert counters(accounts["receivable"]) == (500_000, 100_000, 400_000)
    assert counters(accounts["income"]) == (0, 10_000, 10_000)
    for account in accounts.values():
        assert account_balance_from_entries(account.pk) == counters(account)[2]
    assert ledger_check().ok


def test_amounts_may_be_given_as_int_decimal_string_with_commas_or_krw_money(accounts):
    post(
        [
            debit(accounts["cash"], 1_000),
            debit(accounts["cash"], Decimal("2000")),
            debit(accounts["cash"], "3,000"),
            debit(accounts["cash"], Money(4_000, "KRW")),
            credit(accounts["capital"], "10000"),
        ]
    )

    assert counters(accounts["cash"]) == (10_000, 0, 10_000)


def test_lines_may_name_accounts_by_id(accounts):
    post([debit(accounts["cash"].pk, 5_000), credit(accounts["capital"].pk, 5_000)])

    assert counters(accounts["cash"])[2] == 5_000


def test_the_acting_user_is_recorded_on_the_journal(accounts):
    user = UserFactory()

    posted = post([debit(accounts["cash"], 5_000), credit(accounts["capital"], 5_000)], actor=user)

    assert Journal.objects.get(pk=posted.journal.pk).actor_id == user.pk


def test_spending_exactly_the_cash_there_is_leaves_zero(accounts):
    contribute(accounts, 70_000, "c")

    spend(accounts, 70_000, "s")

    assert counters(accounts["cash"]) == (70_000, 70_000, 0)


def test_an_account_that_may_be_overdrawn_goes_below_zero_on_its_normal_side(accounts):
    # The expense account has no overdraft guard: crediting it first is allowed.
    post([debit(accounts["capital"], 1_000), credit(accounts["expense"], 1_000)])

    assert counters(accounts["expense"]) == (0, 1_000, -1_000)
    assert counters(accounts["capital"]) == (1_000, 0, -1_000)
    assert ledger_check().ok


def test_an_account_opens_with_the_normal_side_of_its_type(book):
    opened = {t: account_create(book=book, code=t, name=t, type=t) for t in Account.Type.values}

    assert {t: a.normal_side for t, a in opened.items()} == {
        "asset": "D",
        "expense": "D",
        "liability": "C",
        "equity": "C",
        "income": "C",
    }


def test_an_account_of_an_unknown_type_is_refused(book):
    with pytest.raises(ValidationFailed) as refused:
        account_create(book=book, code="x", name="x", type="goodwill")

    assert "type" in refused.value.fields
    assert not Account.objects.filter(book=book).exists()


# --- refused before the database: bad amounts, unbalanced, too few lines ---------------------------------------


@pytest.mark.parametrize(
    ("amount", "rule"),
    [
        (Decimal("1000.5"), "fractions"),
        ("1000.50", "fractions"),
        (-1_000, "negative"),
        (0, "greater than zero"),
        (1000.0, "floating-point"),
        (Money(1_000, "USD"), "KRW"),
        ("one thousand", "number of won"),
        (Decimal("NaN"), "finite"),
        (10**30, "at most"),
    ],
)
def test_a_bad_amount_is_refused_naming_the_line_and_nothing_is_written(
    accounts, django_assert_num_queries, amount, rule
):
    # The rules are named by their English text (the msgid); by default they are Korean.
    with translation.override("en"), django_assert_num_queries(0), pytest.raises(ValidationFailed) as refused:
        post([debit(accounts["cash"], amount), credit(accounts["capital"], amount)])

    assert rule in refused.value.message
    assert "lines[0].amount" in refused.value.fields
    assert ledger_size() == (0, 0)
    assert counters(accounts["cash"]) == (0, 0, 0)


def test_an_unbalanced_journal_is_refused_in_python_before_the_database_is_touched(accounts, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(Unbalanced) as refused:
        post([debit(accounts["cash"], 10_000), credit(accounts["capital"], 9_999)])

    assert "10,000원" in refused.value.message
    assert "9,999원" in refused.value.message
    assert ledger_size() == (0, 0)


@pytest.mark.parametrize("how_many", [0, 1])
def test_a_journal_with_fewer_than_two_lines_is_refused(accounts, django_assert_num_queries, how_many):
    lines = [debit(accounts["cash"], 10_000)][:how_many]

    with django_assert_num_queries(0), pytest.raises(Unbalanced):
        post(lines)

    assert ledger_size() == (0, 0)


def test_a_line_on_neither_side_is_refused(accounts):
    with pytest.raises(ValidationFailed) as refused:
        post([Line(accounts["cash"], "X", 1_000), credit(accounts["capital"], 1_000)])

    assert "lines[0].side" in refused.value.fields
    assert ledger_size() == (0, 0)


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_a_missing_or_overlong_idempotency_key_is_refused(accounts, key):
    with pytest.raises(ValidationFailed) as refused:
        post([debit(accounts["cash"], 1_000), credit(accounts["capital"], 1_000)], key=key)

    assert "idempotency_key" in refused.value.fields
    assert ledger_size() == (0, 0)


# --- refused by the rules that need the accounts ---------------------------------------------------------------


def test_a_journal_across_two_books_is_refused(accounts):
    other = make_accounts(BookFactory())

    with pytest.raises(ValidationFailed) as refused:
        post([debit(accounts["cash"], 1_000), credit(other["capital"], 1_000)])

    assert "서로 다른 장부" in refused.value.fields["lines"][0]
    assert ledger_size() == (0, 0)
    assert counters(accounts["cash"]) == (0, 0, 0)
    assert counters(other["capital"]) == (0, 0, 0)


def test_an_unknown_account_is_refused(accounts):
    missing = Account.objects.order_by("-pk").first().pk + 1000

    with pytest.raises(NotFound) as refused:
        post([debit(accounts["cash"], 1_000), credit(missing, 1_000)])

    assert str(missing) in refused.value.message
    assert ledger_size() == (0, 0)
    assert counters(accounts["cash"]) == (0, 0, 0)


def test_spending_more_than_the_cash_is_refused_and_nothing_is_written(accounts):
    contribute(accounts, 100_000, "c")
    before = {name: counters(account) for name, account in accounts.items()}

    with pytest.raises(InsufficientFunds) as refused:
        spend(accounts, 100_001, "s")

    assert "100,000원" in refused.value.message
    assert "-1원" in refused.value.message
    assert ledger_size() == (1, 2)
    assert not Journal.objects.filter(idempotency_key="s").exists()
    assert {name: counters(account) for name, account in accounts.items()} == before
    assert ledger_check().ok


def test_a_refused_overdraft_does_not_use_up_its_idempotency_key(accounts):
    with pytest.raises(InsufficientFunds):
        spend(accounts, 1_000, "s")
    contribute(accounts, 5_000, "c")

    posted = spend(accounts, 1_000, "s")

    assert posted.created is True
    assert counters(accounts["cash"])[2] == 4_000


def test_a_debit_and_credit_of_one_account_in_one_journal_are_netted_before_the_overdraft_check(accounts):
    # Cash is empty; paying it in and out again in one journal never takes it below zero.
    post(
        [
            debit(accounts["cash"], 5_000),
            credit(accounts["cash"], 5_000),
            debit(accounts["expense"], 1),
            credit(accounts["income"], 1),
        ]
    )

    assert counters(accounts["cash"]) == (5_000, 5_000, 0)
    assert ledger_check().ok


def test_the_database_refuses_to_store_an_overdrawn_no_overdraft_account_even_from_the_orm(accounts):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=accounts["cash"].pk).update(credit_total=Money(1, "KRW"), balance=Money(-1, "KRW"))

    assert counters(accounts["cash"]) == (0, 0, 0)


def test_the_database_refuses_a_balance_that_is_not_the_difference_of_the_totals(accounts):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=accounts["cash"].pk).update(debit_total=Money(1, "KRW"))

    assert counters(accounts["cash"]) == (0, 0, 0)


# --- idempotency -------------------------------------------------------------------------------------------------


def test_the_same_idempotency_key_twice_posts_once(accounts):
    first = contribute(accounts, 50_000, "fund:1:contribution:2026-03-02")
    second = contribute(accounts, 50_000, "fund:1:contribution:2026-03-02")

    assert first.created is True
    assert second.created is False
    assert second.journal.pk == first.journal.pk
    assert ledger_size() == (1, 2)
    assert counters(accounts["cash"]) == (50_000, 0, 50_000)


def test_a_replay_with_the_lines_in_another_order_and_amount_types_is_still_a_replay(accounts):
    first = post([debit(accounts["cash"], 7_000), credit(accounts["capital"], 7_000)])
    again = post([credit(accounts["capital"].pk, "7,000"), debit(accounts["cash"].pk, Decimal(7000))])

    assert again.created is False
    assert again.journal.pk == first.journal.pk
    assert counters(accounts["cash"])[2] == 7_000


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 50_001},
        {"memo": "다른 메모"},
        {"kind": "other"},
        {"effective_date": ON.replace(day=3)},
        {"account": "receivable"},
    ],
    ids=["amount", "memo", "kind", "date", "account"],
)
def test_the_same_idempotency_key_with_different_content_is_a_conflict(accounts, change):
    post([debit(accounts["cash"], 50_000), credit(accounts["capital"], 50_000)], key="dup", memo="m")
    amount = change.get("amount", 50_000)
    account = accounts[change.get("account", "cash")]

    with pytest.raises(IdempotencyConflict) as refused:
        journal_post(
            lines=[debit(account, amount), credit(accounts["capital"], amount)],
            kind=change.get("kind", "test"),
            effective_date=change.get("effective_date", ON),
            idempotency_key="dup",
            memo=change.get("memo", "m"),
        )

    assert "idempotency_key" in refused.value.fields
    assert ledger_size() == (1, 2)
    assert counters(accounts["cash"]) == (50_000, 0, 50_000)
    assert counters(accounts["receivable"]) == (0, 0, 0)


def test_idempotency_keys_are_global_so_another_book_cannot_reuse_one(accounts):
    other = make_accounts(BookFactory())
    contribute(accounts, 1_000, "shared-key")

    with pytest.raises(IdempotencyConflict):
        contribute(other, 1_000, "shared-key")

    assert Entry.objects.filter(account__book=other["cash"].book).count() == 0


@pytest.mark.postgres  # SQLite reads decimals back through a float: it cannot hold 18-digit totals exactly
def test_a_posting_that_would_overflow_an_accounts_totals_is_refused_before_the_database(accounts):
    from core.errors import LimitExceeded
    from core.money import MAX_WON

    post([debit(accounts["cash"], MAX_WON), credit(accounts["capital"], MAX_WON)], "big-1")

    with pytest.raises(LimitExceeded):
        post([debit(accounts["cash"], 1), credit(accounts["capital"], 1)], "big-2")
    assert counters(accounts["cash"]) == (MAX_WON, 0, MAX_WON)
