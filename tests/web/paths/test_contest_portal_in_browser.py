"""A contest entry's life in the enterprise portal, in a real browser, by the member who lives it, signing in
through the login form: the start page shows the open call; the member opens the contests (its enterprise may
enter; a Seoul enterprise is told why it may not), enters the contest through the form (a target out of the
contest's range is refused beside the field first), changes the entry, submits it, and withdraws it with a reason
(refused without one). Then an entry of the member's that went through the judging: its notices, its award with the
tranches; the first tranche's spending reported with an evidence file uploaded (a line above what is left of the
tranche refused beside the amount, a line removed), the report submitted; after a manager settles it (through the
services: the console's pages are another test's), the member sees what must be returned. The refusals: another
enterprise's entry is 404, a manager is refused the portal (403). Every page is checked with axe-core and saved as
a screenshot (.artifacts/screenshots/), the main ones at a phone's width (390x844) too."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import Select

from crowdfunding.models import AwardTranche, Entry, SpendingItem
from tests.factories import ManagerFactory
from tests.web.crowdfunding.portal.world import TODAY, Awarded, World

pytestmark = pytest.mark.django_db(transaction=True)



def _check(site, name: str, *, phone: bool = False) -> None:
    site.check(f"contest-portal-{name}", phone=phone)


def _status(site, path: str) -> int:
    """The status the page at ``path`` answers with (the browser shows the error page; its status is not on it)."""
    return site.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => done(r.status));
    """, path)


def test_a_member_enters_a_contest_changes_submits_and_withdraws_the_entry(site):
    world = World()
    contest, member = world.contest, world.member
    theirs = world.other_entry

    site.login(member)
    site.wait_path("/my/")
    assert contest.name in site.find("#my-contests-h").find_element("xpath", "..").text
    _check(site, "01-start", phone=True)
    site.find("nav.menu a[href='/my/contests/']").click()
    site.wait_path("/my/contests/")
    _check(site, "02-contests", phone=True)
    site.find(f"a[href='/my/contests/{contest.pk}/']").click()
    site.wait_path(f"/my/contests/{contest.pk}/")
    assert "대구은행" in site.find("main").text
    _check(site, "03-contest", phone=True)
    site.find(f"a[href='/my/contests/{contest.pk}/enter/']").click()
    site.wait_path(f"/my/contests/{contest.pk}/enter/")

    site.type("#id_title", "동네 빵집 나눔 프로젝트")
    site.type("#id_summary", "취약계층 청년을 고용해 지역 농산물로 빵을 굽고, 결식아동에게 나눕니다.")
    site.type("#id_use_of_funds", "제빵 설비 60 %, 원재료 30 %, 홍보 10 %")
    site.type("#id_target_amount", "35,000,000")  # above the contest's 30,000,000
    Select(site.find("#id_campaign_type")).select_by_value("donation")
    site.type("#id_team", "김하나, 대표\n이두리, 제빵사")
    Select(site.find("#id_partner")).select_by_value(str(world.partner.pk))
    _check(site, "04-enter", phone=True)
    site.submit()
    site.wait_visible("#id_target_amount_error")
    assert not Entry.objects.filter(enterprise=world.enterprise).exists()
    _check(site, "05-enter-refused")
    site.type("#id_target_amount", "12,000,000")
    site.submit()
    site.wait_until(lambda d: site.path.startswith("/my/contest-entries/"), message="the entry was not saved")
    entry = Entry.objects.get(enterprise=world.enterprise)
    site.wait_path(f"/my/contest-entries/{entry.pk}/")
    site.wait_visible(".messages .success")
    assert entry.state == Entry.State.DRAFT and entry.campaign_type == "donation" and entry.partner == world.partner
    _check(site, "06-draft", phone=True)

    site.find(f"a[href='/my/contest-entries/{entry.pk}/edit/']").click()
    site.wait_path(f"/my/contest-entries/{entry.pk}/edit/")
    site.type("#id_title", "동네 빵집 나눔 프로젝트 2026")
    _check(site, "07-change")
    site.submit()
    site.wait_path(f"/my/contest-entries/{entry.pk}/")
    site.find(f"form[action='/my/contest-entries/{entry.pk}/submit/'] button").click()
    site.wait_visible(".messages .success")
    entry.refresh_from_db()
    assert entry.title == "동네 빵집 나눔 프로젝트 2026" and entry.state == Entry.State.SUBMITTED
    _check(site, "08-submitted", phone=True)

    site.find(f"a[href='/my/contest-entries/{entry.pk}/withdraw/']").click()
    site.wait_path(f"/my/contest-entries/{entry.pk}/withdraw/")
    site.submit()  # no reason
    site.wait_visible("#id_reason_error")
    _check(site, "09-withdraw-refused")
    site.type("#id_reason", "다른 지원사업에 선정되어 철회합니다.")
    site.submit()
    site.wait_path(f"/my/contest-entries/{entry.pk}/")
    entry.refresh_from_db()
    assert entry.state == Entry.State.WITHDRAWN
    assert not site.find_all(f"a[href='/my/contest-entries/{entry.pk}/edit/']")
    _check(site, "10-withdrawn")
    site.open("/my/contest-entries/")
    assert entry.title in site.find("#table").text and theirs.title not in site.find("#table").text
    _check(site, "11-entries", phone=True)

    # Another enterprise's entry is not found.
    site.open(f"/my/contest-entries/{theirs.pk}/")
    assert not site.find_all("#progress-h")
    assert _status(site, f"/my/contest-entries/{theirs.pk}/") == 404
    _check(site, "12-not-found")
    site.log_out()

    # A Seoul enterprise's member is told why it may not enter.
    site.login(world.seoul_member)
    site.open("/my/contests/")
    assert site.find_all(".standings .badge.state-rejected")
    assert not site.find_all(f"a[href='/my/contests/{contest.pk}/enter/']")
    _check(site, "13-not-eligible")
    site.log_out()

    # A manager is refused the portal.
    site.login(ManagerFactory(username="manager.park"))
    assert _status(site, "/my/contests/") == 403
    assert _status(site, f"/my/contest-entries/{entry.pk}/") == 403


