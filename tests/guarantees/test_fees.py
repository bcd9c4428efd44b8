"""Guarantee fees (보증료) and the city's share (보증료 지원): billing each guarantee year, the enterprise's payments
with their late fees, the city's batches, refunds of unused days on early repayment, and the reads.

Known answers are worked out by hand in the comments (long division and a calendar), on the Dalseong-gun program's
terms: fee 0.8 %/yr, the city pays 0.5 %p of it, amounts rounded down to 10 won; a 30,000,000 won loan guaranteed
100 % from 2026-03-02 for 60 months (to 2031-03-02). A common year costs 30,000,000 x 0.008 = 240,000, of which the
city pays 30,000,000 x 0.005 = 150,000 and the enterprise 90,000.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from djmoney.money import Money

from core.errors import (
    Forbidden,
    IdempotencyConflict,
    InvalidState,
    LimitExceeded,
    NotFound,
    ValidationFailed,
)
from core.models import AuditEvent
from guarantees import accounts as chart
from guarantees import selectors, services
from guarantees.models import CityFeeBatch, FeeBill, FeePayment, FeeRefund, Guarantee, GuaranteeBalance
from guarantees.tasks import bill_fees_task
from ledger.models import Journal
from ledger.selectors import ledger_check
from tests.factories import BankOfficerFactory, ManagerFactory, MembershipFactory

from .factories import contribute, make_guarantee, make_program

pytestmark = pytest.mark.django_db

START = date(2026, 3, 2)
EOK = 100_000_000
KEY = "pay-1"
BULLET = {"repayment_method": "bullet", "grace_months": 0}  # for terms of a year (no grace)


@pytest.fixture
def program():
    program = make_program()
    contribute(program, 10 * EOK)
    return program


@pytest.fixture
def guarantee(program):
    return make_guarantee(program, amount=30_000_000, start_on=START, term_months=60)


def member_of(guarantee):
    return MembershipFactory(enterprise=guarantee.enterprise).user


def balance(program, code: str) -> Decimal:
    return chart.account(program.book, code).balance.amount


def money(bill: FeeBill, *names: str) -> tuple[int, ...]:
    bill.refresh_from_db()
    return tuple(int(getattr(bill, name).amount) for name in names)


def repaid(guarantee: Guarantee, on: date) -> None:
    """The guarantee marked repaid in full on ``on``, as the bank's report of full repayment leaves it (that service
    is another step's; here only its effect on the row, for the refund that follows it)."""
    Guarantee.objects.filter(pk=guarantee.pk).update(state="repaid", repaid_on=on, balance=Money(0, "KRW"),
                                                     guaranteed=Money(0, "KRW"))
    GuaranteeBalance.objects.create(guarantee=guarantee, kind="paid_off", on_date=on, balance=Money(0, "KRW"),
                                    idempotency_key=f"paid-off-{on}")


def assert_ledger_clean():
    report = ledger_check()
    assert report.ok, report.problems


# --- quotes --------------------------------------------------------------------------------------------------------


def test_a_quote_is_the_fee_for_the_days_and_who_pays_it(program):
    # 20,000,000 for 2026-03-02 to 2027-03-02 (365 days): fee 20,000,000 x 0.008 = 160,000; the city
    # 20,000,000 x 0.005 = 100,000; the enterprise 60,000.
    quote = services.fee_quote(program_id=program.pk, amount="20000000", start=START, end=date(2027, 3, 2))
    assert (quote.days, quote.fee, quote.city_share, quote.enterprise_share) == (365, 160_000, 100_000, 60_000)
    assert not FeeBill.objects.exists()


@pytest.mark.parametrize(("amount", "start", "end", "field"), [
    ("0", START, date(2027, 3, 2), "amount"),
    ("-10", START, date(2027, 3, 2), "amount"),
    ("10.5", START, date(2027, 3, 2), "amount"),
    ("30000001", START, date(2027, 3, 2), "amount"),  # above the limit per enterprise
    ("1000000", START, START, "end"),
    ("1000000", START, date(2026, 3, 1), "end"),
    ("1000000", START, date(2036, 3, 10), "end"),  # 3,661 days: more than ten years
    ("1000000", date(1999, 12, 31), date(2000, 3, 2), "start"),
])
def test_a_quote_refuses_bad_input_naming_the_field(program, amount, start, end, field):
    with pytest.raises(ValidationFailed) as caught:
        services.fee_quote(program_id=program.pk, amount=amount, start=start, end=end)
    assert field in caught.value.fields


def test_a_quote_of_a_program_that_does_not_exist_is_not_found(db):
    with pytest.raises(NotFound):
        services.fee_quote(program_id=999_999, amount="1000000", start=START, end=date(2027, 3, 2))


