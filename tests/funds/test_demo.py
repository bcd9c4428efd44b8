"""The revolving fund's part of ``manage.py load_demo``."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from core.audit import audit_verify
from funds.demo import FUND_CODE
from funds.models import Fund, Loan, LoanApplication
from funds.selectors import fund_summary
from ledger.selectors import ledger_check


def test_the_demo_fund_loads_once_with_its_capital_products_applications_and_loans(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    first, second = StringIO(), StringIO()
    call_command("load_demo", password="pw-demo-1", stdout=first)
    call_command("load_demo", password="pw-demo-1", stdout=second)

    fund = Fund.objects.get(code=FUND_CODE)
    summary = fund_summary(fund)
    assert summary.capital_by_source == {"municipality": 300_000_000, "private": 300_000_000, "other": 0}
    assert summary.outstanding_principal == 20_000_000
    assert summary.cash == 580_000_000
    assert fund.products.count() == 3
    assert list(Loan.objects.values_list("state", flat=True).order_by("state")) == ["active", "approved"]
    states = sorted(LoanApplication.objects.values_list("state", flat=True))
    assert states == ["approved", "approved", "draft", "submitted"]
    assert "fund          created" in first.getvalue()
    assert "fund          already there" in second.getvalue()
    assert Fund.objects.count() == 1
    assert ledger_check().ok
    assert audit_verify().ok
