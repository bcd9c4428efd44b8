"""The portal's campaign pages (``/my/campaigns/``) through Django's test client: a member of the enterprise whose
entry passed screening starts its campaign (a date outside the funding phase refused beside the field, nothing
written), changes it, adds, changes and removes reward tiers, launches it through the confirm step (after which the
mode and the target are fixed: the edit page refuses with 409), follows its figures and its pledges (display names
only), and after its settlement asks for the settlement statement. Every page with each role: other roles are
refused the portal (403), another enterprise's member gets 404 for the campaign, its rewards and its pledges."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from core.models import AuditEvent
from crowdfunding.models import Campaign, RewardTier
from statements.models import Statement
from tests.factories import AuditorFactory, BackerFactory, JudgeFactory, ManagerFactory, UserFactory
from tests.web.crowdfunding.funding_world import FundingWorld

from .world import in_english, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def fw() -> FundingWorld:
    return FundingWorld()


def _campaign_form(fw: FundingWorld, **changes: str) -> dict[str, str]:
    data = {"title": "동네 빵집 나눔 펀딩", "story": "빵을 굽고 나눕니다.", "mode": "aon", "target": "10,000,000",
            "min_pledge": "1,000", "max_per_backer": "", "starts_on": fw.today.isoformat(),
            "ends_on": (fw.today + timedelta(days=20)).isoformat()}
    return {**data, **changes}


def test_a_member_starts_the_campaign_of_its_advanced_entry(fw, client_as):
    client, entry = client_as(fw.member), fw.entry
    listing = client.get(reverse("web:my-campaigns"))
    assert listing.status_code == 200 and reverse("web:my-campaign-new", args=[entry.pk]) in text(listing)
    url = reverse("web:my-campaign-new", args=[fw.entry.pk])
    shown = client.get(url)
    assert shown.status_code == 200 and "동네 빵집 나눔 프로젝트" in text(shown)
    response = client.post(url, _campaign_form(fw))
    campaign = Campaign.objects.get(entry=fw.entry)
    assert response.status_code == 303 and response["Location"] == reverse("web:my-campaign", args=[campaign.pk])
    assert (campaign.state, campaign.title, campaign.target.amount) == ("draft", "동네 빵집 나눔 펀딩", 10_000_000)


def test_a_campaign_ending_after_the_funding_phase_is_refused_beside_the_date_and_nothing_is_written(fw, client_as):
    client = in_english(client_as(fw.member))
    events = AuditEvent.objects.count()
    late = (fw.contest.funding_ends_on + timedelta(days=1)).isoformat()
    response = client.post(reverse("web:my-campaign-new", args=[fw.entry.pk]), _campaign_form(fw, ends_on=late))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "ends_on" in errors and fw.contest.funding_ends_on.isoformat() in " ".join(errors["ends_on"])
    assert not Campaign.objects.exists() and AuditEvent.objects.count() == events


def test_a_member_edits_the_draft_and_its_rewards_then_launches_it(fw, client_as):
    client = client_as(fw.member)
    campaign = fw.draft()
    page = reverse("web:my-campaign", args=[campaign.pk])
    response = client.post(reverse("web:my-campaign-edit", args=[campaign.pk]),
                           _campaign_form(fw, title="새 제목", target="12,000,000"))
    assert response.status_code == 303 and response["Location"] == page
    response = client.post(reverse("web:my-campaign-reward-new", args=[campaign.pk]),
                           {"title": "빵 꾸러미", "description": "빵 5종", "price": "30,000", "stock": "10",
                            "position": "0"})
    assert response.status_code == 303
    reward = RewardTier.objects.get(campaign=campaign)
    response = client.post(reverse("web:my-campaign-reward-edit", args=[reward.pk]),
                           {"title": "빵 꾸러미 (대)", "price": "50,000", "stock": "", "position": "1"})
    assert response.status_code == 303
    reward.refresh_from_db()
    assert (reward.title, reward.price.amount, reward.stock) == ("빵 꾸러미 (대)", 50_000, None)
    extra = client.post(reverse("web:my-campaign-reward-new", args=[campaign.pk]),
                        {"title": "감사 카드", "price": "5,000", "stock": "100"})
    assert extra.status_code == 303
    extra_reward = RewardTier.objects.get(title="감사 카드")
    assert client.post(reverse("web:my-campaign-reward-remove", args=[extra_reward.pk])).status_code == 303
    assert not RewardTier.objects.filter(pk=extra_reward.pk).exists()

    confirm = client.get(reverse("web:my-campaign-launch", args=[campaign.pk]))
    assert confirm.status_code == 200 and "₩12,000,000" in text(confirm)
    response = client.post(reverse("web:my-campaign-launch", args=[campaign.pk]))
    assert response.status_code == 303 and response["Location"] == page
    campaign.refresh_from_db()
    assert (campaign.state, campaign.title, campaign.target.amount) == ("live", "새 제목", 12_000_000)

    # Mode and target are fixed now: the edit is refused with the campaign's state, nothing changes.
    refused = in_english(client).post(reverse("web:my-campaign-edit", args=[campaign.pk]),
                                      _campaign_form(fw, target="1,000,000"))
    assert refused.status_code == 409 and "Live" in text(refused)
    campaign.refresh_from_db()
    assert campaign.target.amount == 12_000_000
    assert in_english(client).post(reverse("web:my-campaign-reward-edit", args=[reward.pk]),
                                   {"title": "x", "price": "1,000"}).status_code == 409


def test_a_member_follows_the_live_campaign_and_its_pledges_by_display_name(fw, client_as):
    client = client_as(fw.member)
    campaign = fw.own_live
    page = text(client.get(reverse("web:my-campaign", args=[campaign.pk])))
    assert "₩100,000" in page  # pledged: 50,000 + 30,000 + 20,000
    assert "<progress" in page and "20" in page  # days left
    assert "나눔 빵 꾸러미" in page and 'class="badge state-rejected"' in page  # both units claimed: sold out
    pledges = client.get(reverse("web:my-campaign-pledges", args=[campaign.pk]))
    body = text(pledges)
    assert pledges.status_code == 200
    assert all(name in body for name in ("김민지", "이서준", "박하은"))
    assert "@" not in body.split("<main", 1)[1]  # no address of a backer
    download = client.get(reverse("web:my-campaign-pledges", args=[campaign.pk]) + "?_export=csv")
    assert download.status_code == 200 and "김민지" in download.content.decode("utf-8-sig")


def test_after_the_settlement_the_member_sees_it_and_asks_for_the_statement(fw, client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_as(fw.member)
    settlement = fw.own_settled
    campaign = settlement.campaign
    page = text(client.get(reverse("web:my-campaign", args=[campaign.pk])))
    assert "₩900,000" in page and f"{int(settlement.net_payout.amount):,}" in page
    response = client.post(reverse("web:statement-request"), {
        "kind": "campaign_settlement", "subject_id": campaign.pk,
        "next": reverse("web:my-campaign", args=[campaign.pk])})
    assert response.status_code == 303
    statement = Statement.objects.get(kind="campaign_settlement", campaign=campaign)
    page = text(client.get(reverse("web:my-campaign", args=[campaign.pk])))
    assert f"no. {statement.pk}" in page or f"{statement.pk}" in page


def test_another_enterprises_campaign_its_rewards_and_pledges_are_not_found(fw, client_as):
    theirs, reward = fw.other_campaign, fw.own_reward
    stranger = client_as(fw.other_member)
    for url in (reverse("web:my-campaign", args=[fw.own_draft.pk]),
                reverse("web:my-campaign-edit", args=[fw.own_draft.pk]),
                reverse("web:my-campaign-launch", args=[fw.own_draft.pk]),
                reverse("web:my-campaign-reward-new", args=[fw.own_draft.pk]),
                reverse("web:my-campaign-pledges", args=[fw.own_draft.pk]),
                reverse("web:my-campaign-reward-edit", args=[reward.pk]),
                reverse("web:my-campaign-reward-remove", args=[reward.pk]),
                reverse("web:my-campaign-new", args=[fw.entry.pk])):
        assert stranger.get(url).status_code == 404, url
    assert stranger.post(reverse("web:my-campaign-launch", args=[fw.own_draft.pk])).status_code == 404
    assert Campaign.objects.get(pk=fw.own_draft.pk).state == "draft"
    mine = client_as(fw.member)
    assert mine.get(reverse("web:my-campaign", args=[theirs.pk])).status_code == 404
    assert mine.get(reverse("web:my-campaign-pledges", args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize("factory", [ManagerFactory, AuditorFactory, JudgeFactory, BackerFactory, UserFactory])
def test_every_other_role_is_refused_the_campaign_pages(fw, client_as, factory):
    client = client_as(factory())
    campaign = fw.own_draft
    for url in (reverse("web:my-campaigns"), reverse("web:my-campaign", args=[campaign.pk]),
                reverse("web:my-campaign-edit", args=[campaign.pk]),
                reverse("web:my-campaign-launch", args=[campaign.pk]),
                reverse("web:my-campaign-pledges", args=[campaign.pk])):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("web:my-campaign-launch", args=[campaign.pk])).status_code == 403
    campaign.refresh_from_db()
    assert campaign.state == "draft"


def test_a_visitor_is_sent_to_the_login(fw, client_as):
    response = client_as(None).get(reverse("web:my-campaign", args=[fw.own_draft.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
