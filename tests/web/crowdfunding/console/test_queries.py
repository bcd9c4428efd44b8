"""Each contest page reads in a bounded number of queries: more entries, judges (a citizen panel of many), scores,
lines or tranches do not add queries (no query per row)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crowdfunding import services
from tests.crowdfunding.factories import EntryFactory, PanelFactory, seat
from tests.factories import JudgeFactory

pytestmark = pytest.mark.django_db

BOUND = 40  # sessions, the user, its roles, the menu's checks, the page's rows and its facts


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _grow(cw, citizens: list) -> None:
    """Another entry, scored by every judge; another citizen judge, who scores every entry."""
    entry = EntryFactory(contest=cw.contest)
    citizen = seat(cw.citizens, JudgeFactory())
    citizens.append(citizen)
    for judge in [*cw.judges, *citizens]:
        for each in [*cw.entries, entry] if judge is citizen else [entry]:
            cw.score(judge, each, "mid")


def test_the_console_pages_cost_the_same_for_more_entries_judges_and_scores(cw, client_as, manager):
    cw.panel.weight = Decimal(70)
    cw.panel.save(update_fields=["weight"])
    cw.citizens = PanelFactory(round=cw.screening, name="시민 심사단", kind="citizen", weight=Decimal(30))
    citizens: list = []
    _grow(cw, citizens)
    for judge in cw.judges:
        cw.score(judge, cw.entries[0], "high")
    _award = cw.reported_tranche
    client = client_as(manager)
    urls = ["/console/contests/", reverse("web:contest", args=[cw.contest.pk]), "/console/contests/entries/",
            reverse("web:contest-entry", args=[cw.entries[0].pk]),
            reverse("web:contest-round", args=[cw.screening.pk]),
            reverse("web:contest-round-ranking", args=[cw.screening.pk]), "/console/contests/awards/",
            reverse("web:contest-award", args=[_award.award_id]),
            reverse("web:contest", args=[cw.final_contest.pk])]
    before = [_queries(client, url) for url in urls]
    for _n in range(3):
        _grow(cw, citizens)
    services.award_prepare(actor=cw.preparer, today=cw.today, entry_id=cw.selected(2).pk, amount=10_000_000)
    after = [_queries(client, url) for url in urls]
    assert after == before, dict(zip(urls, zip(before, after, strict=True), strict=True))
    assert max(after) <= BOUND, dict(zip(urls, after, strict=True))


def test_the_judges_pages_cost_the_same_for_more_entries_and_judges(cw, client_as):
    kim = cw.judges[0]
    cw.citizens = PanelFactory(round=cw.screening, name="시민 심사단", kind="citizen", weight=Decimal(30))
    cw.panel.weight = Decimal(70)
    cw.panel.save(update_fields=["weight"])
    citizens: list = []
    _grow(cw, citizens)
    cw.score(kim, cw.entries[0], "high")
    client = client_as(kim)
    urls = ["/judge/", reverse("web:judge-entry", args=[cw.entries[0].pk]),
            reverse("web:judge-round", args=[cw.screening.pk])]
    before = [_queries(client, url) for url in urls]
    for _n in range(3):
        _grow(cw, citizens)
    after = [_queries(client, url) for url in urls]
    assert after == before, dict(zip(urls, zip(before, after, strict=True), strict=True))
    assert max(after) <= BOUND
