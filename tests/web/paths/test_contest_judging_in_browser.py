"""Judging a contest at the judges' desk (/judge/), in a real browser, each judge signing in through the login form:

- a citizen judge on a phone (390x844) lands on the queue, opens an entry, reads its summary, gives a mark per
  criterion (each labelled with its weight and maximum), has a mark out of range refused beside its field, saves,
  and finds the entry among those scored; changes a mark while the round is open;
- an expert judge who is a member of an entry's enterprise finds it among those it may not score, with the reason,
  and is refused when forging a score; it declares a conflict of interest on another entry, which leaves its queue;
- once a manager closed the round the judge's form is read-only ("scores are locked"), a forged score is refused,
  and the round's page shows the ranking with each panel's result.

Every page on the way is checked with axe-core and saved as a screenshot (.artifacts/screenshots/), at a phone's width
for the citizen judge."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crowdfunding.models import Conflict, Score
from tests.crowdfunding.factories import PanelFactory, seat
from tests.factories import JudgeFactory, ManagerFactory, MembershipFactory
from tests.web.browser import PHONE, WINDOW
from tests.web.crowdfunding.world import ContestWorld

pytestmark = pytest.mark.django_db(transaction=True)

MARKS = {"social-value": "26.5", "business": "21", "feasibility": "20", "local": "17"}  # 84.5 out of 100


def _check(site, name: str) -> None:
    site.check(f"judging-{name}")


def _mark(site, key: str, value: str) -> None:
    site.type(f"input[name='marks.{key}']", value)


@pytest.fixture
def scene():
    """The world's open screening round with an expert panel (70 %) of kim, lee and park and a citizen panel (30 %)
    with citizen judge Yoon."""
    world = ContestWorld()
    assert world.judges
    world.panel.weight = Decimal(70)
    world.panel.save(update_fields=["weight"])
    citizens = PanelFactory(round=world.screening, name="시민 심사단", kind="citizen", weight=Decimal(30))
    world.citizen = seat(citizens, JudgeFactory(username="citizen.yoon", first_name="윤시민"))
    return world


def test_a_citizen_judge_scores_entries_from_a_phone(site, scene):
    first, second, _third = scene.entries
    site.driver.set_window_size(*PHONE)
    site.login(scene.citizen)
    site.wait_path("/judge/")
    assert len(site.find_all(".queue ul.entries:not(.done):not(.recused) li")) == 3
    _check(site, "01-phone-queue")

    site.find(f"a[href='/judge/entries/{first.pk}/']").click()
    site.wait_path(f"/judge/entries/{first.pk}/")
    labels = site.find("form.score-form").text
    assert "사회적 가치" in labels and "30" in labels and "0.1" in labels
    _check(site, "02-phone-entry")
    for key, value in {**MARKS, "social-value": "31"}.items():
        _mark(site, key, value)
    site.submit()
    site.wait_visible("#id_marks\\.social-value_error")
    assert Score.objects.count() == 0
    _check(site, "03-phone-mark-refused")
    _mark(site, "social-value", MARKS["social-value"])
    site.type("#id_comment", "지역 주민 참여가 인상적")
    site.submit()
    site.wait_path("/judge/")
    site.wait_visible(".messages .success")
    score = Score.objects.get(judge=scene.citizen, entry=first)
    assert str(score.total) == "84.5000"
    assert site.find_all(f"ul.done a[href='/judge/entries/{first.pk}/']")
    _check(site, "04-phone-scored")

    # While the round is open the judge may change its marks.
    site.find(f"ul.done a[href='/judge/entries/{first.pk}/']").click()
    site.wait_path(f"/judge/entries/{first.pk}/")
    assert site.find("input[name='marks.local']").get_attribute("value") == "17.0"
    _mark(site, "local", "20")
    site.submit()
    site.wait_path("/judge/")
    score.refresh_from_db()
    assert str(score.total) == "87.5000"
    assert site.find_all(f".queue a[href='/judge/entries/{second.pk}/']")


def test_a_recused_judge_is_told_why_and_declares_a_conflict(site, scene):
    kim = scene.judges[0]
    first, second, _third = scene.entries
    MembershipFactory(enterprise=first.enterprise, user=kim)
    site.login(kim)
    site.wait_path("/my/")  # a member of an enterprise starts in its portal; the nav leads to the desk
    site.find("nav.areas a[href='/judge/']").click()
    site.wait_path("/judge/")
    recused = site.find("ul.recused").text
    assert first.title in recused
    _check(site, "10-queue-recused")
    site.find(f"ul.recused a[href='/judge/entries/{first.pk}/']").click()
    site.wait_path(f"/judge/entries/{first.pk}/")
    assert site.find(".refusal").is_displayed() and not site.find_all("input[name='marks.local']")
    _check(site, "11-recused")
    body = "&".join(f"marks.{key}={value}" for key, value in MARKS.items())
    assert site.forged_post(f"/judge/entries/{first.pk}/", body) == 403
    assert not Score.objects.filter(judge=kim).exists()

    site.open(f"/judge/entries/{second.pk}/")
    site.find(f"a[href='/judge/entries/{second.pk}/conflict/']").click()
    site.wait_path(f"/judge/entries/{second.pk}/conflict/")
    site.type("#id_reason", "이 기업의 사업 계획을 자문했습니다")
    _check(site, "12-conflict")
    site.submit()
    site.wait_path("/judge/")
    assert Conflict.objects.get(judge=kim, entry=second).reason == "이 기업의 사업 계획을 자문했습니다"
    assert second.title in site.find("ul.recused").text
    assert not site.find_all(f".queue ul.entries:not(.recused) a[href='/judge/entries/{second.pk}/']")
    _check(site, "13-queue-after-conflict")


def test_after_the_round_closes_the_scores_are_locked_and_the_ranking_shows(site, scene):
    lee = scene.judges[1]
    first = scene.entries[0]
    judged = scene.scored  # the expert judges scored every entry: 88, 80, 60
    site.login(lee)
    site.wait_path("/judge/")
    site.open(f"/judge/rounds/{judged.pk}/")
    assert site.find(".note").is_displayed()  # the ranking waits for the close
    _check(site, "20-round-open")

    from crowdfunding import services

    services.round_close(actor=ManagerFactory(), today=scene.today, round_id=judged.pk)
    site.open(f"/judge/entries/{first.pk}/")
    field = site.find("input[name='marks.social-value']")
    assert field.get_attribute("disabled") is not None and field.get_attribute("value") == "27.0"
    assert not site.find_all("form.score-form button[type=submit]")
    _check(site, "21-locked")
    body = "&".join(f"marks.{key}={value}" for key, value in MARKS.items())
    assert site.forged_post(f"/judge/entries/{first.pk}/", body) == 409

    site.open(f"/judge/rounds/{judged.pk}/")
    ranking = site.find("#ranking-h ~ .table-wrap tbody").text
    assert first.title in ranking.splitlines()[0] and "88.0000" in ranking
    _check(site, "22-round-ranking")
    site.driver.set_window_size(*PHONE)
    _check(site, "23-round-ranking-phone")


CONTROLS = "main form input:not([type=hidden]), main form select, main form textarea, main form button"


def test_the_judges_forms_are_reached_by_tab(site, scene):
    """Every field and button of the score and conflict forms is reached by pressing Tab from the top of the page (as
    tests/web/test_keyboard.py checks the revolving fund's), on a phone's screen too."""
    entry = scene.entries[0]
    site.login_as(scene.citizen)
    for size in (WINDOW, PHONE):
        site.driver.set_window_size(*size)
        for path in (f"/judge/entries/{entry.pk}/", f"/judge/entries/{entry.pk}/conflict/"):
            site.open(path)
            controls = [c for c in site.find_all(CONTROLS) if c.is_displayed()]
            assert controls, f"{path}: no form"
            reached = {e.id for e in site.tab_order(len(site.find_all("a, input, select, textarea, button")) + 5)}
            assert not [c for c in controls if c.id not in reached], f"{path}: not all reachable by Tab"
