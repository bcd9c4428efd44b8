"""The fund summary (GET /api/v1/funds/{id}/ and ``selectors.fund_summary``), checked against numbers worked out
by hand below: capital by source, cash, outstanding, disbursed and repaid totals, turnover, loans by state, and
outstanding by asset class with the allowance each class requires (the rules seeded by migration funds/0003).

The loans get their days past due from the close of business, run over the days since they were disbursed, not
from values written into the database; repayments go through the repayment service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from funds import selectors, services
from funds.models import Fund, Loan
from funds.selectors import loan_disagreements
from ledger.selectors import ledger_check

from .factories import make_fund, make_loan, make_product, member_of, repay

ON = date(2026, 2, 2)
THROUGH = date(2026, 3, 31)  # the last day closed


def hand_worked_fund() -> Fund:
    """Capital: 250,000,000 from the district, 250,000,000 private, 50,000,000 other = 550,000,000.

    Loans (each to its own enterprise) on the default product (2 %, 36 months, 6 months' grace, monthly day count,
    10 won floor), so the first installment, due a month after disbursement, is interest only. Nothing is paid but
    A's repayment; days past due at the close of THROUGH (2026-03-31) count from the first unpaid due date, that
    day being the first:
      A 20,000,000 paid out 2026-02-02. Installment 1 (due 03-02) is 20,000,000 x 0.02 / 12 = 33,333.3 -> 33,330.
        Repaid 5,033,329 on 03-02: 33,330 interest due that day, nothing accrued yet in the period starting that
        day, 4,999,999 prepaid principal -> 15,000,001 owed; its next due date is 04-02: 0 days past due, 정상.
      B 10,000,000 paid out 2025-12-31, first due 2026-01-31: 59 + 1 = 60 days -> 요주의.
      C 12,345,678 paid out 2025-01-25, first due 2025-02-25: 399 + 1 = 400 days, all of it secured -> 고정
        (the secured part stays 고정 however late: only the unsecured part becomes 추정손실).
      D  7,000,000 paid out 2025-11-02, first due 2025-12-02: 119 + 1 = 120 days, 2,000,000 secured
        -> 2,000,000 고정 and 5,000,000 회수의문; the loan's class is the worse, 회수의문.
      E  3,000,000 paid out 2025-01-25: 400 days, 1,000,000 secured -> 1,000,000 고정 and 2,000,000 추정손실.
      F 10,000,000 approved, not paid out
    and, in another fund, a 40,000,000 loan that must not show here.
    """
    fund = make_fund(capital=500_000_000, exposure_limit=50_000_000)
    services.contribution_record(
        actor=None, fund_id=fund.pk, source="other", amount=50_000_000, received_on=date(2026, 1, 15),
        idempotency_key="seed-other", today=timezone.localdate())
    product = make_product(fund)
    a = make_loan(product, member=member_of(), amount=20_000_000, disbursed_on=ON)
    repayment = repay(a, 5_033_329, on_date=date(2026, 3, 2))
    assert (repayment.interest.amount, repayment.accrued_interest.amount, repayment.prepayment.amount) == (
        33_330, 0, 4_999_999
    )
    make_loan(product, member=member_of(), amount=10_000_000, disbursed_on=date(2025, 12, 31))
    make_loan(product, member=member_of(), amount=12_345_678, disbursed_on=date(2025, 1, 25),
              secured_amount=12_345_678)
    make_loan(product, member=member_of(), amount=7_000_000, disbursed_on=date(2025, 11, 2), secured_amount=2_000_000)
    make_loan(product, member=member_of(), amount=3_000_000, disbursed_on=date(2025, 1, 25), secured_amount=1_000_000)
    make_loan(product, member=member_of(), amount=10_000_000)
    elsewhere = make_fund(code="jung-gu")
    make_loan(make_product(elsewhere), member=member_of(), amount=40_000_000, disbursed_on=ON)
    services.close_business(through=THROUGH, today=timezone.localdate())
    return fund


@pytest.fixture
def fund(db) -> Fund:
    """The fund of ``hand_worked_fund`` (the API's rendering of it: tests/api/funds/test_fund_summary.py)."""
    return hand_worked_fund()


DISBURSED = 20_000_000 + 10_000_000 + 12_345_678 + 7_000_000 + 3_000_000  # 52,345,678
REPAID = 4_999_999  # principal; the repayment also brought 33,330 of interest
RECEIVED = 5_033_329
CAPITAL = 550_000_000
EXPECTED_DAYS = {  # principal: (days past due, class)
    20_000_000: (0, "normal"), 10_000_000: (60, "precautionary"), 12_345_678: (400, "substandard"),
    7_000_000: (120, "doubtful"), 3_000_000: (400, "estimated_loss"),
}
EXPECTED_CLASSES = {
    # code: (loans, outstanding, rate, allowance = outstanding x rate, floored to the won)
    "normal": (1, 15_000_001, "0.0085", 127_500),  # A; 127,500.0085
    "precautionary": (1, 10_000_000, "0.07", 700_000),  # B
    "substandard": (1, 15_345_678, "0.20", 3_069_135),  # C whole + D's 2,000,000 + E's 1,000,000; 3,069,135.6
    "doubtful": (1, 5_000_000, "0.50", 2_500_000),  # D's unsecured part
    "estimated_loss": (1, 2_000_000, "1.00", 2_000_000),  # E's unsecured part
}


def test_close_of_business_put_each_loan_where_the_fixture_says(fund):
    loans = Loan.objects.filter(fund=fund, state=Loan.State.ACTIVE)
    assert {loan.principal.amount: (loan.days_past_due, loan.asset_class) for loan in loans} == EXPECTED_DAYS
    assert all(loan.closed_through == THROUGH for loan in loans)
    for loan in loans:
        assert loan_disagreements(loan) == []


def test_the_summary_adds_up_to_the_numbers_worked_out_by_hand(fund):
    summary = selectors.fund_summary(fund)

    assert summary.capital_by_source == {"municipality": 250_000_000, "private": 250_000_000, "other": 50_000_000}
    assert summary.capital == CAPITAL
    assert summary.cash == CAPITAL - DISBURSED + RECEIVED == 502_687_651
    assert summary.disbursed_total == DISBURSED == 52_345_678
    assert summary.principal_repaid_total == REPAID
    assert summary.outstanding_principal == DISBURSED - REPAID == 47_345_679
    assert summary.turnover == Decimal("0.0951")  # 52,345,678 / 550,000,000 = 0.09517..., floored to 4 places
    assert summary.loans_by_state == {"approved": 1, "active": 5, "paid_off": 0, "written_off": 0}
    rows = {row.code: (row.loans, row.outstanding, row.allowance_rate, row.allowance) for row in summary.by_asset_class}
    assert rows == {code: (n, out, Decimal(rate), allow) for code, (n, out, rate, allow) in EXPECTED_CLASSES.items()}
    assert sum(row.outstanding for row in summary.by_asset_class) == summary.outstanding_principal
    assert summary.required_allowance == 127_500 + 700_000 + 3_069_135 + 2_500_000 + 2_000_000 == 8_396_635
    assert ledger_check().ok


def test_the_asset_classes_are_listed_in_order_of_risk_with_their_korean_names(fund):
    rows = selectors.fund_summary(fund).by_asset_class

    assert [(row.code, row.korean) for row in rows] == [
        ("normal", "정상"), ("precautionary", "요주의"), ("substandard", "고정"), ("doubtful", "회수의문"),
        ("estimated_loss", "추정손실"),
    ]
    assert [row.allowance_rate for row in rows] == [Decimal(r) for r in ("0.0085", "0.07", "0.20", "0.50", "1.00")]


def test_money_lent_out_and_repaid_is_counted_again_when_lent_again(db):
    """Turnover is what the fund has lent over its life against its capital: repaid money lent again counts.

    The first loan (2 %, monthly, 10 won floor) is paid off on its first due date, 2026-03-02: installment 1's
    interest, 10,000,000 x 0.02 / 12 = 16,666.6 -> 16,660, nothing accrued yet in the period starting that day, and
    the 10,000,000 principal: 10,016,660 in all. The fund then holds 10,016,660 and lends 10,000,000 again."""
    fund = make_fund(capital=10_000_000, exposure_limit=10_000_000)
    product = make_product(fund)
    member = member_of()
    first = make_loan(product, member=member, amount=10_000_000, disbursed_on=ON)
    assert repay(first, 10_016_660, on_date=date(2026, 3, 2)).paid_off
    make_loan(product, member=member, amount=10_000_000, disbursed_on=date(2026, 7, 1))

    summary = selectors.fund_summary(fund)

    assert summary.disbursed_total == 20_000_000
    assert summary.principal_repaid_total == 10_000_000
    assert summary.turnover == Decimal("2.0000")
    assert summary.outstanding_principal == 10_000_000
    assert summary.cash == 16_660  # the first loan's interest
    assert summary.loans_by_state == {"approved": 0, "active": 1, "paid_off": 1, "written_off": 0}
