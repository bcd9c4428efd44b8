"""Who may open the portal's pages: a member of the enterprise (200), a member of another enterprise (404 for the
first one's objects, exactly like objects that do not exist), staff (403: they have the console) and the anonymous
(to the login page). Forged POSTs by those who may not act are refused and change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from funds.models import LoanApplication, Repayment
from tests.factories import AuditorFactory, ManagerFactory

LOAN_PAGES = ("web:my-loan", "web:my-loan-schedule", "web:my-loan-transactions", "web:my-loan-repay")
APPLICATION_PAGES = ("web:my-application", "web:my-application-edit", "web:my-application-submit",
                     "web:my-application-withdraw")
LISTS = ("web:portal", "web:my-applications", "web:my-application-new", "web:my-statements")


def _object_urls(world) -> list[str]:
    return ([reverse(name, args=[world.own_loan.pk]) for name in LOAN_PAGES]
            + [reverse(name, args=[world.own_draft.pk]) for name in APPLICATION_PAGES])


def _all_urls(world) -> list[str]:
    return [reverse(name) for name in LISTS] + _object_urls(world)


def test_the_member_opens_every_portal_page_of_its_own_enterprise(world, client_as):
    client = client_as(world.member)
    for url in _all_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url


def test_a_member_of_another_enterprise_finds_none_of_its_objects(world, client_as):
    client = client_as(world.other_member)
    for url in _object_urls(world):
        assert client.get(url).status_code == 404, url
    for name in LISTS:
        assert client.get(reverse(name)).status_code == 200, name


def test_an_object_that_does_not_exist_is_404_like_another_enterprises(world, client_as):
    client = client_as(world.member)
    for name in LOAN_PAGES + APPLICATION_PAGES:
        assert client.get(reverse(name, args=[999_999])).status_code == 404, name


@pytest.mark.parametrize("make_staff", [ManagerFactory, AuditorFactory], ids=["manager", "auditor"])
def test_staff_are_refused_the_portal(world, client_as, make_staff):
    client = client_as(make_staff())
    for url in _all_urls(world):
        assert client.get(url).status_code == 403, url


def test_the_anonymous_go_to_the_login_page(world, client_as):
    client = client_as(None)
    login = reverse("web:login")
    for url in _all_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{login}?next="), url


def test_the_portal_menu_has_the_overview_the_applications_and_the_statements(world, client_as):
    html = client_as(world.member).get(reverse("web:portal")).content.decode()
    menu = html[html.index('<nav class="menu"'):html.index("</nav>", html.index('<nav class="menu"'))]
    positions = [menu.index(reverse(name)) for name in ("web:portal", "web:my-applications", "web:my-statements")]
    assert positions == sorted(positions)
    assert "/console/" not in menu


def test_a_manager_forging_a_members_repayment_is_refused_and_nothing_is_paid(world, client_as):
    loan = world.own_loan
    before = Repayment.objects.count()
    response = client_as(ManagerFactory()).post(reverse("web:my-loan-repay", args=[loan.pk]),
                                                {"amount": "100,000", "idempotency_key": "web-forged-1"})
    assert response.status_code == 403
    assert Repayment.objects.count() == before


def test_another_enterprises_member_cannot_repay_submit_or_withdraw_here(world, client_as):
    loan, draft = world.own_loan, world.own_draft
    before = Repayment.objects.count()
    client = client_as(world.other_member)
    assert client.post(reverse("web:my-loan-repay", args=[loan.pk]),
                       {"amount": "100,000", "idempotency_key": "web-forged-2"}).status_code == 404
    assert client.post(reverse("web:my-application-submit", args=[draft.pk])).status_code == 404
    assert client.post(reverse("web:my-application-withdraw", args=[draft.pk]),
                       {"reason": "남의 신청"}).status_code == 404
    assert client.post(reverse("web:my-application-edit", args=[draft.pk]),
                       {"amount": "1,000,000"}).status_code == 404
    assert Repayment.objects.count() == before
    draft.refresh_from_db()
    assert draft.state == LoanApplication.State.DRAFT and draft.amount.amount == 10_000_000


def test_an_auditor_forging_a_submission_is_refused_and_the_draft_stays_a_draft(world, client_as):
    draft = world.own_draft
    assert client_as(AuditorFactory()).post(reverse("web:my-application-submit", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.state == LoanApplication.State.DRAFT
