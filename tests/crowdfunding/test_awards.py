"""Awards (시상) from the joint fund, through the services: the award table, an award prepared within its tier and
approved by another manager (reserved out of the fund's cash, never more than it holds), cancelled, paid in tranches
in order, settled with what was spent and what comes back.

The ledger's balances after each step are worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation
from djmoney.money import Money

from core.errors import (
    Forbidden,
    IdempotencyConflict,
    Ineligible,
    InsufficientFunds,
    InvalidState,
    NotFound,
    ValidationFailed,
)
from core.models import AuditEvent
from crowdfunding import accounts as chart
from crowdfunding import selectors, services
from crowdfunding.models import Award, AwardTier, AwardTranche, EntryNotice
from ledger.models import Account, Journal
from ledger.selectors import ledger_check
from tests.factories import ManagerFactory, MembershipFactory

from .award_helpers import AWARDS_DAY, TABLE, approved_award, final_decided, member_of, pdf, set_table
from .factories import ContestFactory, fund

pytestmark = pytest.mark.django_db
M = 1_000_000


@pytest.fixture(autouse=True)
def _media_and_quick_passwords(settings, tmp_path) -> None:
    """Evidence files go to a directory of the test's own; users' passwords are hashed the quick way (the tests make
    many users and sign none in with a password)."""
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def balance(contest, code: str) -> Decimal:
    return Account.objects.get(book=contest.book, code=code).balance.amount


def balances(award) -> dict[str, Decimal]:
    contest = award.contest
    return {"cash": balance(contest, chart.CASH), "reserved": balance(contest, chart.reserved_code(award.pk)),
            "advance": balance(contest, chart.advance_code(award.pk)),
            "spent": balance(contest, chart.AWARD_EXPENSE)}


def ledger_is_clean() -> None:
    report = ledger_check()
    assert report.ok, report.problems


@pytest.fixture
def decided(db):
    """Six finalists of a contest in its awards phase, the standard table, 100,000,000 in the joint fund."""
    final = final_decided(count=6, not_selected=2)
    set_table(final.contest)
    fund(final.contest, 100 * M)
    return final


# --- the award table ------------------------------------------------------------------------------------------------


def test_the_award_table_is_replaced_whole_while_no_award_is_prepared(manager):
    contest = ContestFactory(phase="final")
    set_table(contest)

    tiers = services.award_table_set(actor=manager, today=AWARDS_DAY, contest_id=contest.pk, tiers=[
        {"name": "우수상", "rank_from": 2, "rank_to": 5, "amount_min": "5,000,000", "amount_max": 10_000_000},
        {"name": "대상", "rank_from": 1, "rank_to": 1, "amount_min": 30_000_000, "amount_max": 30_000_000},
    ])

    assert [(t.name, t.rank_from, t.rank_to, t.amount_min.amount, t.amount_max.amount) for t in tiers] == [
        ("대상", 1, 1, 30 * M, 30 * M), ("우수상", 2, 5, 5 * M, 10 * M)]
    assert AwardTier.objects.filter(contest=contest).count() == 2
    event = AuditEvent.objects.get(action="crowdfunding.contest.award_table")
    assert len(event.before["tiers"]) == 3 and len(event.after["tiers"]) == 2


@pytest.mark.parametrize(("tiers", "field"), [
    ([{"rank_from": 2, "rank_to": 3}], "tiers[0].rank_from"),  # does not start at 1
    ([{"rank_from": 1, "rank_to": 1}, {"rank_from": 3, "rank_to": 4}], "tiers[1].rank_from"),  # a gap at 2
    ([{"rank_from": 1, "rank_to": 3}, {"rank_from": 3, "rank_to": 4}], "tiers[1].rank_from"),  # 3 twice
    ([{"rank_from": 4, "rank_to": 6}, {"rank_from": 1, "rank_to": 2}], "tiers[0].rank_from"),  # sorted: a gap at 3
    ([{"rank_from": 1, "rank_to": 1}, {"rank_from": 1, "rank_to": 2}], "tiers[1].rank_from"),  # 1 twice
])
def test_the_tiers_ranks_run_from_one_without_gaps_or_overlaps(manager, tiers, field):
    contest = ContestFactory()
    body = [{"name": f"{i}등", "amount_min": M, "amount_max": M, **tier} for i, tier in enumerate(tiers)]

    with pytest.raises(ValidationFailed) as refused:
        services.award_table_set(actor=manager, today=AWARDS_DAY, contest_id=contest.pk, tiers=body)

    assert set(refused.value.fields) == {field}
    assert not AwardTier.objects.filter(contest=contest).exists()


@pytest.mark.parametrize(("tier", "field"), [
    ({"amount_min": "1000000.5"}, "tiers[0].amount_min"),
    ({"amount_min": 2 * M, "amount_max": M}, "tiers[0].amount_max"),
    ({"amount_min": 0}, "tiers[0].amount_min"),
    ({"rank_to": 0}, "tiers[0].rank_to"),
    ({"rank_from": 1, "rank_to": "둘"}, "tiers[0].rank_to"),
    ({"rank_from": 1, "rank_to": "²"}, "tiers[0].rank_to"),
    ({"rank_from": 1, "rank_to": 10**20}, "tiers[0].rank_to"),
    ({"name": " "}, "tiers[0].name"),
])
def test_a_tier_needs_whole_won_in_order_and_ranks_in_order(manager, tier, field):
    contest = ContestFactory()
    body = {"name": "대상", "rank_from": 1, "rank_to": 1, "amount_min": M, "amount_max": 2 * M, **tier}

    with pytest.raises(ValidationFailed) as refused:
        services.award_table_set(actor=manager, today=AWARDS_DAY, contest_id=contest.pk, tiers=[body])

    assert set(refused.value.fields) == {field}


def test_the_award_table_is_fixed_once_an_award_is_prepared(decided, manager):
    services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(1).pk, amount=30 * M)

    with pytest.raises(InvalidState) as refused:
        services.award_table_set(actor=manager, today=AWARDS_DAY, contest_id=decided.contest.pk, tiers=TABLE)

    assert "tiers" in refused.value.fields
    assert AwardTier.objects.filter(contest=decided.contest).count() == 3


def test_only_a_manager_sets_the_award_table(auditor, member, judge):
    contest = ContestFactory()
    for user in (auditor, member, judge):
        with pytest.raises(Forbidden):
            services.award_table_set(actor=user, today=AWARDS_DAY, contest_id=contest.pk, tiers=TABLE)
    with pytest.raises(NotFound):
        services.award_table_set(actor=ManagerFactory(), today=AWARDS_DAY, contest_id=contest.pk + 999, tiers=TABLE)


# --- preparing ------------------------------------------------------------------------------------------------------


def test_an_award_is_prepared_within_the_tier_of_the_final_rank_with_its_tranches(decided, manager):
    award = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(2).pk, amount="22500000",
                                   tranches=[15 * M, "7,500,000"])

    assert (award.state, award.rank, award.tier.name, award.amount.amount) == ("prepared", 2, "최우수상", 22_500_000)
    assert [(t.number, t.amount.amount, t.state) for t in award.tranches.order_by("number")] == [
        (1, 15 * M, "planned"), (2, 7_500_000, "planned")]
    assert not Account.objects.filter(book=decided.contest.book, code=chart.reserved_code(award.pk)).exists()
    assert AuditEvent.objects.filter(action="crowdfunding.award.prepare", object_id=str(award.pk)).exists()


def test_an_award_is_paid_in_one_tranche_unless_told_otherwise(decided, manager):
    award = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(4).pk, amount=12 * M)

    assert [(t.number, t.amount.amount) for t in award.tranches.all()] == [(1, 12 * M)]


@pytest.mark.parametrize(("rank", "amount"), [(1, 29_999_999), (1, 30_000_001), (2, 19_999_999), (3, 25_000_001),
                                               (6, 9_000_000)])
def test_the_amount_stays_within_the_tiers_range(decided, manager, rank, amount):
    with pytest.raises(ValidationFailed) as refused:
        services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(rank).pk, amount=amount)

    assert set(refused.value.fields) == {"amount"}
    assert not Award.objects.exists()


def test_a_rank_the_table_does_not_cover_has_no_award(manager):
    final = final_decided(count=7)
    set_table(final.contest)

    with pytest.raises(Ineligible) as refused, translation.override("en"):
        services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=final.entry(7).pk, amount=M)

    assert "rank 7 has no award" in refused.value.fields["entry"][0]


@pytest.mark.parametrize(("tranches", "field"), [
    ([10 * M, 10 * M], "tranches"),  # 20,000,000, not 30,000,000
    ([5 * M] * 5 + [0], "tranches[5]"),
    ([5 * M] * 7, "tranches"),  # seven tranches
    ([20 * M, "9999999.5", 1], "tranches[1]"),
    ([], "tranches"),
])
def test_the_tranches_are_whole_won_at_most_six_and_add_up_to_the_amount(decided, manager, tranches, field):
    with pytest.raises(ValidationFailed) as refused:
        services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(1).pk, amount=30 * M,
                               tranches=tranches)

    assert set(refused.value.fields) == {field}


def test_only_a_selected_entry_of_a_decided_final_is_awarded(manager):
    final = final_decided(count=2, not_selected=1)
    set_table(final.contest)
    not_selected = final.advance_list.lines.get(rank=3).entry

    with pytest.raises(InvalidState) as refused:
        services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=not_selected.pk, amount=20 * M)
    assert "state" in refused.value.fields
    with pytest.raises(NotFound):
        services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=not_selected.pk + 999, amount=20 * M)


@pytest.mark.parametrize("phase", ["call", "screening", "funding", "closed"])
def test_awards_are_prepared_only_in_the_final_or_the_awards_phase(manager, phase):
    final = final_decided(count=1, phase=phase)
    set_table(final.contest)

    with pytest.raises(InvalidState) as refused:
        services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=final.entry(1).pk, amount=30 * M)

    assert "phase" in refused.value.fields


def test_in_the_final_phase_an_award_waits_for_the_confirmed_advance_list(manager):
    final = final_decided(count=1, phase="final")
    set_table(final.contest)
    final.advance_list.state = "prepared"
    final.advance_list.decided_by = None
    final.advance_list.save()

    with pytest.raises(InvalidState):
        services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=final.entry(1).pk, amount=30 * M)

    final.advance_list.state = "confirmed"
    final.advance_list.decided_by = ManagerFactory()
    final.advance_list.save()
    award = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=final.entry(1).pk, amount=30 * M)
    assert award.state == "prepared"


def test_an_entry_has_one_live_award_and_may_be_awarded_again_once_it_is_cancelled(decided, manager):
    first = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(1).pk, amount=30 * M)

    with pytest.raises(InvalidState) as refused:
        services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(1).pk, amount=30 * M)
    assert "entry" in refused.value.fields

    services.award_cancel(actor=manager, today=AWARDS_DAY, award_id=first.pk, reason="금액 재산정")
    again = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(1).pk, amount=30 * M)
    assert again.pk != first.pk and again.state == "prepared"


def test_only_a_manager_prepares_an_award(decided, auditor):
    member = member_of(decided.entry(1))
    for user in (auditor, member):
        with pytest.raises(Forbidden):
            services.award_prepare(actor=user, today=AWARDS_DAY, entry_id=decided.entry(1).pk, amount=30 * M)


# --- approving ------------------------------------------------------------------------------------------------------


def test_the_manager_who_prepared_an_award_may_not_approve_it(decided, manager):
    award = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(1).pk, amount=30 * M)

    with pytest.raises(InvalidState) as refused, translation.override("en"):
        services.award_approve(actor=manager, today=AWARDS_DAY, award_id=award.pk, idempotency_key="k")

    assert "four eyes" in refused.value.message
    assert "four eyes" in refused.value.fields["approved_by"][0]
    award.refresh_from_db()
    assert award.state == "prepared" and balance(decided.contest, chart.CASH) == 100 * M


def test_a_manager_who_acts_for_the_enterprise_may_not_approve_its_award(decided, manager, other_manager):
    award = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(1).pk, amount=30 * M)
    MembershipFactory(user=other_manager, enterprise=decided.entry(1).enterprise)

    with pytest.raises(InvalidState):
        services.award_approve(actor=other_manager, today=AWARDS_DAY, award_id=award.pk, idempotency_key="k")


def test_approving_reserves_the_whole_award_out_of_the_fund_and_tells_the_entry(decided, manager, other_manager):
    award = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(1).pk, amount=30 * M,
                                   tranches=[20 * M, 10 * M])

    award, created = services.award_approve(actor=other_manager, today=AWARDS_DAY, award_id=award.pk,
                                            idempotency_key="approve-1")

    assert created and award.state == "approved" and award.approved_by == other_manager
    # Cash 100,000,000 - 30,000,000 = 70,000,000; the award's reservation 30,000,000.
    assert balances(award) == {"cash": 70 * M, "reserved": 30 * M, "advance": 0, "spent": 0}
    assert award.reserve_journal.effective_date == AWARDS_DAY
    notice = EntryNotice.objects.get(entry=decided.entry(1))
    assert notice.kind == "awarded" and "30,000,000" in notice.message
    assert AuditEvent.objects.filter(action="crowdfunding.award.approve", object_id=str(award.pk)).exists()
    ledger_is_clean()


def test_an_approval_sent_again_with_its_key_is_answered_with_the_first(decided, manager, other_manager):
    award = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(1).pk, amount=30 * M)
    services.award_approve(actor=other_manager, today=AWARDS_DAY, award_id=award.pk, idempotency_key="approve-1")

    again, created = services.award_approve(actor=other_manager, today=AWARDS_DAY, award_id=award.pk,
                                            idempotency_key="approve-1")

    assert not created and again.pk == award.pk
    assert Journal.objects.filter(kind="contest.award_reserve").count() == 1
    assert balance(decided.contest, chart.CASH) == 70 * M
    with pytest.raises(InvalidState):  # another key: a second approval
        services.award_approve(actor=other_manager, today=AWARDS_DAY, award_id=award.pk, idempotency_key="approve-2")
    with pytest.raises(IdempotencyConflict):  # the key, by someone else
        services.award_approve(actor=ManagerFactory(), today=AWARDS_DAY, award_id=award.pk,
                               idempotency_key="approve-1")


def test_an_award_is_never_reserved_beyond_what_the_fund_holds_and_the_refusal_says_what_it_holds(manager,
                                                                                                   other_manager):
    final = final_decided(count=3)
    set_table(final.contest)
    fund(final.contest, 50 * M)
    approved_award(final.entry(1), 30 * M)  # 20,000,000 left
    award = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=final.entry(2).pk, amount=25 * M)

    with pytest.raises(InsufficientFunds) as refused:
        services.award_approve(actor=other_manager, today=AWARDS_DAY, award_id=award.pk, idempotency_key="k")

    assert "20,000,000원" in refused.value.message and "25,000,000원" in refused.value.message
    assert "20,000,000원" in refused.value.fields["amount"][0]
    award.refresh_from_db()
    assert award.state == "prepared" and award.reserve_journal is None
    assert balance(final.contest, chart.CASH) == 20 * M
    assert not EntryNotice.objects.filter(entry=final.entry(2)).exists()
    # The last 20,000,000 is enough for the second place's smallest award.
    smaller = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=final.entry(3).pk, amount=20 * M)
    services.award_approve(actor=other_manager, today=AWARDS_DAY, award_id=smaller.pk, idempotency_key="k2")
    assert balance(final.contest, chart.CASH) == 0
    ledger_is_clean()


def test_only_a_prepared_award_is_approved(decided, manager, other_manager):
    award = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(1).pk, amount=30 * M)
    services.award_cancel(actor=manager, today=AWARDS_DAY, award_id=award.pk, reason="착오")

    with pytest.raises(InvalidState) as refused:
        services.award_approve(actor=other_manager, today=AWARDS_DAY, award_id=award.pk, idempotency_key="k")
    assert "state" in refused.value.fields
    with pytest.raises(Forbidden):
        services.award_approve(actor=member_of(decided.entry(1)), today=AWARDS_DAY, award_id=award.pk,
                               idempotency_key="k")


# --- cancelling -----------------------------------------------------------------------------------------------------


def test_cancelling_a_prepared_award_moves_nothing(decided, manager):
    award = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(1).pk, amount=30 * M)
    journals = Journal.objects.count()

    award = services.award_cancel(actor=manager, today=AWARDS_DAY, award_id=award.pk, reason="착오")

    assert award.state == "cancelled" and Journal.objects.count() == journals
    event = AuditEvent.objects.get(action="crowdfunding.award.cancel")
    assert event.reason == "착오"


def test_cancelling_an_approved_award_with_nothing_paid_gives_the_reservation_back_to_the_fund(decided, manager):
    award = approved_award(decided.entry(1), 30 * M)

    award = services.award_cancel(actor=manager, today=date(2026, 8, 4), award_id=award.pk, reason="수상 취소")

    assert award.state == "cancelled"
    assert balances(award) == {"cash": 100 * M, "reserved": 0, "advance": 0, "spent": 0}
    ledger_is_clean()


def test_an_award_with_a_tranche_paid_is_not_cancelled(decided, manager):
    award = approved_award(decided.entry(1), 30 * M, tranches=[20 * M, 10 * M])
    services.tranche_pay(actor=manager, today=AWARDS_DAY, tranche_id=award.tranches.get(number=1).pk,
                         paid_on=AWARDS_DAY, idempotency_key="pay-1")

    with pytest.raises(InvalidState) as refused:
        services.award_cancel(actor=manager, today=AWARDS_DAY, award_id=award.pk, reason="취소")

    assert "20,000,000원" in refused.value.message
    with pytest.raises(ValidationFailed):  # and a reason is always needed
        services.award_cancel(actor=manager, today=AWARDS_DAY, award_id=award.pk, reason=" ")


# --- tranches -------------------------------------------------------------------------------------------------------


def test_an_awards_life_moves_the_ledger_as_worked_out_by_hand(decided, manager, other_manager):
    entry = decided.entry(1)
    member = member_of(entry)
    award = approved_award(entry, 30 * M, tranches=[20 * M, 10 * M])
    first, second = award.tranches.order_by("number")
    assert balances(award) == {"cash": 70 * M, "reserved": 30 * M, "advance": 0, "spent": 0}

    # Tranche 1 paid: 20,000,000 from the reservation into the advance.
    first, created = services.tranche_pay(actor=manager, today=date(2026, 8, 5), tranche_id=first.pk,
                                          paid_on=date(2026, 8, 5), idempotency_key="pay-1")
    assert created and first.state == "paid" and first.paid_by == manager
    award.refresh_from_db()
    assert award.paid.amount == 20 * M
    assert balances(award) == {"cash": 70 * M, "reserved": 10 * M, "advance": 20 * M, "spent": 0}

    # The enterprise spent 12,000,000 + 5,500,000 = 17,500,000 of it and reports.
    for amount, category, on in ((12 * M, "equipment", date(2026, 8, 10)), (5_500_000, "materials",
                                                                            date(2026, 8, 20))):
        services.spending_add(actor=member, today=date(2026, 8, 25), tranche_id=first.pk, amount=amount,
                              category=category, description="제빵 설비", spent_on=on, evidence=pdf())
    first = services.tranche_report(actor=member, today=date(2026, 8, 25), tranche_id=first.pk)
    assert first.state == "reported"

    # Settled as reported: 17,500,000 spent, 2,500,000 due back (still in the advance).
    first = services.tranche_settle(actor=other_manager, today=date(2026, 8, 28), tranche_id=first.pk)
    assert (first.state, first.spent.amount, first.unspent.amount) == ("settled", 17_500_000, 2_500_000)
    assert balances(award) == {"cash": 70 * M, "reserved": 10 * M, "advance": 2_500_000, "spent": 17_500_000}

    # The 2,500,000 comes back to the joint fund.
    first, created = services.tranche_return(actor=manager, today=date(2026, 9, 1), tranche_id=first.pk,
                                             returned_on=date(2026, 9, 1), idempotency_key="return-1")
    assert created and first.state == "closed" and first.returned_on == date(2026, 9, 1)
    assert balances(award) == {"cash": 72_500_000, "reserved": 10 * M, "advance": 0, "spent": 17_500_000}
    award.refresh_from_db()
    assert award.state == "approved"  # tranche 2 is still to come

    # Tranche 2 paid, all of it spent: it closes at settlement, and with it the award.
    services.tranche_pay(actor=manager, today=date(2026, 9, 2), tranche_id=second.pk, paid_on=date(2026, 9, 2),
                         idempotency_key="pay-2")
    services.spending_add(actor=member, today=date(2026, 9, 20), tranche_id=second.pk, amount=10 * M,
                          category="marketing", description="홍보 영상", spent_on=date(2026, 9, 15), evidence=pdf())
    services.tranche_report(actor=member, today=date(2026, 9, 20), tranche_id=second.pk)
    second = services.tranche_settle(actor=manager, today=date(2026, 9, 21), tranche_id=second.pk)
    assert (second.state, second.spent.amount, second.unspent.amount) == ("closed", 10 * M, 0)
    award.refresh_from_db()
    assert award.state == "settled" and award.paid.amount == 30 * M
    # 100,000,000 in: 72,500,000 in cash, 27,500,000 spent.
    assert balances(award) == {"cash": 72_500_000, "reserved": 0, "advance": 0, "spent": 27_500_000}
    ledger_is_clean()

    summary = selectors.award_summary(decided.contest)
    assert summary.reconciled
    assert summary.total == selectors.AwardFigures(approved=30 * M, paid=30 * M, reserved=0, spent=27_500_000,
                                                   returned=2_500_000, due_back=0, advance=0)


def test_tranches_are_paid_in_order(decided, manager):
    award = approved_award(decided.entry(2), 24 * M, tranches=[8 * M, 8 * M, 8 * M])
    first, second, third = award.tranches.order_by("number")

    with pytest.raises(InvalidState) as refused, translation.override("en"):
        services.tranche_pay(actor=manager, today=AWARDS_DAY, tranche_id=second.pk, paid_on=AWARDS_DAY,
                             idempotency_key="pay-2")
    assert "tranche 1" in refused.value.fields["number"][0]

    services.tranche_pay(actor=manager, today=AWARDS_DAY, tranche_id=first.pk, paid_on=AWARDS_DAY,
                         idempotency_key="pay-1")
    with pytest.raises(InvalidState):
        services.tranche_pay(actor=manager, today=AWARDS_DAY, tranche_id=third.pk, paid_on=AWARDS_DAY,
                             idempotency_key="pay-3")
    services.tranche_pay(actor=manager, today=AWARDS_DAY, tranche_id=second.pk, paid_on=AWARDS_DAY,
                         idempotency_key="pay-2")
    with pytest.raises(InvalidState):  # paid already
        services.tranche_pay(actor=manager, today=AWARDS_DAY, tranche_id=second.pk, paid_on=AWARDS_DAY,
                             idempotency_key="pay-2b")
    award.refresh_from_db()
    assert award.paid.amount == 16 * M


def test_a_tranche_of_an_award_not_approved_is_not_paid(decided, manager):
    award = services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(1).pk, amount=30 * M)

    with pytest.raises(InvalidState) as refused:
        services.tranche_pay(actor=manager, today=AWARDS_DAY, tranche_id=award.tranches.get().pk, paid_on=AWARDS_DAY,
                             idempotency_key="pay-1")

    assert "state" in refused.value.fields


@pytest.mark.parametrize(("paid_on", "rule"), [(date(2026, 8, 2), "approval"), (date(2026, 8, 4), "today")])
def test_a_tranche_is_paid_on_a_day_from_the_approval_to_today(decided, manager, paid_on, rule):
    award = approved_award(decided.entry(1), 30 * M)

    with pytest.raises(ValidationFailed) as refused, translation.override("en"):
        services.tranche_pay(actor=manager, today=AWARDS_DAY, tranche_id=award.tranches.get().pk, paid_on=paid_on,
                             idempotency_key="pay-1")

    assert set(refused.value.fields) == {"paid_on"}
    assert rule in refused.value.fields["paid_on"][0]


def test_a_payment_sent_again_with_its_key_is_answered_with_the_first(decided, manager):
    award = approved_award(decided.entry(1), 30 * M)
    tranche = award.tranches.get()
    services.tranche_pay(actor=manager, today=AWARDS_DAY, tranche_id=tranche.pk, paid_on=AWARDS_DAY,
                         idempotency_key="pay-1")

    again, created = services.tranche_pay(actor=manager, today=AWARDS_DAY, tranche_id=tranche.pk, paid_on=AWARDS_DAY,
                                          idempotency_key="pay-1")

    assert not created and again.state == "paid"
    award.refresh_from_db()
    assert award.paid.amount == 30 * M
    assert Journal.objects.filter(kind="contest.tranche_pay").count() == 1
    with pytest.raises(IdempotencyConflict):  # the key with another date
        services.tranche_pay(actor=manager, today=date(2026, 8, 4), tranche_id=tranche.pk,
                             paid_on=date(2026, 8, 4), idempotency_key="pay-1")
    with pytest.raises(IdempotencyConflict):  # the key, by someone else
        services.tranche_pay(actor=ManagerFactory(), today=AWARDS_DAY, tranche_id=tranche.pk, paid_on=AWARDS_DAY,
                             idempotency_key="pay-1")


def paid_and_reported(award, member, *, spent: list[int], today: date = date(2026, 8, 25)) -> AwardTranche:
    tranche = award.tranches.get(number=1)
    services.tranche_pay(actor=ManagerFactory(), today=AWARDS_DAY, tranche_id=tranche.pk, paid_on=AWARDS_DAY,
                         idempotency_key=f"pay-{tranche.pk}")
    for amount in spent:
        services.spending_add(actor=member, today=today, tranche_id=tranche.pk, amount=amount, category="materials",
                              description="원재료", spent_on=date(2026, 8, 10), evidence=pdf())
    return services.tranche_report(actor=member, today=today, tranche_id=tranche.pk)


def test_a_manager_may_accept_less_than_was_reported_and_never_more(decided, manager):
    entry = decided.entry(4)
    award = approved_award(entry, 10 * M)
    tranche = paid_and_reported(award, member_of(entry), spent=[6 * M, 3 * M])  # 9,000,000 reported

    with pytest.raises(ValidationFailed) as refused:
        services.tranche_settle(actor=manager, today=date(2026, 8, 28), tranche_id=tranche.pk, accepted=9_000_001)
    assert set(refused.value.fields) == {"accepted"} and "9,000,000원" in refused.value.fields["accepted"][0]

    tranche = services.tranche_settle(actor=manager, today=date(2026, 8, 28), tranche_id=tranche.pk,
                                      accepted="7000000")
    # 7,000,000 accepted as spent; 3,000,000 (1,000,000 never spent, 2,000,000 not accepted) due back.
    assert (tranche.state, tranche.spent.amount, tranche.unspent.amount) == ("settled", 7 * M, 3 * M)
    assert balances(award) == {"cash": 90 * M, "reserved": 0, "advance": 3 * M, "spent": 7 * M}
    summary = selectors.award_summary(decided.contest)
    assert summary.reconciled and summary.total.due_back == 3 * M and summary.total.advance == 3 * M


def test_a_tranche_with_nothing_spent_is_all_due_back(decided, manager):
    entry = decided.entry(5)
    award = approved_award(entry, 10 * M)
    tranche = paid_and_reported(award, member_of(entry), spent=[])

    tranche = services.tranche_settle(actor=manager, today=date(2026, 8, 28), tranche_id=tranche.pk)

    assert (tranche.state, tranche.spent.amount, tranche.unspent.amount) == ("settled", 0, 10 * M)
    assert not Journal.objects.filter(kind="contest.tranche_settle").exists()
    tranche, _created = services.tranche_return(actor=manager, today=date(2026, 8, 31), tranche_id=tranche.pk,
                                                returned_on=date(2026, 8, 31), idempotency_key="back")
    award.refresh_from_db()
    assert tranche.state == "closed" and award.state == "settled"
    assert balances(award) == {"cash": 100 * M, "reserved": 0, "advance": 0, "spent": 0}
    ledger_is_clean()


def test_only_a_reported_tranche_is_settled_and_only_a_settled_one_returns_money(decided, manager):
    award = approved_award(decided.entry(4), 10 * M)
    tranche = award.tranches.get()

    with pytest.raises(InvalidState):
        services.tranche_settle(actor=manager, today=AWARDS_DAY, tranche_id=tranche.pk)
    with pytest.raises(InvalidState):
        services.tranche_return(actor=manager, today=AWARDS_DAY, tranche_id=tranche.pk, returned_on=AWARDS_DAY,
                                idempotency_key="back")
    with pytest.raises(Forbidden):
        services.tranche_settle(actor=member_of(decided.entry(4)), today=AWARDS_DAY, tranche_id=tranche.pk)
    with pytest.raises(NotFound):
        services.tranche_settle(actor=manager, today=AWARDS_DAY, tranche_id=tranche.pk + 999)


def test_a_return_is_dated_from_the_settlement_to_today_and_sent_again_is_answered_with_the_first(decided, manager):
    entry = decided.entry(4)
    award = approved_award(entry, 10 * M)
    tranche = paid_and_reported(award, member_of(entry), spent=[4 * M])
    services.tranche_settle(actor=manager, today=date(2026, 8, 28), tranche_id=tranche.pk)

    with pytest.raises(ValidationFailed) as refused, translation.override("en"):
        services.tranche_return(actor=manager, today=date(2026, 9, 1), tranche_id=tranche.pk,
                                returned_on=date(2026, 8, 27), idempotency_key="back")
    assert "settlement" in refused.value.fields["returned_on"][0]

    services.tranche_return(actor=manager, today=date(2026, 9, 1), tranche_id=tranche.pk,
                            returned_on=date(2026, 8, 30), idempotency_key="back")
    again, created = services.tranche_return(actor=manager, today=date(2026, 9, 1), tranche_id=tranche.pk,
                                             returned_on=date(2026, 8, 30), idempotency_key="back")
    assert not created and again.state == "closed"
    assert Journal.objects.filter(kind="contest.tranche_return").count() == 1
    assert balances(award) == {"cash": 96 * M, "reserved": 0, "advance": 0, "spent": 4 * M}
    with pytest.raises(InvalidState):
        services.tranche_return(actor=manager, today=date(2026, 9, 1), tranche_id=tranche.pk,
                                returned_on=date(2026, 8, 30), idempotency_key="back-2")


def test_the_award_summary_counts_only_approved_awards_and_agrees_with_the_ledger(decided, manager):
    approved_award(decided.entry(1), 30 * M, tranches=[20 * M, 10 * M])
    second = approved_award(decided.entry(2), 25 * M)
    services.tranche_pay(actor=manager, today=AWARDS_DAY, tranche_id=second.tranches.get().pk, paid_on=AWARDS_DAY,
                         idempotency_key="pay")
    services.award_prepare(actor=manager, today=AWARDS_DAY, entry_id=decided.entry(3).pk, amount=20 * M)

    summary = selectors.award_summary(decided.contest)

    assert [line.award.rank for line in summary.lines] == [1, 2, 3]
    assert [line.figures.approved for line in summary.lines] == [30 * M, 25 * M, 0]
    assert summary.total == selectors.AwardFigures(approved=55 * M, paid=25 * M, reserved=30 * M, advance=25 * M)
    assert summary.ledger == {"reserved": 30 * M, "advance": 25 * M, "spent": 0}
    assert summary.reconciled


def test_members_see_their_own_enterprises_awards_and_staff_see_all(decided, auditor, judge):
    own = approved_award(decided.entry(1), 30 * M)
    other = approved_award(decided.entry(2), 20 * M)
    member = member_of(decided.entry(1))

    assert list(selectors.awards_visible_to(member)) == [own]
    assert set(selectors.awards_visible_to(auditor)) == {own, other}
    assert not selectors.awards_visible_to(judge).exists()
    assert set(selectors.tranches_visible_to(member)) == set(own.tranches.all())


def test_the_paid_amount_never_passes_the_award_in_the_database(decided):
    award = approved_award(decided.entry(1), 30 * M)

    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.filter(pk=award.pk).update(paid=Money(30 * M + 1, "KRW"))


def test_another_contests_award_leaves_this_contests_fund_and_entries_alone(decided):
    other = final_decided(count=1)
    set_table(other.contest)
    fund(other.contest, 30 * M)

    approved_award(other.entry(1), 30 * M)

    assert balance(decided.contest, chart.CASH) == 100 * M
    assert not EntryNotice.objects.filter(entry__contest=decided.contest).exists()
    assert balance(other.contest, chart.CASH) == 0