# --- billing: known answers ----------------------------------------------------------------------------------------


def test_the_first_year_is_billed_at_the_loans_making_and_due_that_day(program, guarantee):
    # 2026-03-02 to 2027-03-02, 365 days: 240,000 of which the city 150,000 and the enterprise 90,000.
    bill = services.fee_bill_first_year(guarantee_id=guarantee.pk, actor=None, today=date(2026, 3, 4))

    assert (bill.year, bill.period_start, bill.period_end, bill.days) == (1, START, date(2027, 3, 2), 365)
    assert money(bill, "amount", "fee", "city_share", "enterprise_share") == (30_000_000, 240_000, 150_000, 90_000)
    assert (bill.billed_on, bill.due_on, bill.state) == (date(2026, 3, 4), date(2026, 3, 4), "open")
    assert balance(program, chart.FEES_DUE_FIRM) == 90_000
    assert balance(program, chart.FEES_DUE_CITY) == 150_000
    assert balance(program, chart.FEE_INCOME) == 240_000
    assert bill.journal.effective_date == date(2026, 3, 4)
    assert AuditEvent.objects.filter(action="guarantees.fee.bill", object_id=str(bill.pk)).count() == 1
    assert_ledger_clean()


def test_billing_a_year_again_changes_nothing(program, guarantee):
    first, created = services.fee_bill_year(guarantee_id=guarantee.pk, year=1, actor=None, today=START)
    again, created_again = services.fee_bill_year(guarantee_id=guarantee.pk, year=1, actor=None,
                                                  today=date(2026, 4, 1))

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.billed_on == START
    assert FeeBill.objects.count() == 1 and Journal.objects.filter(kind="guarantee.fee.bill").count() == 1
    assert balance(program, chart.FEE_INCOME) == 240_000


def test_a_leap_year_holding_29_february_2028_costs_366_days(program, guarantee):
    # Year 2: 2027-03-02 to 2028-03-02 holds 29 February 2028: 366 days.
    # fee  240,000 x 366 / 365 = 87,840,000 / 365 = 240,657.53 -> 240,650
    # city 150,000 x 366 / 365 = 54,900,000 / 365 = 150,410.96 -> 150,410; enterprise 240,650 - 150,410 = 90,240
    bill, _ = services.fee_bill_year(guarantee_id=guarantee.pk, year=2, actor=None, today=date(2027, 3, 2))

    assert (bill.period_start, bill.period_end, bill.days) == (date(2027, 3, 2), date(2028, 3, 2), 366)
    assert money(bill, "fee", "city_share", "enterprise_share") == (240_650, 150_410, 90_240)
    assert bill.due_on == date(2027, 3, 2)  # a later year is due on its first day


def test_a_short_last_year_is_billed_for_its_days(program):
    # 27 months from 2026-03-02: matures 2028-06-02. Year 3: 2028-03-02 to 2028-06-02 = 31 + 30 + 31 = 92 days.
    # fee  240,000 x 92 / 365 = 22,080,000 / 365 = 60,493.15 -> 60,490
    # city 150,000 x 92 / 365 = 13,800,000 / 365 = 37,808.22 -> 37,800; enterprise 60,490 - 37,800 = 22,690
    guarantee = make_guarantee(program, amount=30_000_000, start_on=START, term_months=27)

    bill, _ = services.fee_bill_year(guarantee_id=guarantee.pk, year=3, actor=None, today=date(2028, 3, 10))

    assert (bill.period_start, bill.period_end, bill.days) == (date(2028, 3, 2), date(2028, 6, 2), 92)
    assert money(bill, "fee", "city_share", "enterprise_share") == (60_490, 37_800, 22_690)
    with pytest.raises(ValidationFailed) as caught:
        services.fee_bill_year(guarantee_id=guarantee.pk, year=4, actor=None, today=date(2028, 6, 10))
    assert "year" in caught.value.fields


