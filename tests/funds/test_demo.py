"""The revolving fund's part of ``manage.py load_demo``: loans in every state, made through the services, with a
ledger that agrees with every schedule; loaded once.

Loading the fund's two years of history takes seconds, so one test loads it and checks it part by part (the
``check_`` functions), and one loads it twice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from core.audit import audit_seal, audit_verify
from core.models import AuditEvent
from enterprises.management.commands import load_demo as base
from enterprises.models import Membership, User
from funds import demo
from funds.models import (
    BusinessDay,
    Fund,
    Loan,
    LoanApplication,
    LoanTransaction,
    Recovery,
    Repayment,
    WriteOff,
)
from funds.selectors import fund_summary, loan_disagreements
from ledger.models import Entry, Journal
from ledger.selectors import ledger_check

pytestmark = pytest.mark.django_db

MODELS = [Fund, Loan, LoanApplication, Repayment, Recovery, WriteOff, LoanTransaction, BusinessDay, Journal, Entry,
          AuditEvent, User, Membership]


def everything() -> dict[str, list[dict]]:
    return {model.__name__: list(model._default_manager.order_by("pk").values()) for model in MODELS}


def run(password: str = "pw-demo-1") -> str:
    out = StringIO()
    call_command("load_demo", password=password, stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded(settings) -> str:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEMO_EXTENSIONS = ["funds.demo.load"]  # the other instruments' demos have their own tests
    return run()


def loan_of(business_number: str) -> Loan:
    return Loan.objects.get(enterprise__business_number=business_number)


def check_the_fund_has_its_capital_products_and_applications_in_every_state(loaded: str) -> None:
    fund = Fund.objects.get(code=demo.FUND_CODE)
    summary = fund_summary(fund)
    assert summary.capital_by_source == {"municipality": 300_000_000, "private": 300_000_000, "other": 0}
    assert fund.products.count() == 3
    assert summary.loans_by_state == {"approved": 1, "active": 4, "paid_off": 1, "written_off": 1}
    assert sorted(LoanApplication.objects.values_list("state", flat=True)) == ["approved"] * 7 + ["draft", "submitted"]
    # Cash is the capital, less what was lent, plus what came back (repayments not reversed, the recovery).
    lent = LoanTransaction.objects.filter(kind="disbursement").aggregate(total=Sum("amount"))["total"]
    assert lent == sum(loan.principal.amount for loan in Loan.objects.exclude(state="approved"))
    received = Repayment.objects.filter(reversed_at=None).aggregate(total=Sum("amount"))["total"]
    recovered = Recovery.objects.aggregate(total=Sum("amount"))["total"]
    assert summary.cash == 600_000_000 - lent + received + recovered
    # Several enterprises borrow, none beyond the fund's limit.
    assert Loan.objects.values("enterprise").distinct().count() == 7
    assert all(loan.principal.amount <= fund.exposure_limit.amount for loan in Loan.objects.all())
    assert "fund          created" in loaded


def check_the_loans_are_current_late_accelerated_paid_off_and_written_off() -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    assert BusinessDay.objects.order_by("-date").values_list("date", flat=True).first() == yesterday
    for loan in Loan.objects.filter(state="active"):
        assert loan.closed_through == yesterday, loan

    # 정상 상환 중: installments paid, principal among them, nothing late.
    for number in (base.SEOULSOOP_COFFEE, demo.WANGSIMNI_CARE):
        current = loan_of(number)
        assert (current.state, current.days_past_due, current.asset_class) == ("active", 0, "normal")
        assert current.accelerated_on is None
        assert current.repayments.count() >= 8
        assert current.principal_account.balance.amount < current.principal.amount
    assert loan_of(demo.WANGSIMNI_CARE).repayments.filter(prepayment__gt=0).exists()

    # 연체: the bullet loan's maturity unpaid (the transfer bounced and was reversed), 요주의, not accelerated.
    late = loan_of(demo.EUNGBONG_RECYCLE)
    assert late.state == "active" and late.accelerated_on is None
    assert 30 <= late.days_past_due < 90 and late.asset_class == "precautionary"
    assert late.installments.get(number=12).principal_paid.amount == 0
    assert late.repayments.exclude(reversed_at=None).count() == 1
    assert late.default_interest_account.balance.amount > 0

    # 기한이익상실: two installments in a row missed; every installment due, default interest on all of it.
    accelerated = loan_of(demo.HAENGDANG_CLINIC)
    assert accelerated.state == "active" and accelerated.accelerated_on is not None
    assert accelerated.days_past_due >= 90 and accelerated.asset_class == "doubtful"
    assert Loan.objects.filter(state="active").exclude(accelerated_on=None).count() == 1

    # 상환 완료: paid off early with the amount the payoff quote gave.
    paid_off = loan_of(demo.HANTTEUM_SHOES)
    assert paid_off.state == "paid_off" and paid_off.paid_off_on is not None
    assert paid_off.principal_account.balance.amount == 0
    assert paid_off.repayments.filter(paid_off=True).count() == 1

    # 상각: 추정손실 after a year in arrears, written off by two managers, then something recovered.
    written_off = loan_of(demo.SEONGDONG_CLEAN)
    assert written_off.state == "written_off" and written_off.days_past_due >= 365
    write_off = WriteOff.objects.get(loan=written_off, state="approved")
    assert write_off.requested_by.username == "manager.kim" and write_off.decided_by.username == "manager.lee"
    assert write_off.principal.amount == written_off.principal.amount
    recovery = Recovery.objects.get(loan=written_off)
    assert Decimal(0) < recovery.amount.amount <= write_off.total.amount
    assert recovery.received_on >= written_off.written_off_on

    # 실행 대기: approved and not yet disbursed.
    waiting = loan_of(base.OKSU_MAEUL_BAPSANG)
    assert waiting.state == "approved" and waiting.disbursed_on is None


def check_the_ledger_agrees_with_every_loan_and_the_audit_chain_holds() -> None:
    assert ledger_check().ok
    for loan in Loan.objects.all():
        assert loan_disagreements(loan) == []
    audit_seal()  # as the commits would have
    assert audit_verify().ok


def check_the_applicants_act_for_their_enterprises_with_the_demo_password() -> None:
    for username, number in demo.APPLICANTS:
        user = User.objects.get(username=username)
        assert Membership.objects.get(user=user).enterprise.business_number == number
        assert user.check_password("pw-demo-1")
        assert LoanApplication.objects.filter(created_by=user).exists()


def test_the_demo_fund_has_loans_in_every_state_and_a_ledger_that_agrees(loaded):
    check_the_fund_has_its_capital_products_and_applications_in_every_state(loaded)
    check_the_loans_are_current_late_accelerated_paid_off_and_written_off()
    check_the_ledger_agrees_with_every_loan_and_the_audit_chain_holds()
    check_the_applicants_act_for_their_enterprises_with_the_demo_password()


def test_loading_the_demo_again_creates_nothing(loaded):
    before = everything()
    second = run()
    assert everything() == before
    assert "fund          already there" in second
    # A changed demo password still reaches the applicants, and nothing else changes.
    counts = {name: len(rows) for name, rows in before.items()}
    run("pw-demo-2")
    assert {name: len(rows) for name, rows in everything().items()} == counts
    assert all(User.objects.get(username=name).check_password("pw-demo-2") for name, _number in demo.APPLICANTS)
