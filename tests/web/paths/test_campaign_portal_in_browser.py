"""A campaign's life in the enterprise portal, in a real browser, by the member of the enterprise whose entry passed
screening, signing in through the login form: the member starts the campaign from "Campaigns" (a last day after the
funding phase is refused beside the field first), changes it, adds a reward tier, launches it through the confirm
step (the mode and the target fixed from then on), follows it with its backers' pledges (display names only);
then, for the enterprise's campaign that ended and settled, reads the settlement, asks for the settlement statement
and downloads it. Another enterprise's member gets 404 for the campaign. Every page is checked with axe-core and
saved as a screenshot (.artifacts/screenshots/campaign-portal-*), the main ones at a phone's width too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from selenium.webdriver.support.ui import Select

from crowdfunding.models import Campaign, Pledge, RewardTier
from tests.crowdfunding import settlement_world as sw
from tests.factories import UserFactory
from tests.web.crowdfunding.funding_world import FundingWorld

pytestmark = pytest.mark.django_db(transaction=True)


def _check(site, name: str, *, phone: bool = False) -> None:
    site.check(f"campaign-portal-{name}", phone=phone)


def _date(site, css: str, value) -> None:
    site.driver.execute_script("arguments[0].value = arguments[1];", site.find(css), value.isoformat())


def _status(site, path: str) -> int:
    return site.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => done(r.status));
    """, path)


def test_a_member_starts_changes_rewards_launches_and_follows_its_campaign(site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fw = FundingWorld()
    entry, member = fw.entry, fw.member
    stranger = fw.other_member

    site.login(member)
    site.wait_path("/my/")
    site.find("nav.menu a[href='/my/campaigns/']").click()
    site.wait_path("/my/campaigns/")
    _check(site, "01-campaigns", phone=True)
    site.find(f"a[href='/my/contest-entries/{entry.pk}/campaign/']").click()
    site.wait_path(f"/my/contest-entries/{entry.pk}/campaign/")
    site.type("#id_title", "동네 빵집 나눔 펀딩")
    Select(site.find("#id_mode")).select_by_value("aon")
    site.type("#id_target", "10,000,000")
    _date(site, "#id_starts_on", fw.today)
    _date(site, "#id_ends_on", fw.contest.funding_ends_on + timedelta(days=5))  # after the funding phase
    _check(site, "02-new", phone=True)
    site.submit()
    site.wait_visible("#id_ends_on_error")
    assert not Campaign.objects.exists()
    _check(site, "03-new-refused")
    _date(site, "#id_ends_on", fw.today + timedelta(days=20))
    site.submit()
    site.wait_until(lambda d: site.path.startswith("/my/campaigns/"), message="the campaign was not saved")
    campaign = Campaign.objects.get(entry=entry)
    page = f"/my/campaigns/{campaign.pk}/"
    site.wait_path(page)
    site.wait_visible(".messages .success")
    _check(site, "04-draft", phone=True)

    site.find(f"a[href='{page}edit/']").click()
    site.wait_path(f"{page}edit/")
    site.type("#id_target", "12,000,000")
    site.submit()
    site.wait_path(page)
    site.find(f"a[href='{page}rewards/']").click()
    site.wait_path(f"{page}rewards/")
    site.type("#id_title", "나눔 빵 꾸러미")
    site.type("#id_price", "30,000")
    site.type("#id_stock", "2")
    _check(site, "05-reward")
    site.submit()
    site.wait_path(page)
    assert "나눔 빵 꾸러미" in site.find("table.rewards").text
    _check(site, "06-draft-with-reward", phone=True)

    site.find(f"a[href='{page}launch/']").click()
    site.wait_path(f"{page}launch/")
    assert "₩12,000,000" in site.find("main").text
    _check(site, "07-launch-confirm", phone=True)
    site.submit()
    site.wait_path(page)
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.LIVE and campaign.target.amount == 12_000_000
    assert not site.find_all(f"a[href='{page}edit/']")

    # Backers pledge (rows, as the pledges' own tests make them): two take the last rewards.
    reward = RewardTier.objects.get(campaign=campaign)
    for name, amount in (("김민지", 50_000), ("이서준", 30_000)):
        sw.pledge(campaign, amount, Pledge.State.RESERVED, backer=UserFactory(display_name=name), reward=reward)
    RewardTier.objects.filter(pk=reward.pk).update(claimed=2)
    Campaign.objects.filter(pk=campaign.pk).update(backers=2)
    site.open(page)
    assert "₩80,000" in site.find("#live-h").find_element("xpath", "..").text
    _check(site, "08-live", phone=True)
    site.find(f"a[href='{page}pledges/']").click()
    site.wait_path(f"{page}pledges/")
    assert "김민지" in site.find("#table").text and "이서준" in site.find("#table").text
    _check(site, "09-pledges", phone=True)

    # The enterprise's other campaign ended and settled: the member asks for its statement and downloads it.
    settled = fw.own_settled.campaign
    site.open("/my/campaigns/")
    site.find(f"a[href='/my/campaigns/{settled.pk}/']").click()
    site.wait_path(f"/my/campaigns/{settled.pk}/")
    assert "₩900,000" in site.find("#settlement-h").find_element("xpath", "..").text
    _check(site, "10-settled", phone=True)
    site.find("#statement-h ~ form button[type=submit]").click()
    site.wait_visible(".messages .success")
    site.wait_visible("ul.statements a[href$='/download/']", timeout=60)
    _check(site, "11-statement-ready")
    link = site.find("ul.statements a[href$='/download/']").get_attribute("href")
    head = site.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(async r => done([r.status, r.headers.get('Content-Type'),
                                                   new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5))]));
    """, link)
    assert head == [200, "application/pdf", "%PDF-"]
    site.log_out()

    # Another enterprise's member: not found.
    site.login(stranger)
    assert _status(site, page) == 404
    site.open(page)
    assert not site.find_all("#live-h")
    _check(site, "12-not-found")