def test_a_later_year_is_billed_on_the_amount_guaranteed_at_its_start(program):
    # The bank reported a balance of 24,000,000 from 2027-03-02 (after its first principal payment); a 90 % ratio
    # guarantees 21,600,000. Year 2 (366 days):
    # fee  21,600,000 x 0.008 = 172,800; x 366 / 365 = 63,244,800 / 365 = 173,273.42 -> 173,270
    # city 21,600,000 x 0.005 = 108,000; x 366 / 365 = 39,528,000 / 365 = 108,295.89 -> 108,290
    # enterprise 173,270 - 108,290 = 64,980
    program.guarantee_ratio = Decimal("0.90")
    program.save(update_fields=["guarantee_ratio"])
    guarantee = make_guarantee(program, amount=30_000_000, start_on=START, term_months=60)
    GuaranteeBalance.objects.create(guarantee=guarantee, kind="report", on_date=date(2027, 3, 2),
                                    balance=Money(24_000_000, "KRW"), idempotency_key="report-1")

    year1, _ = services.fee_bill_year(guarantee_id=guarantee.pk, year=1, actor=None, today=START)
    year2, _ = services.fee_bill_year(guarantee_id=guarantee.pk, year=2, actor=None, today=date(2027, 3, 2))

    # Year 1 on 30,000,000 x 0.9 = 27,000,000: 216,000 / 135,000 / 81,000.
    assert money(year1, "amount", "fee", "city_share", "enterprise_share") == (27_000_000, 216_000, 135_000, 81_000)
    assert money(year2, "amount", "fee", "city_share", "enterprise_share") == (21_600_000, 173_270, 108_290, 64_980)


def test_a_year_not_started_or_a_guarantee_not_active_is_not_billed(program, guarantee):
    with pytest.raises(ValidationFailed) as caught:
        services.fee_bill_year(guarantee_id=guarantee.pk, year=2, actor=None, today=date(2027, 3, 1))
    assert "year" in caught.value.fields
    with pytest.raises(ValidationFailed):
        services.fee_bill_year(guarantee_id=guarantee.pk, year=0, actor=None, today=START)
    approved = make_guarantee(program, state="approved")
    with pytest.raises(InvalidState) as state:
        services.fee_bill_first_year(guarantee_id=approved.pk, actor=None, today=START)
    assert state.value.fields == {"state": ["approved"]}
    with pytest.raises(NotFound):
        services.fee_bill_first_year(guarantee_id=999_999, actor=None, today=START)
    assert not FeeBill.objects.exists()


def test_beat_bills_every_year_that_has_started_once(program, guarantee):
    other = make_guarantee(program, amount=10_000_000, start_on=date(2026, 9, 1), term_months=12, **BULLET)
    not_yet = make_guarantee(program, amount=10_000_000, start_on=date(2028, 1, 1), term_months=12, **BULLET)
    approved = make_guarantee(program, state="approved")

    run = services.fees_bill_due(today=date(2027, 3, 2))
    again = services.fees_bill_due(today=date(2027, 3, 2))

    # The first guarantee's years 1 and 2 (2027-03-02 is year 2's first day); the other's only year.
    assert (run.billed, run.skipped, again.billed) == (3, 0, 0)
    assert sorted(FeeBill.objects.values_list("guarantee_id", "year")) == [
        (guarantee.pk, 1), (guarantee.pk, 2), (other.pk, 1)]
    assert not FeeBill.objects.filter(guarantee__in=[not_yet, approved]).exists()
    bills = {bill.year: bill for bill in FeeBill.objects.filter(guarantee=guarantee)}
    assert bills[1].due_on == date(2027, 3, 2) and bills[2].due_on == date(2027, 3, 2)
    assert_ledger_clean()


def test_the_beat_task_bills_through_the_service(program, guarantee):
    assert bill_fees_task.delay("2026-03-02").get() == {"billed": 1, "skipped": 0}
    assert bill_fees_task.delay("2026-03-02").get() == {"billed": 0, "skipped": 0}


# --- the enterprise's payments -------------------------------------------------------------------------------------


@pytest.fixture
def bill(guarantee):
    return services.fee_bill_first_year(guarantee_id=guarantee.pk, actor=None, today=START)


def test_a_member_pays_the_enterprises_share_on_time_without_a_late_fee(program, guarantee, bill):
    member = member_of(guarantee)
    cash = balance(program, chart.CASH)

    payment, created = services.fee_pay(bill_id=bill.pk, amount="90000", idempotency_key=KEY, actor=member,
                                        today=START)

    assert created and payment.payer == "firm" and payment.paid_on == START
    assert money(bill, "firm_paid", "late_fee_charged") == (90_000, 0)
    assert bill.state == "open"  # the city's share is still due
    assert balance(program, chart.CASH) == cash + 90_000
    assert balance(program, chart.FEES_DUE_FIRM) == 0
    assert AuditEvent.objects.filter(action="guarantees.fee.pay", actor=member).count() == 1
    assert_ledger_clean()


