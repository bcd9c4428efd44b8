"""The member's loan pages: the console's loan page seen from the portal (no audit trail, no manager actions), its
schedule and transactions, and repaying with today's value date (a back-date is refused with the service's
message); bad amounts are refused beside the field and nothing is paid."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from funds.models import Repayment

from .helpers import text, won_rule


def test_the_member_sees_its_loan_without_the_audit_trail_or_manager_actions(world, client_as):
    loan = world.own_loan
    response = client_as(world.member).get(reverse("web:my-loan", args=[loan.pk]))
    page = text(response)
    assert response.status_code == 200
    assert f"L{loan.pk}" in page and loan.enterprise.name in page
    assert 'id="audit-h"' not in page
    for console_only in ("web:loan-write-off", "web:loan-recover", "web:loan-disburse", "web:loan-repay"):
        assert reverse(console_only, args=[loan.pk]) not in page
    assert reverse("web:repayment-reverse", args=[world.own_repayment.pk]) not in page
    assert reverse("web:my-loan-repay", args=[loan.pk]) in page
    assert reverse("web:my-loan-schedule", args=[loan.pk]) in page
    assert reverse("web:my-loan-transactions", args=[loan.pk]) in page
    assert reverse("web:my-statements") in page  # the statements already issued: the portal's list
    assert 'aria-current="page">' in page and reverse("web:my-applications") in page  # the portal's menu


def test_the_schedule_and_transactions_are_the_loans_own(world, client_as):
    loan = world.own_loan
    client = client_as(world.member)
    schedule = client.get(reverse("web:my-loan-schedule", args=[loan.pk]))
    assert schedule.status_code == 200
    assert text(schedule).count("<tr") == 1 + loan.installments.count()
    transactions = client.get(reverse("web:my-loan-transactions", args=[loan.pk]))
    assert transactions.status_code == 200
    csv = client.get(reverse("web:my-loan-schedule", args=[loan.pk]), {"_export": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")


def test_the_repayment_form_shows_no_value_date(world, client_as):
    page = text(client_as(world.member).get(reverse("web:my-loan-repay", args=[world.own_loan.pk])))
    assert 'type="hidden" name="value_date"' in page
    assert 'type="date" name="value_date"' not in page


def test_the_member_repays_with_todays_value_date(world, client_as):
    loan = world.own_loan
    response = client_as(world.member).post(reverse("web:my-loan-repay", args=[loan.pk]),
                                            {"amount": "₩100,000", "idempotency_key": "web-member-1"})
    assert response.status_code == 303
    assert response["Location"] == reverse("web:my-loan", args=[loan.pk])
    repayment = Repayment.objects.get(loan=loan, idempotency_key="web-member-1")
    assert repayment.amount.amount == 100_000
    assert repayment.value_date == timezone.localdate()
    assert repayment.created_by == world.member


def test_the_member_cannot_back_date_a_repayment(world, client_as):
    loan = world.own_loan
    before = Repayment.objects.count()
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client_as(world.member).post(reverse("web:my-loan-repay", args=[loan.pk]), {
        "amount": "100,000", "idempotency_key": "web-member-2", "value_date": yesterday.isoformat()})
    assert response.status_code == 403
    assert gettext("Only a fund manager may give a value date other than today.") in text(response)
    assert Repayment.objects.count() == before


@pytest.mark.parametrize("amount", ["1000.5", "-1000", "백만원", "0"])
def test_a_bad_amount_is_refused_beside_the_field_and_nothing_is_paid(world, client_as, amount):
    loan = world.own_loan
    before = Repayment.objects.count()
    response = client_as(world.member).post(reverse("web:my-loan-repay", args=[loan.pk]),
                                            {"amount": amount, "idempotency_key": "web-member-3"})
    assert response.status_code == 400
    page = text(response)
    for rule in won_rule(amount):
        assert rule in page
    assert 'class="field invalid required"' in page
    assert Repayment.objects.count() == before


def test_a_repayment_beyond_the_payoff_shows_the_services_message(world, client_as):
    loan = world.own_loan
    before = Repayment.objects.count()
    response = client_as(world.member).post(reverse("web:my-loan-repay", args=[loan.pk]),
                                            {"amount": "900,000,000", "idempotency_key": "web-member-4"})
    assert response.status_code == 422
    assert 'class="form-errors"' in text(response)
    assert Repayment.objects.count() == before


def test_the_overview_lists_the_loan_with_its_next_payment(world, client_as):
    loan = world.own_loan
    other = world.other_loan
    upcoming = loan.installments.filter(due_on__gte=timezone.localdate()).order_by("number").first()
    assert upcoming is not None
    page = text(client_as(world.member).get(reverse("web:portal")))
    assert reverse("web:my-loan", args=[loan.pk]) in page
    assert reverse("web:my-loan", args=[other.pk]) not in page and other.enterprise.name not in page
    due = int(upcoming.principal_due.amount + upcoming.interest_due.amount)
    assert f"₩{due:,}" in page and upcoming.due_on.isoformat() in page
    loan.principal_account.refresh_from_db()
    assert f"₩{int(loan.principal_account.balance.amount):,}" in page
    enterprise = world.own
    assert enterprise.name in page and enterprise.business_number_display in page
