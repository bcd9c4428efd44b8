"""Pledges through the real URLs with the payment stand-in: a backer pledges (``Idempotency-Key`` required; the same
key gives the same pledge back, other content with it 422), reads only its own pledges, cancels before the deadline;
an enterprise's members read their campaigns' pledges with the backer's display name only (no email); staff read all;
every role on every endpoint."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from crowdfunding.models import Campaign, Pledge
from tests.crowdfunding.campaign_factories import CampaignFactory, RewardTierFactory
from tests.crowdfunding.pledge_helpers import aon_payment, kia_payment
from tests.factories import BackerFactory, MembershipFactory, UnverifiedBackerFactory

from ..helpers import assert_error
from .contest_helpers import client, get, post

pytestmark = pytest.mark.django_db
CA, PL = "/api/v1/campaigns/", "/api/v1/pledges/"
ROLES = ["anonymous", "backer", "unverified_backer", "other_backer", "member", "other_member", "manager",
         "auditor", "judge"]


@pytest.fixture
def campaign(member) -> Campaign:
    """The member's enterprise's live campaign, from yesterday to a month on (the API's day is today)."""
    today = timezone.localdate()
    return CampaignFactory(entry__enterprise=member.memberships.get().enterprise, starts_on=today - timedelta(days=1),
                           ends_on=today + timedelta(days=30))


def users(request: Any, role: str) -> Any:
    made = {"anonymous": lambda: None, "unverified_backer": UnverifiedBackerFactory, "other_backer": BackerFactory,
            "other_member": lambda: MembershipFactory().user}
    return made[role]() if role in made else request.getfixturevalue(role)


def pledge_body(provider: Any, campaign: Campaign, backer: Any, amount: int = 30_000, **extra: Any) -> dict[str, Any]:
    payment = aon_payment(provider, backer) if campaign.mode == "aon" else kia_payment(provider, amount)
    return {"amount": str(amount), "reward": None, "payment": payment, **extra}


def test_a_backer_pledges_reads_its_pledge_and_cancels_it(payment_provider, campaign, backer, member):
    reward = RewardTierFactory(campaign=campaign, price=30_000, stock=5)
    body = pledge_body(payment_provider, campaign, backer, reward=reward.pk)

    made = post(backer, f"{CA}{campaign.pk}/pledges/", body, key="pledge-1")
    assert made.status_code == 201, made.content
    shown = made.json()
    assert (shown["state"], shown["amount"], shown["reward"], shown["matched"], shown["matches"]) == (
        "reserved", "30000", reward.pk, "0", [])
    again = post(backer, f"{CA}{campaign.pk}/pledges/", body, key="pledge-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == shown["id"]
    other = post(backer, f"{CA}{campaign.pk}/pledges/", {**body, "amount": "40000"}, key="pledge-1")
    assert_error(other, 422, "idempotency_key_reused")
    assert get(None, f"{CA}{campaign.pk}/").json()["rewards"][0]["remaining"] == 4

    assert [p["id"] for p in get(backer, PL).json()["results"]] == [shown["id"]]
    seen_by_member = get(member, f"{PL}{shown['id']}/").json()
    assert seen_by_member["backer_name"] == backer.display_name or seen_by_member["backer_name"].startswith("후원자")
    assert backer.email not in json.dumps(seen_by_member)

    cancelled = post(backer, f"{PL}{shown['id']}/cancel/")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["state"] == "cancelled"


def test_keep_it_all_is_charged_at_once(payment_provider, backer):
    today = timezone.localdate()
    campaign = CampaignFactory(mode="kia", starts_on=today, ends_on=today + timedelta(days=3))
    made = post(backer, f"{CA}{campaign.pk}/pledges/", pledge_body(payment_provider, campaign, backer, 20_000),
                key="kia-1")
    assert made.status_code == 201, made.content
    assert (made.json()["state"], made.json()["charged_on"]) == ("charged", today.isoformat())


def test_refusals_name_the_header_or_the_field(payment_provider, campaign, backer):
    url = f"{CA}{campaign.pk}/pledges/"
    body = pledge_body(payment_provider, campaign, backer)
    assert "Idempotency-Key" in assert_error(post(backer, url, body), 400, "validation_error")["fields"]
    assert "amount" in assert_error(post(backer, url, {**body, "amount": "999"}, key="a"), 400)["fields"]
    assert "amount" in assert_error(post(backer, url, {**body, "amount": 1.5}, key="b"), 400)["fields"]
    assert "payment" in assert_error(post(backer, url, {**body, "payment": None}, key="c"), 400)["fields"]
    draft = CampaignFactory(state=Campaign.State.DRAFT)
    assert_error(post(backer, f"{CA}{draft.pk}/pledges/", body, key="d"), 404, "not_found")
    assert not Pledge.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_pledging(request, payment_provider, campaign, role):
    user = users(request, role)
    body = {"amount": "30000", "reward": None, "payment": {"auth_key": "x", "customer_key": "y"}}
    if role in ("backer", "other_backer"):
        body = pledge_body(payment_provider, campaign, user)
    response = post(user, f"{CA}{campaign.pk}/pledges/", body, key=f"role-{role}")
    expected = {"anonymous": 401, "backer": 201, "other_backer": 201, "unverified_backer": 403}.get(role, 403)
    assert response.status_code == expected, response.content
    if role == "unverified_backer":
        assert_error(response, 403, "email_not_verified")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_reading_and_cancelling_a_backers_pledge(request, payment_provider, campaign, backer, role):
    made = post(backer, f"{CA}{campaign.pk}/pledges/", pledge_body(payment_provider, campaign, backer),
                key="the-pledge").json()
    user = backer if role == "backer" else users(request, role)
    url = f"{PL}{made['id']}/"

    read = get(user, url)
    listed = get(user, PL)
    sees = {"backer": 200, "member": 200, "manager": 200, "auditor": 200, "anonymous": 401, "judge": 403}
    assert read.status_code == sees.get(role, 404), read.content
    if listed.status_code == 200:
        assert ([p["id"] for p in listed.json()["results"]] == [made["id"]]) == (read.status_code == 200)
    else:
        assert listed.status_code == read.status_code

    cancel = client(user).post(url + "cancel/")
    may_cancel = {"backer": 200, "anonymous": 401, "unverified_backer": 404, "other_backer": 404}
    assert cancel.status_code == may_cancel.get(role, 403), cancel.content