def test_a_late_payment_is_charged_10_percent_a_year_for_the_days_late(program, guarantee, bill):
    # 90,000 due 2026-03-02, paid 2026-04-01: 30 days late. 90,000 x 0.10 x 30 / 365 = 270,000 / 365 = 739.73
    # -> 730. The enterprise owes 90,730 that day.
    manager = ManagerFactory()
    owed = selectors.firm_owed(bill, date(2026, 4, 1))
    assert (owed.share, owed.late_fee_accrued, owed.total) == (90_000, 730, 90_730)
    with pytest.raises(LimitExceeded) as caught:
        services.fee_pay(bill_id=bill.pk, amount=90_740, idempotency_key=KEY, actor=manager,
                         today=date(2026, 4, 5), paid_on=date(2026, 4, 1))
    assert "90,730원" in caught.value.fields["amount"][0]

    payment, _ = services.fee_pay(bill_id=bill.pk, amount=90_730, idempotency_key=KEY, actor=manager,
                                  today=date(2026, 4, 5), paid_on=date(2026, 4, 1))

    assert money(bill, "firm_paid", "late_fee_charged", "late_fee_paid") == (90_000, 730, 730)
    assert (int(payment.late_fee_charged.amount), int(payment.late_fee_paid.amount)) == (730, 730)
    assert balance(program, chart.LATE_FEE_INCOME) == 730
    assert balance(program, chart.LATE_FEES_DUE) == 0
    assert balance(program, chart.FEES_DUE_FIRM) == 0
    assert AuditEvent.objects.filter(action="guarantees.fee.late").count() == 1
    assert payment.journal.effective_date == date(2026, 4, 1)
    assert_ledger_clean()


def test_partial_late_payments_pay_the_late_fee_first_and_charge_it_again_only_for_the_days_since(program, bill):
    # 2026-04-01: 50,000 paid; the late fee of 730 (above) first, then 49,270 of the share: 40,730 left.
    # 2026-05-01: 30 more days on 40,730: 40,730 x 0.10 x 30 / 365 = 122,190 / 365 = 334.77 -> 330; 41,060 due.
    manager = ManagerFactory()
    services.fee_pay(bill_id=bill.pk, amount=50_000, idempotency_key="a", actor=manager, today=date(2026, 6, 1),
                     paid_on=date(2026, 4, 1))
    assert money(bill, "firm_paid", "late_fee_charged", "late_fee_paid") == (49_270, 730, 730)
    assert bill.late_fee_through == date(2026, 4, 1)

    assert selectors.firm_owed(bill, date(2026, 5, 1)).total == 41_060
    services.fee_pay(bill_id=bill.pk, amount=41_060, idempotency_key="b", actor=manager, today=date(2026, 6, 1),
                     paid_on=date(2026, 5, 1))

    assert money(bill, "firm_paid", "late_fee_charged", "late_fee_paid") == (90_000, 1_060, 1_060)
    assert balance(program, chart.LATE_FEE_INCOME) == 1_060
    with pytest.raises(InvalidState):
        services.fee_pay(bill_id=bill.pk, amount=10, idempotency_key="c", actor=manager, today=date(2026, 6, 1))
    assert_ledger_clean()


def test_a_late_fee_too_small_to_charge_leaves_its_days_for_the_next_payment(program, bill):
    # 89,990 paid on time leaves 10 won; paid one day late, their late fee is 10 x 0.10 / 365 = 0.0027 -> 0: nothing
    # is charged, and the days stay uncharged (late fees are not charged through that day).
    manager = ManagerFactory()
    services.fee_pay(bill_id=bill.pk, amount=89_990, idempotency_key="a", actor=manager, today=date(2026, 4, 1),
                     paid_on=START)
    services.fee_pay(bill_id=bill.pk, amount=5, idempotency_key="b", actor=manager, today=date(2026, 4, 1),
                     paid_on=date(2026, 3, 3))
    bill.refresh_from_db()
    assert bill.late_fee_through is None and int(bill.late_fee_charged.amount) == 0


def test_a_payment_is_never_more_than_is_due_and_a_replay_gives_the_first_back(program, guarantee, bill):
    member = member_of(guarantee)
    with pytest.raises(LimitExceeded):
        services.fee_pay(bill_id=bill.pk, amount=90_010, idempotency_key=KEY, actor=member, today=START)
    first, _ = services.fee_pay(bill_id=bill.pk, amount=60_000, idempotency_key=KEY, actor=member, today=START)
    again, created = services.fee_pay(bill_id=bill.pk, amount=60_000, idempotency_key=KEY, actor=member, today=START)
    assert (again.pk, created) == (first.pk, False)
    with pytest.raises(IdempotencyConflict):
        services.fee_pay(bill_id=bill.pk, amount=60_010, idempotency_key=KEY, actor=member, today=START)
    with pytest.raises(IdempotencyConflict):
        services.fee_pay(bill_id=bill.pk, amount=60_000, idempotency_key=KEY, actor=ManagerFactory(), today=START)
    with pytest.raises(LimitExceeded):
        services.fee_pay(bill_id=bill.pk, amount=30_010, idempotency_key="two", actor=member, today=START)
    assert money(bill, "firm_paid") == (60_000,)
    assert FeePayment.objects.count() == 1


