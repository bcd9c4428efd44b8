"""Contest entries in the console: the list with its filters and download, and an entry's page as staff see it (the
project, its enterprise and team, what it was told, every score in each round with the judges' marks, the conflicts
declared, its place on the advance lists, its award)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from crowdfunding.models import Conflict, EntryNotice
from tests.crowdfunding.factories import EntryFactory
from tests.factories import MembershipFactory

from ..helpers import ko, text

pytestmark = pytest.mark.django_db


def _url(entry) -> str:
    return reverse("web:contest-entry", args=[entry.pk])


def test_the_list_filters_entries_by_contest_state_and_words(cw, client_as, manager):
    first, second, _third = cw.entries
    draft = EntryFactory(contest=cw.contest, title="아직 작성 중인 신청", state="draft", submitted_at=None)
    elsewhere = EntryFactory(title="다른 대회의 신청")
    client = client_as(manager)
    page = text(client.get("/console/contests/entries/"))
    assert all(entry.title in page for entry in (first, second, draft, elsewhere))
    in_contest = text(client.get("/console/contests/entries/", {"contest": cw.contest.pk}))
    assert first.title in in_contest and elsewhere.title not in in_contest
    drafts = text(client.get("/console/contests/entries/", {"contest": cw.contest.pk, "state": "draft"}))
    assert draft.title in drafts and first.title not in drafts
    found = text(client.get("/console/contests/entries/", {"q": "목공"}))
    assert second.title in found and first.title not in found
    download = client.get("/console/contests/entries/", {"_export": "csv", "q": "목공"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[1][0] == f"E{second.pk}" and rows[1][1] == second.title and "10000000" in rows[1]


def test_a_bad_filter_is_a_400_with_no_rows(cw, client_as, manager):
    assert cw.entries
    response = client_as(manager).get("/console/contests/entries/", {"state": "nonsense"})
    assert response.status_code == 400 and cw.entries[0].title not in text(response)


def test_an_entrys_page_shows_the_project_enterprise_team_and_notices(cw, client_as, auditor):
    entry = cw.entries[0]
    EntryNotice.objects.create(entry=entry, kind="advanced", round_kind="screening",
                               message="동네 빵집 나눔 프로젝트가 서류심사를 통과했습니다 (1위).")
    page = text(client_as(auditor).get(_url(entry)))
    assert entry.title in page and entry.enterprise.name in page and "김대표 · 대표" in page
    assert "₩10,000,000" in page and "서류심사를 통과했습니다" in page
    assert reverse("web:contest", args=[entry.contest_id]) in page


def test_staff_see_every_score_with_its_marks_and_the_conflicts(cw, client_as, manager):
    entry = cw.entries[0]
    kim, lee, _park = cw.judges
    cw.score(kim, entry, "high")
    cw.score(lee, entry, "mid")
    Conflict.objects.create(round=cw.screening, entry=entry, judge=_park, reason="대표가 친척입니다")
    page = text(client_as(manager).get(_url(entry)))
    assert "judge.kim" in page and "judge.lee" in page
    assert "88.0000" in page and "80.0000" in page  # their weighted totals, while the round is still open
    assert "대표가 친척입니다" in page
    # park's conflict came after no score of his; kim's score stops counting once he is a member of the enterprise.
    MembershipFactory(enterprise=entry.enterprise, user=kim)
    response = client_as(manager).get(_url(entry))
    counted = {s["score"].judge.username: s["recusal"] for s in response.context["rounds"][0]["scores"]}
    assert counted["judge.lee"] is None and counted["judge.kim"].code == "own_enterprise"
    assert ko("member of the entry's enterprise") in text(response)
