"""``/api/v1/campaigns/`` through the real URLs: anyone reads a launched campaign's public fields without signing in
(progress, backers, days left, reward tiers with what is left), drafts only their enterprise's members and staff;
the enterprise drafts, edits and launches its campaign and its reward tiers; every role on every operation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from core.models import AuditEvent
from crowdfunding.models import Campaign, Entry
from tests.crowdfunding.campaign_factories import CampaignFactory, RewardTierFactory
from tests.crowdfunding.factories import EntryFactory
from tests.factories import MembershipFactory

from ..helpers import assert_error
from .contest_helpers import ROLES, STAFF, client, contest_now, get, patch, post, user_of

pytestmark = pytest.mark.django_db
CA = "/api/v1/campaigns/"


def advanced_entry(enterprise: Any) -> Entry:
    """An advanced entry of ``enterprise`` in a contest of its own, in screening until today (funding from
    tomorrow for 60 days)."""
    today = timezone.localdate()
    contest = contest_now("screening", call_opens_on=today - timedelta(days=40),
                          call_closes_on=today - timedelta(days=20), screening_ends_on=today)
    return EntryFactory(contest=contest, enterprise=enterprise, state=Entry.State.ADVANCED)


@pytest.fixture
def entry(member) -> Entry:
    return advanced_entry(member.memberships.get().enterprise)


def body(entry: Entry, **overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {"entry": entry.pk, "title": "폐현수막 업사이클링 가방", "story": "버려지는 현수막으로 가방을 만듭니다.",
            "mode": "aon", "target": "5000000", "min_pledge": "5000", "max_per_backer": None,
            "starts_on": (today + timedelta(days=1)).isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(), **overrides}


def test_the_member_drafts_adds_a_reward_and_launches_and_anyone_then_reads_it(entry, member):
    created = post(member, CA, body(entry))
    assert created.status_code == 201, created.content
    campaign = created.json()
    assert (campaign["state"], campaign["target"], campaign["progress_percent"]) == ("draft", "5000000", "0.00")
    url = f"{CA}{campaign['id']}/"
    assert get(None, url).status_code == 404  # a draft: not for the public

    edited = patch(member, url, {"target": "6000000", "max_per_backer": "500000"})
    assert edited.status_code == 200, edited.content
    reward = post(member, url + "rewards/", {"title": "가방", "price": "30000", "stock": 20})
    assert reward.status_code == 201, reward.content
    reward_id = reward.json()["rewards"][0]["id"]
    assert patch(member, f"{url}rewards/{reward_id}/", {"stock": 10}).status_code == 200
    launched = post(member, url + "launch/")
    assert launched.status_code == 200, launched.content

    public = get(None, url)
    assert public.status_code == 200
    shown = public.json()
    assert (shown["state"], shown["target"], shown["max_per_backer"], shown["days_left"]) == (
        "live", "6000000", "500000", 30)
    assert shown["rewards"] == [{"id": reward_id, "title": "가방", "description": "", "price": "30000",
                                 "stock": 10, "remaining": 10}]
    assert shown["internal"] is None and shown["enterprise_name"] == entry.enterprise.name
    assert get(member, url).json()["internal"]["charged"] == "0"
    assert [c["id"] for c in get(None, CA).json()["results"]] == [campaign["id"]]


def test_anonymous_reads_are_public_fields_and_filter_by_contest():
    shown = CampaignFactory(target=4_000_000, pledged=1_000_000, matched=500_000, backers=12)
    other = CampaignFactory()
    CampaignFactory(state=Campaign.State.DRAFT, entry__contest=shown.contest)

    listed = get(None, CA, contest=shown.contest_id)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["results"]] == [shown.pk]
    detail = get(None, f"{CA}{shown.pk}/").json()
    assert (detail["progress_percent"], detail["backers"], detail["matched"]) == ("37.50", 12, "500000")
    assert "charged" not in detail and detail["internal"] is None
    assert get(None, f"{CA}{other.pk}/").status_code == 200
    assert "contest" in assert_error(get(None, CA, contest="x"), 400, "validation_error")["fields"]


def test_another_enterprises_draft_is_not_found_and_its_live_campaign_not_editable(entry):
    stranger = MembershipFactory().user
    hidden = CampaignFactory(state=Campaign.State.DRAFT)
    live = CampaignFactory()

    assert get(stranger, f"{CA}{hidden.pk}/").status_code == 404
    assert patch(stranger, f"{CA}{hidden.pk}/", {"title": "x"}).status_code == 404
    assert post(stranger, f"{CA}{live.pk}/launch/").status_code == 404
    assert post(stranger, CA, body(entry)).status_code == 404


def test_refusals_name_the_field_or_the_state(entry, member):
    assert "target" in assert_error(post(member, CA, body(entry, target="1.5")), 400, "validation_error")["fields"]
    late = post(member, CA, body(entry, starts_on=timezone.localdate().isoformat()))
    assert "starts_on" in assert_error(late, 400, "validation_error")["fields"]
    live = CampaignFactory(entry__enterprise=entry.enterprise)
    assert "state" in assert_error(patch(member, f"{CA}{live.pk}/", {"title": "x"}), 409, "invalid_state")["fields"]
    reward = RewardTierFactory(campaign=live)
    response = client(member).delete(f"{CA}{live.pk}/rewards/{reward.pk}/")
    assert "state" in assert_error(response, 409, "invalid_state")["fields"]
    assert client(member).delete(f"{CA}{live.pk}/rewards/999999/").status_code == 404


WRITES = {  # operation: (method, path, body)
    "create": ("post", "", "body"),
    "update": ("patch", "{draft}/", {"title": "새 제목"}),
    "reward": ("post", "{draft}/rewards/", {"title": "가방", "price": "30000"}),
    "launch": ("post", "{draft}/launch/", None),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", list(WRITES))
def test_every_role_on_every_write(request, entry, member, role, operation):
    """Anonymous 401; the member of the entry's enterprise and the managers may (the auditor, a judge, a bank
    officer, an evaluator, a plain user: 403); a refusal writes nothing."""
    user = user_of(request, role)
    own = advanced_entry(member.memberships.get().enterprise)
    draft = CampaignFactory(state=Campaign.State.DRAFT, entry=own, starts_on=own.contest.screening_ends_on
                            + timedelta(days=1), ends_on=own.contest.screening_ends_on + timedelta(days=30))
    method, path, data = WRITES[operation]
    payload = body(entry) if data == "body" else data
    events = AuditEvent.objects.count()

    response = getattr(client(user), method)(CA + path.format(draft=draft.pk), data=payload, format="json")

    may = role in ("member", "manager", "admin_user")
    expected = 401 if role == "anonymous" else ({"create": 201, "reward": 201}.get(operation, 200) if may else 403)
    assert response.status_code == expected, response.content
    if not may:
        assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_launched_campaigns_and_only_staff_and_members_see_drafts(request, role, member):
    user = user_of(request, role)
    draft = CampaignFactory(state=Campaign.State.DRAFT, entry__enterprise=member.memberships.get().enterprise)
    live = CampaignFactory()

    assert get(user, f"{CA}{live.pk}/").status_code == 200
    assert get(user, f"{CA}{draft.pk}/").status_code == (200 if role in STAFF | {"member"} else 404)
    assert client(user).head(CA).status_code == 200
