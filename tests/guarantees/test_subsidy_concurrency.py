"""Interest subsidy runs under concurrency, on PostgreSQL: each thread has its own connection, they start together at
a barrier. The run's row lock pays a run once, however many managers approve it at once; the subsidy budget's
no-overdraft account (locked by the ledger) never pays more than it holds; and a run paid while other journals are
posted on the same book leaves a ledger that ``ledger_verify`` finds clean."""

from __future__ import annotations

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.errors import InsufficientFunds, InvalidState
from guarantees import accounts as chart
from guarantees import services
from guarantees.models import SubsidyRun
from ledger.models import Journal
from ledger.selectors import account_balance_from_entries, ledger_check
from ledger.services import credit, debit, journal_post
from tests.concurrency import never_went_below_zero, run_together
from tests.factories import ManagerFactory

from .factories import make_guarantee, make_program

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()
OCTOBER, SEPTEMBER = date(2026, 10, 1), date(2026, 9, 1)
PREPARED_ON = date(2026, 11, 15)
OCTOBER_TOTAL = 50_950  # 30,000,000 x 31 days x 2 % / 365 = 50,958.90 -> 50,950 (tests/guarantees/test_subsidies.py)
SEPTEMBER_TOTAL = 49_310  # 30,000,000 x 30 days x 2 % / 365 = 49,315.06 -> 49,310


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def setting(budget: int):
    program = make_program()
    make_guarantee(program, amount=30_000_000)
    preparer = ManagerFactory()
    services.subsidy_budget_record(actor=preparer, program_id=program.pk, amount=budget, received_on=TODAY,
                                   idempotency_key="budget", today=TODAY)
    return program, preparer


def prepare(program, preparer, start=OCTOBER) -> SubsidyRun:
    run, _created = services.subsidy_run_prepare(program_id=program.pk, period_start=start, actor=preparer,
                                                 today=PREPARED_ON)
    return run


def assert_clean_ledger(program) -> None:
    budget = chart.account(program.book, chart.SUBSIDY_BUDGET)
    assert account_balance_from_entries(budget.pk) == budget.balance.amount
    assert never_went_below_zero(budget.pk)
    report = ledger_check()
    assert report.ok, report.problems
    call_command("ledger_verify", stdout=StringIO(), stderr=StringIO())  # raises CommandError on any difference


def test_four_managers_approving_one_run_at_once_pay_it_once():
    program, preparer = setting(budget=1_000_000)
    run = prepare(program, preparer)
    approvers = [ManagerFactory() for _ in range(4)]

    results = run_together(4, lambda i: services.subsidy_run_approve(
        run_id=run.pk, actor=approvers[i], today=TODAY, idempotency_key=f"approve-{i}"), expected=(InvalidState,))

    outcomes = Counter(type(result).__name__ for result in results)
    assert outcomes == {"tuple": 1, "InvalidState": 3}
    run.refresh_from_db()
    assert run.state == "paid" and run.approved_by in approvers
    assert Journal.objects.filter(kind="guarantee.subsidy_run").count() == 1
    assert chart.account(program.book, chart.SUBSIDY_BUDGET).balance.amount == 1_000_000 - OCTOBER_TOTAL
    assert chart.account(program.book, chart.SUBSIDY_EXPENSE).balance.amount == OCTOBER_TOTAL
    assert_clean_ledger(program)


def test_two_runs_racing_for_a_budget_that_pays_one_pay_exactly_one():
    program, preparer = setting(budget=60_000)  # either run alone fits; both do not
    runs = [prepare(program, preparer, OCTOBER), prepare(program, preparer, SEPTEMBER)]
    approvers = [ManagerFactory(), ManagerFactory()]

    results = run_together(2, lambda i: services.subsidy_run_approve(
        run_id=runs[i].pk, actor=approvers[i], today=TODAY, idempotency_key="approve"),
        expected=(InsufficientFunds,))

    paid = [run for run, result in zip(runs, results, strict=True) if not isinstance(result, BaseException)]
    assert len(paid) == 1 and sum(isinstance(r, InsufficientFunds) for r in results) == 1
    states = sorted(SubsidyRun.objects.values_list("state", flat=True))
    assert states == ["paid", "prepared"]
    left = 60_000 - (OCTOBER_TOTAL if paid[0].period_start == OCTOBER else SEPTEMBER_TOTAL)
    assert chart.account(program.book, chart.SUBSIDY_BUDGET).balance.amount == left
    assert_clean_ledger(program)


def test_a_run_paid_while_fees_and_budget_are_posted_on_the_same_book_stays_consistent():
    """Thread 0 pays the run; thread 1 tops the budget up; the others post fee-like journals on the same book (a
    fee billed to the firm and the city, then paid into cash), as the fee services will."""
    program, preparer = setting(budget=OCTOBER_TOTAL)  # exactly the run
    run = prepare(program, preparer)
    approver, treasurer = ManagerFactory(), ManagerFactory()
    book = program.book
    fees = [chart.account(book, code) for code in (chart.FEES_DUE_FIRM, chart.FEES_DUE_CITY, chart.FEE_INCOME,
                                                   chart.CASH)]
    firm, city, income, cash = fees

    def fee_like(i: int) -> object:
        billed = journal_post(lines=[debit(firm, 150_000), debit(city, 90_000), credit(income, 240_000)],
                              kind="guarantee.fee_bill", effective_date=TODAY, idempotency_key=f"fee-bill-{i}")
        journal_post(lines=[debit(cash, 150_000), credit(firm, 150_000)], kind="guarantee.fee_payment",
                     effective_date=TODAY, idempotency_key=f"fee-pay-{i}")
        return billed

    def work(i: int) -> object:
        if i == 0:
            return services.subsidy_run_approve(run_id=run.pk, actor=approver, today=TODAY, idempotency_key="pay")
        if i == 1:
            return services.subsidy_budget_record(actor=treasurer, program_id=program.pk, amount=100_000,
                                                  received_on=TODAY, idempotency_key="top-up", today=TODAY)
        return fee_like(i)

    run_together(6, work)

    run.refresh_from_db()
    assert run.state == "paid" and run.journal is not None
    balances = {code: chart.account(book, code).balance.amount for code in (
        chart.SUBSIDY_BUDGET, chart.SUBSIDY_APPROPRIATION, chart.SUBSIDY_EXPENSE, chart.FEES_DUE_FIRM,
        chart.FEES_DUE_CITY, chart.FEE_INCOME, chart.CASH)}
    assert balances == {
        chart.SUBSIDY_BUDGET: 100_000, chart.SUBSIDY_APPROPRIATION: OCTOBER_TOTAL + 100_000,
        chart.SUBSIDY_EXPENSE: OCTOBER_TOTAL, chart.FEES_DUE_FIRM: 0, chart.FEES_DUE_CITY: 4 * 90_000,
        chart.FEE_INCOME: 4 * 240_000, chart.CASH: 4 * 150_000,
    }
    for account in fees:
        assert account_balance_from_entries(account.pk) == chart.account(book, account.code).balance.amount
    assert_clean_ledger(program)
