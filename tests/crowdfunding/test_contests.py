"""Contests (소셜 크라우드펀딩 대회) through the services: opening one with its book, its partner institutions, what
they pay into the joint fund (공동기금) through the ledger, and the joint fund by contributor reconciled to the book.
Known answers worked out by hand in the comments."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from core.errors import Forbidden, IdempotencyConflict, InvalidState, NotFound, ValidationFailed
from core.models import AuditEvent
from crowdfunding import accounts as chart
from crowdfunding import services
from crowdfunding.models import Contest, ContestPartner, JointFundContribution
from crowdfunding.selectors import contest_fund, entries_by_phase
from enterprises.models import Institution
from ledger.models import Account, Book, Journal
from ledger.services import credit, debit, journal_post
from tests.factories import AuditorFactory, InstitutionFactory, JudgeFactory, ManagerFactory, MembershipFactory

from .factories import (
    AWARDS_END,
    CALL_CLOSES,
    CALL_OPENS,
    FINAL_ENDS,
    FUNDING_ENDS,
    SCREENING_ENDS,
    ContestFactory,
    EntryFactory,
    PartnerFactory,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 2, 20)
RECEIVED = date(2026, 2, 16)


def create(actor: Any = None, **overrides: Any) -> Contest:
    """Daegu's 2026 contest as a manager announces it: a call in March, screening to 20 April, crowdfunding to the
    end of June, the final to 20 July, awards to the end of August; targets from 1,000,000 to 30,000,000."""
    data: dict[str, Any] = {
        "code": "daegu-2026", "name": "2026 대구 소셜 크라우드펀딩 대회",
        "host": InstitutionFactory(kind=Institution.Kind.MUNICIPALITY),
        "eligible_kinds": ["social", "pre_social", "village", "cooperative"], "eligible_provinces": ["daegu"],
        "call_opens_on": CALL_OPENS, "call_closes_on": CALL_CLOSES, "screening_ends_on": SCREENING_ENDS,
        "funding_ends_on": FUNDING_ENDS, "final_ends_on": FINAL_ENDS, "awards_end_on": AWARDS_END,
        "target_min": 1_000_000, "target_max": 30_000_000, "description": "사회적경제기업의 크라우드펀딩을 돕습니다.",
    }
    data.update(overrides)
    return services.contest_create(actor=actor if actor is not None else ManagerFactory(), today=TODAY, **data)


# --- opening a contest ---------------------------------------------------------------------------------------------


def test_a_manager_opens_a_contest_in_draft_with_its_book_and_chart():
    manager = ManagerFactory()

    contest = create(manager)

    assert contest.phase == "draft" and contest.stage == 1 and contest.previous_stage is None
    assert contest.book.code == "contest-daegu-2026"
    assert set(contest.book.accounts.values_list("code", flat=True)) == {"cash", "expense:awards"}
    assert chart.account(contest.book, chart.CASH).no_overdraft
    assert contest.eligible_kinds == ["pre_social", "social", "village", "cooperative"]  # the kinds' own order
    assert contest.target_min.amount == 1_000_000 and contest.target_max.amount == 30_000_000
    assert contest.created_by == manager
    event = AuditEvent.objects.get(action="crowdfunding.contest.create")
    assert event.actor == manager and event.after["code"] == "daegu-2026"


def test_the_system_opens_a_contest_with_no_actor():
    contest = services.contest_create(
        actor=None, today=TODAY, code="system", name="시스템 대회", host=InstitutionFactory(),
        eligible_kinds=["social"], call_opens_on=CALL_OPENS, call_closes_on=CALL_CLOSES,
        screening_ends_on=SCREENING_ENDS, final_ends_on=FINAL_ENDS, awards_end_on=AWARDS_END, target_max=10_000_000)

    assert contest.created_by is None and contest.funding_ends_on is None
    assert AuditEvent.objects.get(action="crowdfunding.contest.create").actor is None


def test_the_dates_may_touch_where_the_constraints_allow():
    # The call may open and close on one day; the awards may end the day the final does.
    contest = create(call_closes_on=CALL_OPENS, awards_end_on=FINAL_ENDS)

    assert contest.call_closes_on == contest.call_opens_on and contest.awards_end_on == contest.final_ends_on


@pytest.mark.parametrize(("overrides", "field"), [
    ({"call_closes_on": CALL_OPENS - timedelta(days=1)}, "call_closes_on"),
    ({"screening_ends_on": CALL_CLOSES}, "screening_ends_on"),  # screening ends after the call closes
    ({"funding_ends_on": SCREENING_ENDS}, "funding_ends_on"),
    ({"final_ends_on": FUNDING_ENDS}, "final_ends_on"),
    ({"funding_ends_on": None, "final_ends_on": SCREENING_ENDS}, "final_ends_on"),
    ({"awards_end_on": FINAL_ENDS - timedelta(days=1)}, "awards_end_on"),
    ({"call_opens_on": date(1999, 12, 31), "call_closes_on": date(2000, 1, 5)}, "call_opens_on"),
    ({"eligible_kinds": []}, "eligible_kinds"),
    ({"eligible_kinds": ["social", "charity"]}, "eligible_kinds"),
    ({"eligible_kinds": "social"}, "eligible_kinds"),
    ({"eligible_provinces": ["daegu", "atlantis"]}, "eligible_provinces"),
    ({"eligible_provinces": [], "eligible_districts": ["중구"]}, "eligible_districts"),
    ({"eligible_districts": [""]}, "eligible_districts"),
    ({"code": "대구 2026"}, "code"),
    ({"code": ""}, "code"),
    ({"code": "x" * 51}, "code"),
    ({"name": "  "}, "name"),
    ({"target_min": 30_000_001}, "target_max"),
    ({"target_max": 0, "target_min": 0}, "target_max"),
    ({"target_min": -1}, "target_min"),
    ({"target_max": "30000000.5"}, "target_max"),
    ({"target_max": 3.0e7}, "target_max"),
    ({"host": None}, "host"),
])
def test_a_contest_that_breaks_a_rule_is_refused_naming_the_field(overrides, field):
    with pytest.raises(ValidationFailed) as error:
        create(**overrides)

    assert set(error.value.fields) == {field}
    assert not Contest.objects.exists() and not Book.objects.exists()


def test_a_code_is_used_once():
    create()

    with pytest.raises(ValidationFailed) as error:
        create(name="다른 이름")

    assert set(error.value.fields) == {"code"}
    assert Contest.objects.count() == 1


def test_a_later_stage_is_the_stage_after_the_contest_it_names():
    first = create(code="jeonju-year-1")
    second = create(code="jeonju-year-2", previous_stage=first)
    third = create(code="jeonju-year-3", previous_stage=second)

    assert (first.stage, second.stage, third.stage) == (1, 2, 3)
    assert third.previous_stage == second


@pytest.mark.parametrize("role", [AuditorFactory, JudgeFactory, lambda: MembershipFactory().user])
def test_only_a_manager_opens_a_contest(role):
    with pytest.raises(Forbidden):
        create(role())

    assert not Contest.objects.exists()


# --- partners ------------------------------------------------------------------------------------------------------


def test_a_partner_is_added_then_its_pledge_changes_and_each_change_is_audited():
    contest = ContestFactory()
    bank = InstitutionFactory(kind=Institution.Kind.BANK, name="대구은행")
    manager = ManagerFactory()

    partner, created = services.contest_partner_add(actor=manager, today=TODAY, contest_id=contest.pk,
                                                    institution=bank, pledged=50_000_000)
    same, again = services.contest_partner_add(actor=manager, today=TODAY, contest_id=contest.pk,
                                               institution=bank, pledged=80_000_000)
    unchanged, _ = services.contest_partner_add(actor=manager, today=TODAY, contest_id=contest.pk,
                                                institution=bank, pledged=80_000_000)

    assert created and not again and same.pk == partner.pk == unchanged.pk
    assert ContestPartner.objects.get().pledged.amount == 80_000_000
    events = AuditEvent.objects.filter(action="crowdfunding.contest.partner").order_by("id")
    assert [event.after["pledged"]["amount"] for event in events] == ["50000000", "80000000"]  # same: no event
    assert events[1].before["pledged"]["amount"] == "50000000"


def test_the_host_may_be_a_partner_too_and_a_pledge_may_be_nothing():
    contest = ContestFactory()

    partner, created = services.contest_partner_add(actor=ManagerFactory(), today=TODAY, contest_id=contest.pk,
                                                    institution=contest.host)

    assert created and partner.institution == contest.host and partner.pledged.amount == 0


@pytest.mark.parametrize(("pledged", "field"), [(-1, "pledged"), ("1.5", "pledged"), (1.0, "pledged")])
def test_a_bad_pledge_is_refused_naming_it(pledged, field):
    with pytest.raises(ValidationFailed) as error:
        services.contest_partner_add(actor=ManagerFactory(), today=TODAY, contest_id=ContestFactory().pk,
                                     institution=InstitutionFactory(), pledged=pledged)

    assert set(error.value.fields) == {field}
    assert not ContestPartner.objects.exists()


def test_no_partner_joins_a_closed_contest_nor_a_missing_one():
    closed = ContestFactory(phase="closed")

    with pytest.raises(InvalidState) as error:
        services.contest_partner_add(actor=ManagerFactory(), today=TODAY, contest_id=closed.pk,
                                     institution=InstitutionFactory())
    assert set(error.value.fields) == {"phase"}
    with pytest.raises(NotFound):
        services.contest_partner_add(actor=ManagerFactory(), today=TODAY, contest_id=10**9,
                                     institution=InstitutionFactory())
    with pytest.raises(Forbidden):
        services.contest_partner_add(actor=AuditorFactory(), today=TODAY, contest_id=closed.pk,
                                     institution=InstitutionFactory())


# --- contributions to the joint fund -------------------------------------------------------------------------------


def contribute(actor: Any, partner: ContestPartner, amount: Any = 50_000_000, *, key: str = "k-1",
               **overrides: Any) -> tuple[JointFundContribution, bool]:
    data = {"contest_id": partner.contest_id, "partner_id": partner.pk, "amount": amount, "received_on": RECEIVED,
            "idempotency_key": key, "today": TODAY, **overrides}
    return services.contribution_record(actor=actor, **data)


def test_a_contribution_puts_cash_in_the_fund_against_the_partner_in_one_journal(manager):
    partner = PartnerFactory(institution__name="한국산업단지공단")

    contribution, created = contribute(manager, partner, 50_000_000, memo="1차 출연")

    assert created and contribution.amount.amount == 50_000_000 and contribution.received_on == RECEIVED
    book = partner.contest.book
    assert chart.account(book, chart.CASH).balance.amount == 50_000_000
    account = chart.account(book, chart.contribution_code(partner.institution_id))
    assert account.balance.amount == 50_000_000 and account.type == "equity"
    assert account.name == "출연금 한국산업단지공단"
    journal = contribution.journal
    assert journal.effective_date == RECEIVED and journal.kind == "contest.contribution"
    assert journal.idempotency_key.startswith(f"contest:{partner.contest_id}:contribution:")
    assert [(e.side, e.amount.amount) for e in journal.entries.order_by("side")] == [
        ("C", 50_000_000), ("D", 50_000_000)]
    event = AuditEvent.objects.get(action="crowdfunding.contest.contribution")
    assert event.actor == manager and event.after["amount"]["amount"] == "50000000"


def test_the_same_contribution_sent_again_is_the_first_one(manager):
    partner = PartnerFactory()

    first, created = contribute(manager, partner, key="bank-transfer-0216")
    again, created_again = contribute(manager, partner, key="bank-transfer-0216")

    assert created and not created_again and again.pk == first.pk
    assert Journal.objects.filter(book=partner.contest.book).count() == 1
    assert chart.account(partner.contest.book, chart.CASH).balance.amount == 50_000_000


@pytest.mark.parametrize("change", [{"amount": 40_000_000}, {"received_on": RECEIVED - timedelta(days=1)},
                                    {"actor": "another manager"}, {"partner": "another partner"}])
def test_a_key_used_again_with_something_else_is_a_conflict(manager, change):
    partner = PartnerFactory()
    contribute(manager, partner, key="k")
    overrides: dict[str, Any] = dict(change)
    actor = ManagerFactory() if overrides.pop("actor", None) else manager
    if overrides.pop("partner", None):
        overrides["partner_id"] = PartnerFactory(contest=partner.contest).pk

    with pytest.raises(IdempotencyConflict) as error:
        contribute(actor, partner, key="k", **overrides)

    assert set(error.value.fields) == {"idempotency_key"}
    assert JointFundContribution.objects.count() == 1


@pytest.mark.parametrize(("overrides", "field"), [
    ({"amount": 0}, "amount"),
    ({"amount": -5}, "amount"),
    ({"amount": "1000.5"}, "amount"),
    ({"received_on": TODAY + timedelta(days=1)}, "received_on"),  # not in the future
    ({"idempotency_key": " "}, "idempotency_key"),
    ({"idempotency_key": "k" * 201}, "idempotency_key"),
    ({"partner_id": 10**9}, "partner"),
])
def test_a_bad_contribution_is_refused_naming_the_field(manager, overrides, field):
    partner = PartnerFactory()

    with pytest.raises(ValidationFailed) as error:
        contribute(manager, partner, **overrides)

    assert set(error.value.fields) == {field}
    assert not JointFundContribution.objects.exists() and not Journal.objects.exists()


def test_a_partner_of_another_contest_pays_nothing_into_this_one(manager):
    partner = PartnerFactory()
    other = ContestFactory()

    with pytest.raises(ValidationFailed) as error:
        contribute(manager, partner, contest_id=other.pk)

    assert set(error.value.fields) == {"partner"}


def test_a_closed_contest_takes_no_money_but_a_replay_still_answers(manager):
    partner = PartnerFactory()
    first, _ = contribute(manager, partner, key="before-closing")
    Contest.objects.filter(pk=partner.contest_id).update(phase="closed")

    again, created = contribute(manager, partner, key="before-closing")
    with pytest.raises(InvalidState):
        contribute(manager, partner, key="after-closing")

    assert again.pk == first.pk and not created
    with pytest.raises(Forbidden):
        contribute(AuditorFactory(), partner, key="auditor")


# --- the joint fund, reconciled ------------------------------------------------------------------------------------


def test_the_joint_fund_by_contributor_reconciles_to_the_book(manager):
    # The city pledged 50,000,000 and paid it in two transfers (30,000,000 + 20,000,000); the bank pledged
    # 30,000,000 and paid 10,000,000 so far. The fund holds 60,000,000 in cash.
    contest = ContestFactory()
    city = PartnerFactory(contest=contest, institution=contest.host, pledged=50_000_000)
    bank = PartnerFactory(contest=contest, institution__kind=Institution.Kind.BANK, pledged=30_000_000)
    contribute(manager, city, 30_000_000, key="city-1")
    contribute(manager, city, 20_000_000, key="city-2")
    contribute(manager, bank, 10_000_000, key="bank-1")

    fund = contest_fund(contest)

    lines = [(line.partner_id, line.pledged, line.paid, line.ledger, line.outstanding) for line in fund.contributors]
    assert lines == [(city.pk, 50_000_000, 50_000_000, 50_000_000, 0),
                     (bank.pk, 30_000_000, 10_000_000, 10_000_000, 20_000_000)]
    assert (fund.pledged, fund.paid, fund.contributions, fund.cash) == (80_000_000, 60_000_000, 60_000_000,
                                                                         60_000_000)
    assert (fund.reserved, fund.advanced, fund.spent) == (0, 0, 0)
    assert fund.reconciled


def test_money_reserved_paid_and_spent_on_awards_still_reconciles(manager):
    # 60,000,000 in; an award of 20,000,000 reserved, 5,000,000 of it paid as a tranche, 3,000,000 of that
    # settled as spent: cash 40,000,000 + reserved 15,000,000 + advanced 2,000,000 + spent 3,000,000 = 60,000,000.
    contest = ContestFactory()
    contribute(manager, PartnerFactory(contest=contest), 60_000_000)
    reserved, advance = chart.award_accounts(contest.book, 1)
    cash, spent = chart.account(contest.book, chart.CASH), chart.account(contest.book, chart.AWARD_EXPENSE)
    for number, (to, frm, amount) in enumerate([(reserved, cash, 20_000_000), (advance, reserved, 5_000_000),
                                                (spent, advance, 3_000_000)]):
        journal_post(lines=[debit(to, amount), credit(frm, amount)], kind="test", effective_date=RECEIVED,
                     idempotency_key=f"award-test-{number}")

    fund = contest_fund(contest)

    assert (fund.cash, fund.reserved, fund.advanced, fund.spent) == (40_000_000, 15_000_000, 2_000_000, 3_000_000)
    assert fund.contributions == 60_000_000 and fund.reconciled


def test_money_in_the_book_that_no_contribution_records_does_not_reconcile(manager):
    contest = ContestFactory()
    partner = PartnerFactory(contest=contest)
    contribute(manager, partner, 10_000_000)
    journal_post(lines=[debit(chart.account(contest.book, chart.CASH), 1_000_000),
                        credit(Account.objects.get(book=contest.book, code=f"contribution:{partner.institution_id}"),
                               1_000_000)],
                 kind="test", effective_date=RECEIVED, idempotency_key="unrecorded")

    fund = contest_fund(contest)

    assert (fund.paid, fund.contributions) == (10_000_000, 11_000_000)
    assert not fund.reconciled


def test_entries_are_counted_by_state_every_state_named():
    contest = ContestFactory()
    EntryFactory.create_batch(3, contest=contest)
    EntryFactory(contest=contest, state="draft", submitted_at=None)
    EntryFactory(contest=contest, state="withdrawn")
    EntryFactory(state="draft")  # another contest's

    assert entries_by_phase(contest) == {"draft": 1, "submitted": 3, "withdrawn": 1, "advanced": 0, "selected": 0,
                                         "not_advanced": 0}