def test_who_may_pay_and_on_which_day(program, guarantee, bill):
    member, stranger = member_of(guarantee), MembershipFactory().user
    with pytest.raises(NotFound):  # another enterprise's bill
        services.fee_pay(bill_id=bill.pk, amount=1_000, idempotency_key=KEY, actor=stranger, today=START)
    with pytest.raises(Forbidden) as caught:  # a member pays today only
        services.fee_pay(bill_id=bill.pk, amount=1_000, idempotency_key=KEY, actor=member, today=date(2026, 3, 5),
                         paid_on=START)
    assert "paid_on" in caught.value.fields
    with pytest.raises(Forbidden):  # a bank officer does not pay fees
        services.fee_pay(bill_id=bill.pk, amount=1_000, idempotency_key=KEY,
                         actor=BankOfficerFactory(institution=guarantee.bank), today=START)
    with pytest.raises(NotFound):
        services.fee_pay(bill_id=999_999, amount=1_000, idempotency_key=KEY, actor=member, today=START)
    manager = ManagerFactory()
    with pytest.raises(ValidationFailed) as future:
        services.fee_pay(bill_id=bill.pk, amount=1_000, idempotency_key=KEY, actor=manager, today=START,
                         paid_on=date(2026, 3, 3))
    assert "paid_on" in future.value.fields
    with pytest.raises(ValidationFailed) as before_bill:
        services.fee_pay(bill_id=bill.pk, amount=1_000, idempotency_key=KEY, actor=manager, today=date(2026, 4, 1),
                         paid_on=date(2026, 3, 1))
    assert "paid_on" in before_bill.value.fields
    services.fee_pay(bill_id=bill.pk, amount=1_000, idempotency_key="a", actor=manager, today=date(2026, 4, 1),
                     paid_on=date(2026, 3, 20))
    with pytest.raises(ValidationFailed) as out_of_order:
        services.fee_pay(bill_id=bill.pk, amount=1_000, idempotency_key="b", actor=manager, today=date(2026, 4, 1),
                         paid_on=date(2026, 3, 10))
    assert "paid_on" in out_of_order.value.fields


@pytest.mark.parametrize(("amount", "key"), [("0", KEY), ("-1", KEY), ("1.5", KEY), (1.5, KEY), ("abc", KEY),
                                             ("1000", ""), ("1000", "x" * 201)])
def test_a_payment_refuses_bad_amounts_and_keys(guarantee, bill, amount, key):
    with pytest.raises(ValidationFailed) as caught:
        services.fee_pay(bill_id=bill.pk, amount=amount, idempotency_key=key, actor=member_of(guarantee),
                         today=START)
    assert set(caught.value.fields) & {"amount", "idempotency_key"}
    assert not FeePayment.objects.exists()


# --- the city's batches --------------------------------------------------------------------------------------------


def test_the_city_pays_its_shares_of_many_bills_in_one_journal(program, guarantee):
    other = make_guarantee(program, amount=20_000_000, start_on=START, term_months=12, **BULLET)
    services.fees_bill_due(today=START)
    bills = list(FeeBill.objects.order_by("pk"))
    manager = ManagerFactory()
    cash = balance(program, chart.CASH)

    # 150,000 + 20,000,000 x 0.005 = 100,000: 250,000.
    batch, created = services.fee_city_pay(program_id=program.pk, bill_ids=[b.pk for b in bills], paid_on=START,
                                           idempotency_key="city-1", actor=manager, today=date(2026, 3, 31))

    assert created and (int(batch.amount.amount), batch.bill_count) == (250_000, 2)
    assert balance(program, chart.CASH) == cash + 250_000
    assert balance(program, chart.FEES_DUE_CITY) == 0
    assert Journal.objects.filter(kind="guarantee.fee.city_payment").count() == 1
    assert sorted(FeePayment.objects.filter(batch=batch).values_list("bill__guarantee_id", "amount")) == [
        (guarantee.pk, 150_000), (other.pk, 100_000)]
    again, created_again = services.fee_city_pay(program_id=program.pk, bill_ids=[b.pk for b in bills],
                                                 paid_on=START, idempotency_key="city-1", actor=manager,
                                                 today=date(2026, 3, 31))
    assert (again.pk, created_again) == (batch.pk, False)
    with pytest.raises(IdempotencyConflict):
        services.fee_city_pay(program_id=program.pk, bill_ids=[bills[0].pk], paid_on=START,
                              idempotency_key="city-1", actor=manager, today=date(2026, 3, 31))
    with pytest.raises(InvalidState) as paid:
        services.fee_city_pay(program_id=program.pk, bill_ids=[bills[0].pk], paid_on=START,
                              idempotency_key="city-2", actor=manager, today=date(2026, 3, 31))
    assert "bill_ids" in paid.value.fields
    assert AuditEvent.objects.filter(action="guarantees.fee.city_pay").count() == 1
    assert_ledger_clean()


