"""Who may open the console's fund pages: fund managers and auditors read them (200); only managers open the
actions (the auditor gets 403); an enterprise member, of the enterprise or of another, is refused the console
(403: the portal is its place); the anonymous go to the login page; an id that does not exist is 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AuditorFactory, ManagerFactory

LISTS = ("web:funds", "web:applications", "web:repayments", "web:write-offs", "web:console")


def _read_urls(world) -> list[str]:
    return [reverse(name) for name in LISTS] + [
        reverse("web:fund", args=[world.fund.pk]),
        reverse("web:application", args=[world.own_submitted.pk]),
        reverse("web:application", args=[world.own_recommended.pk]),
    ]


def _action_urls(world) -> list[str]:
    return [
        reverse("web:application-review", args=[world.own_submitted.pk]),
        reverse("web:application-approve", args=[world.own_recommended.pk]),
        reverse("web:application-reject", args=[world.own_recommended.pk]),
        reverse("web:write-off-approve", args=[world.pending_write_off.pk]),
        reverse("web:write-off-reject", args=[world.pending_write_off.pk]),
    ]


@pytest.mark.parametrize("make_staff", [ManagerFactory, AuditorFactory], ids=["manager", "auditor"])
def test_staff_read_every_console_fund_page(world, client_as, make_staff):
    client = client_as(make_staff())
    for url in _read_urls(world):
        assert client.get(url).status_code == 200, url


def test_a_manager_opens_every_action(world, client_as):
    client = client_as(ManagerFactory())
    for url in _action_urls(world):
        assert client.get(url).status_code == 200, url


def test_an_auditor_opens_no_action(world, client_as):
    client = client_as(AuditorFactory())
    for url in _action_urls(world):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("who", ["member", "other_member"])
def test_enterprise_members_are_refused_the_console(world, client_as, who):
    client = client_as(getattr(world, who))
    for url in _read_urls(world) + _action_urls(world):
        assert client.get(url).status_code == 403, url


def test_the_anonymous_go_to_the_login_page(world, client_as):
    client = client_as(None)
    login = reverse("web:login")
    for url in _read_urls(world) + _action_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(login), url


def test_an_id_that_does_not_exist_is_404(world, client_as):
    client = client_as(ManagerFactory())
    missing = 999_999
    for name in ("web:fund", "web:application"):
        assert client.get(reverse(name, args=[missing])).status_code == 404, name
    for name in ("web:application-review", "web:application-approve", "web:application-reject",
                 "web:write-off-approve", "web:write-off-reject"):
        assert client.get(reverse(name, args=[missing])).status_code == 404, name
        assert client.post(reverse(name, args=[missing]), {"reason": "x"}).status_code == 404, name


def test_the_menu_lists_the_funds_pages_in_order(world, client_as):
    body = client_as(AuditorFactory()).get(reverse("web:console")).content.decode()
    positions = [body.index(f'href="{reverse(name)}"') for name in ("web:funds", "web:applications", "web:loans",
                                                                   "web:repayments", "web:write-offs")]
    assert positions == sorted(positions)