def test_a_member_follows_its_award_reports_spending_and_sees_what_to_return(site, tmp_path):
    world = World()
    awarded = Awarded(world)
    receipt = tmp_path / "오븐_영수증.pdf"
    receipt.write_bytes(b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")

    site.login(world.member)
    site.wait_path("/my/")
    site.find(f"#my-contests-h ~ ul a[href='/my/award-tranches/{awarded.first.pk}/']")  # to report
    site.open(f"/my/contest-entries/{awarded.entry.pk}/")
    assert "본선에서 수상 대상으로 선정되었습니다 (1위)." in site.find(".notices").text
    assert "₩30,000,000" in site.find("#award-h").find_element("xpath", "..").text
    _check(site, "20-awarded", phone=True)
    site.find(f"table.tranches a[href='/my/award-tranches/{awarded.first.pk}/']").click()
    site.wait_path(f"/my/award-tranches/{awarded.first.pk}/")
    _check(site, "21-tranche", phone=True)

    def add(amount: str, category: str, description: str) -> None:
        site.find(f"a[href='/my/award-tranches/{awarded.first.pk}/spending/']").click()
        site.wait_path(f"/my/award-tranches/{awarded.first.pk}/spending/")
        site.type("#id_amount", amount)
        Select(site.find("#id_category")).select_by_value(category)
        site.type("#id_description", description)
        site.driver.execute_script("arguments[0].value = arguments[1];", site.find("#id_spent_on"),
                                   TODAY.isoformat())
        site.find("#id_evidence").send_keys(str(receipt))

    add("25,000,000", "equipment", "제빵 오븐")  # more than the tranche's 20,000,000
    _check(site, "22-spending", phone=True)
    site.submit()
    site.wait_visible("#id_amount_error")
    assert not SpendingItem.objects.exists()
    _check(site, "23-spending-refused")
    site.type("#id_amount", "8,000,000")
    site.find("#id_evidence").send_keys(str(receipt))  # a refused form does not keep the file
    site.submit()
    site.wait_path(f"/my/award-tranches/{awarded.first.pk}/")
    add("11,000,000", "materials", "원재료 (밀가루, 버터)")
    site.submit()
    site.wait_path(f"/my/award-tranches/{awarded.first.pk}/")
    add("500,000", "marketing", "잘못 올린 홍보비")
    site.submit()
    site.wait_path(f"/my/award-tranches/{awarded.first.pk}/")
    assert SpendingItem.objects.count() == 3
    wrong = SpendingItem.objects.get(category="marketing")
    site.find(f"a[href='/my/spending-items/{wrong.pk}/remove/']").click()
    site.wait_path(f"/my/spending-items/{wrong.pk}/remove/")
    site.submit()
    site.wait_path(f"/my/award-tranches/{awarded.first.pk}/")
    assert SpendingItem.objects.count() == 2
    assert "₩19,000,000" in site.find("table.items").text
    _check(site, "24-report", phone=True)
    site.find(f"a[href='/my/award-tranches/{awarded.first.pk}/report/']").click()
    site.wait_path(f"/my/award-tranches/{awarded.first.pk}/report/")
    _check(site, "25-report-submit")
    site.submit()
    site.wait_path(f"/my/award-tranches/{awarded.first.pk}/")
    awarded.refresh()
    assert awarded.first.state == AwardTranche.State.REPORTED
    assert not site.find_all(f"a[href='/my/award-tranches/{awarded.first.pk}/spending/']")

    # A manager accepts 18,500,000 of the 19,000,000 reported: 1,500,000 must come back to the joint fund.
    awarded.settle(accepted=18_500_000)
    site.open(f"/my/award-tranches/{awarded.first.pk}/")
    assert "₩1,500,000" in site.find("#due-h").find_element("xpath", "..").text
    _check(site, "26-to-return", phone=True)
    site.open("/my/")
    assert "₩1,500,000" in site.find("#my-contests-h").find_element("xpath", "..").text
    _check(site, "27-start-to-return")
