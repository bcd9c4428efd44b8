"""Claims (대위변제), the 구상채권 they open, recoveries (구상) and write-offs, through the services.

The known answers are worked out by hand in the comments (actual/365, simple interest; the claim's interest rounded
to 10 won floor as the program says, damages kept to the won with the fraction carried in 365ths)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from djmoney.money import Money

from core.engines import claims as engine
from core.errors import (
    Forbidden,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidState,
    LimitExceeded,
    NotFound,
    ValidationFailed,
)
from core.models import AuditEvent
from guarantees import accounts as chart
from guarantees import services
from guarantees.models import Claim, Guarantee, GuaranteeProgram, RecourseWriteOff, Recovery
from guarantees.selectors import program_claims, program_position, recourse_by_enterprise, recourse_position
from ledger.models import Account, Journal
from ledger.selectors import ledger_check
from ledger.services import credit, debit, journal_post
from tests.factories import BankOfficerFactory, InstitutionFactory, ManagerFactory

from .claim_factories import officer_of, paid_claim, prepared_claim, request_claim, set_defaulted
from .factories import contribute, make_guarantee, make_program

pytestmark = pytest.mark.django_db
EOK = 100_000_000


def balance(program: GuaranteeProgram, code: str) -> Decimal:
    return Account.objects.get(book=program.book, code=code).balance.amount


def ledger_is_clean() -> None:
    report = ledger_check()
    assert report.ok, report.problems


# --- the claim ----------------------------------------------------------------------------------------------------


@pytest.fixture
def case_90(db):
    """90 %: a 30,000,000 loan at 5 % from 2026-03-02, nothing repaid, interest paid up to 2026-05-02, defaulted on
    2026-06-02; the bank claims on 2026-07-01 with 500,000 of costs."""
    program = make_program(guarantee_ratio=Decimal("0.90"))
    contribute(program, 10 * EOK)
    guarantee = make_guarantee(program, amount=30_000_000, loan_rate=Decimal("0.05000"), start_on=date(2026, 3, 2))
    set_defaulted(guarantee, defaulted_on=date(2026, 6, 2), interest_paid_to=date(2026, 5, 2))
    return program, guarantee


def test_a_claim_at_90_percent_is_principal_interest_and_costs_capped_at_the_face_amount(case_90, manager):
    _program, guarantee = case_90
    claim = request_claim(guarantee, requested_on=date(2026, 7, 1), today=timezone.localdate(), interest=300_000,
                          costs=500_000)

    claim = services.claim_prepare(actor=manager, claim_id=claim.pk, paid_on=date(2026, 7, 15),
                                   today=timezone.localdate())

    # Interest from 2026-05-02 up to (not including) 2026-07-15: May 2-31 is 30 days, June 30, July 1-14 is 14: 74.
    # 30,000,000 x 0.05 x 74 / 365 = 111,000,000 / 365 = 304,109.58.. -> 304,100 (10 won floor).
    # Position: 30,000,000 + 304,100 + 500,000 = 30,804,100; x 0.90 = 27,723,690; the face amount is 30,000,000 x
    # 0.90 = 27,000,000, which caps it: the program pays 27,000,000 and the bank keeps 3,804,100 of its position.
    assert claim.state == "prepared"
    assert claim.interest_days == 74
    assert claim.principal.amount == 30_000_000
    assert claim.interest.amount == 304_100
    assert claim.costs.amount == 500_000
    assert claim.cap.amount == 27_000_000
    assert claim.amount.amount == 27_000_000
    assert claim.requested_interest.amount == 300_000  # the bank's own figure, kept as asked


@pytest.fixture
def case_85(db):
    """85 %: a 20,000,000 loan at 4.5 %, 12,000,000 left when it defaulted on 2026-05-11, interest paid up to
    2026-04-10; the program has 10억 from the county (12x: 120억 of capacity)."""
    program = make_program(guarantee_ratio=Decimal("0.85"))
    contribute(program, 10 * EOK)
    guarantee = make_guarantee(program, amount=20_000_000, loan_rate=Decimal("0.04500"), start_on=date(2026, 1, 20))
    set_defaulted(guarantee, defaulted_on=date(2026, 5, 11), interest_paid_to=date(2026, 4, 10), balance=12_000_000)
    return program, guarantee


def _prepared_85(guarantee: Guarantee, preparer) -> Claim:
    return prepared_claim(guarantee, requested_on=date(2026, 6, 1), paid_on=date(2026, 6, 30),
                          today=timezone.localdate(), costs=300_000, preparer=preparer)


def test_a_claim_at_85_percent_pays_85_percent_of_the_whole_position(case_85, manager):
    _program, guarantee = case_85

    claim = _prepared_85(guarantee, manager)

    # Interest from 2026-04-10 up to 2026-06-30: April 10-30 is 21 days, May 31, June 1-29 is 29: 81.
    # 12,000,000 x 0.045 x 81 / 365 = 43,740,000 / 365 = 119,835.61.. -> 119,830.
    # Position: 12,000,000 + 119,830 + 300,000 = 12,419,830; x 0.85 = 10,556,855.5 -> 10,556,850 (10 won floor);
    # below the face amount (20,000,000 x 0.85 = 17,000,000): the program pays 10,556,850.
    assert claim.interest_days == 81
    assert claim.interest.amount == 119_830
    assert claim.cap.amount == 10_556_850
    assert claim.amount.amount == 10_556_850


def test_approving_pays_the_bank_from_cash_opens_the_recourse_and_releases_the_capacity(case_85, manager,
                                                                                         other_manager):
    program, guarantee = case_85
    claim = _prepared_85(guarantee, manager)
    assert GuaranteeProgram.objects.get(pk=program.pk).committed.amount == 10_200_000  # 12,000,000 x 0.85
    capacity_before = program_position(program).capacity

    claim, paid_now = services.claim_approve(actor=other_manager, claim_id=claim.pk, idempotency_key="pay-1",
                                             today=timezone.localdate(), reason="서류 확인")

    assert paid_now and claim.state == "paid"
    assert balance(program, chart.CASH) == 10 * EOK - 10_556_850
    assert balance(program, chart.CLAIMS_EXPENSE) == 10_556_850
    assert balance(program, chart.recourse_code(claim.pk)) == 10_556_850
    assert balance(program, chart.recourse_memo_code(claim.pk)) == 10_556_850
    journal = Journal.objects.get(pk=claim.journal_id)
    assert journal.kind == "guarantee.claim" and journal.effective_date == date(2026, 6, 30)
    assert claim.recourse_principal.amount == 10_556_850 and claim.recourse_since == date(2026, 6, 30)
    guarantee.refresh_from_db()
    assert guarantee.state == "claimed" and guarantee.guaranteed.amount == 0
    assert GuaranteeProgram.objects.get(pk=program.pk).committed.amount == 0
    # Capacity: (1,000,000,000 - 10,556,850) x 12 = 11,873,317,800, down by 10,556,850 x 12 = 126,682,200.
    position = program_position(program)
    assert position.capacity == 11_873_317_800
    assert capacity_before - position.capacity == 126_682_200
    actions = AuditEvent.objects.filter(action__startswith="guarantees.claim.").values_list("action", flat=True)
    assert sorted(actions) == ["guarantees.claim.approve", "guarantees.claim.prepare", "guarantees.claim.request"]
    ledger_is_clean()


def test_capacity_falls_by_claims_less_recoveries_times_the_multiple(case_85, manager, other_manager):
    program, guarantee = case_85
    before = program_position(program).capacity
    claim = _prepared_85(guarantee, manager)
    services.claim_approve(actor=other_manager, claim_id=claim.pk, idempotency_key="k", today=timezone.localdate())

    services.recovery_record(actor=manager, claim_id=claim.pk, amount=2_000_000, received_on=date(2026, 7, 30),
                             idempotency_key="r1", today=timezone.localdate())

    # (1,000,000,000 - (10,556,850 - 2,000,000)) x 12 = 991,443,150 x 12 = 11,897,317,800:
    # down by (10,556,850 - 2,000,000) x 12 = 102,682,200.
    position = program_position(program)
    assert position.capacity == 11_897_317_800
    assert before - position.capacity == 8_556_850 * 12
    assert position.net_losses == 8_556_850


# --- recoveries: costs, then damages, then principal, across a leap day -------------------------------------------


def charge_costs(claim: Claim, amount: int, on: date) -> Claim:
    """The guarantor's costs of recovering (a court fee), added to the 구상채권 with its memorandum pair, as a costs
    charge would (no service charges them yet: the engine's ``charge_costs`` and a journal stand in)."""
    state = engine.charge_costs(claim.recourse(), Decimal(amount))
    Claim.objects.filter(pk=claim.pk).update(recourse_costs=Money(state.costs, "KRW"))
    book = claim.guarantee.program.book
    journal_post(lines=[debit(chart.account(book, chart.recourse_code(claim.pk)), amount),
                        credit(chart.account(book, chart.recourse_memo_code(claim.pk)), amount)],
                 kind="test.recourse_costs", effective_date=on, idempotency_key=f"test-costs-{claim.pk}")
    claim.refresh_from_db()
    return claim


@pytest.fixture
def leap_claim(db):
    """A claim paid on 2024-01-15, before the leap day: a 10,000,000 loan at 5 % from 2023-07-03 (100 %), 8,000,000
    left, interest paid up to 2023-12-03. Interest 2023-12-03 to 2024-01-15 is 29 + 14 = 43 days: 8,000,000 x 0.05 x
    43 / 365 = 47,123.28.. -> 47,120; the program pays 8,047,120 (under the 10,000,000 face amount). Then 200,000 of
    costs of recovering are charged."""
    program = make_program(code="leap-2023", year=2023, opens_on=date(2023, 1, 1), closes_on=date(2023, 12, 31))
    services.contribution_record(actor=None, program_id=program.pk, source="city", amount=EOK,
                                 received_on=date(2023, 6, 1), idempotency_key="seed", today=timezone.localdate())
    guarantee = make_guarantee(program, amount=10_000_000, loan_rate=Decimal("0.05000"), start_on=date(2023, 7, 3))
    set_defaulted(guarantee, defaulted_on=date(2023, 12, 4), interest_paid_to=date(2023, 12, 3), balance=8_000_000)
    claim = paid_claim(guarantee, requested_on=date(2023, 12, 20), paid_on=date(2024, 1, 15),
                       today=timezone.localdate())
    assert claim.amount.amount == 8_047_120 and claim.interest.amount == 47_120
    return charge_costs(claim, 200_000, date(2024, 2, 1))


def test_recoveries_pay_costs_then_damages_then_principal_with_damages_over_the_leap_day(leap_claim, manager):
    claim = leap_claim
    program = claim.guarantee.program
    memo = chart.recourse_memo_code(claim.pk)
    assert balance(program, memo) == 8_047_120 + 200_000

    first, _new = services.recovery_record(actor=manager, claim_id=claim.pk, amount=500_000,
                                           received_on=date(2024, 3, 15), idempotency_key="r1",
                                           today=timezone.localdate())

    # Damages from 2024-01-15 up to 2024-03-15: January 15-31 is 17 days, February 29 (a leap year), March 1-14 is
    # 14: 60 days. 8,047,120 x 0.12 x 60 / 365 = 57,939,264 / 365 = 158,737 and 259/365 of a won (carried).
    # 500,000 pays the 200,000 of costs, the 158,737 of damages, and 141,263 of principal: 7,905,857 left.
    assert first.accrued.amount == 158_737
    assert (first.costs.amount, first.damages.amount, first.principal.amount) == (200_000, 158_737, 141_263)
    claim.refresh_from_db()
    assert claim.recourse_principal.amount == 7_905_857 and claim.recourse_costs.amount == 0
    assert claim.damages_carry == Decimal(259) and claim.recourse_since == date(2024, 3, 15)
    assert balance(program, memo) == 7_905_857  # down by costs and principal paid: 341,263
    assert balance(program, chart.recourse_code(claim.pk)) == 7_905_857
    assert Guarantee.objects.get(pk=claim.guarantee_id).state == "recovering"

    # Damages from 2024-03-15 up to 2024-12-31: 17 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 30 = 291 days.
    # 7,905,857 x 0.12 x 291 = 276,072,526.44, + the 259 carried = 276,072,785.44 (365ths): 756,363 won.
    # Owed on 2024-12-31: 756,363 + 7,905,857 = 8,662,220. A won more is refused, stating it.
    with pytest.raises(LimitExceeded) as refused:
        services.recovery_record(actor=manager, claim_id=claim.pk, amount=8_662_221, received_on=date(2024, 12, 31),
                                 idempotency_key="too-much", today=timezone.localdate())
    assert "8,662,220" in refused.value.message and "amount" in refused.value.fields
    assert recourse_position(claim, date(2024, 12, 31)).total == 8_662_220  # type: ignore[union-attr]

    last, _new = services.recovery_record(actor=manager, claim_id=claim.pk, amount=8_662_220,
                                          received_on=date(2024, 12, 31), idempotency_key="r2",
                                          today=timezone.localdate())

    assert (last.costs.amount, last.damages.amount, last.principal.amount) == (0, 756_363, 7_905_857)
    claim.refresh_from_db()
    assert claim.settled_on == date(2024, 12, 31) and claim.damages_carry == 0
    assert balance(program, memo) == 0 and balance(program, chart.recourse_code(claim.pk)) == 0
    assert balance(program, chart.RECOVERY_INCOME) == 9_162_220
    guarantee = Guarantee.objects.get(pk=claim.guarantee_id)
    assert guarantee.state == "closed" and guarantee.closed_on == date(2024, 12, 31)
    with pytest.raises(InvalidState):
        services.recovery_record(actor=manager, claim_id=claim.pk, amount=1, received_on=date(2025, 1, 2),
                                 idempotency_key="r3", today=timezone.localdate())
    ledger_is_clean()


def test_a_recovery_dated_before_the_last_one_is_refused_naming_the_date(leap_claim, manager):
    services.recovery_record(actor=manager, claim_id=leap_claim.pk, amount=100_000, received_on=date(2024, 3, 15),
                             idempotency_key="r1", today=timezone.localdate())
    with pytest.raises(ValidationFailed) as refused:
        services.recovery_record(actor=manager, claim_id=leap_claim.pk, amount=100_000,
                                 received_on=date(2024, 3, 14), idempotency_key="r2", today=timezone.localdate())
    assert "received_on" in refused.value.fields
    assert Recovery.objects.count() == 1


# --- write-offs -------------------------------------------------------------------------------------------------


def test_a_write_off_clears_the_memo_pair_and_a_later_recovery_is_income(case_85, manager, other_manager):
    program, guarantee = case_85
    claim = _prepared_85(guarantee, ManagerFactory())
    services.claim_approve(actor=other_manager, claim_id=claim.pk, idempotency_key="k", today=timezone.localdate())
    # 2,000,000 on 2026-07-30: damages over 30 days, 10,556,850 x 0.12 x 30 / 365 = 38,004,660 / 365 = 104,122 (and
    # 130/365 carried); principal paid 1,895,878, 8,660,972 left.
    services.recovery_record(actor=manager, claim_id=claim.pk, amount=2_000_000, received_on=date(2026, 7, 30),
                             idempotency_key="r1", today=timezone.localdate())

    asked = services.recourse_write_off_request(actor=manager, claim_id=claim.pk, reason="폐업, 재산 없음",
                                                today=date(2026, 8, 31))
    with pytest.raises(InvalidState):  # four eyes
        services.recourse_write_off_approve(actor=manager, claim_id=claim.pk, today=date(2026, 8, 31))
    written = services.recourse_write_off_approve(actor=other_manager, claim_id=claim.pk, today=date(2026, 8, 31),
                                                  reason="위원회 의결")

    # On 2026-08-31: damages over 32 days, 8,660,972 x 0.12 x 32 = 33,258,132.48 + 130 = 33,258,262.48 (365ths):
    # 91,118 won. Written off: the principal, 8,660,972 (no costs); the damages are noted, never booked.
    assert asked.amount.amount == written.amount.amount == 8_660_972
    assert written.state == "approved" and written.damages.amount == 91_118
    assert balance(program, chart.recourse_code(claim.pk)) == 0
    assert balance(program, chart.recourse_memo_code(claim.pk)) == 0
    assert Guarantee.objects.get(pk=guarantee.pk).state == "written_off"
    capacity = program_position(program).capacity
    assert recourse_by_enterprise([guarantee.enterprise_id]) == {}

    later, _new = services.recovery_record(actor=manager, claim_id=claim.pk, amount=1_000_000,
                                           received_on=date(2026, 9, 30), idempotency_key="r2",
                                           today=date(2026, 9, 30))

    # Damages from 2026-07-30 over 62 days: 8,660,972 x 0.12 x 62 = 64,437,631.68 + 130: 176,541 won; the rest,
    # 823,459, is principal. Income only: the memorandum pair stays cleared, the guarantee written off.
    assert later.after_write_off
    assert (later.damages.amount, later.principal.amount) == (176_541, 823_459)
    assert balance(program, chart.RECOVERY_INCOME) == 3_000_000
    assert balance(program, chart.recourse_memo_code(claim.pk)) == 0
    assert Guarantee.objects.get(pk=guarantee.pk).state == "written_off"
    # Capacity rises by the recovery x 12.
    assert program_position(program).capacity - capacity == 12_000_000
    with pytest.raises(ValidationFailed) as refused:  # not dated before the write-off
        services.recovery_record(actor=manager, claim_id=claim.pk, amount=1_000, received_on=date(2026, 8, 30),
                                 idempotency_key="r3", today=date(2026, 9, 30))
    assert "received_on" in refused.value.fields
    with pytest.raises(InvalidState):
        services.recourse_write_off_request(actor=manager, claim_id=claim.pk, reason="again", today=date(2026, 9, 30))
    ledger_is_clean()


def test_a_write_off_needs_a_reason_a_request_and_an_open_recourse(case_85, manager, other_manager):
    _program, guarantee = case_85
    claim = _prepared_85(guarantee, manager)
    with pytest.raises(InvalidState):  # not paid yet
        services.recourse_write_off_request(actor=manager, claim_id=claim.pk, reason="x", today=timezone.localdate())
    services.claim_approve(actor=other_manager, claim_id=claim.pk, idempotency_key="k", today=timezone.localdate())
    with pytest.raises(ValidationFailed) as refused:
        services.recourse_write_off_request(actor=manager, claim_id=claim.pk, reason="  ", today=timezone.localdate())
    assert "reason" in refused.value.fields
    with pytest.raises(InvalidState):  # nothing asked for
        services.recourse_write_off_approve(actor=manager, claim_id=claim.pk, today=timezone.localdate())
    assert RecourseWriteOff.objects.count() == 0


# --- refusals -----------------------------------------------------------------------------------------------------


def test_only_the_guarantees_own_bank_may_claim_and_only_on_a_default(case_85):
    program, guarantee = case_85
    today = timezone.localdate()
    stranger = BankOfficerFactory(institution=InstitutionFactory(kind="bank"))
    with pytest.raises(NotFound):
        request_claim(guarantee, requested_on=date(2026, 6, 1), today=today, officer=stranger)
    with pytest.raises(NotFound):
        services.claim_request(actor=officer_of(guarantee), guarantee_id=10**9, principal=1, requested_on=today,
                               today=today)
    with pytest.raises(Forbidden):
        request_claim(guarantee, requested_on=date(2026, 6, 1), today=today, officer=ManagerFactory())
    active = make_guarantee(program, amount=10_000_000)
    with pytest.raises(InvalidState) as refused:
        request_claim(active, requested_on=date(2026, 6, 1), today=today)
    assert "보증 중" in refused.value.message or "Active" in refused.value.message
    assert Claim.objects.count() == 0


@pytest.mark.parametrize(("field", "values"), [
    ("principal", {"principal": 12_000_001}),  # more than the loan's balance
    ("principal", {"principal": 0}),
    ("principal", {"principal": "1.5"}),
    ("interest", {"interest": -1}),
    ("costs", {"costs": "abc"}),
    ("requested_on", {"requested_on": date(2026, 5, 10)}),  # before the default
    ("requested_on", {"requested_on": date(2099, 1, 1)}),  # in the future
])
def test_a_bad_request_is_refused_naming_the_field(case_85, field, values):
    _program, guarantee = case_85
    data = {"principal": 12_000_000, "interest": 0, "costs": 0, "requested_on": date(2026, 6, 1), **values}
    with pytest.raises(ValidationFailed) as refused:
        services.claim_request(actor=officer_of(guarantee), guarantee_id=guarantee.pk, today=timezone.localdate(),
                               **data)
    assert field in refused.value.fields
    assert Claim.objects.count() == 0


def test_one_open_claim_per_guarantee_and_a_rejected_one_leaves_room(case_85, manager, other_manager):
    _program, guarantee = case_85
    today = timezone.localdate()
    claim = request_claim(guarantee, requested_on=date(2026, 6, 1), today=today)
    with pytest.raises(InvalidState):
        request_claim(guarantee, requested_on=date(2026, 6, 2), today=today)
    services.claim_prepare(actor=manager, claim_id=claim.pk, paid_on=date(2026, 6, 30), today=today)
    with pytest.raises(InvalidState):  # four eyes
        services.claim_reject(actor=manager, claim_id=claim.pk, reason="서류 미비", today=today)
    services.claim_reject(actor=other_manager, claim_id=claim.pk, reason="서류 미비", today=today)

    again = request_claim(guarantee, requested_on=date(2026, 6, 2), today=today)

    assert again.state == "requested"
    with pytest.raises(InvalidState):
        services.claim_prepare(actor=manager, claim_id=claim.pk, paid_on=date(2026, 6, 30), today=today)


@pytest.mark.parametrize(("field", "paid_on", "costs"), [
    ("paid_on", date(2026, 5, 31), None),  # before the bank's request
    ("paid_on", date(2099, 1, 1), None),  # too far ahead
    ("costs", date(2026, 6, 30), 300_001),  # more than the bank claimed
    ("costs", date(2026, 6, 30), -5),
])
def test_a_bad_preparation_is_refused_naming_the_field(case_85, manager, field, paid_on, costs):
    _program, guarantee = case_85
    claim = request_claim(guarantee, requested_on=date(2026, 6, 1), today=timezone.localdate(), costs=300_000)
    with pytest.raises(ValidationFailed) as refused:
        services.claim_prepare(actor=manager, claim_id=claim.pk, paid_on=paid_on, costs=costs,
                               today=timezone.localdate())
    assert field in refused.value.fields
    claim.refresh_from_db()
    assert claim.state == "requested"


def test_the_manager_who_prepared_may_not_approve_nor_before_the_payment_date(case_85, manager, other_manager):
    _program, guarantee = case_85
    claim = _prepared_85(guarantee, manager)
    with pytest.raises(InvalidState):
        services.claim_approve(actor=manager, claim_id=claim.pk, idempotency_key="k", today=timezone.localdate())
    with pytest.raises(InvalidState) as refused:
        services.claim_approve(actor=other_manager, claim_id=claim.pk, idempotency_key="k", today=date(2026, 6, 29))
    assert "2026-06-30" in refused.value.message
    with pytest.raises(Forbidden):
        services.claim_approve(actor=officer_of(guarantee), claim_id=claim.pk, idempotency_key="k",
                               today=timezone.localdate())
    assert Claim.objects.get(pk=claim.pk).state == "prepared"
    assert Journal.objects.filter(kind="guarantee.claim").count() == 0


def test_a_claim_the_cash_cannot_pay_is_refused_clearly_and_nothing_moves(manager, other_manager):
    program = make_program(guarantee_ratio=Decimal("0.85"))
    contribute(program, 5_000_000)
    guarantee = make_guarantee(program, amount=20_000_000, loan_rate=Decimal("0.04500"), start_on=date(2026, 1, 20))
    set_defaulted(guarantee, defaulted_on=date(2026, 5, 11), interest_paid_to=date(2026, 4, 10), balance=12_000_000)
    claim = _prepared_85(guarantee, manager)

    with pytest.raises(InsufficientFunds) as refused:
        services.claim_approve(actor=other_manager, claim_id=claim.pk, idempotency_key="k", today=timezone.localdate())

    assert "5,000,000" in refused.value.message and "10,556,850" in refused.value.message
    assert Claim.objects.get(pk=claim.pk).state == "prepared"
    assert balance(program, chart.CASH) == 5_000_000
    assert not Account.objects.filter(code__startswith="recourse").exists()


def test_approving_again_with_the_same_key_gives_the_payment_back_and_another_key_is_refused(case_85, manager,
                                                                                           other_manager):
    program, guarantee = case_85
    claim = _prepared_85(guarantee, manager)
    services.claim_approve(actor=other_manager, claim_id=claim.pk, idempotency_key="k", today=timezone.localdate())

    again, paid_now = services.claim_approve(actor=other_manager, claim_id=claim.pk, idempotency_key="k",
                                             today=timezone.localdate())

    assert not paid_now and again.pk == claim.pk
    with pytest.raises(InvalidState):
        services.claim_approve(actor=other_manager, claim_id=claim.pk, idempotency_key="k2",
                               today=timezone.localdate())
    assert Journal.objects.filter(kind="guarantee.claim").count() == 1
    assert balance(program, chart.CLAIMS_EXPENSE) == 10_556_850


def test_recoveries_replay_with_their_key_and_refuse_it_to_others_or_other_content(case_85, manager, other_manager):
    _program, guarantee = case_85
    claim = paid_claim(guarantee, requested_on=date(2026, 6, 1), paid_on=date(2026, 6, 30),
                       today=timezone.localdate(), costs=300_000)
    first, new = services.recovery_record(actor=manager, claim_id=claim.pk, amount=100_000,
                                          received_on=date(2026, 7, 1), idempotency_key="r", today=timezone.localdate())
    assert new

    again, new = services.recovery_record(actor=manager, claim_id=claim.pk, amount=100_000,
                                          received_on=date(2026, 7, 1), idempotency_key="r", today=timezone.localdate())

    assert not new and again.pk == first.pk
    with pytest.raises(IdempotencyConflict):
        services.recovery_record(actor=manager, claim_id=claim.pk, amount=100_001, received_on=date(2026, 7, 1),
                                 idempotency_key="r", today=timezone.localdate())
    with pytest.raises(IdempotencyConflict):
        services.recovery_record(actor=other_manager, claim_id=claim.pk, amount=100_000,
                                 received_on=date(2026, 7, 1), idempotency_key="r", today=timezone.localdate())
    assert Recovery.objects.count() == 1


def test_a_recovery_on_a_claim_not_paid_is_refused(case_85, manager):
    _program, guarantee = case_85
    claim = _prepared_85(guarantee, manager)
    with pytest.raises(InvalidState):
        services.recovery_record(actor=manager, claim_id=claim.pk, amount=100, received_on=date(2026, 7, 1),
                                 idempotency_key="r", today=timezone.localdate())


# --- what the lead merges: exposure and the program's position ---------------------------------------------------


def test_recourse_by_enterprise_is_principal_and_costs_outstanding(leap_claim, manager):
    enterprise_id = leap_claim.guarantee.enterprise_id
    assert recourse_by_enterprise([enterprise_id]) == {enterprise_id: 8_047_120 + 200_000}
    services.recovery_record(actor=manager, claim_id=leap_claim.pk, amount=500_000, received_on=date(2024, 3, 15),
                             idempotency_key="r1", today=timezone.localdate())
    assert recourse_by_enterprise([enterprise_id, 10**9]) == {enterprise_id: 7_905_857}


def test_program_claims_gives_claims_recoveries_net_loss_and_rates(case_85, manager, other_manager):
    program, guarantee = case_85
    make_guarantee(program, amount=10_000_000)  # executed too: 10,000,000 x 0.85 = 8,500,000 of face
    claim = _prepared_85(guarantee, manager)
    services.claim_approve(actor=other_manager, claim_id=claim.pk, idempotency_key="k", today=timezone.localdate())
    services.recovery_record(actor=manager, claim_id=claim.pk, amount=2_000_000, received_on=date(2026, 7, 30),
                             idempotency_key="r1", today=timezone.localdate())

    figures = program_claims(program)

    # Executed: 17,000,000 + 8,500,000 = 25,500,000. Claim rate 10,556,850 / 25,500,000 = 0.41399.. -> 0.4140;
    # recovery rate 2,000,000 / 10,556,850 = 0.18945.. -> 0.1895.
    assert figures.claims_paid == 10_556_850 and figures.recoveries == 2_000_000
    assert figures.net_loss == 8_556_850 and figures.claims_count == 1
    assert figures.executed == 25_500_000
    assert figures.claim_rate == Decimal("0.4140") and figures.recovery_rate == Decimal("0.1895")
    assert figures.recourse_outstanding == 8_660_972 and figures.written_off == 0


def test_the_database_keeps_four_eyes_on_claims_and_write_offs(case_85, manager, other_manager):
    _program, guarantee = case_85
    claim = _prepared_85(guarantee, manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(approved_by=manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(rejected_by=manager)
    services.claim_approve(actor=other_manager, claim_id=claim.pk, idempotency_key="k", today=timezone.localdate())
    asked = services.recourse_write_off_request(actor=manager, claim_id=claim.pk, reason="회수 불능",
                                                today=timezone.localdate())
    with pytest.raises(IntegrityError), transaction.atomic():
        RecourseWriteOff.objects.filter(pk=asked.pk).update(approved_by=manager)
    with pytest.raises(IntegrityError), transaction.atomic():  # one open claim per guarantee
        Claim.objects.create(guarantee=guarantee, requested_principal=Money(1, "KRW"), requested_on=date(2026, 6, 1),
                             requested_by=manager)