def test_a_city_batch_by_due_date_takes_every_open_city_share_due_by_then(program, guarantee):
    later = make_guarantee(program, amount=20_000_000, start_on=date(2026, 5, 1), term_months=12, **BULLET)
    services.fee_bill_first_year(guarantee_id=guarantee.pk, actor=None, today=START)
    services.fee_bill_first_year(guarantee_id=later.pk, actor=None, today=date(2026, 5, 1))
    manager = ManagerFactory()

    batch, _ = services.fee_city_pay(program_id=program.pk, due_by=date(2026, 3, 31), paid_on=date(2026, 5, 2),
                                     idempotency_key="march", actor=manager, today=date(2026, 5, 2))

    assert (int(batch.amount.amount), batch.bill_count, batch.due_by) == (150_000, 1, date(2026, 3, 31))
    with pytest.raises(ValidationFailed) as none_left:
        services.fee_city_pay(program_id=program.pk, due_by=date(2026, 3, 31), paid_on=date(2026, 5, 2),
                              idempotency_key="march-again", actor=manager, today=date(2026, 5, 2))
    assert "due_by" in none_left.value.fields
    rest, _ = services.fee_city_pay(program_id=program.pk, due_by=date(2026, 12, 31), paid_on=date(2026, 5, 2),
                                    idempotency_key="rest", actor=manager, today=date(2026, 5, 2))
    assert (int(rest.amount.amount), rest.bill_count) == (100_000, 1)


def test_a_city_batch_refuses_bad_input(program, guarantee, bill):
    manager, other_program = ManagerFactory(), make_program(code="other-2026")
    other_bill = services.fee_bill_first_year(
        guarantee_id=make_guarantee(other_program, start_on=START).pk, actor=None, today=START)
    cases = [
        ({"bill_ids": [bill.pk], "due_by": START}, "bill_ids"),
        ({}, "bill_ids"),
        ({"bill_ids": []}, "bill_ids"),
        ({"bill_ids": [other_bill.pk]}, "bill_ids"),
        ({"bill_ids": [999_999]}, "bill_ids"),
        ({"bill_ids": [bill.pk], "paid_on": date(2026, 3, 1)}, "paid_on"),  # before the bill was issued
        ({"bill_ids": [bill.pk], "paid_on": date(2026, 4, 2)}, "paid_on"),  # in the future
    ]
    for extra, field in cases:
        args = {"paid_on": START, **extra}
        with pytest.raises(ValidationFailed) as caught:
            services.fee_city_pay(program_id=program.pk, idempotency_key="k", actor=manager, today=date(2026, 4, 1),
                                  **args)
        assert field in caught.value.fields, (extra, caught.value.fields)
    with pytest.raises(NotFound):
        services.fee_city_pay(program_id=999_999, bill_ids=[bill.pk], paid_on=START, idempotency_key="k",
                              actor=manager, today=START)
    with pytest.raises(Forbidden):
        services.fee_city_pay(program_id=program.pk, bill_ids=[bill.pk], paid_on=START, idempotency_key="k",
                              actor=member_of(guarantee), today=START)
    assert not CityFeeBatch.objects.exists()


# --- refunds on early repayment -----------------------------------------------------------------------------------


