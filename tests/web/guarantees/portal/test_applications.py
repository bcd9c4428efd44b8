"""The portal's guarantee applications: the form (the member's own enterprise, the programs open today, their
partner banks grouped by program, the two repayment shapes), drafting, the application's page with a fee quote,
submitting and withdrawing with a reason; the program's rules refused beside the field with nothing written;
another enterprise's application is 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from djmoney.money import Money

from core.engines.schedules import add_months
from guarantees import services
from guarantees.models import GuaranteeApplication
from tests.factories import ManagerFactory
from tests.guarantees.factories import make_program

from ..desk import TODAY, in_english, text

pytestmark = pytest.mark.django_db
State = GuaranteeApplication.State


def _form(desk, **data):
    return {"enterprise": desk.enterprise.pk, "program": desk.program.pk, "bank": desk.bank.pk,
            "amount": "20,000,000", "term_months": "60", "repayment_method": "equal_principal",
            "purpose": "운영자금", **data}


def _new(client, desk, **data):
    return client.post(reverse("web:my-guarantee-application-new"), _form(desk, **data))


def test_the_form_offers_the_members_enterprise_the_open_programs_and_their_banks(desk, client_as):
    _ = desk.other_bank, desk.other_enterprise
    closed = make_program(code="closed", name="마감된 사업", opens_on=TODAY - timedelta(days=400),
                          closes_on=TODAY - timedelta(days=30))
    page = text(client_as(desk.member).get(reverse("web:my-guarantee-application-new")))
    assert f'<option value="{desk.enterprise.pk}" selected>' in page
    assert desk.other_enterprise.name not in page
    assert desk.program.name in page and closed.name not in page
    assert f'<optgroup label="{desk.program.name}">' in page
    assert f'<option value="{desk.bank.pk}">{desk.bank.name}</option>' in page
    assert f'<option value="{desk.other_bank.pk}">' in page
    assert 'value="equal_principal" selected' in page and 'value="bullet"' in page


def test_draft_submit_and_withdraw_through_the_pages(desk, client_as):
    client = client_as(desk.member)
    response = _new(client, desk)
    assert response.status_code == 303
    application = GuaranteeApplication.objects.get(enterprise=desk.enterprise)
    assert response["Location"] == f"/my/guarantee-applications/{application.pk}/"
    assert application.state == State.DRAFT and application.amount == Money(20_000_000, "KRW")
    assert application.repayment_method == "equal_principal" and application.grace_months == 12
    assert application.term_months == 60 and application.bank == desk.bank and application.created_by == desk.member

    page = text(client.get(response["Location"]))
    # A year's fee on the 20,000,000 guaranteed (ratio 100 %) at 0.8 %, the city's 0.5 %, each floored to 10 won:
    # 160,000 and 100,000 over 365 days (160,438.4 -> 160,430 and 100,274.0 -> 100,270 over a leap year's 366
    # days); the enterprise pays the rest.
    days = (add_months(TODAY, 12) - TODAY).days
    fee, city = {365: (160_000, 100_000), 366: (160_430, 100_270)}[days]
    assert 'id="quote-h"' in page
    assert f"₩{fee:,}" in page and f"₩{city:,}" in page and f"₩{fee - city:,}" in page
    assert f'action="/my/guarantee-applications/{application.pk}/submit/"' in page

    response = client.post(reverse("web:my-guarantee-application-submit", args=[application.pk]))
    assert response.status_code == 303
    application.refresh_from_db()
    assert application.state == State.SUBMITTED

    assert client.post(reverse("web:my-guarantee-application-withdraw", args=[application.pk]),
                       {"reason": ""}).status_code == 400  # a reason is asked for
    response = client.post(reverse("web:my-guarantee-application-withdraw", args=[application.pk]),
                           {"reason": "다른 자금 확보"})
    assert response.status_code == 303
    application.refresh_from_db()
    assert application.state == State.WITHDRAWN
    page = text(client.get(reverse("web:my-guarantee-application", args=[application.pk])))
    assert f"/my/guarantee-applications/{application.pk}/submit/" not in page
    assert f"/my/guarantee-applications/{application.pk}/withdraw/" not in page
    listing = text(client.get(reverse("web:my-guarantee-applications")))
    assert f'href="/my/guarantee-applications/{application.pk}/"' in listing


def test_a_bullet_loan_has_no_grace(desk, client_as):
    assert _new(client_as(desk.member), desk, repayment_method="bullet", term_months="36").status_code == 303
    application = GuaranteeApplication.objects.get(enterprise=desk.enterprise)
    assert application.repayment_method == "bullet" and application.grace_months == 0


@pytest.mark.parametrize(("data", "field", "status", "rule"), [
    ({"amount": "1000000.5"}, "amount", 400, None),
    ({"amount": "-1"}, "amount", 400, None),
    ({"amount": ""}, "amount", 400, None),
    # The share guaranteed (100 %) above the program's 30,000,000 per enterprise: the service's rule (422).
    ({"amount": "30,000,001"}, "amount", 422, None),
    ({"term_months": "0"}, "term_months", 400, None),
    ({"term_months": "121"}, "term_months", 400, None),
    # 12 months' grace need a longer term: the service's rule on the grace, beside the repayment method.
    ({"term_months": "12"}, "repayment_method", 400, "must be less than term_months (12)"),
    ({"repayment_method": "balloon"}, "repayment_method", 400, None),
    ({"bank": "999999"}, "bank", 400, None),
])
def test_bad_input_is_refused_beside_the_field_and_nothing_is_written(desk, client_as, data, field, status, rule):
    response = _new(in_english(client_as(desk.member)), desk, **data)
    assert response.status_code == status
    page = text(response)
    assert f'id="id_{field}_error"' in page
    if rule:
        assert f'id="id_{field}_error" class="error">{rule}' in page
    assert not GuaranteeApplication.objects.exists()


def test_a_bank_that_is_not_the_programs_partner_is_refused_beside_the_bank(desk, client_as):
    other_program = make_program(code="other", name="다른 사업", opens_on=TODAY - timedelta(days=10),
                                 closes_on=TODAY + timedelta(days=10))
    stranger = other_program.partner_banks.get()  # lends under the other program only
    response = _new(in_english(client_as(desk.member)), desk, bank=stranger.pk)
    assert response.status_code == 400
    assert 'id="id_bank_error" class="error">must be one of the program\'s partner banks' in text(response)
    assert not GuaranteeApplication.objects.exists()


def test_another_enterprise_cannot_be_chosen(desk, client_as):
    response = _new(client_as(desk.member), desk, enterprise=desk.other_enterprise.pk)
    assert response.status_code == 400
    assert not GuaranteeApplication.objects.exists()


def test_a_submission_after_the_window_closed_shows_the_rule(desk, client_as):
    client = client_as(desk.member)
    assert _new(client, desk).status_code == 303
    application = GuaranteeApplication.objects.get()
    type(desk.program).objects.filter(pk=desk.program.pk).update(closes_on=TODAY - timedelta(days=1))
    response = client.post(reverse("web:my-guarantee-application-submit", args=[application.pk]))
    assert response.status_code == 400
    assert 'class="form-errors"' in text(response)
    application.refresh_from_db()
    assert application.state == State.DRAFT


def test_a_decided_application_cannot_be_withdrawn(desk, client_as):
    application = desk.approved.application
    response = client_as(desk.member).post(reverse("web:my-guarantee-application-withdraw", args=[application.pk]),
                                           {"reason": "늦은 철회"})
    assert response.status_code == 409
    application.refresh_from_db()
    assert application.state == State.APPROVED
    page = text(client_as(desk.member).get(reverse("web:my-guarantee-application", args=[application.pk])))
    assert f'href="/my/guarantees/{desk.approved.pk}/"' in page


def test_another_enterprises_application_is_not_found(desk, client_as):
    other = services.application_create(
        actor=desk.other_member, today=TODAY, program_id=desk.program.pk, enterprise_id=desk.other_enterprise.pk,
        bank_id=desk.bank.pk, amount=Decimal(10_000_000), term_months=60, repayment_method="bullet")
    client = client_as(desk.member)
    for name in ("web:my-guarantee-application", "web:my-guarantee-application-submit",
                 "web:my-guarantee-application-withdraw"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404, name
    assert client.post(reverse("web:my-guarantee-application-submit", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.state == State.DRAFT


def test_staff_and_bank_officers_cannot_apply(desk, client_as):
    for user in (ManagerFactory(), desk.officer):
        client = client_as(user)
        assert client.get(reverse("web:my-guarantee-application-new")).status_code == 403
        assert _new(client, desk).status_code == 403
    assert not GuaranteeApplication.objects.exists()
