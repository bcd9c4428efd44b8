"""What an enterprise owes the revolving funds (``selectors.exposure_by_enterprise``), as the kernel's exposure
registry reads it for every instrument's per-firm limit, and as the fund's own limit reads it for one fund
(``services.applications._exposure``): known answers worked out by hand, and a cost that does not grow with the
number of enterprises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises import exposure
from enterprises.models import Enterprise
from funds.models import Fund, Loan
from funds.selectors import exposure_by_enterprise
from funds.services.applications import _exposure
from tests.factories import EnterpriseFactory

from .factories import make_application, make_fund, make_loan, make_product, member_of, repay

pytestmark = pytest.mark.django_db

ON = date(2026, 2, 2)
FIRST_DUE = date(2026, 3, 2)


@dataclass
class Borrowers:
    seongdong: Fund
    jung_gu: Fund
    enterprise: Enterprise  # owes 15,000,000 + 20,000,000 + 0 in Seongdong, 10,000,000 in Jung-gu
    other: Enterprise  # owes 40,000,000 in Seongdong
    idle: Enterprise  # owes nothing anywhere


@pytest.fixture
def borrowers(db) -> Borrowers:
    """On the default product (2 %, 36 months, 6 months' grace, monthly, 10 won floor) the first installment, due
    a month after disbursement, is interest only: 20,000,000 x 0.02 / 12 = 33,333.3 -> 33,330, and
    10,000,000 x 0.02 / 12 = 16,666.6 -> 16,660.

    The enterprise, in Seongdong (limit 50,000,000):
      an active 20,000,000 loan, repaid 5,033,330 on its first due date: 33,330 interest, 5,000,000 of principal
        prepaid -> 15,000,000 owed (its principal was 20,000,000: counting principal would give 20,000,000);
      a 20,000,000 loan approved, not paid out -> 20,000,000;
      a 10,000,000 loan paid off on its first due date with 10,016,660 -> 0;
      applications drafted, submitted, recommended -> nothing.
    In Jung-gu: an active 10,000,000 loan, nothing repaid -> 10,000,000.
    In all: 45,000,000; in Seongdong 35,000,000, in Jung-gu 10,000,000.
    Another enterprise has a 40,000,000 loan approved in Seongdong, which is not the first enterprise's."""
    seongdong = make_fund(exposure_limit=50_000_000)
    jung_gu = make_fund(code="jung-gu", exposure_limit=50_000_000)
    product, elsewhere = make_product(seongdong), make_product(jung_gu)
    member = member_of()
    enterprise = member.memberships.get().enterprise

    active = make_loan(product, member=member, amount=20_000_000, disbursed_on=ON)
    repayment = repay(active, 5_033_330, on_date=FIRST_DUE)
    assert (repayment.interest.amount, repayment.prepayment.amount) == (33_330, 5_000_000)
    make_loan(product, member=member, amount=20_000_000)
    paid_off = make_loan(product, member=member, amount=10_000_000, disbursed_on=ON)
    assert repay(paid_off, 10_016_660, on_date=FIRST_DUE).paid_off
    for state in ("draft", "submitted", "recommended"):
        make_application(product, member=member, amount=1_000_000, state=state)
    make_loan(elsewhere, member=member, amount=10_000_000, disbursed_on=ON)

    other = member_of()
    make_loan(product, member=other, amount=40_000_000)
    return Borrowers(seongdong, jung_gu, enterprise, other.memberships.get().enterprise, EnterpriseFactory())


def test_an_enterprise_owes_the_funds_whats_outstanding_plus_whats_approved_in_every_fund(borrowers):
    b = borrowers
    assert Loan.objects.get(enterprise=b.enterprise, state="paid_off").principal_account.balance.amount == 0

    owed = exposure_by_enterprise([b.enterprise.pk, b.other.pk, b.idle.pk])

    assert owed == {b.enterprise.pk: 45_000_000, b.other.pk: 40_000_000}  # the idle enterprise is left out: 0
    assert all(isinstance(amount, Decimal) for amount in owed.values())


def test_in_one_fund_only_that_funds_loans_count(borrowers):
    b = borrowers
    ids = [b.enterprise.pk, b.other.pk, b.idle.pk]

    assert exposure_by_enterprise(ids, fund=b.seongdong) == {b.enterprise.pk: 35_000_000, b.other.pk: 40_000_000}
    assert exposure_by_enterprise(ids, fund=b.jung_gu) == {b.enterprise.pk: 10_000_000}


def test_the_funds_own_limit_reads_the_same_numbers_for_one_fund(borrowers):
    b = borrowers
    assert _exposure(b.seongdong, b.enterprise.pk) == 35_000_000
    assert _exposure(b.jung_gu, b.enterprise.pk) == 10_000_000
    assert _exposure(b.jung_gu, b.other.pk) == 0
    assert _exposure(b.seongdong, b.idle.pk) == 0


def test_the_kernels_registry_reads_the_funds_across_every_fund(borrowers):
    b = borrowers
    mine = exposure.exposure_of(b.enterprise.pk)

    assert mine.total == 45_000_000
    assert mine.amount_of("funds") == 45_000_000
    assert [(part.name, str(part.label)) for part in mine.parts] == [("funds", "회전기금"), ("guarantees", "특례보증")]
    assert mine.amount_of("guarantees") == 0
    assert exposure.exposure_of(b.idle.pk).total == 0
    assert {i: e.total for i, e in exposure.exposures_of([b.enterprise.pk, b.other.pk, b.idle.pk]).items()} == {
        b.enterprise.pk: 45_000_000, b.other.pk: 40_000_000, b.idle.pk: 0}


def test_a_written_off_loan_counts_nothing(borrowers):
    """Written off, the loan is no longer owed to the fund (what is recovered later is a recovery, not a loan)."""
    b = borrowers
    Loan.objects.filter(enterprise=b.enterprise, fund=b.jung_gu).update(state="written_off", written_off_on=FIRST_DUE)

    assert exposure.exposure_of(b.enterprise.pk).total == 35_000_000


def test_reading_twenty_enterprises_costs_what_reading_one_does(borrowers):
    b = borrowers
    many = [b.enterprise.pk, b.other.pk, b.idle.pk, *(EnterpriseFactory().pk for _ in range(17))]

    with CaptureQueriesContext(connection) as one:
        exposure.exposures_of([b.enterprise.pk])
    with CaptureQueriesContext(connection) as twenty:
        exposures = exposure.exposures_of(many)

    assert len(one) == len(twenty) == 3  # the funds: one query; the guarantees: their guarantees, their 구상채권
    assert len(exposures) == 20
    assert sum(e.total for e in exposures.values()) == 85_000_000


def test_no_enterprises_cost_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert exposure_by_enterprise([]) == {}
