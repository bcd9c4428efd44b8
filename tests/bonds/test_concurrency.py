"""Outcome payments and distributions racing, on PostgreSQL: each thread has its own connection, they start
together at a barrier, and the contract's row lock (``bonds.locks``) decides. A payment is approved once however
many managers approve it at once, the city's budget and the contract's cash never go below zero, and the ledger
stays clean."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from bonds import accounts as chart
from bonds import services
from bonds.models import Contract, Distribution
from core.errors import InsufficientFunds, InvalidState
from ledger.models import Account, Journal
from ledger.selectors import ledger_check
from tests.concurrency import never_went_below_zero, run_together
from tests.factories import ManagerFactory

from .factories import EOK, call_and_pay, days_ago, make_world, record_and_confirm, sign_and_start, today

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _clean() -> None:
    report = ledger_check()
    assert report.ok, report.problems
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "every account agrees" in out.getvalue()


def _prepared(max_payment: int = 15 * EOK):
    world = make_world(max_payment=max_payment)
    sign_and_start(world)
    call_and_pay(world)
    services.disbursement_make(actor=world.kim, contract_id=world.contract.pk, amount=1_110_000_000,
                               paid_on=days_ago(60), idempotency_key="d1", today=today())
    services.contract_evaluate(actor=world.lee, contract_id=world.contract.pk, on_date=days_ago(20), today=today())
    record_and_confirm(world, world.final)
    payment = services.outcome_payment_prepare(actor=world.kim, point_id=world.final.pk, paid_on=days_ago(10),
                                               today=today())
    return world, payment


def test_twelve_approvals_of_one_payment_pay_it_once_within_the_budget(transactional_db):
    world, payment = _prepared(max_payment=13 * EOK)
    approvers = [ManagerFactory() for _ in range(12)]

    results = run_together(12, lambda i: services.outcome_payment_approve(
        actor=approvers[i], payment_id=payment.pk, idempotency_key=f"approve-{i}", today=today()),
        expected=(InvalidState,))

    assert Counter(type(r).__name__ for r in results) == {"tuple": 1, "InvalidState": 11}
    assert Journal.objects.filter(kind="bond.outcome_payment").count() == 1
    contract = Contract.objects.get(pk=world.contract.pk)
    assert (contract.state, contract.outcome_paid.amount) == ("settled", 13 * EOK)
    budget = Account.objects.get(book=contract.book, code=chart.OUTCOME_BUDGET)
    assert budget.balance.amount == 0
    assert never_went_below_zero(budget.pk)
    _clean()


def test_distributions_racing_for_the_cash_pay_only_what_it_holds(transactional_db):
    world, payment = _prepared()
    services.outcome_payment_approve(actor=world.lee, payment_id=payment.pk, idempotency_key="a", today=today())
    # 13.4억 in cash; eight distributions of 5억 each: two go through, the others find the cash short.
    results = run_together(8, lambda i: services.distribution_make(
        actor=world.kim, contract_id=world.contract.pk, amount=5 * EOK, paid_on=days_ago(5),
        idempotency_key=f"dist-{i}", today=today()), expected=(InsufficientFunds,))

    assert Counter(type(r).__name__ for r in results) == {"tuple": 2, "InsufficientFunds": 6}
    assert Distribution.objects.count() == 2
    contract = Contract.objects.get(pk=world.contract.pk)
    cash = Account.objects.get(book=contract.book, code=chart.CASH)
    assert cash.balance.amount == 1_340_000_000 - 10 * EOK
    assert contract.distributed.amount == 10 * EOK
    assert never_went_below_zero(cash.pk)
    _clean()
