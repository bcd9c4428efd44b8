"""Guarantee fees under concurrency, on PostgreSQL: each thread has its own connection, they start together at a
barrier, and the bills' row locks decide. A bill is never paid beyond its share, a key is used once, a city batch and
the enterprise's payments of the same bills stay consistent, and so does a refund racing a payment."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from core.errors import InvalidState, LimitExceeded, ValidationFailed
from guarantees import accounts as chart
from guarantees import selectors, services
from guarantees.models import FeeBill, FeePayment, Guarantee, GuaranteeBalance
from ledger.selectors import ledger_check
from tests.concurrency import run_together
from tests.factories import ManagerFactory

from .factories import contribute, make_guarantee, make_program

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

START = date(2026, 3, 2)
TODAY = date(2026, 3, 31)


def assert_consistent(program) -> None:
    """Every bill within its shares (the database's constraints held, and so do these), and the book agrees."""
    for bill in FeeBill.objects.filter(program=program):
        assert bill.firm_paid.amount <= bill.enterprise_share.amount
        assert bill.city_paid.amount <= bill.city_share.amount
        assert bill.firm_outstanding >= 0 and bill.city_outstanding >= 0
        assert (bill.state == "open") == (bill.firm_outstanding + bill.city_outstanding
                                          + bill.late_fee_outstanding > 0)
        paid = sum((p.share_paid.amount for p in bill.payments.filter(payer="firm")), Decimal(0))
        assert paid == bill.firm_paid.amount
    report = ledger_check()
    assert report.ok, report.problems
    fees = selectors.program_fees(program)
    assert chart.account(program.book, chart.FEES_DUE_FIRM).balance.amount == fees.firm.outstanding
    assert chart.account(program.book, chart.FEES_DUE_CITY).balance.amount == fees.city.outstanding
    assert chart.account(program.book, chart.FEE_INCOME).balance.amount == fees.billed - fees.refunded


@pytest.fixture
def program(transactional_db):
    program = make_program()
    contribute(program, 1_000_000_000)
    return program


@pytest.fixture
def bill(program) -> FeeBill:
    """240,000 billed on 2026-03-02: the city 150,000, the enterprise 90,000."""
    guarantee = make_guarantee(program, amount=30_000_000, start_on=START)
    return services.fee_bill_first_year(guarantee_id=guarantee.pk, actor=None, today=START)


def test_eight_payments_of_one_bill_at_once_never_pay_more_than_its_share(program, bill):
    # 40,000 each, paid on the due date (no late fee): two fit in 90,000; the third finds 10,000 left.
    manager = ManagerFactory()
    results = run_together(8, lambda i: services.fee_pay(
        bill_id=bill.pk, amount=40_000, idempotency_key=f"k{i}", actor=manager, today=TODAY, paid_on=START),
        expected=(LimitExceeded,))

    assert Counter(type(r).__name__ for r in results) == {"tuple": 2, "LimitExceeded": 6}
    bill.refresh_from_db()
    assert bill.firm_paid.amount == 80_000 and bill.firm_outstanding == 10_000
    assert FeePayment.objects.count() == 2
    assert chart.cash(program.book).balance.amount == 1_000_000_000 + 80_000
    assert_consistent(program)


def test_eight_payments_with_one_key_at_once_pay_once(program, bill):
    manager = ManagerFactory()
    results = run_together(8, lambda i: services.fee_pay(
        bill_id=bill.pk, amount=30_000, idempotency_key="same", actor=manager, today=TODAY, paid_on=START))

    assert sorted(created for _payment, created in results) == [False] * 7 + [True]
    assert len({payment.pk for payment, _created in results}) == 1
    bill.refresh_from_db()
    assert bill.firm_paid.amount == 30_000
    assert_consistent(program)


def test_a_city_batch_racing_the_enterprises_payments_of_the_same_bills_stays_consistent(program):
    bills = [services.fee_bill_first_year(guarantee_id=make_guarantee(program, amount=10_000_000, start_on=START).pk,
                                          actor=None, today=START) for _ in range(6)]
    manager = ManagerFactory()

    def work(i: int):
        if i == 0:
            return services.fee_city_pay(program_id=program.pk, due_by=START, paid_on=TODAY, idempotency_key="city",
                                         actor=manager, today=TODAY)
        if i == 1:  # a second batch with another key: the bills' locks leave it nothing (or all, if it goes first)
            return services.fee_city_pay(program_id=program.pk, bill_ids=[b.pk for b in bills], paid_on=TODAY,
                                         idempotency_key="city-2", actor=manager, today=TODAY)
        bill = bills[(i - 2) % len(bills)]
        # 10,000,000 x 0.003 = 30,000 for the enterprise, paid 29 days late: 30,000 x 0.10 x 29 / 365 = 238.36
        # -> 230 of late fee; 30,230 in all.
        return services.fee_pay(bill_id=bill.pk, amount=30_230, idempotency_key=f"firm-{i}", actor=manager,
                                today=TODAY, paid_on=TODAY)

    results = run_together(14, work, expected=(InvalidState, ValidationFailed))

    batches = [r for r in results[:2] if isinstance(r, tuple)]
    assert len(batches) == 1 and sum(1 for r in results[:2] if isinstance(r, InvalidState | ValidationFailed)) == 1
    firm = Counter("paid" if isinstance(r, tuple) else type(r).__name__ for r in results[2:])
    assert firm == {"paid": 6, "InvalidState": 6}  # each bill's share once; the second try finds nothing left
    for bill in FeeBill.objects.filter(pk__in=[b.pk for b in bills]):
        assert (bill.city_paid.amount, bill.firm_paid.amount, bill.late_fee_paid.amount) == (50_000, 30_000, 230)
        assert bill.state == "paid"
    assert chart.cash(program.book).balance.amount == 1_000_000_000 + 6 * (50_000 + 30_230)
    assert_consistent(program)


def test_a_refund_racing_a_payment_of_the_same_bill_stays_consistent(program, bill):
    manager = ManagerFactory()
    guarantee = bill.guarantee
    Guarantee.objects.filter(pk=guarantee.pk).update(state="repaid", repaid_on=date(2026, 3, 20),
                                                     balance=Money(0, "KRW"), guaranteed=Money(0, "KRW"))
    GuaranteeBalance.objects.create(guarantee=guarantee, kind="paid_off", on_date=date(2026, 3, 20),
                                    balance=Money(0, "KRW"), idempotency_key="paid-off")

    def work(i: int):
        if i % 2 == 0:
            return services.fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=date(2026, 3, 20), actor=None,
                                              today=TODAY)
        return services.fee_pay(bill_id=bill.pk, amount=90_000, idempotency_key=f"pay-{i}", actor=manager,
                                today=TODAY, paid_on=date(2026, 3, 20))

    results = run_together(6, work, expected=(LimitExceeded, InvalidState))

    refunds = [r for r in results[0::2] if isinstance(r, list) and r]
    assert len(refunds) == 1  # refunded once
    bill.refresh_from_db()
    assert bill.refunded_on == date(2026, 3, 20)
    # Whichever came first, the enterprise keeps paid exactly its share for the 18 days used, or owes the rest:
    # 90,000 x 18 / 365 = 4,438.36; the refund of 347 days is 240,000 x 347 / 365 = 228,164.38 -> 228,160 of which
    # the city 150,000 x 347 / 365 = 142,602.74 -> 142,600, the enterprise 85,560: it keeps 4,440 of its 90,000.
    assert bill.firm_refunded.amount == 85_560
    assert bill.firm_paid.amount - bill.firm_returned.amount + bill.firm_outstanding == 4_440
    assert_consistent(program)
