"""``journal_reverse``: a mistake is corrected by posting its mirror, once."""

from __future__ import annotations

import pytest

from core.errors import IdempotencyConflict, InsufficientFunds, InvalidState, NotFound, ValidationFailed
from ledger.models import Journal, Side
from ledger.selectors import ledger_check
from ledger.services import credit, debit, journal_post, journal_reverse
from tests.factories import UserFactory
from tests.ledger.helpers import ON, contribute, counters, ledger_size, spend

pytestmark = pytest.mark.django_db

LATER = ON.replace(day=20)


def test_a_reversal_posts_the_mirror_and_restores_every_balance(accounts):
    contribute(accounts, 100_000, "c")
    before = {name: counters(account)[2] for name, account in accounts.items()}
    mistake = journal_post(
        lines=[
            debit(accounts["expense"], 30_000),
            debit(accounts["receivable"], 20_000),
            credit(accounts["cash"], 50_000),
        ],
        kind="payment",
        effective_date=ON,
        idempotency_key="payment-1",
    ).journal

    reversal = journal_reverse(journal_id=mistake.pk, effective_date=LATER, reason="잘못 지급")

    assert reversal.created is True
    journal = Journal.objects.get(pk=reversal.journal.pk)
    assert journal.reverses_id == mistake.pk
    assert journal.kind == "reversal"
    assert journal.effective_date == LATER
    assert journal.memo == "잘못 지급"
    assert journal.idempotency_key == f"reversal:J{mistake.pk}"
    mirrored = {Side.DEBIT: Side.CREDIT, Side.CREDIT: Side.DEBIT}
    assert sorted((e.account_id, e.side, e.amount) for e in journal.entries.all()) == sorted(
        (e.account_id, mirrored[e.side], e.amount) for e in mistake.entries.all()
    )
    assert {name: counters(account)[2] for name, account in accounts.items()} == before
    # The history stays: both journals are there and the totals grew on both sides.
    assert counters(accounts["cash"]) == (150_000, 50_000, 100_000)
    assert ledger_check().ok


def test_the_reversing_user_is_recorded(accounts):
    contribute(accounts, 1_000, "c")
    user = UserFactory()

    reversal = journal_reverse(journal_id=Journal.objects.get().pk, effective_date=LATER, reason="r", actor=user)

    assert Journal.objects.get(pk=reversal.journal.pk).actor_id == user.pk


def test_reversing_twice_with_another_key_is_refused_as_invalid_state(accounts):
    original = contribute(accounts, 1_000, "c").journal
    first = journal_reverse(journal_id=original.pk, effective_date=LATER, reason="r")

    with pytest.raises(InvalidState) as refused:
        journal_reverse(journal_id=original.pk, effective_date=LATER, reason="r", idempotency_key="another")

    assert f"J{first.journal.pk}" in refused.value.message
    assert ledger_size() == (2, 4)
    assert counters(accounts["cash"]) == (1_000, 1_000, 0)


def test_reversing_again_with_the_same_key_and_content_is_a_replay(accounts):
    original = contribute(accounts, 1_000, "c").journal
    first = journal_reverse(journal_id=original.pk, effective_date=LATER, reason="r", idempotency_key="undo-c")

    again = journal_reverse(journal_id=original.pk, effective_date=LATER, reason="r", idempotency_key="undo-c")

    assert again.created is False
    assert again.journal.pk == first.journal.pk
    assert ledger_size() == (2, 4)
    assert counters(accounts["cash"]) == (1_000, 1_000, 0)


def test_reversing_again_with_the_default_key_is_a_replay(accounts):
    original = contribute(accounts, 1_000, "c").journal
    first = journal_reverse(journal_id=original.pk, effective_date=LATER, reason="r")

    again = journal_reverse(journal_id=original.pk, effective_date=LATER, reason="r")

    assert again.created is False
    assert again.journal.pk == first.journal.pk
    assert ledger_size() == (2, 4)


def test_reversing_again_with_the_same_key_but_another_reason_is_a_conflict(accounts):
    original = contribute(accounts, 1_000, "c").journal
    journal_reverse(journal_id=original.pk, effective_date=LATER, reason="r")

    with pytest.raises(IdempotencyConflict):
        journal_reverse(journal_id=original.pk, effective_date=LATER, reason="another reason")

    assert ledger_size() == (2, 4)


def test_reversing_a_reversal_is_refused(accounts):
    original = contribute(accounts, 1_000, "c").journal
    reversal = journal_reverse(journal_id=original.pk, effective_date=LATER, reason="r").journal

    with pytest.raises(InvalidState) as refused:
        journal_reverse(journal_id=reversal.pk, effective_date=LATER, reason="undo the undo")

    assert f"분개(J{reversal.pk})는 역분개이므로" in refused.value.message
    assert ledger_size() == (2, 4)
    assert counters(accounts["cash"]) == (1_000, 1_000, 0)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reversal_needs_a_reason(accounts, reason):
    original = contribute(accounts, 1_000, "c").journal

    with pytest.raises(ValidationFailed) as refused:
        journal_reverse(journal_id=original.pk, effective_date=LATER, reason=reason)

    assert "reason" in refused.value.fields
    assert ledger_size() == (1, 2)
    assert counters(accounts["cash"]) == (1_000, 0, 1_000)


def test_reversing_an_unknown_journal_is_not_found(accounts):
    with pytest.raises(NotFound):
        journal_reverse(journal_id=999_999, effective_date=LATER, reason="r")


def test_a_reversal_that_would_overdraw_the_cash_is_refused_and_nothing_is_written(accounts):
    # The capital came in and was spent; taking the capital back out would overdraw the cash.
    contribution = contribute(accounts, 10_000, "c").journal
    spend(accounts, 8_000, "s")
    before = {name: counters(account) for name, account in accounts.items()}

    with pytest.raises(InsufficientFunds):
        journal_reverse(journal_id=contribution.pk, effective_date=LATER, reason="r")

    assert ledger_size() == (2, 4)
    assert not Journal.objects.filter(reverses=contribution).exists()
    assert {name: counters(account) for name, account in accounts.items()} == before
