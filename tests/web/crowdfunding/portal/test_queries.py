"""Each portal contest page reads in a bounded number of queries: more contests, entries, notices, tranches or
spending lines do not add queries (no query per row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crowdfunding import services
from crowdfunding.models import EntryNotice
from tests.crowdfunding.factories import ContestFactory

from .world import TODAY, Awarded, dates_around, pdf_file

pytestmark = pytest.mark.django_db
BOUND = 25  # sessions, the user, its roles, the menu's and the page's checks, the page's rows


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _spend(world, awarded: Awarded, n: int) -> None:
    for i in range(n):
        services.spending_add(actor=world.member, today=TODAY, tranche_id=awarded.first.pk, amount=100_000 + i,
                              category="materials", description=f"원재료 {i}", spent_on=TODAY, evidence=pdf_file())


def test_the_contest_pages_cost_the_same_for_more_contests_and_entries(world, client_as,
                                                                       django_assert_max_num_queries):
    world.entry(title="첫 참가작")
    client = client_as(world.member)
    urls = [reverse("web:portal"), reverse("web:my-contests"), reverse("web:my-contest-entries"),
            reverse("web:my-contest", args=[world.contest.pk])]
    before = [_queries(client, url) for url in urls]
    for n in range(3):
        other = ContestFactory(name=f"또 다른 대회 {n}", phase="call", **dates_around(TODAY))
        world.entry(contest=other, title=f"참가작 {n}")
    _ = world.closed_call, world.other_entry
    assert [_queries(client, url) for url in urls] == before
    for url in urls:
        with django_assert_max_num_queries(BOUND):
            client.get(url)


def test_the_entry_and_tranche_pages_cost_the_same_for_more_notices_and_spending(world, client_as,
                                                                                django_assert_max_num_queries):
    awarded = Awarded(world)
    _spend(world, awarded, 1)
    client = client_as(world.member)
    urls = [reverse("web:my-contest-entry", args=[awarded.entry.pk]),
            reverse("web:my-award-tranche", args=[awarded.first.pk]),
            reverse("web:my-award-tranche-spending", args=[awarded.first.pk]), reverse("web:portal")]
    before = [_queries(client, url) for url in urls]
    _spend(world, awarded, 3)
    for n in range(3):
        EntryNotice.objects.create(entry=awarded.entry, kind="advanced", round_kind="final", message=f"알림 {n}")
    assert [_queries(client, url) for url in urls] == before
    for url in urls:
        with django_assert_max_num_queries(BOUND):
            client.get(url)
