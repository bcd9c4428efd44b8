"""Two labels that read right in Korean: what a matching pool (or one of its funders) has left is its balance (잔액),
not the guarantees' remaining limit (잔여 한도) whose msgid it shared; and a keep-it-all campaign past its deadline
reads closed (마감), since it has no success or failure, though it is stored as ``succeeded`` like an all-or-nothing
campaign that reached its target."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext

from crowdfunding.models import Campaign, CampaignMode
from tests.factories import ManagerFactory
from tests.web.crowdfunding.funding_world import FundingWorld

pytestmark = pytest.mark.django_db


def test_a_pools_available_money_has_its_own_word_apart_from_the_guarantees_limit():
    with translation.override("ko"):
        assert pgettext("matching pool", "Available") == "잔액"
        assert gettext("Available") == "잔여 한도"  # the guarantee programs' remaining limit, unchanged


def test_the_pool_and_contest_pages_say_balance_not_remaining_limit(client_as):
    fw = FundingWorld()
    client = client_as(ManagerFactory())
    for url in (reverse("web:matching-pool", args=[fw.pool.pk]), reverse("web:contest", args=[fw.contest.pk])):
        page = client.get(url).content.decode()
        assert "잔액" in page, url
        assert "잔여 한도" not in page, url


@pytest.mark.parametrize(("mode", "state", "ko", "en"), [
    (CampaignMode.KIA, Campaign.State.SUCCEEDED, "마감", "Closed (마감)"),
    (CampaignMode.AON, Campaign.State.SUCCEEDED, "성공: 결제 진행", "Succeeded, charging (성공: 결제 진행)"),
    (CampaignMode.AON, Campaign.State.FAILED, "목표 미달", "Failed (목표 미달)"),
    (CampaignMode.KIA, Campaign.State.LIVE, "진행 중", "Live (진행 중)"),
    (CampaignMode.KIA, Campaign.State.SETTLED, "정산 완료", "Settled (정산 완료)"),
])
def test_a_closed_keep_it_all_campaign_reads_closed_and_its_stored_state_is_unchanged(mode, state, ko, en):
    campaign = Campaign(mode=mode, state=state)
    with translation.override("ko"):
        assert campaign.get_state_display() == ko
    with translation.override("en"):
        assert campaign.get_state_display() == en
    assert campaign.state == state


def test_the_pages_and_the_api_show_a_closed_keep_it_all_campaign_as_closed(client_as):
    from tests.crowdfunding import settlement_world as sw

    fw = FundingWorld()
    live = fw.own_live
    Campaign.objects.filter(pk=live.pk).update(mode=CampaignMode.KIA)
    live.refresh_from_db()
    sw.close(live, Campaign.State.SUCCEEDED, on=fw.today)
    live.refresh_from_db()
    assert (live.state, live.mode) == ("succeeded", "kia")
    mine = client_as(fw.member).get(reverse("web:my-campaign", args=[live.pk])).content.decode()
    assert "마감" in mine and "성공" not in mine
    console = client_as(ManagerFactory()).get(reverse("web:contest", args=[live.contest_id])).content.decode()
    assert "마감" in console
    public = client_as(None).get(reverse("web:campaign", args=[live.pk]))
    assert public.status_code == 200 and "마감" in public.content.decode()
    api = client_as(None).get(f"/api/v1/campaigns/{live.pk}/", HTTP_ACCEPT_LANGUAGE="ko").json()
    assert (api["state"], api["state_label"]) == ("succeeded", "마감")
