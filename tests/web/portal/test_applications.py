"""The member's applications: drafting one (its own enterprise only, an open product), changing the draft,
submitting it (the service's lending rules: its message on a 422), withdrawing it with a reason; the application's
page with its decision and a quote of what it would repay. Bad amounts are refused beside the field with nothing
written."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from funds import services
from funds.models import LoanApplication
from tests.funds.factories import make_application, make_fund, make_product

from .helpers import text, won_rule

State = LoanApplication.State


def _new(client, world, **data):
    form = {"enterprise": world.own.pk, "product": world.product.pk, "amount": "12,000,000", "purpose": "운영자금"}
    form.update(data)
    return client.post(reverse("web:my-application-new"), form)


def test_the_new_application_form_offers_only_the_members_enterprise_preselected(world, client_as):
    _ = world.other_draft  # another enterprise exists, with an application
    page = text(client_as(world.member).get(reverse("web:my-application-new")))
    assert f'<option value="{world.own.pk}" selected>' in page
    assert world.other.name not in page
    assert world.product.name in page


def test_draft_change_submit_and_withdraw_through_the_pages(world, client_as):
    client = client_as(world.member)
    response = _new(client, world)
    assert response.status_code == 303
    application = LoanApplication.objects.get(enterprise=world.own)
    assert response["Location"] == reverse("web:my-application", args=[application.pk])
    assert application.state == State.DRAFT and application.amount.amount == 12_000_000
    assert application.created_by == world.member

    response = client.post(reverse("web:my-application-edit", args=[application.pk]),
                           {"amount": "15,000,000", "purpose": "설비 구입"})
    assert response.status_code == 303
    application.refresh_from_db()
    assert application.amount.amount == 15_000_000 and application.purpose == "설비 구입"

    response = client.post(reverse("web:my-application-submit", args=[application.pk]))
    assert response.status_code == 303
    application.refresh_from_db()
    assert application.state == State.SUBMITTED

    response = client.post(reverse("web:my-application-edit", args=[application.pk]), {"amount": "16,000,000"})
    assert response.status_code == 409  # only a draft changes; the service's message is shown
    assert 'class="form-errors"' in text(response)
    application.refresh_from_db()
    assert application.amount.amount == 15_000_000

    assert client.post(reverse("web:my-application-withdraw", args=[application.pk]),
                       {"reason": ""}).status_code == 400  # a reason is asked for
    response = client.post(reverse("web:my-application-withdraw", args=[application.pk]), {"reason": "사정 변경"})
    assert response.status_code == 303
    application.refresh_from_db()
    assert application.state == State.WITHDRAWN

    page = text(client.get(reverse("web:my-application", args=[application.pk])))
    assert application.get_state_display() in page
    assert reverse("web:my-application-submit", args=[application.pk]) not in page
    assert reverse("web:my-application-withdraw", args=[application.pk]) not in page


@pytest.mark.parametrize("amount", ["1000000.5", "-1000000", "일천만원", ""])
def test_a_bad_amount_in_a_new_application_writes_nothing(world, client_as, amount):
    response = _new(client_as(world.member), world, amount=amount)
    assert response.status_code == 400
    page = text(response)
    if amount:
        for rule in won_rule(amount):
            assert rule in page
    assert 'class="field invalid required"' in page
    assert not LoanApplication.objects.filter(enterprise=world.own).exists()


@pytest.mark.parametrize("amount", ["1000000.5", "-1000000", "abc"])
def test_a_bad_amount_in_a_change_writes_nothing(world, client_as, amount):
    draft = world.own_draft
    response = client_as(world.member).post(reverse("web:my-application-edit", args=[draft.pk]),
                                            {"amount": amount, "purpose": "바뀜"})
    assert response.status_code == 400
    for rule in won_rule(amount):
        assert rule in text(response)
    draft.refresh_from_db()
    assert draft.amount.amount == 10_000_000 and draft.purpose != "바뀜"


def test_another_enterprise_cannot_be_chosen(world, client_as):
    response = _new(client_as(world.member), world, enterprise=world.other.pk)
    assert response.status_code == 400
    assert not LoanApplication.objects.exists()


def test_a_closed_product_cannot_be_chosen(world, client_as):
    closed = make_product(world.fund, name="마감된 상품", is_active=False)
    response = _new(client_as(world.member), world, product=closed.pk)
    assert response.status_code == 400
    assert not LoanApplication.objects.exists()


def test_a_submission_beyond_the_exposure_limit_shows_the_services_message(world, client_as):
    small = make_product(make_fund(code="small", exposure_limit=5_000_000), name="소액 상품")
    draft = make_application(small, member=world.member, amount=10_000_000)
    response = client_as(world.member).post(reverse("web:my-application-submit", args=[draft.pk]))
    assert response.status_code == 422
    page = text(response)
    assert 'class="form-errors"' in page and world.own.name in page
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_the_application_page_quotes_what_it_would_repay(world, client_as):
    draft = world.own_draft
    today = timezone.localdate()
    quote = services.product_quote(product_id=draft.product_id, principal=draft.amount.amount, disbursed_on=today,
                                   today=today)
    page = text(client_as(world.member).get(reverse("web:my-application", args=[draft.pk])))
    assert f"₩{int(quote.total):,}" in page and f"₩{int(quote.total_interest):,}" in page
    assert page.count("<tr>") >= len(quote.installments)
    for name in ("web:my-application-edit", "web:my-application-withdraw", "web:my-application-submit"):
        assert reverse(name, args=[draft.pk]) in page


def test_a_decided_application_shows_its_decision_and_reason_and_its_loan(world, client_as):
    loan = world.own_approved_loan
    application = loan.application
    page = text(client_as(world.member).get(reverse("web:my-application", args=[application.pk])))
    assert application.decision_reason in page
    assert reverse("web:my-loan", args=[loan.pk]) in page
    assert reverse("web:my-application-submit", args=[application.pk]) not in page


def test_a_declined_application_shows_the_reviewers_reason(world, client_as):
    declined = make_application(world.product, member=world.member, state="declined")
    page = text(client_as(world.member).get(reverse("web:my-application", args=[declined.pk])))
    assert declined.review_reason in page


def test_the_list_shows_only_the_members_applications_and_exports_them(world, client_as):
    own, other = world.own_draft, world.other_draft
    client = client_as(world.member)
    page = text(client.get(reverse("web:my-applications")))
    assert reverse("web:my-application", args=[own.pk]) in page
    assert reverse("web:my-application", args=[other.pk]) not in page
    csv = client.get(reverse("web:my-applications"), {"_export": "csv"})
    assert csv.status_code == 200
    body = csv.content.decode("utf-8-sig")
    assert f"A{own.pk}" in body and f"A{other.pk}" not in body
    assert client.get(reverse("web:my-applications"), {"state": "nonsense"}).status_code == 400
