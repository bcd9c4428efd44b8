"""Who may open the portal's contest pages: members of an enterprise only (anyone signed in otherwise is refused,
403, the page's way of saying the portal is not theirs; a visitor is sent to the login). A member reaches its own
enterprise's entries, tranches, spending lines and evidence; another enterprise's are 404, exactly like ones that do
not exist. A forged POST by a role the portal refuses is refused before any form is read, and writes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crowdfunding.models import Entry, SpendingItem
from crowdfunding.services import spending_add
from tests.factories import (
    AuditorFactory,
    BankOfficerFactory,
    EvaluatorFactory,
    JudgeFactory,
    ManagerFactory,
    UserFactory,
)

from .world import TODAY, Awarded, pdf_file

pytestmark = pytest.mark.django_db

REFUSED_ROLES = {
    "manager": ManagerFactory,
    "auditor": AuditorFactory,
    "judge": JudgeFactory,
    "evaluator": EvaluatorFactory,
    "bank officer": BankOfficerFactory,
    "user without a role": UserFactory,
}


@pytest.fixture
def pages(world):
    """Every portal contest page, with the objects of the member's enterprise."""
    entry = world.entry(state=Entry.State.DRAFT)
    awarded = Awarded(world)
    item = spending_add(actor=world.member, today=TODAY, tranche_id=awarded.first.pk, amount=1_000_000,
                        category="materials", description="원재료", spent_on=TODAY, evidence=pdf_file())
    listing = [reverse("web:my-contests"), reverse("web:my-contest-entries"),
               reverse("web:my-contest", args=[world.contest.pk])]
    views = [
        reverse("web:my-contest-entry", args=[entry.pk]),
        reverse("web:my-award-tranche", args=[awarded.first.pk]),
        reverse("web:my-spending-item-evidence", args=[item.pk]),
    ]
    actions = [
        reverse("web:my-contest-entry-edit", args=[entry.pk]),
        reverse("web:my-contest-entry-submit", args=[entry.pk]),
        reverse("web:my-contest-entry-withdraw", args=[entry.pk]),
        reverse("web:my-award-tranche-spending", args=[awarded.first.pk]),
        reverse("web:my-award-tranche-report", args=[awarded.first.pk]),
        reverse("web:my-spending-item-remove", args=[item.pk]),
    ]
    enter = reverse("web:my-contest-enter", args=[world.contest.pk])
    return listing, [enter, *views, *actions], views, actions


def test_a_member_opens_every_page(world, pages, client_as):
    listing, owned, _views, _actions = pages
    client = client_as(world.member)
    for url in listing + owned:
        assert client.get(url).status_code == 200, url


def test_a_visitor_is_sent_to_the_login(pages, client_as):
    listing, owned, _views, _actions = pages
    for url in listing + owned:
        response = client_as(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


@pytest.mark.parametrize("role", list(REFUSED_ROLES))
def test_every_other_role_is_refused_the_portal(pages, client_as, role):
    listing, owned, _views, _actions = pages
    client = client_as(REFUSED_ROLES[role]())
    for url in listing + owned:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", list(REFUSED_ROLES))
def test_a_forged_post_by_another_role_writes_nothing(world, pages, client_as, role):
    _listing, owned, _views, _actions = pages
    client = client_as(REFUSED_ROLES[role]())
    for url in owned:
        assert client.post(url, {"reason": "위조", "title": "위조"}).status_code == 403, url
    assert Entry.objects.filter(contest=world.contest).count() == 1
    assert Entry.objects.get(contest=world.contest).state == Entry.State.DRAFT
    assert SpendingItem.objects.count() == 1


def test_a_member_of_another_enterprise_finds_none_of_them(world, pages, client_as):
    listing, owned, views, actions = pages
    client = client_as(world.other_member)
    for url in listing + owned[:1]:  # the contests are public, and its own enterprise may enter
        assert client.get(url).status_code == 200, url
    for url in views + actions:
        assert client.get(url).status_code == 404, url
    for url in actions:
        assert client.post(url, {"reason": "남의 것"}).status_code == 404, url
    assert Entry.objects.get(contest=world.contest).state == Entry.State.DRAFT
    assert SpendingItem.objects.count() == 1


def test_an_unknown_contest_entry_or_tranche_is_not_found(world, client_as):
    client = client_as(world.member)
    for name in ("web:my-contest", "web:my-contest-enter", "web:my-contest-entry", "web:my-award-tranche",
                 "web:my-spending-item-evidence"):
        assert client.get(reverse(name, args=[999999])).status_code == 404, name
