"""Properties of guarantee fees through the services and the database: for programs with random rates and rounding,
guarantees of random amounts and terms, random payments by the enterprise and the city and an early repayment on a
random day, every bill's shares add up to its fee and nothing is negative, billing again changes nothing, a refund
never gives a payer back more than it was billed nor more cash than it paid, and the program's book balances and
agrees with the bills.

Each example runs in a savepoint rolled back at its end, so examples do not see each other's rows.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from djmoney.money import Money
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from core.engines.schedules import add_months
from core.errors import ValidationFailed
from guarantees import accounts as chart
from guarantees import selectors, services
from guarantees.models import FeeBill, FeeRefund, Guarantee, GuaranteeBalance
from ledger.models import Journal
from ledger.selectors import ledger_check
from tests.factories import ManagerFactory

from .factories import contribute, make_guarantee, make_program

START = date(2026, 3, 2)
HORIZON = date(2040, 12, 31)  # "today" for the runs below: every year of every guarantee has started


@st.composite
def terms(draw: st.DrawFn) -> dict:
    """A program's fee rate (0 to 3 % in steps of 0.01 %p), the city's share of it, and its rounding."""
    fee_bp = draw(st.integers(min_value=0, max_value=300))
    city_bp = draw(st.integers(min_value=0, max_value=fee_bp))
    return {"fee_rate": Decimal(fee_bp) / 10_000, "city_fee_rate": Decimal(city_bp) / 10_000,
            "rounding_unit": draw(st.sampled_from([1, 10, 100])),
            "rounding_mode": draw(st.sampled_from(["floor", "ceil", "half_up"]))}


amounts = st.one_of(st.integers(min_value=1, max_value=50_000), st.integers(min_value=1, max_value=30_000_000))
months = st.integers(min_value=1, max_value=120)
starts = st.integers(min_value=0, max_value=3 * 366).map(lambda n: START + timedelta(days=n))
ratios = st.sampled_from([Decimal("1.00"), Decimal("0.90"), Decimal("0.85")])


def world(program_terms: dict, ratio: Decimal, amount: int, start: date, term: int) -> Guarantee:
    program = make_program(guarantee_ratio=ratio, **program_terms)
    contribute(program, 10_000_000_000)
    return make_guarantee(program, amount=amount, start_on=start, term_months=term, repayment_method="bullet",
                          grace_months=0)


def book_of(guarantee: Guarantee) -> dict[str, Decimal]:
    return dict(guarantee.program.book.accounts.values_list("code", "balance"))


def assert_bills_are_sound(guarantee: Guarantee) -> None:
    for bill in FeeBill.objects.filter(guarantee=guarantee):
        fee, city, firm = (bill.fee.amount, bill.city_share.amount, bill.enterprise_share.amount)
        assert city + firm == fee and min(fee, city, firm) >= 0
        for payer in ("city", "firm"):
            share = city if payer == "city" else firm
            paid, refunded, returned = (getattr(bill, f"{payer}_{name}").amount
                                        for name in ("paid", "refunded", "returned"))
            assert 0 <= paid <= share and 0 <= refunded <= share  # paid and refunded never above the share
            assert 0 <= returned <= min(paid, refunded)  # cash back only of what was paid, and refunded
            assert bill.outstanding(payer) >= 0
        assert 0 <= bill.late_fee_paid.amount <= bill.late_fee_charged.amount
        assert (bill.state == "open") == (bill.city_outstanding + bill.firm_outstanding
                                          + bill.late_fee_outstanding > 0)


def assert_book_agrees(guarantee: Guarantee) -> None:
    report = ledger_check()
    assert report.ok, report.problems
    book, fees = book_of(guarantee), selectors.program_fees(guarantee.program)
    assert book[chart.FEE_INCOME] == fees.billed - fees.refunded
    assert book[chart.FEES_DUE_CITY] == fees.city.outstanding
    assert book[chart.FEES_DUE_FIRM] == fees.firm.outstanding
    assert book[chart.LATE_FEE_INCOME] == fees.late_fees_charged
    assert book[chart.LATE_FEES_DUE] == fees.late_fees_charged - fees.late_fees_collected


@pytest.mark.django_db
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(program_terms=terms(), ratio=ratios, amount=amounts, start=starts, term=months)
def test_every_year_is_billed_once_its_shares_adding_up_and_billing_again_changes_nothing(
        program_terms, ratio, amount, start, term):
    with transaction.atomic():
        guarantee = world(program_terms, ratio, amount, start, term)
        guaranteed = (Decimal(amount) * ratio).to_integral_value(rounding="ROUND_FLOOR")
        maturity = add_months(start, term)

        run = services.fees_bill_due(today=HORIZON)
        before = (book_of(guarantee), Journal.objects.count(), list(FeeBill.objects.values_list("pk", "fee")))
        again = services.fees_bill_due(today=HORIZON)

        bills = list(FeeBill.objects.filter(guarantee=guarantee).order_by("year"))
        note(f"{guaranteed} from {start} to {maturity}: {[(b.days, b.fee, b.city_share) for b in bills]}")
        if guaranteed == 0:  # 1 won at 85 %: nothing is guaranteed, nothing is billed
            assert (run.billed, bills) == (0, [])
            event("nothing guaranteed")
        else:
            assert run.billed == len(bills) >= 1 and again.billed == 0
            year1, created = services.fee_bill_year(guarantee_id=guarantee.pk, year=1, actor=None, today=HORIZON)
            assert (year1, created) == (bills[0], False)
        assert (book_of(guarantee), Journal.objects.count(), list(FeeBill.objects.values_list("pk", "fee"))) == before
        if bills:
            assert bills[0].period_start == start and bills[-1].period_end == maturity
            assert sum(b.days for b in bills) == (maturity - start).days
            for before_bill, after_bill in itertools.pairwise(bills):
                assert before_bill.period_end == after_bill.period_start
            event("one short bill" if len(bills) == 1 else "several years")
        assert_bills_are_sound(guarantee)
        assert_book_agrees(guarantee)
        transaction.set_rollback(True)


@st.composite
def lives(draw: st.DrawFn) -> dict:
    """A guarantee's fee life: the enterprise's payments (a percentage of what it owes, on a day), the city paying by a
    day or not at all, and an early full repayment on a day of the guarantee."""
    term = draw(st.integers(min_value=1, max_value=36))
    maturity = add_months(START, term)
    span = (maturity - START).days
    payments = draw(st.lists(st.tuples(st.integers(min_value=0, max_value=span),
                                       st.integers(min_value=0, max_value=100)), max_size=4))
    city_day = draw(st.none() | st.integers(min_value=0, max_value=span))
    repaid = draw(st.integers(min_value=0, max_value=span))
    return {"term": term, "payments": sorted(payments, key=lambda p: p[0]), "city_day": city_day, "repaid": repaid}


@pytest.mark.django_db
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(program_terms=terms(), amount=amounts, life=lives())
def test_payments_and_a_refund_never_pay_back_more_than_was_billed_or_paid(program_terms, amount, life):
    with transaction.atomic():
        guarantee = world(program_terms, Decimal("1.00"), amount, START, life["term"])
        manager = ManagerFactory()
        repaid_on = START + timedelta(days=life["repaid"])
        # The years that had started by the repayment are billed as beat would have, each on its first day.
        day = START
        while day <= repaid_on:
            services.fees_bill_due(today=day)
            day = add_months(day, 12)
        for number, (offset, percent) in enumerate(life["payments"]):
            on = min(START + timedelta(days=offset), repaid_on)
            for bill in FeeBill.objects.filter(guarantee=guarantee, billed_on__lte=on).order_by("year"):
                last = bill.payments.order_by("-paid_on").values_list("paid_on", flat=True).first()
                owed = selectors.firm_owed(bill, on).total
                amount_paid = owed * percent // 100
                if amount_paid > 0 and (last is None or last <= on):
                    services.fee_pay(bill_id=bill.pk, amount=amount_paid, idempotency_key=f"p{number}-{bill.pk}",
                                     actor=manager, today=HORIZON, paid_on=on)
        if life["city_day"] is not None:
            on = min(START + timedelta(days=life["city_day"]), repaid_on)
            if FeeBill.objects.filter(guarantee=guarantee, state="open", billed_on__lte=on).exists():
                try:
                    services.fee_city_pay(program_id=guarantee.program_id, due_by=on, paid_on=on,
                                          idempotency_key="city", actor=manager, today=HORIZON)
                    event("city paid")
                except ValidationFailed as exc:  # no city share open (a city rate of 0, or rounded to nothing)
                    assert "due_by" in exc.fields, exc
        paid = {(bill.pk, payer): getattr(bill, f"{payer}_paid").amount
                for bill in FeeBill.objects.filter(guarantee=guarantee) for payer in ("city", "firm")}
        Guarantee.objects.filter(pk=guarantee.pk).update(state="repaid", repaid_on=repaid_on,
                                                         balance=Money(0, "KRW"), guaranteed=Money(0, "KRW"))
        GuaranteeBalance.objects.create(guarantee=guarantee, kind="paid_off", on_date=repaid_on,
                                        balance=Money(0, "KRW"), idempotency_key="paid-off")

        refunds = services.fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=repaid_on, actor=None,
                                             today=HORIZON)
        again = services.fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=repaid_on, actor=None,
                                           today=HORIZON)

        assert again == []
        for refund in refunds:
            bill = refund.bill
            share = bill.city_share.amount if refund.payer == "city" else bill.enterprise_share.amount
            assert 0 < refund.amount.amount <= share  # never more than the payer was billed
            assert refund.returned.amount <= paid[(bill.pk, refund.payer)]  # cash back never more than it paid
            assert refund.amount.amount == refund.returned.amount + refund.written_down.amount
            event("cash returned" if refund.returned.amount else "only what was owed taken off")
        assert FeeRefund.objects.filter(bill__guarantee=guarantee).count() == len(refunds)
        assert_bills_are_sound(guarantee)
        assert_book_agrees(guarantee)
        transaction.set_rollback(True)
