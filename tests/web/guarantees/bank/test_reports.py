"""The bank desk's reports, each through its form: the loan made, a balance or a repayment, the full repayment, a
default and the claim. Success goes back to the guarantee's page with a message (303); bad input shows the rule
beside the field with nothing written (400); an illegal move is the service's 409; a form sent twice with its key
reports once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from djmoney.money import Money

from guarantees.models import Claim, Guarantee, GuaranteeBalance

from ..desk import LENT_ON, TODAY, in_english, text

pytestmark = pytest.mark.django_db


def _post(client, name, guarantee, key="web-key-1", **data):
    return client.post(reverse(f"web:bank-guarantee-{name}", args=[guarantee.pk]),
                       {"idempotency_key": key, **data})


def _reports(guarantee) -> int:
    return GuaranteeBalance.objects.filter(guarantee=guarantee).count()


def _assert_rule_beside(page: str, field: str, rule: str) -> None:
    assert f'id="id_{field}_error" class="error">{rule}' in page, f"{field}: {rule!r} not beside the field"


# --- the loan made -------------------------------------------------------------------------------------------


def test_the_officer_reports_the_loan_made(desk, client_as):
    approved = desk.approved
    client = client_as(desk.officer)
    form = text(client.get(reverse("web:bank-guarantee-execute", args=[approved.pk])))
    assert 'value="20,000,000"' in form  # the amount approved, offered
    assert 'name="idempotency_key"' in form

    response = _post(client, "execute", approved, loan_amount="18,000,000", loan_rate="4.5",
                     start_on=LENT_ON.isoformat(), bank_reference="110-234-567890")

    assert response.status_code == 303 and response["Location"] == f"/bank/guarantees/{approved.pk}/"
    approved.refresh_from_db()
    assert approved.state == Guarantee.State.ACTIVE
    assert approved.loan_amount == Money(18_000_000, "KRW") and approved.loan_rate == Decimal("0.04500")
    assert approved.start_on == LENT_ON and approved.bank_reference == "110-234-567890"
    assert approved.guaranteed == Money(18_000_000, "KRW")  # ratio 100 %
    page = text(client.get(response["Location"]))
    assert 'class="message success"' in page and "4.50%" in page


def test_the_same_form_sent_twice_reports_the_loan_once(desk, client_as):
    approved = desk.approved
    client = client_as(desk.officer)
    data = {"loan_amount": "20,000,000", "loan_rate": "5", "start_on": LENT_ON.isoformat()}
    assert _post(client, "execute", approved, key="web-twice", **data).status_code == 303
    assert _post(client, "execute", approved, key="web-twice", **data).status_code == 303  # the first result
    assert _reports(approved) == 1


@pytest.mark.parametrize(("data", "field", "rule"), [
    ({"loan_amount": "20,000,001"}, "loan_amount", "at most the amount approved, 20,000,000원"),
    ({"loan_amount": "1000.5"}, "loan_amount", None),
    ({"loan_amount": ""}, "loan_amount", None),
    ({"loan_rate": "25"}, "loan_rate", None),
    ({"loan_rate": "4.1234"}, "loan_rate", None),
    ({"loan_rate": "다섯"}, "loan_rate", None),
    ({"start_on": (TODAY + timedelta(days=1)).isoformat()}, "start_on", None),
    ({"start_on": "2026-13-01"}, "start_on", None),
    ({"bank_reference": "x" * 51}, "bank_reference", None),
])
def test_a_bad_loan_report_shows_the_rule_beside_the_field_and_writes_nothing(desk, client_as, data, field, rule):
    approved = desk.approved
    form = {"loan_amount": "20,000,000", "loan_rate": "4.5", "start_on": LENT_ON.isoformat(), **data}
    response = _post(in_english(client_as(desk.officer)), "execute", approved, **form)
    assert response.status_code == 400
    page = text(response)
    assert f'id="id_{field}_error"' in page
    if rule:
        _assert_rule_beside(page, field, rule)
    approved.refresh_from_db()
    assert approved.state == Guarantee.State.APPROVED and _reports(approved) == 0


def test_an_active_guarantees_loan_cannot_be_reported_made_again(desk, client_as):
    active = desk.active
    response = _post(client_as(desk.officer), "execute", active, loan_amount="20,000,000", loan_rate="4.5",
                     start_on=TODAY.isoformat())
    assert response.status_code == 409
    assert 'class="form-errors"' in text(response)
    assert _reports(active) == 1  # the loan made, only


# --- balances and repayments ---------------------------------------------------------------------------------


def test_the_officer_reports_a_balance_then_a_repayment(desk, client_as):
    active = desk.active
    client = client_as(desk.officer)
    day = TODAY - timedelta(days=10)

    response = _post(client, "report", active, key="web-b1", on_date=day.isoformat(), balance="19,000,000")
    assert response.status_code == 303
    active.refresh_from_db()
    assert active.balance == Money(19_000_000, "KRW") and active.balance_on == day
    assert active.guaranteed == Money(19_000_000, "KRW")

    response = _post(client, "report", active, key="web-b2", on_date=TODAY.isoformat(), repaid="500,000")
    assert response.status_code == 303
    active.refresh_from_db()
    assert active.balance == Money(18_500_000, "KRW") and active.state == Guarantee.State.ACTIVE
    page = text(client.get(reverse("web:bank-guarantee", args=[active.pk])))
    assert "₩18,500,000" in page and "₩500,000" in page  # the balance, and the row of the repayment


@pytest.mark.parametrize(("data", "field", "rule"), [
    ({"balance": "20,000,001"}, "balance", "at most the last balance reported, 20,000,000원"),
    ({"balance": "", "repaid": ""}, "balance", "give exactly one of balance and repaid"),
    ({"balance": "1,000", "repaid": "1,000"}, "balance", "give exactly one of balance and repaid"),
    ({"balance": "", "repaid": "20,000,001"}, "repaid", "at most the balance, 20,000,000원"),
    ({"balance": "-5"}, "balance", None),
    ({"on_date": (TODAY + timedelta(days=1)).isoformat()}, "on_date", None),
    ({"on_date": (LENT_ON - timedelta(days=1)).isoformat()}, "on_date", None),  # before the last balance
])
def test_a_bad_balance_report_shows_the_rule_beside_the_field_and_writes_nothing(desk, client_as, data, field,
                                                                                 rule):
    active = desk.active
    form = {"on_date": TODAY.isoformat(), "balance": "19,000,000", **data}
    response = _post(in_english(client_as(desk.officer)), "report", active, **form)
    assert response.status_code == 400
    page = text(response)
    assert f'id="id_{field}_error"' in page
    if rule:
        _assert_rule_beside(page, field, rule)
    active.refresh_from_db()
    assert active.balance == Money(20_000_000, "KRW") and _reports(active) == 1


def test_the_officer_reports_the_loan_repaid_in_full(desk, client_as):
    active = desk.active
    response = _post(client_as(desk.officer), "repay", active, on_date=TODAY.isoformat())
    assert response.status_code == 303
    active.refresh_from_db()
    assert active.state == Guarantee.State.REPAID and active.repaid_on == TODAY
    assert active.guaranteed == Money(0, "KRW")


def test_an_approved_guarantee_cannot_be_repaid(desk, client_as):
    approved = desk.approved
    response = _post(client_as(desk.officer), "repay", approved, on_date=TODAY.isoformat())
    assert response.status_code == 409
    approved.refresh_from_db()
    assert approved.state == Guarantee.State.APPROVED


# --- default and claim ---------------------------------------------------------------------------------------


def test_the_officer_reports_a_default_then_claims(desk, client_as):
    active = desk.active
    client = client_as(desk.officer)
    form = text(client.get(reverse("web:bank-guarantee-default", args=[active.pk])))
    assert 'value="20,000,000"' in form and f'value="{LENT_ON.isoformat()}"' in form  # balance, interest paid to

    response = _post(client, "default", active, on_date=TODAY.isoformat(), balance="19,500,000",
                     interest_paid_to=(LENT_ON + timedelta(days=30)).isoformat())
    assert response.status_code == 303
    active.refresh_from_db()
    assert active.state == Guarantee.State.DEFAULTED and active.defaulted_on == TODAY
    assert active.guaranteed == Money(19_500_000, "KRW")
    page = text(client.get(reverse("web:bank-guarantee", args=[active.pk])))
    assert f'href="/bank/guarantees/{active.pk}/claim/"' in page

    response = client.post(reverse("web:bank-guarantee-claim", args=[active.pk]),
                           {"principal": "19,500,000", "interest": "120,000", "costs": "", "requested_on":
                            TODAY.isoformat()})
    assert response.status_code == 303 and response["Location"] == f"/bank/guarantees/{active.pk}/"
    claim = Claim.objects.get(guarantee=active)
    assert claim.state == Claim.State.REQUESTED and claim.requested_by == desk.officer
    assert claim.requested_principal == Money(19_500_000, "KRW")
    assert claim.requested_interest == Money(120_000, "KRW") and claim.requested_costs == Money(0, "KRW")

    # A second claim while the first is open is the service's 409; nothing more is written.
    again = client.post(reverse("web:bank-guarantee-claim", args=[active.pk]),
                        {"principal": "1,000", "requested_on": TODAY.isoformat()})
    assert again.status_code == 409 and f"C{claim.pk}" in text(again)
    assert Claim.objects.filter(guarantee=active).count() == 1


@pytest.mark.parametrize(("data", "field", "rule"), [
    ({"balance": "20,000,001"}, "balance", "at most the last balance reported, 20,000,000원"),
    ({"balance": "0"}, "balance", None),
    ({"interest_paid_to": (LENT_ON - timedelta(days=1)).isoformat()}, "interest_paid_to", None),
    ({"interest_paid_to": (TODAY + timedelta(days=1)).isoformat()}, "interest_paid_to", None),
    ({"on_date": ""}, "on_date", None),
])
def test_a_bad_default_report_shows_the_rule_beside_the_field_and_writes_nothing(desk, client_as, data, field,
                                                                                 rule):
    active = desk.active
    form = {"on_date": TODAY.isoformat(), "balance": "19,000,000", "interest_paid_to": LENT_ON.isoformat(), **data}
    response = _post(in_english(client_as(desk.officer)), "default", active, **form)
    assert response.status_code == 400
    page = text(response)
    assert f'id="id_{field}_error"' in page
    if rule:
        _assert_rule_beside(page, field, rule)
    active.refresh_from_db()
    assert active.state == Guarantee.State.ACTIVE and _reports(active) == 1


@pytest.mark.parametrize(("data", "field"), [
    ({"principal": "10,000,001"}, "principal"),  # more than the loan's balance
    ({"principal": ""}, "principal"),
    ({"interest": "-1"}, "interest"),
    ({"requested_on": (TODAY - timedelta(days=61)).isoformat()}, "requested_on"),  # before the default
    ({"requested_on": (TODAY + timedelta(days=1)).isoformat()}, "requested_on"),
])
def test_a_bad_claim_shows_the_rule_beside_the_field_and_writes_nothing(desk, client_as, data, field):
    defaulted = desk.defaulted
    form = {"principal": "10,000,000", "interest": "0", "costs": "0", "requested_on": TODAY.isoformat(), **data}
    response = client_as(desk.officer).post(reverse("web:bank-guarantee-claim", args=[defaulted.pk]), form)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in text(response)
    assert not Claim.objects.filter(guarantee=defaulted).exists()


def test_an_active_guarantee_cannot_be_claimed_on(desk, client_as):
    active = desk.active
    response = client_as(desk.officer).post(reverse("web:bank-guarantee-claim", args=[active.pk]),
                                            {"principal": "1,000", "requested_on": TODAY.isoformat()})
    assert response.status_code == 409
    assert not Claim.objects.filter(guarantee=active).exists()


def test_another_banks_officer_cannot_report_on_the_banks_guarantee(desk, client_as):
    active = desk.active
    response = _post(client_as(desk.other_officer), "report", active, on_date=TODAY.isoformat(), balance="1")
    assert response.status_code == 404
    active.refresh_from_db()
    assert active.balance == Money(20_000_000, "KRW") and _reports(active) == 1
