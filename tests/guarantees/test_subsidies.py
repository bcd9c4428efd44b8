"""Interest subsidy runs (이차보전): the budget, preparing a period's run, approving (paying) it.

Known answers are worked by hand in the comments: subsidy = (sum over the days counted of the balance) x min(subsidy
rate, loan rate) / 365, floored to 10 won (the Dalseong-gun program: 2 %p for 24 months, monthly runs).
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from djmoney.money import Money
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import Forbidden, IdempotencyConflict, InsufficientFunds, InvalidState, NotFound, ValidationFailed
from core.models import AuditEvent
from guarantees import accounts as chart
from guarantees import services
from guarantees.models import Guarantee, GuaranteeBalance, SubsidyBudget, SubsidyLine, SubsidyRun
from guarantees.selectors import subsidy_budget_balance
from ledger.models import Entry, Journal

from .factories import make_guarantee, make_program

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 15)  # October 2026 has ended; November has not
OCTOBER = date(2026, 10, 1)
MAN = 10_000  # 만 원


def prepare(program, start=OCTOBER, *, actor=None, today=TODAY, **kwargs):
    return services.subsidy_run_prepare(program_id=program.pk, period_start=start, actor=actor, today=today, **kwargs)


def budget(program, amount, actor, key="budget-1", on=TODAY):
    return services.subsidy_budget_record(actor=actor, program_id=program.pk, amount=amount, received_on=on,
                                          idempotency_key=key, today=TODAY)


def report(guarantee, on, balance, kind="report"):
    GuaranteeBalance.objects.create(guarantee=guarantee, kind=kind, on_date=on, balance=Money(balance, "KRW"),
                                    idempotency_key=f"{kind}-{on}-{balance}")


def line_of(run, guarantee) -> SubsidyLine:
    return run.lines.get(guarantee=guarantee)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Factories set a password on every user they make: a cheap hash keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def program():
    return make_program()


# --- known answers -----------------------------------------------------------------------------------------------


def test_a_constant_balance_over_a_whole_month(program, manager):
    guarantee = make_guarantee(program, amount=3000 * MAN)  # 30,000,000 at 5 % since 2 March 2026

    run, created = prepare(program, actor=manager)

    # October: 31 days x 30,000,000 = 930,000,000 won-days; x 2 % / 365 = 50,958.90... -> 50,950 (10 won, floor).
    line = line_of(run, guarantee)
    assert created and run.state == "prepared" and run.prepared_by == manager
    assert (run.period_start, run.period_end, run.period) == (OCTOBER, date(2026, 10, 31), "monthly")
    assert (line.days, line.won_days, line.rate, line.amount.amount) == (31, 930_000_000, Decimal("0.02"), 50_950)
    assert line.bank_id == guarantee.bank_id and line.payee == "bank"
    assert run.total.amount == 50_950 and run.line_count == 1
    assert line.exact == Decimal("50958.90410959")


def test_an_amortising_balance_reported_in_the_middle_of_the_period(program):
    guarantee = make_guarantee(program, amount=3000 * MAN)
    report(guarantee, date(2026, 10, 11), 2000 * MAN, kind="repayment")
    report(guarantee, date(2026, 10, 21), 1500 * MAN, kind="repayment")
    report(guarantee, date(2026, 11, 5), 1000 * MAN, kind="repayment")  # after the period: not counted

    run, _created = prepare(program)

    # 1-10 Oct: 10 days x 30,000,000 = 300,000,000; 11-20 Oct: 10 x 20,000,000 = 200,000,000;
    # 21-31 Oct: 11 x 15,000,000 = 165,000,000; together 665,000,000 won-days.
    # x 2 % / 365 = 13,300,000 / 365 = 36,438.35... -> 36,430.
    line = line_of(run, guarantee)
    assert (line.days, line.won_days, line.amount.amount) == (31, 665_000_000, 36_430)


def test_two_reports_on_one_day_the_later_stands(program):
    guarantee = make_guarantee(program, amount=3000 * MAN)
    report(guarantee, date(2026, 10, 11), 2500 * MAN)
    report(guarantee, date(2026, 10, 11), 2000 * MAN)  # a correction of the same day

    run, _created = prepare(program)

    # 10 x 30,000,000 + 21 x 20,000,000 = 720,000,000; x 2 % / 365 = 39,452.05... -> 39,450.
    assert line_of(run, guarantee).amount.amount == 39_450


def test_a_loan_that_starts_in_the_middle_of_the_period(program):
    guarantee = make_guarantee(program, amount=1000 * MAN, start_on=date(2026, 10, 20))

    run, _created = prepare(program)

    # 20-31 Oct: 12 days (the first day earns) x 10,000,000 = 120,000,000; x 2 % / 365 = 6,575.34... -> 6,570.
    line = line_of(run, guarantee)
    assert (line.window_start, line.days, line.won_days, line.amount.amount) == (
        date(2026, 10, 20), 12, 120_000_000, 6_570)


def test_a_window_that_ends_in_the_middle_of_the_period(program):
    guarantee = make_guarantee(program, amount=1000 * MAN, start_on=date(2024, 10, 16))

    run, _created = prepare(program)

    # 24 months from 16 Oct 2024: the window ends before 16 Oct 2026. 1-15 Oct: 15 days x 10,000,000 = 150,000,000;
    # x 2 % / 365 = 8,219.17... -> 8,210.
    line = line_of(run, guarantee)
    assert (line.window_end, line.days, line.amount.amount) == (date(2026, 10, 16), 15, 8_210)


def test_a_window_over_before_the_period_and_a_loan_not_yet_made_get_no_line(program):
    make_guarantee(program, amount=1000 * MAN, start_on=date(2024, 9, 1))  # window ended 1 Sep 2026
    make_guarantee(program, amount=1000 * MAN, state="approved")  # the bank has not lent
    make_guarantee(program, amount=1000 * MAN, start_on=date(2026, 11, 2))  # lent after the period

    run, _created = prepare(program)

    assert run.line_count == 0 and run.total.amount == 0


def test_a_subsidy_rate_above_the_loan_rate_pays_the_loan_rate():
    program = make_program(code="dalseo-2026", subsidy_rate=Decimal("0.03000"), subsidy_months=12)
    guarantee = make_guarantee(program, amount=1000 * MAN, loan_rate=Decimal("0.02500"))

    run, _created = prepare(program)

    # 3.0 %p on a 2.5 % loan: 2.5 %. 31 x 10,000,000 = 310,000,000; x 2.5 % / 365 = 21,232.87... -> 21,230.
    line = line_of(run, guarantee)
    assert (line.rate, line.loan_rate, line.amount.amount) == (Decimal("0.025"), Decimal("0.025"), 21_230)


def test_a_loan_repaid_in_the_period_is_subsidised_up_to_the_day_before(program):
    guarantee = make_guarantee(program, amount=1000 * MAN)
    report(guarantee, date(2026, 10, 11), 0, kind="paid_off")
    Guarantee.objects.filter(pk=guarantee.pk).update(state="repaid", repaid_on=date(2026, 10, 11))

    run, _created = prepare(program)

    # 1-10 Oct: 10 days x 10,000,000 = 100,000,000; x 2 % / 365 = 5,479.45... -> 5,470. The day repaid earns nothing.
    line = line_of(run, guarantee)
    assert (line.days, line.won_days, line.amount.amount) == (10, 100_000_000, 5_470)


def test_a_defaulted_loan_is_subsidised_up_to_the_default(program):
    guarantee = make_guarantee(program, amount=1000 * MAN)
    Guarantee.objects.filter(pk=guarantee.pk).update(state="defaulted", defaulted_on=date(2026, 10, 6))

    run, _created = prepare(program)

    # 1-5 Oct: 5 x 10,000,000 = 50,000,000; x 2 % / 365 = 2,739.72... -> 2,730.
    assert line_of(run, guarantee).amount.amount == 2_730


def test_a_quarterly_program_runs_by_quarter():
    program = make_program(code="quarterly-2026", subsidy_period="quarterly")
    guarantee = make_guarantee(program, amount=1000 * MAN)

    run, _created = prepare(program, date(2026, 7, 1))

    # 1 Jul - 30 Sep: 31 + 31 + 30 = 92 days x 10,000,000 = 920,000,000; x 2 % / 365 = 50,410.95... -> 50,410.
    assert (run.period, run.period_end) == ("quarterly", date(2026, 9, 30))
    assert line_of(run, guarantee).amount.amount == 50_410
    with pytest.raises(ValidationFailed) as error:
        prepare(program, date(2026, 8, 1))
    assert "period_start" in error.value.fields


def test_the_run_total_is_the_sum_of_the_lines_by_bank(program):
    other_bank = make_guarantee(program).bank  # the partner bank
    a = make_guarantee(program, amount=3000 * MAN)
    b = make_guarantee(program, amount=1000 * MAN, start_on=date(2026, 10, 20))

    run, _created = prepare(program)

    # 50,950 (the constant 30,000,000) x 2 + 6,570 (from 20 Oct) = 108,470.
    assert run.total.amount == 50_950 * 2 + 6_570 == 108_470
    assert {line.guarantee_id for line in run.lines.all()} >= {a.pk, b.pk}
    assert set(run.lines.values_list("bank_id", flat=True)) == {other_bank.pk}


# --- the same period twice ---------------------------------------------------------------------------------------


def test_preparing_the_same_period_again_changes_nothing(program, manager, other_manager):
    guarantee = make_guarantee(program, amount=3000 * MAN)
    run, created = prepare(program, actor=manager)
    report(guarantee, date(2026, 10, 11), 0)  # reported late: the prepared run stays as it was
    events = AuditEvent.objects.count()

    again, created_again = prepare(program, actor=other_manager)

    assert (again.pk, created, created_again) == (run.pk, True, False)
    assert again.total == run.total and again.prepared_by == manager
    assert SubsidyRun.objects.count() == 1 and SubsidyLine.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_the_database_refuses_a_second_run_of_a_period(program):
    run, _created = prepare(program)
    fields = {f.name: getattr(run, f.name) for f in SubsidyRun._meta.concrete_fields if f.name not in ("id",)}
    with pytest.raises(IntegrityError), transaction.atomic():
        SubsidyRun.objects.create(**fields)


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "field"), [
    (date(2026, 10, 2), None, "period_start"),  # not the first of a month
    (date(2026, 10, 1), date(2026, 10, 30), "period_end"),  # not the month's last day
    (date(2026, 10, 1), date(2026, 11, 30), "period_end"),  # two months
    (date(2026, 11, 1), None, "period_start"),  # not ended (today is 15 November)
    (date(2026, 12, 1), None, "period_start"),  # in the future
    (date(9999, 12, 1), None, "period_start"),  # the calendar's end
    (date(1999, 12, 1), None, "period_start"),  # too far back
])
def test_a_period_that_is_not_one_whole_ended_month_is_refused(program, start, end, field):
    with pytest.raises(ValidationFailed) as error:
        prepare(program, start, period_end=end)
    assert field in error.value.fields
    assert SubsidyRun.objects.count() == 0


def test_the_last_day_of_the_period_is_not_yet_ended():
    program = make_program()
    with pytest.raises(ValidationFailed):
        prepare(program, date(2026, 10, 1), today=date(2026, 10, 31))
    run, _created = prepare(program, date(2026, 10, 1), today=date(2026, 11, 1))
    assert run.period_end == date(2026, 10, 31)


def test_an_unknown_program_or_one_without_a_subsidy_is_refused(manager):
    with pytest.raises(NotFound):
        services.subsidy_run_prepare(program_id=987_654, period_start=OCTOBER, actor=manager, today=TODAY)
    program = make_program(code="no-subsidy", subsidy_rate=Decimal(0), subsidy_months=0)
    with pytest.raises(ValidationFailed) as error:
        prepare(program, actor=manager)
    assert "program" in error.value.fields


def test_only_managers_prepare(program, auditor, bank_officer, member):
    for user in (auditor, bank_officer, member):
        with pytest.raises(Forbidden):
            prepare(program, actor=user)
    assert SubsidyRun.objects.count() == 0


# --- the budget --------------------------------------------------------------------------------------------------


def test_the_budget_is_posted_to_the_subsidy_accounts_once_per_key(program, manager, other_manager):
    entry, created = budget(program, 500 * MAN, manager)
    again, created_again = budget(program, 500 * MAN, manager)

    assert created and not created_again and again.pk == entry.pk
    assert subsidy_budget_balance(program) == 500 * MAN
    assert chart.account(program.book, chart.SUBSIDY_APPROPRIATION).balance.amount == 500 * MAN
    assert Journal.objects.filter(kind="guarantee.subsidy_budget").count() == 1
    with pytest.raises(IdempotencyConflict):
        budget(program, 600 * MAN, manager)  # the same key, another amount
    with pytest.raises(IdempotencyConflict):
        budget(program, 500 * MAN, other_manager)  # the same key, another caller
    assert AuditEvent.objects.filter(action="guarantees.subsidy.budget").count() == 1


@pytest.mark.parametrize(("amount", "on"), [(0, TODAY), (-5, TODAY), ("12.5", TODAY), (1000, TODAY + timedelta(1)),
                                            (1000, date(1999, 12, 31))])
def test_bad_budget_input_is_refused(program, manager, amount, on):
    with pytest.raises(ValidationFailed):
        budget(program, amount, manager, on=on)
    assert SubsidyBudget.objects.count() == 0


def test_only_managers_record_the_budget(program, auditor, bank_officer):
    for user in (auditor, bank_officer):
        with pytest.raises(Forbidden):
            budget(program, 1000, user)


# --- approving (paying) ------------------------------------------------------------------------------------------


def approve(run, actor, key="approve-1", today=TODAY):
    return services.subsidy_run_approve(run_id=run.pk, actor=actor, today=today, idempotency_key=key)


def test_a_second_manager_approves_and_one_journal_pays_the_run(program, manager, other_manager):
    make_guarantee(program, amount=3000 * MAN)
    make_guarantee(program, amount=1000 * MAN, start_on=date(2026, 10, 20))
    budget(program, 100 * MAN, manager)
    run, _created = prepare(program, actor=manager)

    paid, created = approve(run, other_manager)

    # 50,950 + 6,570 = 57,520 paid out of the 1,000,000 budget: 942,480 left.
    assert created and paid.state == "paid" and paid.approved_by == other_manager and paid.paid_on == TODAY
    journal = paid.journal
    assert journal.kind == "guarantee.subsidy_run" and journal.effective_date == TODAY
    entries = {(e.account.code, e.side, e.amount.amount) for e in Entry.objects.filter(journal=journal)}
    assert entries == {("expense:subsidies", "D", 57_520), ("subsidy:budget", "C", 57_520)}
    assert subsidy_budget_balance(program) == 942_480
    assert AuditEvent.objects.filter(action="guarantees.subsidy.approve", actor=other_manager).count() == 1

    again, created_again = approve(run, other_manager)  # the same caller and key: the paid run back
    assert not created_again and again.journal_id == journal.pk
    with pytest.raises(InvalidState) as error:
        approve(run, other_manager, key="approve-2")
    assert "paid" in error.value.message.lower() or "지급" in error.value.message
    assert Journal.objects.filter(kind="guarantee.subsidy_run").count() == 1


def test_whoever_prepared_cannot_approve(program, manager):
    make_guarantee(program, amount=3000 * MAN)
    budget(program, 100 * MAN, manager)
    run, _created = prepare(program, actor=manager)

    with pytest.raises(Forbidden):
        approve(run, manager)
    run.refresh_from_db()
    assert run.state == "prepared" and run.journal_id is None


def test_the_database_keeps_the_four_eyes(program, manager):
    run, _created = prepare(program, actor=manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        SubsidyRun.objects.filter(pk=run.pk).update(approved_by=manager)


def test_a_run_the_system_prepared_is_approved_by_any_manager(program, manager):
    make_guarantee(program, amount=3000 * MAN)
    budget(program, 100 * MAN, manager)
    run, _created = prepare(program)
    paid, _ = approve(run, manager)
    assert paid.prepared_by is None and paid.approved_by == manager


def test_a_run_over_the_budget_is_refused_and_nothing_is_written(program, manager, other_manager):
    make_guarantee(program, amount=3000 * MAN)  # 50,950 to pay
    budget(program, 50_000, manager)
    run, _created = prepare(program, actor=manager)
    events, journals = AuditEvent.objects.count(), Journal.objects.count()

    with pytest.raises(InsufficientFunds) as error:
        approve(run, other_manager)

    assert "50,000" in error.value.message and "50,950" in error.value.message
    run.refresh_from_db()
    assert run.state == "prepared" and run.approved_by is None and run.journal is None
    assert (AuditEvent.objects.count(), Journal.objects.count()) == (events, journals)
    assert subsidy_budget_balance(program) == 50_000


def test_a_run_with_nothing_to_pay_is_paid_without_a_journal(program, manager):
    run, _created = prepare(program)
    paid, _ = approve(run, manager)
    assert paid.state == "paid" and paid.journal is None and paid.total.amount == 0


def test_an_unknown_run_and_a_missing_key_are_refused(program, manager):
    with pytest.raises(NotFound):
        services.subsidy_run_approve(run_id=987_654, actor=manager, today=TODAY, idempotency_key="k")
    run, _created = prepare(program)
    with pytest.raises(ValidationFailed):
        services.subsidy_run_approve(run_id=run.pk, actor=manager, today=TODAY, idempotency_key="  ")


# --- beat's task -------------------------------------------------------------------------------------------------


def test_the_nightly_task_prepares_the_period_just_ended_once(program):
    from guarantees.tasks import prepare_subsidy_runs_task

    make_guarantee(program, amount=3000 * MAN)
    empty = make_program(code="empty-2026")  # nothing lent: no run

    first = prepare_subsidy_runs_task.delay(TODAY.isoformat()).get()
    second = prepare_subsidy_runs_task.delay(TODAY.isoformat()).get()

    assert [(r["program"], r["period_start"], r["total"]) for r in first] == [(program.pk, "2026-10-01", "50950")]
    assert second == []
    assert SubsidyRun.objects.get().prepared_by is None
    assert not SubsidyRun.objects.filter(program=empty).exists()


# --- properties --------------------------------------------------------------------------------------------------

_codes = itertools.count()
_day = st.dates(min_value=date(2024, 6, 1), max_value=date(2026, 10, 31))


def _won_days_by_hand(balances: list[tuple[date, int]], first: date, end: date) -> int:
    """Day by day, independently of the engine: the last balance reported on or before each day."""
    total, day = 0, first
    while day < end:
        in_force = [balance for on, balance in balances if on <= day]
        total += in_force[-1] if in_force else 0
        day += timedelta(days=1)
    return total


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(loans=st.lists(st.tuples(
    st.integers(min_value=1, max_value=5000).map(lambda m: m * MAN), _day,
    st.sampled_from([Decimal("0.01500"), Decimal("0.03000"), Decimal("0.05000")]),
    st.lists(st.tuples(_day, st.integers(min_value=0, max_value=5000).map(lambda m: m * MAN)), max_size=4),
), min_size=0, max_size=5), month=st.sampled_from([date(2026, 6, 1), date(2026, 9, 1), date(2026, 10, 1)]))
def test_a_run_is_idempotent_never_negative_and_adds_up(loans, month):
    program = make_program(code=f"prop-{next(_codes)}")
    expected_won_days = {}
    for amount, start, rate, reports in loans:
        guarantee = make_guarantee(program, amount=amount, start_on=start, loan_rate=rate)
        history = [(start, amount)]
        for on, balance in sorted({on: b for on, b in reports if on > start}.items()):
            report(guarantee, on, min(balance, amount))
            history.append((on, min(balance, amount)))
        end = services.subsidies.period_last_day("monthly", month) + timedelta(days=1)
        window_end = min(services.subsidies.add_months(start, 24), end)
        expected_won_days[guarantee.pk] = _won_days_by_hand(history, max(start, month), window_end)

    run, created = prepare(program, month)
    lines = list(run.lines.all())
    again, created_again = prepare(program, month)

    assert created and not created_again and again.pk == run.pk
    assert list(again.lines.values_list("pk", "amount")) == [(line.pk, line.amount.amount) for line in lines]
    assert all(line.amount.amount >= 0 and line.won_days > 0 for line in lines)
    assert run.total.amount == sum(line.amount.amount for line in lines)
    assert {line.guarantee_id: line.won_days for line in lines} == {
        pk: won_days for pk, won_days in expected_won_days.items() if won_days}
    for line in lines:  # rounded once, down to 10 won, never by more than 10 won
        assert line.amount.amount % 10 == 0 and 0 <= line.exact - line.amount.amount < 10
        assert line.rate == min(Decimal("0.02"), line.loan_rate)
