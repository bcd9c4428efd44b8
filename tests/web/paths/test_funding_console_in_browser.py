"""The funding phase in the staff console, in a real browser, by a fund manager signing in through the login form:
on the contest page the manager opens a pledge-matching pool (the rule's own fields shown for the rule chosen; a
top-up without its threshold refused beside the field first), adds two funders, records each one's money (the
second form sent twice records it once), watches the pool's and the campaigns' totals on the contest page, opens
the settlements, downloads the payout file (CSV and XLSX) and records a payout; the start page's panel showed it
waiting. An auditor reads the pages without an action, and a forged payout of hers is refused. After the funding
phase the manager settles a closed campaign by hand from the settlements page, then its pool (its button shown only
once every campaign has settled), and records the pool's return paid to its funder. Every page is checked with
axe-core and saved as a screenshot (.artifacts/screenshots/funding-console-*)."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import Select

from crowdfunding.models import Campaign, MatchingPool, PoolFunder, PoolFunding, PoolReturn
from tests.factories import AuditorFactory, InstitutionFactory, ManagerFactory
from tests.web.crowdfunding.funding_world import FundingWorld

pytestmark = pytest.mark.django_db(transaction=True)


def _check(site, name: str, *, phone: bool = False) -> None:
    site.check(f"funding-console-{name}", phone=phone)


def test_a_manager_sets_up_a_pool_records_its_money_and_pays_out_a_settlement(site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fw = FundingWorld()
    live, settlement = fw.own_live, fw.own_settled
    contest_page = f"/console/contests/{fw.contest.pk}/"
    city = InstitutionFactory(name="대구시 사회적경제과")
    foundation = InstitutionFactory(name="대구사회적경제지원센터")
    kim = ManagerFactory(username="manager.kim")

    site.login(kim)
    site.wait_path("/console/")
    assert live.title not in site.find("#funding-panel-h").find_element("xpath", "..").text
    assert settlement.campaign.title in site.find("#funding-payouts-h").find_element("xpath", "..").text
    _check(site, "01-start")
    site.open(contest_page)
    assert live.title in site.find("#funding-h").find_element("xpath", "..").text
    _check(site, "02-contest")
    site.find(f"a[href='{contest_page}pools/']").click()
    site.wait_path(f"{contest_page}pools/")
    site.type("#id_name", "대구 매칭 펀드 2차")
    Select(site.find("#id_rule")).select_by_value("top_up")
    assert site.find("#id_threshold").is_displayed() and not site.find("#id_factor").is_displayed()
    _check(site, "03-pool-top-up", phone=True)
    site.find("form.pool-form button[type=submit]").click()
    site.wait_visible("#id_threshold_error")
    _check(site, "04-pool-refused")
    Select(site.find("#id_rule")).select_by_value("match")
    assert site.find("#id_factor").is_displayed() and not site.find("#id_threshold").is_displayed()
    site.type("#id_factor", "1")
    site.type("#id_cap_per_pledge", "50,000")
    site.find("form.pool-form button[type=submit]").click()
    site.wait_until(lambda d: site.path.startswith("/console/matching-pools/"), message="the pool was not opened")
    pool = MatchingPool.objects.get(name="대구 매칭 펀드 2차")
    pool_page = f"/console/matching-pools/{pool.pk}/"
    site.wait_path(pool_page)
    _check(site, "05-pool", phone=True)

    for institution, committed in ((city, "5,000,000"), (foundation, "3,000,000")):
        site.find(f"a[href='{pool_page}funders/']").click()
        site.wait_path(f"{pool_page}funders/")
        Select(site.find("#id_institution")).select_by_value(str(institution.pk))
        site.type("#id_committed", committed)
        site.submit()
        site.wait_path(pool_page)
    first, second = PoolFunder.objects.filter(pool=pool).order_by("position")
    site.find(f"a[href='/console/pool-funders/{first.pk}/payments/']").click()
    site.wait_path(f"/console/pool-funders/{first.pk}/payments/")
    site.type("#id_amount", "5,000,000")
    _check(site, "06-payment")
    site.submit()
    site.wait_path(pool_page)
    site.find(f"a[href='/console/pool-funders/{second.pk}/payments/']").click()
    site.wait_path(f"/console/pool-funders/{second.pk}/payments/")
    site.type("#id_amount", "2,000,000")
    site.driver.execute_script("document.querySelector('form.action-form').submit();"
                               "document.querySelector('form.action-form').submit();")  # a double click
    site.wait_path(pool_page)
    assert PoolFunding.objects.filter(funder=second).count() == 1
    assert "₩7,000,000" in site.find("table.funders tfoot").text
    _check(site, "07-pool-funded", phone=True)

    site.open(contest_page)
    pools = site.find("table.pools").text
    assert "대구 매칭 펀드 2차" in pools and "₩7,000,000" in pools
    _check(site, "08-contest-totals")

    # The earlier contest's campaign has settled: its payout file, and its payout recorded.
    contest_page = f"/console/contests/{fw.past_contest.pk}/"
    site.open(contest_page)
    site.find(f"a[href='{contest_page}settlements/']").click()
    site.wait_path(f"{contest_page}settlements/")
    _check(site, "09-settlements", phone=True)
    site.find(f"a[href='{contest_page}payout-file/?format=csv']").click()
    csv = site.wait_for_download(".csv")
    assert settlement.campaign.enterprise.name in csv.read_bytes().decode("utf-8-sig")
    site.find(f"a[href='{contest_page}payout-file/?format=xlsx']").click()
    site.wait_for_download(".xlsx")
    site.find(f"a[href='/console/campaign-settlements/{settlement.pk}/payout/']").click()
    site.wait_path(f"/console/campaign-settlements/{settlement.pk}/payout/")
    _check(site, "10-payout")
    site.submit()
    site.wait_path(f"{contest_page}settlements/")
    settlement.refresh_from_db()
    assert settlement.paid_out_on == fw.today
    _check(site, "11-paid-out")
    site.log_out()

    site.login(AuditorFactory(username="auditor.park"))
    site.open(pool_page)
    assert not site.find_all(f"a[href='{pool_page}funders/']")
    _check(site, "12-auditor-pool")
    assert site.forged_post(f"/console/pool-funders/{first.pk}/payments/",
                            "idempotency_key=web-forged&amount=1000&received_on=" + fw.today.isoformat()) == 403
    assert PoolFunding.objects.filter(funder=first).count() == 1


def test_a_manager_settles_a_campaign_then_its_pool_and_records_the_return_paid(site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fw = FundingWorld()
    assert fw.own_settled.pk
    closed, pool = fw.closed(), fw.past_pool
    contest_page, pool_page = f"/console/contests/{fw.past_contest.pk}/", f"/console/matching-pools/{pool.pk}/"
    site.login(ManagerFactory(username="manager.kim"))
    site.wait_path("/console/")

    site.open(pool_page)
    assert not site.find_all(f"a[href='{pool_page}settle/']")  # a campaign of its contest has not settled yet
    site.open(f"{contest_page}settlements/")
    site.find(f"a[href='/console/campaigns/{closed.pk}/settle/']").click()
    site.wait_path(f"/console/campaigns/{closed.pk}/settle/")
    _check(site, "13-campaign-settle")
    site.submit()
    site.wait_path(f"{contest_page}settlements/")
    closed.refresh_from_db()
    assert closed.state == Campaign.State.SETTLED
    assert closed.title in site.find("table.settlements").text

    site.open(pool_page)
    site.find(f"a[href='{pool_page}settle/']").click()
    site.wait_path(f"{pool_page}settle/")
    _check(site, "14-pool-settle")
    site.submit()
    site.wait_path(pool_page)
    found = PoolReturn.objects.get(funder__pool=pool)
    assert "₩900,000" in site.find("table.returns").text  # 1,000,000 paid in, 100,000 drawn as a top-up
    _check(site, "15-pool-returns", phone=True)
    payout = f"/console/pool-returns/{found.pk}/payout/"
    site.find(f"a[href='{payout}']").click()
    site.wait_path(payout)
    _check(site, "16-return-payout")
    site.submit()
    site.wait_path(pool_page)
    found.refresh_from_db()
    assert found.paid_on == fw.today and not site.find_all(f"a[href='{payout}']")
    _check(site, "17-return-paid")
