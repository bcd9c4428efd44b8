"""Who may open the judges' desk and what: judges only (the console's staff, members, bank officers and users with no
role get 403); a judge sees the entries and rounds it sits on, and anything else (another contest's entry, a round
it does not sit on, an entry its round does not judge) is 404, like one that does not exist; a judge's forged POST
on such an entry writes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.crowdfunding.factories import EntryFactory, PanelFactory, RoundFactory, seat
from tests.factories import AuditorFactory, BankOfficerFactory, JudgeFactory, ManagerFactory, UserFactory
from tests.funds.factories import member_of

from ..helpers import nothing_written

pytestmark = pytest.mark.django_db


def _paths(cw) -> list[str]:
    entry = cw.entries[0]
    return ["/judge/", reverse("web:judge-entry", args=[entry.pk]),
            reverse("web:judge-entry-conflict", args=[entry.pk]), reverse("web:judge-round", args=[cw.screening.pk])]


@pytest.mark.parametrize("role", ["manager", "auditor", "member", "bank_officer", "nobody"])
def test_anyone_but_a_judge_is_refused_the_desk(cw, client_as, role):
    user = {"manager": ManagerFactory, "auditor": AuditorFactory, "member": member_of,
            "bank_officer": BankOfficerFactory, "nobody": UserFactory}[role]()
    assert cw.judges
    client = client_as(user)
    assert [client.get(path).status_code for path in _paths(cw)] == [403, 403, 403, 403]


def test_signed_out_visitors_are_sent_to_the_login_page(cw, client_as):
    assert cw.judges
    for path in _paths(cw):
        response = client_as(None).get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_the_seated_judge_opens_every_page(cw, client_as):
    client = client_as(cw.judges[0])
    assert [client.get(path).status_code for path in _paths(cw)] == [200, 200, 200, 200]


def test_a_judge_of_another_contests_panel_gets_404_and_its_posts_write_nothing(cw, client_as):
    assert cw.judges
    elsewhere = seat(PanelFactory(round=RoundFactory(kind="screening")), JudgeFactory(username="judge.other"))
    client = client_as(elsewhere)
    assert client.get("/judge/").status_code == 200
    assert [client.get(path).status_code for path in _paths(cw)[1:]] == [404, 404, 404]
    entry = cw.entries[0]
    with nothing_written():
        assert client.post(reverse("web:judge-entry", args=[entry.pk]), {"marks.local": "1"}).status_code == 404
        assert client.post(reverse("web:judge-entry-conflict", args=[entry.pk]), {"reason": "x"}).status_code == 404


def test_a_judge_with_no_seat_sees_an_empty_queue_and_no_entry(cw, client_as):
    assert cw.judges
    client = client_as(JudgeFactory())
    assert client.get("/judge/").status_code == 200
    assert client.get(reverse("web:judge-entry", args=[cw.entries[0].pk])).status_code == 404


def test_an_entry_the_round_does_not_judge_is_404_to_its_judges(cw, client_as):
    assert cw.judges
    draft = EntryFactory(contest=cw.contest, state="draft", submitted_at=None)
    client = client_as(cw.judges[0])
    assert client.get(reverse("web:judge-entry", args=[draft.pk])).status_code == 404


def test_a_judge_lands_on_its_desk_after_logging_in(cw, client):
    from tests.factories import PASSWORD

    kim = cw.judges[0]
    response = client.post("/login/", {"username": kim.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/judge/"
    page = client.get("/judge/").content.decode()
    assert 'href="/judge/" aria-current="page"' in page
