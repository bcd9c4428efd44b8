"""Claims and recoveries racing, on PostgreSQL: each thread has its own connection, they start together at a
barrier, and the row locks (program, guarantee, claim: ``guarantees.locks``) decide. A claim is paid once, the cash
never goes below zero, racing recoveries add up, and the ledger stays clean."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.errors import InsufficientFunds, InvalidState
from guarantees import accounts as chart
from guarantees import services
from guarantees.models import Claim, Guarantee, GuaranteeProgram, Recovery
from ledger.models import Account, Journal
from ledger.selectors import account_balance_from_entries, ledger_check
from tests.concurrency import never_went_below_zero, run_together
from tests.factories import ManagerFactory

from .claim_factories import paid_claim, prepared_claim, set_defaulted
from .factories import contribute, make_guarantee, make_program

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
EOK = 100_000_000


def _defaulted(program: GuaranteeProgram) -> Guarantee:
    guarantee = make_guarantee(program, amount=20_000_000, loan_rate=Decimal("0.04500"), start_on=date(2026, 1, 20))
    return set_defaulted(guarantee, defaulted_on=date(2026, 5, 11), interest_paid_to=date(2026, 4, 10),
                         balance=12_000_000)


def _prepared(program: GuaranteeProgram) -> Claim:
    """10,556,850 to pay on 2026-06-30 (tests/guarantees/test_claims.py works it out)."""
    return prepared_claim(_defaulted(program), requested_on=date(2026, 6, 1), paid_on=date(2026, 6, 30),
                          today=timezone.localdate(), costs=300_000)


def _balance(program: GuaranteeProgram, code: str) -> Decimal:
    return Account.objects.get(book=program.book, code=code).balance.amount


def _clean() -> None:
    report = ledger_check()
    assert report.ok, report.problems
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "every account agrees" in out.getvalue()


def test_sixteen_approvals_of_one_claim_pay_it_once(transactional_db):
    program = make_program(guarantee_ratio=Decimal("0.85"))
    contribute(program, 10 * EOK)
    claim = _prepared(program)
    approvers = [ManagerFactory() for _ in range(16)]

    results = run_together(16, lambda i: services.claim_approve(
        actor=approvers[i], claim_id=claim.pk, idempotency_key=f"pay-{i}", today=timezone.localdate()),
        expected=(InvalidState,))

    assert Counter(type(r).__name__ for r in results) == {"tuple": 1, "InvalidState": 15}
    assert Journal.objects.filter(kind="guarantee.claim").count() == 1
    assert _balance(program, chart.CLAIMS_EXPENSE) == 10_556_850
    assert _balance(program, chart.CASH) == 10 * EOK - 10_556_850
    assert GuaranteeProgram.objects.get(pk=program.pk).committed.amount == 0
    assert Claim.objects.get(pk=claim.pk).state == "paid"
    _clean()


def test_claims_racing_for_the_last_of_the_cash_pay_only_what_it_holds(transactional_db):
    program = make_program(guarantee_ratio=Decimal("0.85"))
    contribute(program, 25_000_000)  # two claims of 10,556,850, not three
    claims = [_prepared(program) for _ in range(4)]
    approver = ManagerFactory()

    results = run_together(4, lambda i: services.claim_approve(
        actor=approver, claim_id=claims[i].pk, idempotency_key=f"pay-{i}", today=timezone.localdate()),
        expected=(InsufficientFunds,))

    assert Counter(type(r).__name__ for r in results) == {"tuple": 2, "InsufficientFunds": 2}
    cash = Account.objects.get(book=program.book, code=chart.CASH)
    assert cash.balance.amount == 25_000_000 - 2 * 10_556_850
    assert account_balance_from_entries(cash.pk) == cash.balance.amount
    assert never_went_below_zero(cash.pk)
    assert Counter(Claim.objects.values_list("state", flat=True)) == {"paid": 2, "prepared": 2}
    _clean()


@pytest.fixture
def paid(transactional_db) -> Claim:
    program = make_program(guarantee_ratio=Decimal("0.85"))
    contribute(program, 10 * EOK)
    return paid_claim(_defaulted(program), requested_on=date(2026, 6, 1), paid_on=date(2026, 6, 30),
                      today=timezone.localdate(), costs=300_000)


def test_recoveries_racing_on_one_claim_add_up(paid):
    manager = ManagerFactory()
    amounts = [100_000 * (i + 1) for i in range(8)]

    run_together(8, lambda i: services.recovery_record(
        actor=manager, claim_id=paid.pk, amount=amounts[i], received_on=date(2026, 7, 30), idempotency_key=f"r-{i}",
        today=timezone.localdate()))

    # All on one day: the first accrues the 30 days' damages (104,122, as in test_claims.py), the others none; the
    # rest of the 3,600,000 is principal, whatever the order.
    recoveries = list(Recovery.objects.filter(claim=paid))
    assert len(recoveries) == 8
    assert sum(r.amount.amount for r in recoveries) == 3_600_000
    assert sum(r.damages.amount for r in recoveries) == 104_122
    assert sum(r.accrued.amount for r in recoveries) == 104_122
    assert all(r.costs.amount + r.damages.amount + r.principal.amount == r.amount.amount for r in recoveries)
    paid.refresh_from_db()
    assert paid.recourse_principal.amount == 10_556_850 - (3_600_000 - 104_122)
    program = paid.guarantee.program
    assert _balance(program, chart.recourse_memo_code(paid.pk)) == paid.recourse_principal.amount
    assert _balance(program, chart.RECOVERY_INCOME) == 3_600_000
    _clean()


def test_one_recovery_sent_eight_times_at_once_is_recorded_once(paid):
    manager = ManagerFactory()

    results = run_together(8, lambda i: services.recovery_record(
        actor=manager, claim_id=paid.pk, amount=500_000, received_on=date(2026, 7, 30), idempotency_key="same",
        today=timezone.localdate()))

    assert sorted(new for _recovery, new in results) == [False] * 7 + [True]
    assert Recovery.objects.count() == 1
    assert _balance(paid.guarantee.program, chart.RECOVERY_INCOME) == 500_000
    _clean()
