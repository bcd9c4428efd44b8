"""A guarantee's life as its bank reports it, through the services: the loan made, balances and repayments, full
repayment, default, and a manager's cancellation. What the guarantee stands behind follows the loan's balance x
ratio, and the program's capacity in use (``committed``) moves with it: known answers worked out by hand in the
comments, the refusals (wrong bank, wrong state, bad input, replays), and a property over any sequence of moves."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.errors import DomainError, Forbidden, IdempotencyConflict, InvalidState, NotFound, ValidationFailed
from core.models import AuditEvent
from guarantees import services
from guarantees.models import Guarantee, GuaranteeBalance, GuaranteeProgram
from guarantees.selectors import expected_schedule, program_position
from tests.factories import BankOfficerFactory, InstitutionFactory, ManagerFactory

from .factories import contribute, make_program
from .pipeline import TODAY, approved_guarantee, executed_guarantee, officer_of

pytestmark = pytest.mark.django_db
EOK = 100_000_000
START = date(2026, 3, 31)


@pytest.fixture
def program() -> GuaranteeProgram:
    """A program guaranteeing 85 % of each loan, 1억 paid in (capacity 12억), 30,000,000 won per firm."""
    program = make_program(guarantee_ratio=Decimal("0.85"))
    contribute(program, EOK)
    return program


@pytest.fixture
def officer(program) -> Any:
    return officer_of(program)


def committed(program: GuaranteeProgram) -> Decimal:
    program.refresh_from_db()
    return program.committed.amount


def sum_guaranteed(program: GuaranteeProgram) -> Decimal:
    return Guarantee.objects.filter(program=program).aggregate(total=Sum("guaranteed"))["total"] or Decimal(0)


def execute(officer: Any, guarantee: Guarantee, *, key: str = "exec-1", amount: Any = 28_000_000,
            rate: Any = Decimal("0.04500"), start_on: date = START, **extra: Any) -> tuple[GuaranteeBalance, bool]:
    return services.guarantee_execute(actor=officer, guarantee_id=guarantee.pk, loan_amount=amount, loan_rate=rate,
                                      start_on=start_on, idempotency_key=key, today=TODAY, **extra)


def report(officer: Any, guarantee: Guarantee, on_date: date, *, key: str, **amount: Any) -> tuple[GuaranteeBalance,
                                                                                                   bool]:
    return services.guarantee_report(actor=officer, guarantee_id=guarantee.pk, on_date=on_date, idempotency_key=key,
                                     today=TODAY, **amount)


# --- the loan made ----------------------------------------------------------------------------------------------


def test_the_bank_lends_less_than_approved_and_the_guarantee_follows_the_loan(program, officer):
    # 30,000,000 approved at 85 %: 25,500,000 held. The bank lends 28,000,000: 28,000,000 x 0.85 = 23,800,000, so the
    # program's capacity in use falls by 1,700,000.
    guarantee = approved_guarantee(program, amount=30_000_000)
    assert committed(program) == 25_500_000

    row, created = execute(officer, guarantee, bank_reference=" 110-234-567890 ")

    assert created and row.kind == "execution" and row.on_date == START and row.balance.amount == 28_000_000
    guarantee.refresh_from_db()
    assert guarantee.state == "active"
    assert guarantee.guaranteed.amount == 23_800_000
    assert guarantee.loan_amount.amount == 28_000_000 and guarantee.loan_rate == Decimal("0.04500")
    assert guarantee.start_on == START
    assert guarantee.maturity_on == date(2031, 3, 31)  # 60 months on
    assert guarantee.interest_paid_to == START
    assert (guarantee.balance.amount, guarantee.balance_on) == (28_000_000, START)
    assert guarantee.bank_reference == "110-234-567890" and guarantee.executed_by == officer
    assert committed(program) == 23_800_000 == sum_guaranteed(program)
    assert AuditEvent.objects.get(action="guarantees.guarantee.execute").actor == officer


def test_maturity_keeps_the_day_of_month_clamped_to_the_months_end(program, officer):
    guarantee = approved_guarantee(program, amount=10_000_000, repayment_method="bullet", grace_months=0,
                                   term_months=13)

    execute(officer, guarantee, amount=10_000_000, start_on=date(2026, 1, 31))

    guarantee.refresh_from_db()
    assert guarantee.maturity_on == date(2027, 2, 28)


def test_the_expected_schedule_is_the_bank_loans_on_the_kernels_engine(program, officer):
    # 28,000,000 at 4.5 %, 12 months of grace then 48 of equal principal, actual/365, to the won (floor).
    # First month (31 March to 30 April, 30 days): 28,000,000 x 0.045 x 30 / 365 = 103,561.64 -> 103,561.
    # Principal: 28,000,000 / 48 = 583,333.33 -> 583,333 a month; the last takes what is left:
    # 28,000,000 - 47 x 583,333 = 583,349.
    guarantee = approved_guarantee(program, amount=30_000_000)
    execute(officer, guarantee)
    guarantee.refresh_from_db()

    schedule = expected_schedule(guarantee)

    assert schedule is not None
    rows = schedule.installments
    assert len(rows) == 60
    assert rows[0].due_on == date(2026, 4, 30) and rows[0].interest == 103_561 and rows[0].principal == 0
    assert all(row.principal == 0 for row in rows[:12])
    assert rows[12].principal == 583_333 and rows[-1].principal == 583_349
    assert schedule.total_principal == 28_000_000
    assert schedule.maturity_on == guarantee.maturity_on
    assert expected_schedule(approved_guarantee(program)) is None  # nothing lent yet


@pytest.mark.parametrize(("overrides", "field"), [
    ({"amount": 30_000_001}, "loan_amount"),  # more than approved
    ({"amount": 0}, "loan_amount"),
    ({"amount": -5}, "loan_amount"),
    ({"amount": "28000000.5"}, "loan_amount"),
    ({"rate": Decimal("0.20001")}, "loan_rate"),  # above the legal maximum
    ({"rate": Decimal("-0.01")}, "loan_rate"),
    ({"rate": "0.045001"}, "loan_rate"),  # six decimals
    ({"rate": "abc"}, "loan_rate"),
    ({"start_on": TODAY + timedelta(days=1)}, "start_on"),  # in the future
    ({"key": ""}, "idempotency_key"),
    ({"bank_reference": "x" * 51}, "bank_reference"),
])
def test_a_bad_execution_is_refused_naming_the_field(program, officer, overrides, field):
    guarantee = approved_guarantee(program, amount=30_000_000)

    with pytest.raises(ValidationFailed) as error:
        execute(officer, guarantee, **overrides)

    assert set(error.value.fields) == {field}
    guarantee.refresh_from_db()
    assert guarantee.state == "approved" and not GuaranteeBalance.objects.exists()
    assert committed(program) == 25_500_000


def test_a_start_beyond_the_back_dating_window_is_refused(settings, program, officer):
    settings.BACKDATE_DAYS = 90
    guarantee = approved_guarantee(program)

    with pytest.raises(ValidationFailed) as error:
        execute(officer, guarantee, start_on=TODAY - timedelta(days=91))

    assert set(error.value.fields) == {"start_on"}


def test_the_same_execution_sent_again_gives_the_first_result(program, officer):
    guarantee = approved_guarantee(program, amount=30_000_000)
    first, created = execute(officer, guarantee)

    again, created_again = execute(officer, guarantee)

    assert created and not created_again and again.pk == first.pk
    assert GuaranteeBalance.objects.count() == 1
    assert AuditEvent.objects.filter(action="guarantees.guarantee.execute").count() == 1
    with pytest.raises(IdempotencyConflict):
        execute(officer, guarantee, amount=27_000_000)  # the same key, another loan
    with pytest.raises(IdempotencyConflict):
        execute(officer_of(program), guarantee)  # another officer of the bank, the same key
    with pytest.raises(InvalidState):
        execute(officer, guarantee, key="exec-2")  # a new key: the guarantee is active already


def test_another_banks_officer_finds_no_guarantee(program):
    guarantee = approved_guarantee(program)
    elsewhere = BankOfficerFactory(institution=InstitutionFactory(kind="bank"))
    not_a_bank = BankOfficerFactory(institution=InstitutionFactory(kind="municipality"))

    for stranger in (elsewhere, not_a_bank):
        with pytest.raises(NotFound):
            execute(stranger, guarantee)
    with pytest.raises(NotFound):
        execute(officer_of(program), Guarantee(pk=10**9))


@pytest.mark.parametrize("role", ["manager", "auditor", "member", "admin_user"])
def test_only_a_bank_officer_reports_what_the_bank_did(request, program, role):
    guarantee = approved_guarantee(program)

    with pytest.raises(Forbidden):
        execute(request.getfixturevalue(role), guarantee)


# --- balances, repayments -----------------------------------------------------------------------------------------


def test_balances_and_repayments_bring_the_guarantee_down(program, officer):
    # Lent 28,000,000 (23,800,000 held). A balance of 24,000,001 on 30 April: 24,000,001 x 0.85 = 20,400,000.85 ->
    # 20,400,000. Then 1,000,000 repaid on 31 May: balance 23,000,001, x 0.85 = 19,550,000.85 -> 19,550,000.
    guarantee = approved_guarantee(program, amount=30_000_000)
    execute(officer, guarantee)

    row, _ = report(officer, guarantee, date(2026, 4, 30), key="r1", balance=24_000_001)
    assert (row.kind, row.balance.amount, row.repaid.amount) == ("report", 24_000_001, 3_999_999)
    assert committed(program) == 20_400_000 == sum_guaranteed(program)
    row, _ = report(officer, guarantee, date(2026, 5, 31), key="r2", repaid=1_000_000)

    assert (row.kind, row.balance.amount, row.repaid.amount) == ("repayment", 23_000_001, 1_000_000)
    guarantee.refresh_from_db()
    assert guarantee.guaranteed.amount == 19_550_000
    assert (guarantee.balance.amount, guarantee.balance_on) == (23_000_001, date(2026, 5, 31))
    assert committed(program) == 19_550_000 == sum_guaranteed(program)
    assert AuditEvent.objects.filter(action="guarantees.guarantee.balance", actor=officer).count() == 2


def test_two_reports_on_one_day_are_taken_in_order(program, officer):
    guarantee = executed_guarantee(program, officer=officer, amount=20_000_000)

    report(officer, guarantee, date(2026, 4, 30), key="a", repaid=1_000_000)
    report(officer, guarantee, date(2026, 4, 30), key="b", repaid=1_000_000)

    guarantee.refresh_from_db()
    assert guarantee.balance.amount == 18_000_000


@pytest.mark.parametrize(("amount", "on_date", "field"), [
    ({"balance": 28_000_001}, date(2026, 4, 30), "balance"),  # a balance never rises
    ({"repaid": 28_000_001}, date(2026, 4, 30), "repaid"),  # more than is owed
    ({"repaid": 0}, date(2026, 4, 30), "repaid"),
    ({"balance": -1}, date(2026, 4, 30), "balance"),
    ({"balance": "1.5"}, date(2026, 4, 30), "balance"),
    ({"balance": 1, "repaid": 1}, date(2026, 4, 30), "balance"),  # one or the other
    ({}, date(2026, 4, 30), "balance"),
    ({"balance": 27_000_000}, date(2026, 3, 30), "on_date"),  # before the last balance (the loan's start)
    ({"balance": 27_000_000}, TODAY + timedelta(days=1), "on_date"),  # in the future
])
def test_a_bad_report_is_refused_naming_the_field(program, officer, amount, on_date, field):
    guarantee = executed_guarantee(program, officer=officer, loan_amount=28_000_000)
    before = committed(program)

    with pytest.raises(ValidationFailed) as error:
        report(officer, guarantee, on_date, key="bad", **amount)

    assert set(error.value.fields) == {field}
    assert committed(program) == before and GuaranteeBalance.objects.count() == 1


def test_a_balance_of_zero_is_a_full_repayment(program, officer):
    guarantee = executed_guarantee(program, officer=officer, loan_amount=28_000_000)

    row, _ = report(officer, guarantee, date(2026, 5, 31), key="zero", balance=0)

    guarantee.refresh_from_db()
    assert row.repaid.amount == 28_000_000
    assert guarantee.state == "repaid" and guarantee.repaid_on == date(2026, 5, 31)
    assert guarantee.guaranteed.amount == 0 and committed(program) == 0
    assert AuditEvent.objects.filter(action="guarantees.guarantee.repay").count() == 1


def test_a_report_replayed_with_its_key_gives_the_first_and_other_content_is_a_conflict(program, officer):
    guarantee = executed_guarantee(program, officer=officer, loan_amount=28_000_000)
    first, _ = report(officer, guarantee, date(2026, 4, 30), key="k", repaid=1_000_000)
    report(officer, guarantee, date(2026, 5, 31), key="k2", repaid=1_000_000)

    again, created = report(officer, guarantee, date(2026, 4, 30), key="k", repaid=1_000_000)

    assert not created and again.pk == first.pk
    guarantee.refresh_from_db()
    assert guarantee.balance.amount == 26_000_000
    for other in ({"repaid": 2_000_000}, {"balance": 27_000_000}):
        with pytest.raises(IdempotencyConflict):
            report(officer, guarantee, date(2026, 4, 30), key="k", **other)
    with pytest.raises(IdempotencyConflict):
        report(officer, guarantee, date(2026, 5, 1), key="k", repaid=1_000_000)


# --- full repayment, default, cancellation ------------------------------------------------------------------------


def test_a_full_repayment_releases_the_guarantee(program, officer):
    guarantee = executed_guarantee(program, officer=officer, loan_amount=28_000_000)
    report(officer, guarantee, date(2026, 4, 30), key="r", balance=20_000_000)

    row, created = services.guarantee_repay(actor=officer, guarantee_id=guarantee.pk, on_date=date(2026, 6, 15),
                                            idempotency_key="paid", today=TODAY)

    assert created and (row.kind, row.balance.amount, row.repaid.amount) == ("paid_off", 0, 20_000_000)
    guarantee.refresh_from_db()
    assert guarantee.state == "repaid" and guarantee.repaid_on == date(2026, 6, 15)
    assert guarantee.balance.amount == 0 and guarantee.guaranteed.amount == 0
    assert committed(program) == 0
    again, created = services.guarantee_repay(actor=officer, guarantee_id=guarantee.pk, on_date=date(2026, 6, 15),
                                              idempotency_key="paid", today=TODAY)
    assert not created and again.pk == row.pk
    with pytest.raises(InvalidState, match=r"상환 완료|Repaid"):
        services.guarantee_repay(actor=officer, guarantee_id=guarantee.pk, on_date=date(2026, 6, 15),
                                 idempotency_key="paid-2", today=TODAY)


def test_a_default_keeps_the_guarantee_behind_the_balance_until_the_claim(program, officer):
    # Defaulted with 25,000,001 owed: 25,000,001 x 0.85 = 21,250,000.85 -> 21,250,000 stays guaranteed (and counts
    # in the enterprise's exposure) until the claim is paid.
    guarantee = executed_guarantee(program, officer=officer, loan_amount=28_000_000)

    row, _ = services.guarantee_default(actor=officer, guarantee_id=guarantee.pk, on_date=date(2026, 6, 1),
                                        balance=25_000_001, interest_paid_to=date(2026, 4, 30),
                                        idempotency_key="sago", today=TODAY)

    guarantee.refresh_from_db()
    assert row.kind == "default" and row.balance.amount == 25_000_001
    assert guarantee.state == "defaulted" and guarantee.defaulted_on == date(2026, 6, 1)
    assert guarantee.interest_paid_to == date(2026, 4, 30)
    assert guarantee.guaranteed.amount == 21_250_000 == committed(program)
    assert AuditEvent.objects.get(action="guarantees.guarantee.default").actor == officer
    for move in (
        lambda: report(officer, guarantee, date(2026, 6, 2), key="late", repaid=1),
        lambda: services.guarantee_repay(actor=officer, guarantee_id=guarantee.pk, on_date=date(2026, 6, 2),
                                         idempotency_key="late-2", today=TODAY),
    ):
        with pytest.raises(InvalidState):
            move()


@pytest.mark.parametrize(("balance", "paid_to", "field"), [
    (28_000_001, date(2026, 4, 30), "balance"),
    (0, date(2026, 4, 30), "balance"),
    (1_000_000, date(2026, 3, 30), "interest_paid_to"),  # before the loan's start
    (1_000_000, date(2026, 6, 2), "interest_paid_to"),  # after the default
])
def test_a_bad_default_is_refused(program, officer, balance, paid_to, field):
    guarantee = executed_guarantee(program, officer=officer, loan_amount=28_000_000)

    with pytest.raises(ValidationFailed) as error:
        services.guarantee_default(actor=officer, guarantee_id=guarantee.pk, on_date=date(2026, 6, 1),
                                   balance=balance, interest_paid_to=paid_to, idempotency_key="x", today=TODAY)

    assert set(error.value.fields) == {field}


def test_a_manager_cancels_a_guarantee_the_bank_never_lent_on(program, manager):
    guarantee = approved_guarantee(program, amount=30_000_000)
    kept = approved_guarantee(program, amount=10_000_000)
    assert committed(program) == 25_500_000 + 8_500_000

    with pytest.raises(ValidationFailed):
        services.guarantee_cancel(actor=manager, guarantee_id=guarantee.pk, reason="", today=TODAY)
    cancelled = services.guarantee_cancel(actor=manager, guarantee_id=guarantee.pk, reason="대출 미실행",
                                          today=TODAY)

    assert cancelled.state == "cancelled" and cancelled.guaranteed.amount == 0 and cancelled.closed_on == TODAY
    assert committed(program) == 8_500_000 == sum_guaranteed(program)
    assert AuditEvent.objects.get(action="guarantees.guarantee.cancel").reason == "대출 미실행"
    with pytest.raises(InvalidState):
        services.guarantee_cancel(actor=manager, guarantee_id=guarantee.pk, reason="again", today=TODAY)
    with pytest.raises(InvalidState):
        execute(officer_of(program), guarantee)
    with pytest.raises(Forbidden):
        services.guarantee_cancel(actor=officer_of(program), guarantee_id=kept.pk, reason="x", today=TODAY)
    executed = executed_guarantee(program, loan_amount=10_000_000)
    with pytest.raises(InvalidState):
        services.guarantee_cancel(actor=manager, guarantee_id=executed.pk, reason="x", today=TODAY)


@pytest.mark.parametrize("move", ["report", "repay", "default"])
def test_an_approved_guarantee_has_no_loan_to_report_on(program, officer, move):
    guarantee = approved_guarantee(program)
    call = {
        "report": lambda: report(officer, guarantee, TODAY, key="k", balance=1),
        "repay": lambda: services.guarantee_repay(actor=officer, guarantee_id=guarantee.pk, on_date=TODAY,
                                                  idempotency_key="k", today=TODAY),
        "default": lambda: services.guarantee_default(actor=officer, guarantee_id=guarantee.pk, on_date=TODAY,
                                                      balance=1, interest_paid_to=TODAY, idempotency_key="k",
                                                      today=TODAY),
    }[move]

    with pytest.raises(InvalidState):
        call()
    assert not GuaranteeBalance.objects.exists()


def test_the_position_shows_the_guarantees_by_state(program, officer, manager):
    approved_guarantee(program, amount=10_000_000)  # 8,500,000 held
    executed_guarantee(program, officer=officer, loan_amount=20_000_000, amount=20_000_000)  # 17,000,000
    cancelled = approved_guarantee(program, amount=4_000_000)
    services.guarantee_cancel(actor=manager, guarantee_id=cancelled.pk, reason="미실행", today=TODAY)
    program.refresh_from_db()

    position = program_position(program)

    by_state = {state: (f.count, f.guaranteed, f.approved_amount) for state, f in position.guarantees_by_state.items()}
    assert by_state["approved"] == (1, 8_500_000, 10_000_000)
    assert by_state["active"] == (1, 17_000_000, 20_000_000)
    assert by_state["cancelled"] == (1, 0, 4_000_000)
    assert by_state["repaid"] == (0, 0, 0)
    assert position.used == 25_500_000
    assert list(position.guarantees_by_state) == [state for state, _label in Guarantee.State.choices]


# --- committed is always the sum of what the guarantees stand behind ----------------------------------------------

MOVES = st.sampled_from(["approve", "approve", "execute", "report", "repay", "repay_by_report", "default", "cancel"])


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(moves=st.lists(st.tuples(MOVES, st.integers(0, 7), st.integers(0, 100)), min_size=1, max_size=14),
       ratio=st.sampled_from([Decimal("1.00"), Decimal("0.90"), Decimal("0.85")]))
def test_committed_is_always_the_sum_of_the_guarantees_in_any_order_of_moves(db, moves, ratio):
    """Approvals (of random amounts, against a small capacity), executions of part of the approved amount,
    balance reports, full repayments by report or by the repayment call, defaults and cancellations, in any order
    and on guarantees in any state (refusals included): after each move the program's ``committed`` is the sum of
    its guarantees' ``guaranteed``, within capacity, and each guarantee stands behind exactly its balance (or its
    approved amount, before the loan) x ratio."""
    with transaction.atomic():
        program = make_program(guarantee_ratio=ratio, code=f"prop-{ratio}", per_firm_limit=10**12)
        contribute(program, 10_000_000)  # capacity 120,000,000
        capacity = program_position(program).capacity
        officer, manager = officer_of(program), ManagerFactory()
        day = date(2026, 3, 1)
        for n, (move, which, share) in enumerate(moves):
            day += timedelta(days=1)
            guarantees = list(Guarantee.objects.filter(program=program).order_by("pk"))
            target = guarantees[which % len(guarantees)] if guarantees else None
            try:
                _apply(move, target, share, n, day, program, officer, manager)
                event(f"{move} done")
            except DomainError as exc:  # a refused move changes nothing; the invariant is checked all the same
                event(f"{move} refused: {type(exc).__name__}")
            assert committed(program) == sum_guaranteed(program) <= capacity
            for guarantee in Guarantee.objects.filter(program=program):
                base = guarantee.approved_amount if guarantee.state == "approved" else guarantee.balance
                expected = 0 if guarantee.state in ("repaid", "cancelled") else int(base.amount * ratio)
                assert guarantee.guaranteed.amount == expected, (guarantee.state, guarantee.guaranteed)
        transaction.set_rollback(True)


def _apply(move: str, target: Guarantee | None, share: int, n: int, day: date, program: GuaranteeProgram,
           officer: Any, manager: Any) -> None:
    if move == "approve" or target is None:
        approved_guarantee(program, amount=1_000_000 + share * 400_000)  # up to 41,000,000
        return
    key = f"move-{n}"
    if move == "execute":
        amount = max(1, target.approved_amount.amount * share // 100)
        services.guarantee_execute(actor=officer, guarantee_id=target.pk, loan_amount=amount,
                                   loan_rate=Decimal("0.05"), start_on=day, idempotency_key=key, today=TODAY)
    elif move == "report":
        services.guarantee_report(actor=officer, guarantee_id=target.pk, on_date=day, idempotency_key=key,
                                  today=TODAY, balance=target.balance.amount * share // 100)
    elif move == "repay_by_report":
        services.guarantee_report(actor=officer, guarantee_id=target.pk, on_date=day, idempotency_key=key,
                                  today=TODAY, repaid=target.balance.amount or 1)
    elif move == "repay":
        services.guarantee_repay(actor=officer, guarantee_id=target.pk, on_date=day, idempotency_key=key,
                                 today=TODAY)
    elif move == "default":
        services.guarantee_default(actor=officer, guarantee_id=target.pk, on_date=day,
                                   balance=max(1, target.balance.amount * share // 100),
                                   interest_paid_to=target.interest_paid_to or day, idempotency_key=key, today=TODAY)
    elif move == "cancel":
        services.guarantee_cancel(actor=manager, guarantee_id=target.pk, reason="미실행", today=TODAY)
