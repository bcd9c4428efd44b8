"""``/api/v1/contests/`` through the real URLs: every role on every operation (anonymous 401, a role the access table
refuses 403, and a refusal writes nothing), a manager running a contest from its announcement through its phases
with partners and money in the joint fund, staff alone seeing the joint fund, and bad input as a 400 naming the
field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from core.models import AuditEvent
from crowdfunding.models import AdvanceList, Contest, ContestPartner, JointFundContribution, PhaseChange
from enterprises.models import Institution
from ledger.models import Journal
from tests.crowdfunding.factories import PartnerFactory, RoundFactory
from tests.factories import InstitutionFactory, ManagerFactory

from ..helpers import assert_error
from .contest_helpers import MANAGERS, ROLES, STAFF, C, contest_now, get, post, user_of

pytestmark = pytest.mark.django_db


def create_body(host_institution: Institution, **overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    body = {"code": "daegu-2027", "name": "2027 대구 소셜 크라우드펀딩 대회", "host": host_institution.pk,
            "eligible_kinds": ["social", "pre_social"], "eligible_provinces": ["daegu"],
            "call_opens_on": (today + timedelta(days=1)).isoformat(),
            "call_closes_on": (today + timedelta(days=30)).isoformat(),
            "screening_ends_on": (today + timedelta(days=50)).isoformat(),
            "funding_ends_on": (today + timedelta(days=110)).isoformat(),
            "final_ends_on": (today + timedelta(days=130)).isoformat(),
            "awards_end_on": (today + timedelta(days=170)).isoformat(),
            "target_min": "1000000", "target_max": "30000000"}
    body.update(overrides)
    return body


def writes() -> tuple[int, ...]:
    return (Contest.objects.count(), ContestPartner.objects.count(), JointFundContribution.objects.count(),
            PhaseChange.objects.count(), Journal.objects.count(), AuditEvent.objects.count())


# --- a manager runs a contest --------------------------------------------------------------------------------------


def test_a_manager_announces_a_contest_adds_partners_takes_their_money_and_opens_the_call(manager):
    city = InstitutionFactory(kind=Institution.Kind.MUNICIPALITY, name="대구광역시")
    bank = InstitutionFactory(kind=Institution.Kind.BANK, name="iM뱅크")

    created = post(manager, C, create_body(city))
    assert created.status_code == 201, created.content
    contest = created.json()
    assert (contest["phase"], contest["stage"], contest["host_name"], contest["target_max"]) == (
        "draft", 1, "대구광역시", "30000000")
    url = f"{C}{contest['id']}/"
    city_partner = post(manager, url + "partners/", {"institution": city.pk, "pledged": "50000000"})
    bank_partner = post(manager, url + "partners/", {"institution": bank.pk, "pledged": 30_000_000})
    assert city_partner.status_code == bank_partner.status_code == 201
    repledged = post(manager, url + "partners/", {"institution": bank.pk, "pledged": "40000000"})
    assert repledged.status_code == 200 and repledged.json()["pledged"] == "40000000"
    today = timezone.localdate().isoformat()
    paid = post(manager, url + "contributions/", {"partner": city_partner.json()["id"], "amount": "50000000",
                                                  "received_on": today, "memo": "1차 출연"}, key="city-0001")
    assert paid.status_code == 201, paid.content
    assert paid.json()["institution_name"] == "대구광역시" and paid.json()["amount"] == "50000000"
    post(manager, url + "contributions/", {"partner": bank_partner.json()["id"], "amount": 10_000_000,
                                           "received_on": today}, key="bank-0001")
    opened = post(manager, url + "advance/", {})

    assert opened.status_code == 200 and opened.json()["phase"] == "call"
    detail = get(manager, url).json()
    assert detail["partners"] == ["대구광역시", "iM뱅크"]
    fund = detail["fund"]
    assert [(c["name"], c["pledged"], c["paid"], c["ledger"], c["outstanding"]) for c in fund["contributors"]] == [
        ("대구광역시", "50000000", "50000000", "50000000", "0"), ("iM뱅크", "40000000", "10000000", "10000000",
                                                                "30000000")]
    assert (fund["cash"], fund["contributions"], fund["reconciled"]) == ("60000000", "60000000", True)
    assert detail["entries_by_state"]["submitted"] == 0
    partners = get(manager, url + "partners/").json()
    assert [(p["institution_name"], p["paid"]) for p in partners] == [("대구광역시", "50000000"),
                                                                      ("iM뱅크", "10000000")]
    assert [c["amount"] for c in get(manager, url + "contributions/").json()] == ["50000000", "10000000"]


def test_a_contribution_sent_again_with_its_key_is_replayed_and_with_other_content_refused(manager):
    partner = PartnerFactory(contest=contest_now())
    url = f"{C}{partner.contest_id}/contributions/"
    body = {"partner": partner.pk, "amount": "20000000", "received_on": timezone.localdate().isoformat()}

    first = post(manager, url, body, key="transfer-1")
    again = post(manager, url, body, key="transfer-1")
    other = post(manager, url, {**body, "amount": "20000001"}, key="transfer-1")

    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert_error(other, 422)
    assert JointFundContribution.objects.count() == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"amount": "1000.5"}, "amount"),
    ({"amount": "-1000"}, "amount"),
    ({"amount": 0}, "amount"),
    ({"received_on": "tomorrow"}, "received_on"),
    ({"received_on": "future"}, "received_on"),
    ({"partner": "elsewhere"}, "partner"),
    ({"partner": "abc"}, "partner"),
])
def test_a_bad_contribution_is_a_400_naming_the_field(manager, body, field):
    partner = PartnerFactory(contest=contest_now())
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    data = {"partner": partner.pk, "amount": "1000000", "received_on": timezone.localdate().isoformat(), **body}
    if data["received_on"] == "future":
        data["received_on"] = tomorrow
    if data["partner"] == "elsewhere":
        data["partner"] = PartnerFactory().pk  # a partner of another contest

    refused = assert_error(post(manager, f"{C}{partner.contest_id}/contributions/", data, key="k"), 400)

    assert field in refused["fields"], refused
    assert not JointFundContribution.objects.exists()


def test_a_contribution_needs_an_idempotency_key(manager):
    partner = PartnerFactory(contest=contest_now())

    refused = assert_error(post(manager, f"{C}{partner.contest_id}/contributions/",
                                {"partner": partner.pk, "amount": "1000000",
                                 "received_on": timezone.localdate().isoformat()}), 400)

    assert "Idempotency-Key" in refused["fields"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"call_closes_on": "2020-01-01"}, "call_closes_on"),
    ({"awards_end_on": "2020-01-01"}, "awards_end_on"),
    ({"funding_ends_on": None, "final_ends_on": "2020-01-01"}, "final_ends_on"),
    ({"call_opens_on": "2026-3-2"}, "call_opens_on"),
    ({"eligible_kinds": []}, "eligible_kinds"),
    ({"eligible_kinds": ["charity"]}, "eligible_kinds.0"),
    ({"eligible_provinces": ["atlantis"]}, "eligible_provinces.0"),
    ({"eligible_provinces": [], "eligible_districts": ["중구"]}, "eligible_districts"),
    ({"target_max": "30000000.5"}, "target_max"),
    ({"target_min": "40000000"}, "target_max"),
    ({"target_max": {"amount": "30000000", "currency": "USD"}}, "target_max"),
    ({"code": "대구 2027"}, "code"),
    ({"host": 10**9}, "host"),
    ({"previous_stage": 10**9}, "previous_stage"),
])
def test_a_bad_contest_is_a_400_naming_the_field(manager, overrides, field):
    refused = assert_error(post(manager, C, create_body(InstitutionFactory(), **overrides)), 400)

    assert field in refused["fields"], refused
    assert not Contest.objects.exists()


def test_a_later_stage_names_the_stage_before(manager):
    year_one = contest_now(phase="closed")

    created = post(manager, C, create_body(InstitutionFactory(), previous_stage=year_one.pk))

    assert created.status_code == 201 and created.json()["stage"] == 2
    assert created.json()["previous_stage"] == year_one.pk


def test_a_phase_never_moves_back_and_a_gate_holds_it_409(manager):
    screening = contest_now(phase="screening")
    RoundFactory(contest=screening, kind="screening")

    backwards = assert_error(post(manager, f"{C}{screening.pk}/advance/", {"to_phase": "call"}), 409,
                             "invalid_state")
    gated = assert_error(post(manager, f"{C}{screening.pk}/advance/", {}), 409, "invalid_state")
    unknown = assert_error(post(manager, f"{C}{screening.pk}/advance/", {"to_phase": "later"}), 400)

    assert set(backwards["fields"]) == set(gated["fields"]) == {"phase"}
    assert "to_phase" in unknown["fields"]
    assert Contest.objects.get(pk=screening.pk).phase == "screening" and not PhaseChange.objects.exists()
    AdvanceList.objects.create(round=screening.rounds.get(), state="confirmed", top_n=5,
                               prepared_by=ManagerFactory(), decided_by=ManagerFactory())
    assert post(manager, f"{C}{screening.pk}/advance/", {"to_phase": "final"}).json()["phase"] == "final"


def test_a_missing_contest_is_404(manager):
    assert_error(get(manager, f"{C}{10**9}/"), 404)
    assert_error(post(manager, f"{C}{10**9}/advance/", {}), 404)


# --- every role ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_signed_in_reads_the_public_fields_and_staff_alone_the_joint_fund(request, role):
    contest = contest_now()
    PartnerFactory(contest=contest, institution__name="한국가스공사")
    user = user_of(request, role)

    listed = get(user, C)
    detail = get(user, f"{C}{contest.pk}/")

    if role == "anonymous":
        assert_error(listed, 401)
        assert_error(detail, 401)
        return
    assert listed.status_code == detail.status_code == 200
    assert [row["code"] for row in listed.json()["results"]] == [contest.code]
    assert detail.json()["partners"] == ["한국가스공사"]
    assert "fund" not in listed.json()["results"][0]
    if role in STAFF:
        assert detail.json()["fund"]["reconciled"] is True and detail.json()["entries_by_state"] is not None
    else:
        assert detail.json()["fund"] is None and detail.json()["entries_by_state"] is None


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_read_the_partners_and_the_contributions(request, role):
    contest = contest_now()
    PartnerFactory(contest=contest)
    user = user_of(request, role)

    for path in ("partners/", "contributions/"):
        response = get(user, f"{C}{contest.pk}/{path}")
        if role == "anonymous":
            assert_error(response, 401)
        elif role in STAFF:
            assert response.status_code == 200 and isinstance(response.json(), list)
        else:
            assert_error(response, 403, "permission_denied")


@pytest.mark.parametrize("role", ROLES)
def test_only_managers_open_contests_move_phases_add_partners_and_record_money(request, role):
    contest = contest_now(phase="draft")
    partner = PartnerFactory(contest=contest)
    user = user_of(request, role)
    today = timezone.localdate().isoformat()
    before = writes()

    answers = [
        post(user, C, create_body(InstitutionFactory())),
        post(user, f"{C}{contest.pk}/advance/", {}),
        post(user, f"{C}{contest.pk}/partners/", {"institution": InstitutionFactory().pk, "pledged": "1000"}),
        post(user, f"{C}{contest.pk}/contributions/", {"partner": partner.pk, "amount": "1000000",
                                                       "received_on": today}, key=f"{role}-1"),
    ]

    if role in MANAGERS:
        assert [answer.status_code for answer in answers] == [201, 200, 201, 201]
        events = AuditEvent.objects.filter(actor=user).values_list("action", flat=True)
        assert set(events) == {"crowdfunding.contest.create", "crowdfunding.contest.advance",
                               "crowdfunding.contest.partner", "crowdfunding.contest.contribution"}
        return
    for answer in answers:
        assert_error(answer, 401 if role == "anonymous" else 403)
    assert writes() == before
    assert Contest.objects.get(pk=contest.pk).phase == "draft"
