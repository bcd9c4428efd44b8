"""``core.db.update_rows``: rows written back by primary key, money as its amount, nothing else touched."""

from __future__ import annotations

from datetime import date

import pytest
from djmoney.money import Money

from core.db import update_rows
from funds.models import Installment
from tests.funds.factories import make_fund, make_loan, make_product, member_of

pytestmark = pytest.mark.django_db


def test_writes_the_named_fields_of_each_row_and_nothing_else():
    fund = make_fund()
    loan = make_loan(make_product(fund), member=member_of(), amount=12_000_000, disbursed_on=date(2025, 1, 15))
    first, second, third = list(loan.installments.order_by("number"))[:3]
    first.interest_paid = Money(123, "KRW")
    first.interest_recognized = Money(456, "KRW")
    second.accrual_start = date(2025, 3, 1)
    third.interest_paid = Money(999, "KRW")  # changed in memory but not passed: must stay as it is
    update_rows(Installment, [first, second], ["interest_paid", "interest_recognized", "accrual_start"])
    rows = {i.number: i for i in Installment.objects.filter(loan=loan, number__lte=3)}
    assert (rows[1].interest_paid.amount, rows[1].interest_recognized.amount) == (123, 456)
    assert rows[1].interest_paid.currency.code == "KRW"
    assert rows[2].accrual_start == date(2025, 3, 1) and rows[1].accrual_start is None
    assert rows[3].interest_paid.amount == 0
    update_rows(Installment, [], ["interest_paid"])  # nothing to do
