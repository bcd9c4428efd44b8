"""``/api/v1/contest-entries/`` through the real URLs: a member's entry from its draft to its submission and its
withdrawal; every role on every operation (anonymous 401, a role the access table refuses 403, a refusal writes
nothing); members see only their own enterprises' entries and judges only those of the rounds they sit on (anything
else is 404, never a hint); bad input is a 400 naming the field, the contest's rules 409 and 422."""

from __future__ import annotations

from typing import Any

import pytest

from core.models import AuditEvent
from crowdfunding.models import Contest, Entry
from tests.crowdfunding.factories import EntryFactory, PanelFactory, PartnerFactory, RoundFactory, seat
from tests.factories import EnterpriseFactory, MembershipFactory

from ..helpers import assert_error
from .contest_helpers import ROLES, STAFF, E, client, contest_now, get, patch, post, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def contest() -> Contest:
    return contest_now()


@pytest.fixture
def daegu_member(db):
    """A member of an enterprise of Daegu's 중구 (the contest admits Daegu's enterprises only)."""
    return MembershipFactory(enterprise=EnterpriseFactory(province="daegu", district="중구")).user


def body(the_contest: Contest, member, **overrides: Any) -> dict[str, Any]:
    return {"contest": the_contest.pk, "enterprise": member.memberships.get().enterprise_id,
            "title": "폐현수막 업사이클링 가방", "summary": "버려지는 현수막으로 가방을 만들어 판매합니다.",
            "use_of_funds": "재봉 설비 50 %, 세척 20 %, 홍보 30 %", "target_amount": "15000000",
            "campaign_type": "reward", "team": [{"name": "박대표", "role": "대표"}], **overrides}


def test_a_members_entry_goes_from_draft_to_submitted_and_is_withdrawn(contest, daegu_member):
    partner = PartnerFactory(contest=contest, institution__name="대구사회적경제지원센터")

    created = post(daegu_member, E, body(contest, daegu_member, partner=partner.institution_id))
    assert created.status_code == 201, created.content
    entry = created.json()
    assert (entry["state"], entry["target_amount"], entry["currency"], entry["partner_name"]) == (
        "draft", "15000000", "KRW", "대구사회적경제지원센터")
    assert entry["team"] == [{"name": "박대표", "role": "대표"}] and entry["submitted_at"] is None
    url = f"{E}{entry['id']}/"
    edited = patch(daegu_member, url, {"target_amount": "20000000", "partner": None})
    assert edited.status_code == 200, edited.content
    assert (edited.json()["target_amount"], edited.json()["partner"], edited.json()["title"]) == (
        "20000000", None, "폐현수막 업사이클링 가방")
    submitted = post(daegu_member, url + "submit/")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    assert submitted.json()["submitted_at"]
    withdrawn = post(daegu_member, url + "withdraw/", {"reason": "다른 사업에 집중하기로 했습니다."})

    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    actions = list(AuditEvent.objects.filter(actor=daegu_member).order_by("id").values_list("action", flat=True))
    assert actions == ["crowdfunding.entry.create", "crowdfunding.entry.update", "crowdfunding.entry.submit",
                       "crowdfunding.entry.withdraw"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": ""}, "title"),
    ({"summary": "가" * 4001}, "summary"),
    ({"target_amount": "999999"}, "target_amount"),  # below the contest's smallest target, 1,000,000
    ({"target_amount": "30000001"}, "target_amount"),
    ({"target_amount": "15000000.5"}, "target_amount"),
    ({"target_amount": 1.5e7}, "target_amount"),
    ({"campaign_type": "equity"}, "campaign_type"),
    ({"team": [{"name": f"팀원{i}", "role": "팀원"} for i in range(21)]}, "team"),
    ({"team": [{"name": "박대표"}]}, "team.0.role"),
    ({"partner": "elsewhere"}, "partner"),
    ({"contest": 10**9}, "contest"),
    ({"enterprise": "one"}, "enterprise"),
])
def test_a_bad_entry_is_a_400_naming_the_field(contest, daegu_member, overrides, field):
    if overrides.get("partner") == "elsewhere":
        overrides["partner"] = PartnerFactory().institution_id  # a partner of another contest

    refused = assert_error(post(daegu_member, E, body(contest, daegu_member, **overrides)), 400)

    assert field in refused["fields"], refused
    assert not Entry.objects.exists()


def test_another_enterprise_is_not_found_and_not_named(contest, daegu_member):
    other = EnterpriseFactory(province="daegu", district="중구", name="남의 협동조합")

    refused = assert_error(post(daegu_member, E, body(contest, daegu_member, enterprise=other.pk)), 404)

    assert "남의 협동조합" not in str(refused) and "enterprise" in refused["fields"]


def test_the_contests_rules_are_409_and_422(daegu_member):
    seoul_member = MembershipFactory(enterprise=EnterpriseFactory(province="seoul")).user
    open_call = contest_now()
    screening = contest_now(phase="screening")

    ineligible = assert_error(post(seoul_member, E, body(open_call, seoul_member)), 422, "ineligible")
    closed = assert_error(post(daegu_member, E, body(screening, daegu_member)), 409, "invalid_state")
    assert post(daegu_member, E, body(open_call, daegu_member)).status_code == 201
    twice = assert_error(post(daegu_member, E, body(open_call, daegu_member)), 409, "invalid_state")

    assert set(ineligible["fields"]) == {"enterprise"} and "seoul" in ineligible["fields"]["enterprise"][0]
    assert set(closed["fields"]) == {"phase"}
    assert set(twice["fields"]) == {"enterprise"}