def test_an_early_repayment_refunds_the_unused_days_to_the_city_and_the_enterprise(program, guarantee, bill):
    # Year 1 billed 240,000 / 150,000 / 90,000; the enterprise paid its 90,000, the city nothing yet. Repaid in full
    # 2026-09-01: unused 2026-09-01 to 2027-03-02 = 30 + 31 + 30 + 31 + 31 + 28 + 1 = 182 days.
    # fee  240,000 x 182 / 365 = 43,680,000 / 365 = 119,671.23 -> 119,670
    # city 150,000 x 182 / 365 = 27,300,000 / 365 = 74,794.52  -> 74,790; enterprise 119,670 - 74,790 = 44,880
    # The city owes 150,000: its 74,790 come off that (75,210 left to pay). The enterprise paid in full: its 44,880
    # go back to it in cash.
    services.fee_pay(bill_id=bill.pk, amount=90_000, idempotency_key=KEY, actor=member_of(guarantee), today=START)
    cash = balance(program, chart.CASH)
    repaid(guarantee, date(2026, 9, 1))

    refunds = services.fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=date(2026, 9, 1), actor=None,
                                         today=date(2026, 9, 2))

    assert sorted((r.payer, int(r.amount.amount), int(r.written_down.amount), int(r.returned.amount), r.days)
                  for r in refunds) == [("city", 74_790, 74_790, 0, 182), ("firm", 44_880, 0, 44_880, 182)]
    assert money(bill, "city_refunded", "firm_refunded", "city_returned", "firm_returned") == (
        74_790, 44_880, 0, 44_880)
    assert bill.city_outstanding == 75_210 and bill.firm_outstanding == 0 and bill.state == "open"
    assert balance(program, chart.FEE_INCOME) == 240_000 - 119_670  # 120,330 earned for the 183 days used
    assert balance(program, chart.FEES_DUE_CITY) == 75_210
    assert balance(program, chart.FEES_DUE_FIRM) == 0
    assert balance(program, chart.CASH) == cash - 44_880
    assert AuditEvent.objects.filter(action="guarantees.fee.refund").count() == 1

    # Again: nothing more.
    assert services.fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=date(2026, 9, 1), actor=None,
                                      today=date(2026, 9, 3)) == []
    assert FeeRefund.objects.count() == 2

    # The city pays what is left for the days used; the bill is then settled, as refunded.
    services.fee_city_pay(program_id=program.pk, bill_ids=[bill.pk], paid_on=date(2026, 9, 3), idempotency_key="c",
                          actor=ManagerFactory(), today=date(2026, 9, 3))
    assert money(bill, "city_paid") == (75_210,) and bill.state == "refunded"
    assert selectors.program_fees(program).city.collected == 75_210
    assert_ledger_clean()


def test_a_refund_of_a_part_paid_share_first_cancels_what_is_owed_then_returns_cash(program, guarantee, bill):
    # The enterprise paid 50,000 of its 90,000; refund 44,880 (above): the 40,000 it owes are cancelled and 4,880
    # go back to it; it has paid 45,120 for the days used, exactly its share less the refund.
    services.fee_pay(bill_id=bill.pk, amount=50_000, idempotency_key=KEY, actor=member_of(guarantee), today=START)
    repaid(guarantee, date(2026, 9, 1))

    services.fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=date(2026, 9, 1), actor=None,
                               today=date(2026, 9, 1))

    firm = FeeRefund.objects.get(payer="firm")
    assert (int(firm.written_down.amount), int(firm.returned.amount)) == (40_000, 4_880)
    assert money(bill, "firm_paid", "firm_returned") == (50_000, 4_880)
    assert bill.firm_outstanding == 0


def test_a_repayment_back_dated_before_a_billed_year_refunds_that_year_whole(program, guarantee):
    # Years 1 and 2 billed on 2027-03-02; the loan was repaid on 2027-03-01 (reported late).
    # Year 1: 1 unused day: 240,000 / 365 = 657.53 -> 650; city 150,000 / 365 = 410.96 -> 410; enterprise 240.
    # Year 2 (240,650 / 150,410 / 90,240, the leap year above): refunded whole.
    services.fees_bill_due(today=date(2027, 3, 2))
    repaid(guarantee, date(2027, 3, 1))

    refunds = services.fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=date(2027, 3, 1), actor=None,
                                         today=date(2027, 3, 3))

    got = sorted((r.bill.year, r.payer, int(r.amount.amount)) for r in refunds)
    assert got == [(1, "city", 410), (1, "firm", 240), (2, "city", 150_410), (2, "firm", 90_240)]
    year2 = FeeBill.objects.get(guarantee=guarantee, year=2)
    assert year2.state == "refunded" and year2.city_outstanding == year2.firm_outstanding == 0
    assert balance(program, chart.FEE_INCOME) == 240_000 - 650
    assert_ledger_clean()


def test_a_refund_needs_a_repaid_guarantee_and_its_repayment_day(program, guarantee, bill):
    with pytest.raises(InvalidState) as active:
        services.fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=date(2026, 9, 1), actor=None,
                                   today=date(2026, 9, 1))
    assert active.value.fields == {"state": ["active"]}
    repaid(guarantee, date(2026, 9, 1))
    with pytest.raises(ValidationFailed) as other_day:
        services.fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=date(2026, 8, 1), actor=None,
                                   today=date(2026, 9, 1))
    assert "repaid_on" in other_day.value.fields
    with pytest.raises(ValidationFailed):
        services.fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=date(2026, 9, 1), actor=None,
                                   today=date(2026, 8, 31))
    assert not FeeRefund.objects.exists()


