"""Loan servicing through the services: repayments and allocation, close of business, default interest,
acceleration, payoff, prepayment, reversal, write-off and recovery. Expected figures are worked out by hand in
each test's docstring or comments, not by the code under test."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import Forbidden, IdempotencyConflict, InvalidState, LimitExceeded, ValidationFailed
from funds import services
from funds.models import Loan
from funds.selectors import loan_disagreements
from ledger.selectors import ledger_check
from tests.factories import ManagerFactory

from .factories import make_fund, make_loan, make_product, member_of

pytestmark = pytest.mark.django_db
D0 = date(2025, 1, 15)


def _clean(loan: Loan) -> None:
    loan.refresh_from_db()
    assert loan_disagreements(loan) == []
    assert ledger_check().ok


@pytest.fixture
def manager():
    return ManagerFactory()


@pytest.fixture
def bullet_loan(manager):
    """12,000,000 bullet over 12 months at 3.65 %, actual/365, 1 won floor: each period's interest is
    12,000,000 x 0.0365 x days / 365 = 1,200 x days (31 days: 37,200)."""
    fund = make_fund()
    product = make_product(fund, method="bullet", grace_months=0, term_months=12, annual_rate=Decimal("0.03650"),
                           day_count="actual_365", rounding_unit=1, approval_tiers=[])
    return make_loan(product, member=member_of(), amount=12_000_000, disbursed_on=D0)


def _pay(loan, manager, amount, on, key=None):
    return services.repayment_make(actor=manager, loan_id=loan.pk, amount=amount, value_date=on,
                                    idempotency_key=key or f"k-{on}-{amount}", today=timezone.localdate())[0]


def test_paying_the_installment_on_its_due_date(bullet_loan, manager):
    r = _pay(bullet_loan, manager, 37_200, date(2025, 2, 15))
    assert (r.interest.amount, r.principal.amount, r.prepayment.amount) == (37_200, 0, 0)
    first = bullet_loan.installments.get(number=1)
    assert first.interest_paid.amount == first.interest_recognized.amount == 37_200
    _clean(bullet_loan)


def test_default_interest_accrues_on_overdue_principal_only_and_dpd_counts(manager):
    """Equal principal 1,200,000 over 12 months at 7 %, monthly day count: installment 1 (due 2025-02-15) is
    100,000 principal + 7,000 interest. Unpaid through 2025-02-24 (10 days, 15th to 24th): default rate
    min(7 % + 3 %p, 20 %) = 10 %; 100,000 x 0.10 / 365 = 27.397... a day; 10 days = 273.97 -> 273 won posted,
    0.97 carried. DPD at the close of the 24th: 10."""
    fund = make_fund()
    product = make_product(fund, method="equal_principal", grace_months=0, term_months=12,
                           annual_rate=Decimal("0.07000"), rounding_unit=1, approval_tiers=[])
    loan = make_loan(product, member=member_of(), amount=1_200_000, disbursed_on=D0)
    services.close_business(through=date(2025, 2, 24), today=timezone.localdate())
    loan.refresh_from_db()
    assert loan.days_past_due == 10
    assert loan.default_interest_account.balance.amount == 273
    assert loan.interest_account.balance.amount == 7_000
    # payoff on the 25th: 273 default + 7,000 + 100,000 overdue + accrued of period 2 (10 of 28 days of 6,416
    # [1,100,000 x 0.07 / 12 = 6,416.67 floored]: 6,416 x 10 / 28 = 2,291.4 -> 2,291) + 1,100,000 future.
    quote = services.payoff_quote(loan_id=loan.pk, on=date(2025, 2, 25), today=timezone.localdate())
    assert quote.default_interest == 273  # closed through the 24th; the 25th's own close is not in it
    assert quote.accrued_interest == 2_291
    assert quote.payoff == 273 + 7_000 + 100_000 + 2_291 + 1_100_000
    r = _pay(loan, manager, quote.payoff, date(2025, 2, 25))
    assert r.paid_off
    loan.refresh_from_db()
    assert loan.state == "paid_off" and loan.days_past_due == 0
    _clean(loan)


def test_allocation_order_and_overpayment_refused(manager):
    fund = make_fund()
    product = make_product(fund, method="equal_principal", grace_months=0, term_months=12,
                           annual_rate=Decimal("0.07000"), rounding_unit=1, approval_tiers=[])
    loan = make_loan(product, member=member_of(), amount=1_200_000, disbursed_on=D0)
    services.close_business(through=date(2025, 2, 24), today=timezone.localdate())
    r = _pay(loan, manager, 7_100, date(2025, 2, 25))
    # default interest first (273, accrued through the 24th), then overdue interest (7,000: 6,827 of it)
    assert r.default_interest.amount == 273
    assert r.overdue_interest.amount == 6_827 and r.overdue_principal.amount == 0
    with pytest.raises(LimitExceeded) as exc:
        _pay(loan, manager, 10_000_000, date(2025, 2, 25), key="too-much")
    # the payoff before was 1,209,564 (see the test above); 7,100 of it is paid
    assert "1,202,464" in exc.value.message and "1,202,464" in exc.value.fields["amount"][0]
    _clean(loan)


def test_idempotent_replay_and_conflict(bullet_loan, manager):
    a = _pay(bullet_loan, manager, 10_000, date(2025, 2, 1), key="same")
    b, created = services.repayment_make(actor=manager, loan_id=bullet_loan.pk, amount=10_000,
                                          value_date=date(2025, 2, 1), idempotency_key="same",
                                          today=timezone.localdate())
    assert a.pk == b.pk and not created
    with pytest.raises(IdempotencyConflict):
        services.repayment_make(actor=manager, loan_id=bullet_loan.pk, amount=10_001,
                                 value_date=date(2025, 2, 1), idempotency_key="same", today=timezone.localdate())


def test_member_cannot_backdate(bullet_loan):
    member = bullet_loan.enterprise.memberships.first().user
    with pytest.raises(Forbidden):
        services.repayment_make(actor=member, loan_id=bullet_loan.pk, amount=1, value_date=date(2025, 2, 1),
                                 idempotency_key="x", today=timezone.localdate())


def test_closed_period_refused(bullet_loan, manager):
    services.close_business(through=date(2025, 2, 20), today=timezone.localdate())
    with pytest.raises(ValidationFailed) as exc:
        _pay(bullet_loan, manager, 1_000, date(2025, 2, 20))
    assert "value_date" in exc.value.fields


def test_acceleration_after_two_missed_installments(manager):
    """Equal principal 1,200,000 / 12 at 7 % monthly: installments 1 and 2 due 2025-02-15 and 03-15 unpaid. At
    the close of 03-15 the loan is accelerated: all 1,200,000 bears default interest from then on; installment 3's
    interest is cut to what accrued through 03-15 (1 of 31 days), later interest is cancelled."""
    fund = make_fund()
    product = make_product(fund, method="equal_principal", grace_months=0, term_months=12,
                           annual_rate=Decimal("0.07000"), rounding_unit=1, approval_tiers=[])
    loan = make_loan(product, member=member_of(), amount=1_200_000, disbursed_on=D0)
    services.close_business(through=date(2025, 3, 14), today=timezone.localdate())
    loan.refresh_from_db()
    assert loan.accelerated_on is None
    services.close_business(through=date(2025, 3, 16), today=timezone.localdate())
    loan.refresh_from_db()
    assert loan.accelerated_on == date(2025, 3, 15)
    third = loan.installments.get(number=3)
    # 1,000,000 x 0.07 / 12 = 5,833 for the period 03-15..04-15; 1 day of 31: 188.16 -> 188
    assert third.interest_due.amount == 188
    assert all(i.interest_due.amount == 0 for i in loan.installments.filter(number__gt=3))
    quote = services.payoff_quote(loan_id=loan.pk, on=date(2025, 3, 17), today=timezone.localdate())
    assert quote.accrued_interest == 0 and quote.future_principal == 0
    assert quote.overdue_principal == 1_200_000
    _pay(loan, manager, quote.payoff, date(2025, 3, 17))
    _clean(loan)


@pytest.mark.parametrize("policy", ["lower_installments", "shorten_term"])
@pytest.mark.parametrize("method", ["equal_payment", "equal_principal", "bullet"])
def test_prepayment_keeps_schedule_and_ledger_in_step(manager, policy, method):
    fund = make_fund()
    product = make_product(fund, method=method, grace_months=0 if method == "bullet" else 2, term_months=12,
                           annual_rate=Decimal("0.04000"), rounding_unit=10, prepayment_policy=policy,
                           approval_tiers=[])
    loan = make_loan(product, member=member_of(), amount=12_000_000, disbursed_on=D0)
    first = loan.installments.get(number=1)
    _pay(loan, manager, first.principal_due.amount + first.interest_due.amount, date(2025, 2, 15))
    r = _pay(loan, manager, 3_000_000, date(2025, 3, 1))
    assert r.accrued_interest.amount > 0 and r.prepayment.amount == 3_000_000 - r.accrued_interest.amount
    loan.refresh_from_db()
    left = sum(i.principal_due.amount - i.principal_paid.amount for i in loan.installments.all())
    assert left == 12_000_000 - first.principal_due.amount - r.prepayment.amount
    if policy == "shorten_term" and method != "bullet":
        assert loan.installments.count() < 12
    else:
        assert loan.installments.count() == 12
    services.close_business(through=date(2025, 6, 30), today=timezone.localdate())
    _clean(loan)


def test_reversal_restores_as_if_the_money_never_came(manager):
    """Two identical loans; one gets a payment that is reversed after a few closed days. At the end both must owe
    exactly the same (default interest included) and both ledgers agree with their schedules."""
    fund = make_fund()
    product = make_product(fund, method="equal_principal", grace_months=0, term_months=12,
                           annual_rate=Decimal("0.07000"), rounding_unit=1, approval_tiers=[])
    a = make_loan(product, member=member_of(), amount=1_200_000, disbursed_on=D0)
    b = make_loan(product, member=member_of(), amount=1_200_000, disbursed_on=D0)
    services.close_business(through=date(2025, 2, 20), today=timezone.localdate())
    r = _pay(a, manager, 50_000, date(2025, 2, 21))
    services.close_business(through=date(2025, 3, 20), today=timezone.localdate())
    services.repayment_reverse(actor=manager, repayment_id=r.pk, reason="부도 이체")
    with pytest.raises(InvalidState):
        services.repayment_reverse(actor=manager, repayment_id=r.pk, reason="again")
    services.close_business(through=date(2025, 3, 25), today=timezone.localdate())
    a.refresh_from_db()
    b.refresh_from_db()
    for name in ("principal_account", "interest_account", "default_interest_account"):
        assert getattr(a, name).balance == getattr(b, name).balance, name
    assert (a.days_past_due, a.accelerated_on, a.asset_class) == (b.days_past_due, b.accelerated_on, b.asset_class)
    _clean(a)
    _clean(b)


def test_write_off_needs_two_managers_and_recoveries_are_income(manager):
    fund = make_fund()
    product = make_product(fund, method="bullet", grace_months=0, term_months=3, annual_rate=Decimal("0.03650"),
                           day_count="actual_365", rounding_unit=1, approval_tiers=[])
    loan = make_loan(product, member=member_of(), amount=1_000_000, disbursed_on=date(2024, 1, 10))
    with pytest.raises(InvalidState):
        services.write_off_request(actor=manager, loan_id=loan.pk, reason="회수 불능")
    services.close_business(through=date(2025, 4, 15), today=timezone.localdate())
    loan.refresh_from_db()
    assert loan.days_past_due >= 365 and loan.asset_class == "estimated_loss"
    w = services.write_off_request(actor=manager, loan_id=loan.pk, reason="회수 불능")
    with pytest.raises(Forbidden):
        services.write_off_approve(actor=manager, write_off_id=w.pk, today=timezone.localdate())
    other = ManagerFactory()
    w = services.write_off_approve(actor=other, write_off_id=w.pk, reason="위원회 의결", today=timezone.localdate())
    loan.refresh_from_db()
    assert loan.state == "written_off"
    assert loan.principal_account.balance.amount == 0 and loan.default_interest_account.balance.amount == 0
    assert w.principal.amount == 1_000_000 and w.default_interest.amount > 0
    services.recovery_record(actor=manager, loan_id=loan.pk, amount=300_000, idempotency_key="r1",
                             today=timezone.localdate())
    with pytest.raises(LimitExceeded):
        services.recovery_record(actor=manager, loan_id=loan.pk, amount=w.total.amount, idempotency_key="r2",
                                 today=timezone.localdate())
    assert ledger_check().ok


def test_close_business_is_idempotent_and_refuses_today(bullet_loan):
    first = services.close_business(through=date(2025, 3, 1), today=timezone.localdate())
    assert all(c.created for c in first)
    again = services.close_business(through=date(2025, 3, 1), today=timezone.localdate())
    assert [c.created for c in again] == [False]

    with pytest.raises(ValidationFailed):
        services.close_business(through=timezone.localdate(), today=timezone.localdate())


def test_reversing_a_payoff_reopens_the_loan_and_catches_up_the_days_closed_since(manager):
    fund = make_fund()
    product = make_product(fund, method="equal_principal", grace_months=0, term_months=12,
                           annual_rate=Decimal("0.07000"), rounding_unit=1, approval_tiers=[])
    a = make_loan(product, member=member_of(), amount=1_200_000, disbursed_on=D0)
    b = make_loan(product, member=member_of(), amount=1_200_000, disbursed_on=D0)
    services.close_business(through=date(2025, 2, 19), today=timezone.localdate())
    quote = services.payoff_quote(loan_id=a.pk, on=date(2025, 2, 20), today=timezone.localdate())
    r = _pay(a, manager, quote.payoff, date(2025, 2, 20))
    assert r.paid_off
    services.close_business(through=date(2025, 3, 31), today=timezone.localdate())  # a is paid off: not closed any more
    services.repayment_reverse(actor=manager, repayment_id=r.pk, reason="부도 이체")
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.state == "active" and a.closed_through == b.closed_through == date(2025, 3, 31)
    assert a.accelerated_on == b.accelerated_on == date(2025, 3, 15)
    for name in ("principal_account", "interest_account", "default_interest_account"):
        assert getattr(a, name).balance == getattr(b, name).balance, name
    _clean(a)
    _clean(b)


def test_a_reversed_repayment_is_neither_disbursed_nor_repaid_in_the_fund_summary(bullet_loan, manager):
    """12,000,000 lent; 1,000,000 paid on 2025-02-01: 20,400 of accrued interest (17 days x 1,200), 979,600
    prepaid. Reversed: the summary is back to 12,000,000 disbursed and nothing repaid."""
    from funds.selectors import fund_summary

    r = _pay(bullet_loan, manager, 1_000_000, date(2025, 2, 1))
    assert (r.accrued_interest.amount, r.prepayment.amount) == (20_400, 979_600)
    summary = fund_summary(bullet_loan.fund)
    assert (summary.disbursed_total, summary.principal_repaid_total) == (12_000_000, 979_600)
    services.repayment_reverse(actor=manager, repayment_id=r.pk, reason="부도 이체")
    summary = fund_summary(bullet_loan.fund)
    assert (summary.disbursed_total, summary.principal_repaid_total) == (12_000_000, 0)
    _clean(bullet_loan)


def test_a_key_is_the_callers_own(bullet_loan, manager):
    """A manager's key reused by the borrower's member (or another manager) is refused, never replayed to them."""
    member = bullet_loan.enterprise.memberships.first().user
    _pay(bullet_loan, manager, 10_000, date(2025, 2, 1), key="shared")
    for other in (member, ManagerFactory()):
        with pytest.raises(IdempotencyConflict) as exc:
            services.repayment_make(actor=other, loan_id=bullet_loan.pk, amount=10_000, idempotency_key="shared",
                                    today=timezone.localdate())
        assert "idempotency_key" in exc.value.fields


def test_a_payoff_is_quoted_at_most_a_year_past_maturity_or_today(bullet_loan):

    with pytest.raises(ValidationFailed) as exc:
        services.payoff_quote(loan_id=bullet_loan.pk, on=date(9999, 12, 31), today=timezone.localdate())
    assert "on" in exc.value.fields
    on = timezone.localdate() + timedelta(days=366)
    # matured: all overdue
    assert services.payoff_quote(loan_id=bullet_loan.pk, on=on,
                                 today=timezone.localdate()).future_principal == 0