def test_a_submitted_entry_cannot_be_submitted_again_and_withdrawal_needs_a_reason(contest, daegu_member):
    entry = EntryFactory(contest=contest, enterprise=daegu_member.memberships.get().enterprise)

    again = assert_error(post(daegu_member, f"{E}{entry.pk}/submit/"), 409, "invalid_state")
    reasonless = assert_error(post(daegu_member, f"{E}{entry.pk}/withdraw/", {}), 400)

    assert set(again["fields"]) == {"state"} and "reason" in reasonless["fields"]


def test_the_list_filters_by_contest_and_state_and_refuses_a_bad_filter(contest, manager):
    draft = EntryFactory(contest=contest, state="draft", submitted_at=None)
    submitted = EntryFactory(contest=contest)
    elsewhere = EntryFactory()

    def ids(**query: Any) -> set[int]:
        return {row["id"] for row in get(manager, E, **query).json()["results"]}

    assert ids() == {draft.pk, submitted.pk, elsewhere.pk}
    assert ids(contest=contest.pk) == {draft.pk, submitted.pk}
    assert ids(contest=contest.pk, state="submitted") == {submitted.pk}
    assert "state" in assert_error(get(manager, E, state="lost"), 400)["fields"]
    assert "contest" in assert_error(get(manager, E, contest="x"), 400)["fields"]


# --- who sees what -------------------------------------------------------------------------------------------------


def test_members_see_only_their_own_enterprises_entries(contest, daegu_member):
    own = EntryFactory(contest=contest, enterprise=daegu_member.memberships.get().enterprise)
    theirs = EntryFactory(contest=contest)

    listed = get(daegu_member, E).json()["results"]

    assert [row["id"] for row in listed] == [own.pk]
    assert get(daegu_member, f"{E}{own.pk}/").status_code == 200
    for response in (get(daegu_member, f"{E}{theirs.pk}/"), patch(daegu_member, f"{E}{theirs.pk}/", {"title": "x"}),
                     post(daegu_member, f"{E}{theirs.pk}/submit/"),
                     post(daegu_member, f"{E}{theirs.pk}/withdraw/", {"reason": "x"})):
        assert_error(response, 404)
    assert Entry.objects.get(pk=theirs.pk).title != "x"


def test_a_judge_sees_the_entries_of_the_round_it_sits_on_and_nothing_else(judge):
    screening = RoundFactory(contest=contest_now(phase="screening"), kind="screening")
    seat(PanelFactory(round=screening), judge)
    in_pool = EntryFactory(contest=screening.contest)
    draft = EntryFactory(contest=screening.contest, state="draft", submitted_at=None)
    other_round = RoundFactory(contest=contest_now(phase="screening"), kind="screening")
    seat(PanelFactory(round=other_round))
    other_panels_entry = EntryFactory(contest=other_round.contest)

    listed = get(judge, E).json()["results"]

    assert [row["id"] for row in listed] == [in_pool.pk]
    assert get(judge, f"{E}{in_pool.pk}/").status_code == 200
    assert_error(get(judge, f"{E}{draft.pk}/"), 404)
    assert_error(get(judge, f"{E}{other_panels_entry.pk}/"), 404)


# --- every role ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_entries(request, contest, role):
    user = user_of(request, role)
    entry = EntryFactory(contest=contest, enterprise=request.getfixturevalue("enterprise"))  # the member's own

    listed = get(user, E)
    detail = get(user, f"{E}{entry.pk}/")

    if role == "anonymous":
        assert_error(listed, 401)
        assert_error(detail, 401)
    elif role in STAFF or role == "member":
        assert [row["id"] for row in listed.json()["results"]] == [entry.pk]
        assert detail.json()["id"] == entry.pk
    elif role == "judge":  # it sits on no panel: it sees nothing
        assert listed.json()["results"] == []
        assert_error(detail, 404)
    else:
        assert_error(listed, 403, "permission_denied")
        assert_error(detail, 403, "permission_denied")


@pytest.mark.parametrize("role", ROLES)
def test_only_an_enterprises_members_write_its_entries(request, role):
    contest = contest_now(eligible_provinces=[])  # the member fixture's enterprise is in Seoul
    user = user_of(request, role)
    enterprise = request.getfixturevalue("enterprise")
    draft = EntryFactory(contest=contest, enterprise=enterprise, state="draft", submitted_at=None)
    other = EntryFactory(contest=contest_now(eligible_provinces=[]), enterprise=enterprise, state="draft",
                         submitted_at=None)
    new = {**body(contest, request.getfixturevalue("member")), "contest": contest_now(eligible_provinces=[]).pk}
    events = AuditEvent.objects.count()

    answers = [post(user, E, new), patch(user, f"{E}{draft.pk}/", {"title": "새 제목"}),
               post(user, f"{E}{draft.pk}/submit/"), post(user, f"{E}{other.pk}/withdraw/", {"reason": "철회"})]

    if role == "member":
        assert [answer.status_code for answer in answers] == [201, 200, 200, 200]
        assert Entry.objects.get(pk=draft.pk).state == "submitted"
        return
    for answer in answers:
        assert_error(answer, 401 if role == "anonymous" else 403)
    assert AuditEvent.objects.count() == events
    assert Entry.objects.count() == 2
    assert list(Entry.objects.values_list("state", flat=True).distinct()) == ["draft"]


def test_no_entry_is_deleted_or_replaced_whole(contest, daegu_member):
    entry = EntryFactory(contest=contest, enterprise=daegu_member.memberships.get().enterprise)

    assert_error(client(daegu_member).delete(f"{E}{entry.pk}/"), 405)
    assert_error(client(daegu_member).put(f"{E}{entry.pk}/", {}, format="json"), 405)
    assert Entry.objects.filter(pk=entry.pk).exists()
