"""The fund summary (GET /api/v1/funds/{id}/ and ``selectors.fund_summary``), checked against numbers worked out
by hand below: capital by source, cash, outstanding, disbursed and repaid totals, turnover, loans by state, and
outstanding by asset class with the allowance each class requires (rates in funds/delinquency.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from funds import selectors, services
from funds.delinquency import ASSET_CLASSES
from funds.models import Loan
from ledger.selectors import ledger_check

from .factories import make_fund, make_loan, make_product, member_of, repay_principal

ON = date(2026, 2, 2)


@pytest.fixture
def fund(db):
    """Capital: 250,000,000 from the district, 250,000,000 private, 50,000,000 other = 550,000,000.

    Loans (each to its own enterprise):
      A 20,000,000 normal (정상), 4,999,999 repaid -> 15,000,001 owed
      B 10,000,000 precautionary (요주의)
      C 12,345,678 substandard (고정)
      D  7,000,000 doubtful (회수의문)
      E  3,000,000 estimated loss (추정손실)
      F 10,000,000 approved, not paid out
    and, in another fund, a 40,000,000 loan that must not show here.
    """
    fund = make_fund(capital=500_000_000, exposure_limit=50_000_000)
    services.contribution_record(
        actor=None, fund_id=fund.pk, source="other", amount=50_000_000, received_on=date(2026, 1, 15),
        idempotency_key="seed-other",
    )
    product = make_product(fund)
    classes = {
        "A": (20_000_000, "normal"), "B": (10_000_000, "precautionary"), "C": (12_345_678, "substandard"),
        "D": (7_000_000, "doubtful"), "E": (3_000_000, "estimated_loss"),
    }
    for amount, asset_class in classes.values():
        loan = make_loan(product, member=member_of(), amount=amount, disbursed_on=ON)
        Loan.objects.filter(pk=loan.pk).update(asset_class=asset_class)
        if asset_class == "normal":
            repay_principal(loan, 4_999_999)
    make_loan(product, member=member_of(), amount=10_000_000)
    elsewhere = make_fund(code="jung-gu")
    make_loan(make_product(elsewhere), member=member_of(), amount=40_000_000, disbursed_on=ON)
    return fund


DISBURSED = 20_000_000 + 10_000_000 + 12_345_678 + 7_000_000 + 3_000_000  # 52,345,678
REPAID = 4_999_999
CAPITAL = 550_000_000
EXPECTED_CLASSES = {
    # code: (loans, outstanding, rate, allowance = outstanding x rate, floored to the won)
    "normal": (1, 15_000_001, "0.0085", 127_500),  # 127,500.0085
    "precautionary": (1, 10_000_000, "0.07", 700_000),
    "substandard": (1, 12_345_678, "0.20", 2_469_135),  # 2,469,135.6
    "doubtful": (1, 7_000_000, "0.50", 3_500_000),
    "estimated_loss": (1, 3_000_000, "1.00", 3_000_000),
}


def test_the_summary_adds_up_to_the_numbers_worked_out_by_hand(fund):
    summary = selectors.fund_summary(fund)

    assert summary.capital_by_source == {"municipality": 250_000_000, "private": 250_000_000, "other": 50_000_000}
    assert summary.capital == CAPITAL
    assert summary.cash == CAPITAL - DISBURSED + REPAID == 502_654_321
    assert summary.disbursed_total == DISBURSED == 52_345_678
    assert summary.principal_repaid_total == REPAID
    assert summary.outstanding_principal == DISBURSED - REPAID == 47_345_679
    assert summary.turnover == Decimal("0.0951")  # 52,345,678 / 550,000,000 = 0.09517..., floored to 4 places
    assert summary.loans_by_state == {"approved": 1, "active": 5, "paid_off": 0, "written_off": 0}
    rows = {row.code: (row.loans, row.outstanding, row.allowance_rate, row.allowance) for row in summary.by_asset_class}
    assert rows == {code: (n, out, Decimal(rate), allow) for code, (n, out, rate, allow) in EXPECTED_CLASSES.items()}
    assert summary.required_allowance == 127_500 + 700_000 + 2_469_135 + 3_500_000 + 3_000_000 == 9_796_635
    assert ledger_check().ok


def test_the_asset_classes_are_listed_in_order_of_risk_with_their_korean_names(fund):
    rows = selectors.fund_summary(fund).by_asset_class

    assert [(row.code, row.korean) for row in rows] == [
        ("normal", "정상"), ("precautionary", "요주의"), ("substandard", "고정"), ("doubtful", "회수의문"),
        ("estimated_loss", "추정손실"),
    ]
    assert [row.allowance_rate for row in rows] == [c.allowance_rate for c in ASSET_CLASSES]


def test_the_api_renders_the_summary_as_decimal_strings(fund, auditor):
    client = APIClient()
    client.force_authenticate(auditor)

    body = client.get(f"/api/v1/funds/{fund.pk}/").json()

    assert body["currency"] == "KRW"
    assert body["capital_by_source"] == {"municipality": "250000000", "private": "250000000", "other": "50000000"}
    assert (body["capital"], body["cash"], body["outstanding_principal"]) == ("550000000", "502654321", "47345679")
    assert (body["disbursed_total"], body["principal_repaid_total"]) == ("52345678", "4999999")
    assert body["turnover"] == "0.0951"
    assert body["loans_by_state"] == {"approved": 1, "active": 5, "paid_off": 0, "written_off": 0}
    assert [
        (row["code"], row["loans"], row["outstanding"], row["allowance"]) for row in body["by_asset_class"]
    ] == [(code, n, str(out), str(allow)) for code, (n, out, _rate, allow) in EXPECTED_CLASSES.items()]
    assert body["required_allowance"] == "9796635"
    assert body["exposure_limit"] == "50000000"


def test_a_fund_without_capital_has_a_turnover_of_zero_not_a_division_by_zero(db, manager):
    fund = make_fund(capital=0)
    client = APIClient()
    client.force_authenticate(manager)

    body = client.get(f"/api/v1/funds/{fund.pk}/").json()

    assert body["turnover"] == "0.0000"
    assert body["capital"] == body["cash"] == body["required_allowance"] == "0"
    assert body["loans_by_state"] == {"approved": 0, "active": 0, "paid_off": 0, "written_off": 0}


def test_money_lent_out_and_repaid_is_counted_again_when_lent_again(db):
    """Turnover is what the fund has lent over its life against its capital: repaid money lent again counts."""
    fund = make_fund(capital=10_000_000, exposure_limit=10_000_000)
    product = make_product(fund)
    member = member_of()
    first = make_loan(product, member=member, amount=10_000_000, disbursed_on=ON)
    repay_principal(first, 10_000_000)
    make_loan(product, member=member, amount=10_000_000, disbursed_on=date(2026, 7, 1))

    summary = selectors.fund_summary(fund)

    assert summary.disbursed_total == 20_000_000
    assert summary.turnover == Decimal("2.0000")
    assert summary.outstanding_principal == 10_000_000
    assert summary.cash == 0
