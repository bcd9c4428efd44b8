"""Contests in the console: the list (filters, download), opening one, a contest's page (its phases with their dates,
partners and the joint fund by contributor reconciled to the ledger, entries by state, rounds, award table), moving
its phase on (one step, or to a later phase; never backwards; the screening's gate), adding a partner and recording
a contribution (an idempotent money form).

The world's contest (tests/web/crowdfunding/world.py) is in its screening phase: 대구신용보증재단 pledged 60,000,000
and paid 40,000,000, 대구은행 pledged and paid 50,000,000: 90,000,000 in the joint fund, all of it cash."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from crowdfunding.models import Contest, JointFundContribution, PhaseChange
from tests.crowdfunding.factories import ContestFactory, EntryFactory
from tests.factories import InstitutionFactory

from ..helpers import field_errors, ko, nothing_written, text

pytestmark = pytest.mark.django_db


def _url(name: str, contest: Contest) -> str:
    return reverse(f"web:{name}", args=[contest.pk])


def test_the_list_filters_and_downloads_contests(cw, client_as, manager):
    contest = cw.contest
    ContestFactory(code="jeonju-2026", name="전주 단계별 공동체 지원 2026", phase="call")
    client = client_as(manager)
    page = text(client.get("/console/contests/"))
    assert "daegu-2026" in page and "jeonju-2026" in page
    filtered = text(client.get("/console/contests/", {"phase": "call"}))
    assert "jeonju-2026" in filtered and _url("contest", contest) not in filtered
    assert "jeonju-2026" in text(client.get("/console/contests/", {"q": "전주"}))
    download = client.get("/console/contests/", {"_export": "csv", "q": "daegu"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[1][0] == "daegu-2026" and "30000000" in rows[1]


def test_a_contests_page_shows_its_phases_fund_and_entries(cw, client_as, manager):
    contest = cw.contest
    assert len(cw.entries) == 3
    page = text(client_as(manager).get(_url("contest", contest)))
    # The phases and their days: the call 2026-03-02 ~ 2026-03-31, screening from the day after to 2026-04-20.
    assert "2026-03-02 ~ 2026-03-31" in page and "2026-04-01 ~ 2026-04-20" in page
    assert 'aria-current="step"' in page
    # The joint fund by contributor, reconciled: 90,000,000 paid in, all of it in the ledger and in cash.
    assert "대구신용보증재단" in page and "₩60,000,000" in page and "₩40,000,000" in page
    assert "₩20,000,000" in page  # still to pay
    assert page.count("₩90,000,000") >= 3  # paid, in the ledger, cash
    assert ko("reconciled to the ledger") in page
    # Entries by state, linked to the filtered list.
    assert f"/console/contests/entries/?contest={contest.pk}&amp;state=submitted" in page
    assert _url("contest-advance", contest) in page and _url("contest-contribution", contest) in page


def test_an_auditor_reads_the_contest_with_no_action_offered(cw, client_as, auditor):
    contest = cw.contest
    page = text(client_as(auditor).get(_url("contest", contest)))
    assert "₩90,000,000" in page
    for name in ("contest-advance", "contest-partner-add", "contest-contribution", "contest-round-setup",
                 "contest-award-table"):
        assert _url(name, contest) not in page
    with nothing_written():
        assert client_as(auditor).post(_url("contest-advance", contest), {}).status_code == 403


def test_a_manager_moves_the_contest_to_its_next_phase(cw, client_as, manager):
    contest = ContestFactory(phase="call")
    client = client_as(manager)
    assert client.get(_url("contest-advance", contest)).status_code == 200

    response = client.post(_url("contest-advance", contest), {"to_phase": ""})

    assert response.status_code == 303 and response["Location"] == _url("contest", contest)
    contest.refresh_from_db()
    assert contest.phase == "screening"
    change = PhaseChange.objects.get(contest=contest)
    assert (change.from_phase, change.to_phase, change.changed_by_id) == ("call", "screening", manager.pk)
    page = text(client.get(_url("contest", contest)))
    assert manager.username in page and "crowdfunding.contest.advance" in page


def test_a_manager_moves_the_contest_on_to_a_later_phase_named(cw, client_as, manager):
    contest = ContestFactory(phase="draft")
    response = client_as(manager).post(_url("contest-advance", contest), {"to_phase": "call"})
    assert response.status_code == 303
    contest.refresh_from_db()
    assert contest.phase == "call"


def test_a_phase_never_moves_backwards(cw, client_as, manager):
    contest = cw.contest  # screening
    client = client_as(manager)
    form = text(client.get(_url("contest-advance", contest)))
    assert 'value="call"' not in form and 'value="final"' in form  # only later phases are offered
    with nothing_written():
        response = client.post(_url("contest-advance", contest), {"to_phase": "call"})
    assert response.status_code == 400 and "to_phase" in field_errors(response)


def test_leaving_the_screening_waits_for_its_confirmed_advance_list(cw, client_as, manager):
    contest = cw.screening.contest  # the screening round is open: no confirmed list
    with nothing_written():
        response = client_as(manager).post(_url("contest-advance", contest), {"to_phase": ""})
    assert response.status_code == 409
    assert 'class="form-errors"' in text(response)
    contest.refresh_from_db()
    assert contest.phase == "screening"


def test_a_closed_contest_offers_no_phase_to_move_to(cw, client_as, manager):
    contest = ContestFactory(phase="closed")
    client = client_as(manager)
    assert _url("contest-advance", contest) not in text(client.get(_url("contest", contest)))
    form = client.get(_url("contest-advance", contest))
    assert form.status_code == 200 and 'class="action-form"' not in text(form)
    with nothing_written():
        assert client.post(_url("contest-advance", contest), {"to_phase": ""}).status_code == 409


def test_a_manager_adds_a_partner_and_changes_its_pledge(cw, client_as, manager):
    contest = cw.contest
    institution = InstitutionFactory(name="대구MBC")
    client = client_as(manager)
    response = client.post(_url("contest-partner-add", contest), {"institution": institution.pk,
                                                                  "pledged": "30,000,000"})
    assert response.status_code == 303
    again = client.post(_url("contest-partner-add", contest), {"institution": institution.pk,
                                                               "pledged": "35,000,000"})
    assert again.status_code == 303
    partner = contest.partners.get(institution=institution)
    assert partner.pledged.amount == 35_000_000
    assert "₩35,000,000" in text(client.get(_url("contest", contest)))


@pytest.mark.parametrize(("data", "field"), [
    ({}, "institution"),
    ({"institution": "INSTITUTION", "pledged": "-1"}, "pledged"),
    ({"institution": "INSTITUTION", "pledged": "1.5"}, "pledged"),
], ids=["no-institution", "negative", "fraction"])
def test_adding_a_partner_with_bad_input_is_a_400_beside_the_field(cw, client_as, manager, data, field):
    contest = cw.contest
    institution = InstitutionFactory()
    data = {key: institution.pk if value == "INSTITUTION" else value for key, value in data.items()}
    with nothing_written():
        response = client_as(manager).post(_url("contest-partner-add", contest), data)
    assert response.status_code == 400 and field in field_errors(response)


def test_a_contribution_is_recorded_once_and_the_fund_reconciles(cw, client_as, manager):
    contest = cw.contest
    partner = contest.partners.get(institution__name="대구신용보증재단")
    client = client_as(manager)
    key = client.get(_url("contest-contribution", contest)).context["form"]["idempotency_key"].value()
    data = {"idempotency_key": key, "partner": partner.pk, "amount": "20,000,000",
            "received_on": cw.today.isoformat(), "memo": "2차 출연"}

    first = client.post(_url("contest-contribution", contest), data)
    again = client.post(_url("contest-contribution", contest), data)

    assert first.status_code == again.status_code == 303
    assert JointFundContribution.objects.filter(contest=contest, memo="2차 출연").count() == 1
    page = text(client.get(_url("contest", contest)))
    assert page.count("₩110,000,000") >= 3 and "2차 출연" in page and ko("reconciled to the ledger") in page


@pytest.mark.parametrize(("data", "field", "status"), [
    ({"amount": "0", "received_on": "TODAY"}, "amount", 400),
    ({"amount": "abc", "received_on": "TODAY"}, "amount", 400),
    ({"amount": "1,000"}, "received_on", 400),
    ({"amount": "1,000", "received_on": "TOMORROW"}, "received_on", 400),
    ({"amount": "1,000", "received_on": "TODAY", "partner": "OTHER"}, "partner", 400),
], ids=["zero", "not-a-number", "no-date", "future", "another-contests-partner"])
def test_a_contribution_with_bad_input_is_refused_beside_the_field(cw, client_as, manager, data, field, status):
    from datetime import timedelta

    contest = cw.contest
    partner = contest.partners.first()
    other = ContestFactory().partners.create(institution=InstitutionFactory())
    days = {"TODAY": cw.today, "TOMORROW": cw.today + timedelta(days=1)}
    data = {"partner": partner.pk, **data}
    data = {key: days[value].isoformat() if value in days else other.pk if value == "OTHER" else value
            for key, value in data.items()}
    with nothing_written():
        response = client_as(manager).post(_url("contest-contribution", contest),
                                           {"idempotency_key": "web-bad", **data})
    assert response.status_code == status and field in field_errors(response)


def test_a_manager_opens_a_contest_and_bad_dates_are_named(cw, client_as, manager):
    host = InstitutionFactory(name="대구광역시")
    client = client_as(manager)
    data = {"code": "daegu-2027", "name": "대구 소셜 크라우드펀딩 대회 2027", "host": host.pk,
            "eligible_kinds": ["social", "cooperative"], "eligible_provinces": ["daegu"],
            "eligible_districts": "중구, 달서구", "call_opens_on": "2027-03-02", "call_closes_on": "2027-03-31",
            "screening_ends_on": "2027-04-20", "funding_ends_on": "2027-06-30", "final_ends_on": "2027-07-20",
            "awards_end_on": "2027-08-31", "target_min": "1,000,000", "target_max": "30,000,000"}
    with nothing_written():
        bad = client.post("/console/contests/new/", {**data, "screening_ends_on": "2027-03-15"})
    assert bad.status_code == 400 and "screening_ends_on" in field_errors(bad)

    response = client.post("/console/contests/new/", data)

    contest = Contest.objects.get(code="daegu-2027")
    assert response.status_code == 303 and response["Location"] == _url("contest", contest)
    assert (contest.phase, contest.eligible_districts, contest.host_id) == ("draft", ["중구", "달서구"], host.pk)
    assert contest.book.code == "contest-daegu-2027"


def test_the_entries_by_state_count_each_state(cw, client_as, manager):
    contest = cw.contest
    assert cw.entries
    EntryFactory(contest=contest, state="draft", submitted_at=None)
    response = client_as(manager).get(_url("contest", contest))
    counts = {state: count for state, _label, count, _link in response.context["entry_counts"]}
    assert (counts["submitted"], counts["draft"], counts["advanced"]) == (3, 1, 0)


def test_the_contest_pages_statement_form_asks_for_no_period_and_the_report_is_asked_for(cw, client_as, manager):
    """A contest report covers the contest to the day it is made: the form sends no period (one would be a 400)."""
    from statements.models import Statement

    contest = cw.contest
    client = client_as(manager)
    page = text(client.get(_url("contest", contest)))
    assert 'name="kind" value="contest"' in page and 'name="period_start"' not in page
    response = client.post(reverse("web:statement-request"), {
        "kind": "contest", "subject_id": contest.pk, "next": _url("contest", contest)})
    assert response.status_code == 303
    statement = Statement.objects.get()
    assert statement.kind == "contest" and statement.contest == contest and statement.period_start is None
