"""The contests in the staff console, clicked through in a real browser by the managers who run them, each signing in
through the login form:

- manager Kim records a partner's contribution to the joint fund and sees it reconciled to the ledger; sets up the
  screening round from the standard rubric, seats three judges and opens it; once they scored, closes it, reads the
  ranking with each panel's result, prepares the advance list (top 2) and sees he may not confirm it (a forged
  confirmation of his is refused);
- manager Lee confirms the list (the entries move on) and moves the contest to its next phase;
- on a contest in its awards phase Kim prepares the first's award in two tranches and may not approve it; Lee
  approves it (reserved out of the joint fund), pays the first tranche, settles it against the enterprise's
  spending report and records the return of what was not spent;
- an auditor reads every page with no action offered, and a forged POST of hers is refused.

Every page on the way is checked with axe-core and saved as a screenshot (.artifacts/screenshots/), the main ones at a
phone's width too."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import Select

from crowdfunding.models import AdvanceList, Award, AwardTranche, Entry, JointFundContribution, Round
from tests.factories import AuditorFactory, JudgeFactory, ManagerFactory
from tests.web.crowdfunding.world import ContestWorld

pytestmark = pytest.mark.django_db(transaction=True)



def _check(site, name: str, *, phone: bool = False) -> None:
    site.check(f"contests-{name}", phone=phone)


def _wait_for(site, prefix: str) -> None:
    """Wait until the browser shows a page under ``prefix`` (the answer to the form just sent)."""
    site.wait_until(lambda d: site.path.startswith(prefix), message=f"the browser never reached {prefix}...")


@pytest.fixture
def scene(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = ContestWorld()
    world.kim, world.lee = ManagerFactory(username="manager.kim"), ManagerFactory(username="manager.lee")
    assert world.contest and world.entries
    return world


def test_managers_run_the_screening_and_its_advance_list_through_the_pages(site, scene):
    kim, lee, contest = scene.kim, scene.lee, scene.contest
    contest_page = f"/console/contests/{contest.pk}/"
    judges = [JudgeFactory(username=f"judge.{name}", first_name=name) for name in ("choi", "jung", "kang")]

    # Kim finds the contest and records 대구신용보증재단's second contribution.
    site.login(kim)
    site.wait_path("/console/")
    site.find("nav.menu a[href='/console/contests/']").click()
    site.wait_path("/console/contests/")
    _check(site, "01-contests")
    site.find(f"#table a[href='{contest_page}']").click()
    site.wait_path(contest_page)
    _check(site, "02-contest", phone=True)
    site.find(f"a[href='{contest_page}contributions/']").click()
    site.wait_path(f"{contest_page}contributions/")
    partner = contest.partners.get(institution__name="대구신용보증재단")
    Select(site.find("#id_partner")).select_by_value(str(partner.pk))
    site.type("#id_amount", "20,000,000")
    site.type("#id_memo", "2차 출연")
    _check(site, "03-contribution")
    site.submit()
    site.wait_path(contest_page)
    site.wait_visible(".messages .success")
    assert JointFundContribution.objects.filter(contest=contest).count() == 3
    assert "₩110,000,000" in site.find("main").text

    # Kim sets up the screening round from the standard rubric, seats the judges and opens it.
    site.find(f"a[href='{contest_page}rounds/']").click()
    site.wait_path(f"{contest_page}rounds/")
    assert site.find("#id_criteria-0-name").get_attribute("value") == "사회적 가치"
    _check(site, "04-round-setup")
    site.submit()
    _wait_for(site, "/console/contests/rounds/")
    judged = Round.objects.get(contest=contest, kind="screening")
    round_page = f"/console/contests/rounds/{judged.pk}/"
    site.wait_path(round_page)
    site.find(f"a[href='{round_page}judges/']").click()
    site.wait_path(f"{round_page}judges/")
    Select(site.find("#id_panel")).select_by_index(1)
    picker = Select(site.find("#id_judges"))
    for judge in judges:
        picker.select_by_value(str(judge.pk))
    _check(site, "05-judges")
    site.submit()
    site.wait_path(round_page)
    site.find(f"a[href='{round_page}open/']").click()
    site.wait_path(f"{round_page}open/")
    site.submit()
    site.wait_path(round_page)
    judged.refresh_from_db()
    assert judged.state == "open"

    # The judges score (their own pages are another test's); Kim follows the progress, then closes the round.
    for judge in judges:
        for entry, marks in zip(scene.entries, ("high", "mid", "low"), strict=True):
            scene.score(judge, entry, marks)
    site.open(round_page)
    assert site.find("progress").get_attribute("value") == "9"
    _check(site, "06-round-progress", phone=True)
    site.find(f"a[href='{round_page}close/']").click()
    site.wait_path(f"{round_page}close/")
    _check(site, "07-round-close")
    site.submit()
    site.wait_path(round_page)

    # The ranking, then the advance list: the top 2.
    site.find(f"a[href='{round_page}ranking/']").click()
    site.wait_path(f"{round_page}ranking/")
    first_row = site.find("#table tbody tr").text
    assert scene.entries[0].title in first_row and "88.0000" in first_row
    _check(site, "08-ranking", phone=True)
    site.find(f"a[href='{round_page}advance-list/']").click()
    site.wait_path(f"{round_page}advance-list/")
    site.type("#id_top_n", "2")
    _check(site, "09-advance-prepare")
    site.submit()
    _wait_for(site, "/console/contests/advance-lists/")
    made = AdvanceList.objects.get(round=judged)
    list_page = f"/console/contests/advance-lists/{made.pk}/"
    site.wait_path(list_page)
    # Four eyes, visible: no confirm button for him, the note instead; a forged confirmation is refused.
    assert not site.find_all(f"a[href='{list_page}confirm/']")
    assert site.find(".actions .note").is_displayed()
    _check(site, "10-advance-list-four-eyes")
    assert site.forged_post(f"{list_page}confirm/", "") == 409
    made.refresh_from_db()
    assert made.state == "prepared"
    site.log_out()

    # Lee confirms the list and moves the contest on.
    site.login(lee)
    site.wait_path("/console/")
    site.open(list_page)
    site.find(f"a[href='{list_page}confirm/']").click()
    site.wait_path(f"{list_page}confirm/")
    _check(site, "11-advance-confirm")
    site.submit()
    site.wait_path(list_page)
    site.wait_visible(".messages .success")
    assert [Entry.objects.get(pk=e.pk).state for e in scene.entries] == ["advanced", "advanced", "not_advanced"]
    site.open(contest_page)
    site.find(f"a[href='{contest_page}advance/']").click()
    site.wait_path(f"{contest_page}advance/")
    _check(site, "12-contest-advance")
    site.submit()
    site.wait_path(contest_page)
    contest.refresh_from_db()
    assert contest.phase == "funding"
    _check(site, "13-contest-funding")


def test_managers_award_a_finalist_and_settle_its_tranche_through_the_pages(site, scene):
    kim, lee = scene.kim, scene.lee
    first = scene.selected(1)

    # Kim prepares the first's award from its entry's page.
    site.login(kim)
    site.wait_path("/console/")
    entry_page = f"/console/contests/entries/{first.pk}/"
    site.open(entry_page)
    _check(site, "20-entry", phone=True)
    site.find(f"a[href='{entry_page}award/']").click()
    site.wait_path(f"{entry_page}award/")
    site.type("#id_amount", "25,000,000")
    site.type("#id_tranches", "15,000,000; 10,000,000")
    _check(site, "21-award-prepare")
    site.submit()
    _wait_for(site, "/console/contests/awards/")
    award = Award.objects.get(entry=first)
    award_page = f"/console/contests/awards/{award.pk}/"
    site.wait_path(award_page)
    assert not site.find_all(f"a[href='{award_page}approve/']") and site.find(".actions .note").is_displayed()
    _check(site, "22-award-prepared")
    assert site.forged_post(f"{award_page}approve/", "idempotency_key=web-forged") == 409
    site.log_out()

    # Lee approves it (reserved out of the joint fund) and pays its first tranche.
    site.login(lee)
    site.wait_path("/console/")
    site.open(award_page)
    site.find(f"a[href='{award_page}approve/']").click()
    site.wait_path(f"{award_page}approve/")
    _check(site, "23-award-approve")
    site.submit()
    site.wait_path(award_page)
    award.refresh_from_db()
    assert (award.state, award.approved_by) == ("approved", lee)
    tranche = award.tranches.get(number=1)
    site.find(f"a[href='/console/contests/tranches/{tranche.pk}/pay/']").click()
    site.wait_path(f"/console/contests/tranches/{tranche.pk}/pay/")
    _check(site, "24-tranche-pay")
    site.submit()
    site.wait_path(award_page)
    tranche.refresh_from_db()
    assert tranche.state == AwardTranche.State.PAID

    # The enterprise reports 12,000,000 spent (its own pages are another test's); Lee settles and records the return.
    scene.paid_tranche = tranche
    assert scene.reported_tranche.state == AwardTranche.State.REPORTED
    site.open(award_page)
    _check(site, "25-award-reported", phone=True)
    site.find(f"a[href='/console/contests/tranches/{tranche.pk}/settle/']").click()
    site.wait_path(f"/console/contests/tranches/{tranche.pk}/settle/")
    _check(site, "26-tranche-settle")
    site.submit()
    site.wait_path(award_page)
    site.find(f"a[href='/console/contests/tranches/{tranche.pk}/return/']").click()
    site.wait_path(f"/console/contests/tranches/{tranche.pk}/return/")
    site.submit()
    site.wait_path(award_page)
    tranche.refresh_from_db()
    assert (tranche.state, tranche.spent.amount, tranche.unspent.amount) == ("closed", 12_000_000, 3_000_000)
    _check(site, "27-award-settled", phone=True)
    site.open(f"/console/contests/{scene.final_contest.pk}/")
    assert "₩78,000,000" in site.find("main").text  # 100,000,000 - 25,000,000 reserved + 3,000,000 returned
    _check(site, "28-final-contest")


ACTION_LINKS = ", ".join(f"main a[href$='/{action}/']" for action in (
    "approve", "confirm", "cancel", "advance", "close", "open", "contributions", "pay", "award", "partners", "rounds",
    "judges", "settle", "return", "award-table", "advance-list"))


def test_an_auditor_reads_the_contest_console_and_acts_on_nothing(site, scene):
    made = scene.prepared_list
    award = scene.prepared_award
    site.login(AuditorFactory(username="auditor.park"))
    site.wait_path("/console/")
    pages = ("/console/contests/", f"/console/contests/{scene.contest.pk}/", "/console/contests/entries/",
             f"/console/contests/entries/{scene.entries[0].pk}/", f"/console/contests/rounds/{made.round_id}/",
             f"/console/contests/rounds/{made.round_id}/ranking/", f"/console/contests/advance-lists/{made.pk}/",
             "/console/contests/awards/", f"/console/contests/awards/{award.pk}/")
    for path in pages:
        site.open(path)
        assert site.path == path
        site.assert_accessible()
        site.screenshot("contests-auditor" + path.replace("/", "-").rstrip("-"))
        assert not site.find_all(ACTION_LINKS), path
    assert site.forged_post(f"/console/contests/advance-lists/{made.pk}/confirm/", "") == 403
    assert site.forged_post(f"/console/contests/awards/{award.pk}/approve/", "idempotency_key=web-x") == 403
    made.refresh_from_db()
    award.refresh_from_db()
    assert made.state == "prepared" and award.state == "prepared"


CONTROLS = "main form input:not([type=hidden]), main form select, main form textarea, main form button"


def test_the_contest_consoles_forms_are_reached_by_tab(site, scene):
    """Every field and button of the console's contest forms is reached by pressing Tab from the top of the page."""
    contest, entry = scene.contest, scene.selected(1)
    site.login_as(scene.kim)
    for path in (f"/console/contests/{contest.pk}/contributions/", f"/console/contests/{contest.pk}/advance/",
                 f"/console/contests/{contest.pk}/rounds/", f"/console/contests/{contest.pk}/award-table/",
                 f"/console/contests/entries/{entry.pk}/award/", "/console/contests/new/"):
        site.open(path)
        controls = [c for c in site.find_all(CONTROLS) if c.is_displayed()]
        assert controls, f"{path}: no form"
        # A date input takes three presses (year, month, day).
        presses = len(site.find_all("a, input, select, textarea, button")) + 2 * len(site.find_all("input[type=date]"))
        reached = {e.id for e in site.tab_order(presses + 5)}
        assert not [c for c in controls if c.id not in reached], f"{path}: not all reachable by Tab"
        site.assert_accessible()