def test_a_repayment_at_the_end_of_the_billed_year_refunds_nothing(program):
    guarantee = make_guarantee(program, amount=30_000_000, start_on=START, term_months=12, **BULLET)
    services.fee_bill_first_year(guarantee_id=guarantee.pk, actor=None, today=START)
    repaid(guarantee, date(2027, 3, 2))
    assert services.fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=date(2027, 3, 2), actor=None,
                                      today=date(2027, 3, 2)) == []


# --- the database refuses what the services never write -----------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [
    ("city_share", 150_010),  # the shares no longer add up to the fee
    ("firm_paid", 90_010),  # paid above the share
    ("city_paid", -10),
    ("firm_returned", 10),  # cash returned that was never paid
    ("late_fee_paid", 10),  # a late fee paid that was never charged
])
def test_the_database_keeps_a_bill_consistent(bill, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        FeeBill.objects.filter(pk=bill.pk).update(**{field: Money(value, "KRW")})


def test_the_database_keeps_one_bill_per_guarantee_year(bill):
    bill.pk = None
    bill.journal = None
    with pytest.raises(IntegrityError), transaction.atomic():
        bill.save()


def test_a_settled_bill_cannot_be_open_nor_an_open_one_settled(program, guarantee, bill):
    with pytest.raises(IntegrityError), transaction.atomic():
        FeeBill.objects.filter(pk=bill.pk).update(state="paid")


# --- reads ---------------------------------------------------------------------------------------------------------


def test_what_an_enterprise_owes_counts_the_late_fee_accrued_to_the_day(program, guarantee, bill):
    # 90,000 due 2026-03-02; on 2026-04-01 the late fee accrued is 730 (above).
    owed = selectors.enterprise_fees_owed(guarantee.enterprise_id, today=date(2026, 4, 1))
    assert [(b.pk, o.share, o.late_fee_accrued) for b, o in owed.bills] == [(bill.pk, 90_000, 730)]
    assert (owed.share, owed.late_fees, owed.total) == (90_000, 730, 90_730)
    services.fee_pay(bill_id=bill.pk, amount=90_730, idempotency_key=KEY, actor=member_of(guarantee),
                     today=date(2026, 4, 1))
    assert selectors.enterprise_fees_owed(guarantee.enterprise_id, today=date(2026, 5, 1)).total == 0


def test_a_programs_fees_by_payer_agree_with_its_book(program, guarantee, bill):
    services.fee_pay(bill_id=bill.pk, amount=90_730, idempotency_key=KEY, actor=ManagerFactory(),
                     today=date(2026, 4, 1), paid_on=date(2026, 4, 1))
    repaid(guarantee, date(2026, 9, 1))
    services.fee_refund_unused(guarantee_id=guarantee.pk, repaid_on=date(2026, 9, 1), actor=None,
                               today=date(2026, 9, 1))

    fees = selectors.program_fees(program)

    assert (fees.bills, fees.billed, fees.refunded) == (1, 240_000, 119_670)
    assert (fees.city.billed, fees.city.refunded, fees.city.collected, fees.city.outstanding) == (
        150_000, 74_790, 0, 75_210)
    assert (fees.firm.billed, fees.firm.refunded, fees.firm.collected, fees.firm.outstanding) == (
        90_000, 44_880, 45_120, 0)
    assert (fees.late_fees_charged, fees.late_fees_collected) == (730, 730)
    assert fees.city.outstanding == balance(program, chart.FEES_DUE_CITY)
    assert fees.firm.outstanding == balance(program, chart.FEES_DUE_FIRM)
    assert fees.billed - fees.refunded == balance(program, chart.FEE_INCOME)
    assert fees.late_fees_charged == balance(program, chart.LATE_FEE_INCOME)


def test_who_sees_which_bills(program, guarantee, bill):
    other = services.fee_bill_first_year(guarantee_id=make_guarantee(program, start_on=START).pk, actor=None,
                                         today=START)
    assert set(selectors.fee_bills_visible_to(member_of(guarantee))) == {bill}
    assert set(selectors.fee_bills_visible_to(ManagerFactory())) == {bill, other}
    assert set(selectors.fee_bills_visible_to(BankOfficerFactory(institution=guarantee.bank))) == {bill, other}
    assert set(selectors.fee_bills_visible_to(BankOfficerFactory())) == set()
