"""The special guarantees in the staff console, clicked through in a real browser by the managers who do the work,
each signing in through the login form:

- manager Kim recommends an application from his inbox and sees that he may not approve it (a forged approval of
  his is refused); manager Lee approves it from hers, and the guarantee is made;
- Kim prepares last month's interest subsidy run; Lee approves and pays it, and downloads her bank's payment file
  (CSV) from the run's page;
- Kim prepares a bank's claim, and sees he may not approve it; Lee approves (pays) it and records a recovery;
- an auditor reads every list and page of it with no action offered, and a forged POST of hers is refused.

Every page on the way is checked with axe-core and saved as a screenshot (.artifacts/screenshots/), some at a
phone's width too."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from selenium.webdriver.support.ui import Select

from guarantees import services
from guarantees.models import Claim, Guarantee, GuaranteeApplication, Recovery, SubsidyRun
from tests.factories import AuditorFactory, ManagerFactory
from tests.guarantees.claim_factories import request_claim, set_defaulted
from tests.guarantees.factories import contribute, make_guarantee, make_program
from tests.guarantees.pipeline import make_application

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = (390, 844)


def _check(site, name: str, *, phone: bool = False) -> None:
    site.assert_accessible()
    site.screenshot(f"guarantees-{name}")
    if phone:
        size = site.driver.get_window_size()
        site.driver.set_window_size(*PHONE)
        try:
            site.screenshot(f"guarantees-{name}-phone")
        finally:
            site.driver.set_window_size(size["width"], size["height"])


def _log_out(site) -> None:
    site.find("form[action='/logout/'] button").click()
    site.wait_path("/")


def _submit(site) -> None:
    site.find("form.action-form button[type=submit]").click()


def _forged_post(site, path: str, body: str) -> int:
    """POST ``body`` to ``path`` with the page's CSRF token, as a hand-made request would: the status answered."""
    return site.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
        fetch(arguments[0], {method: 'POST', headers: {'X-CSRFToken': token,
              'Content-Type': 'application/x-www-form-urlencoded'}, body: arguments[1]}).then(r => done(r.status));
    """, path, body)


@pytest.fixture
def scene(asset_class_rules):
    today = timezone.localdate()
    program = make_program()
    contribute(program, 1_000_000_000)
    kim, lee = ManagerFactory(username="manager.kim"), ManagerFactory(username="manager.lee")
    services.subsidy_budget_record(actor=lee, program_id=program.pk, amount=5_000_000, received_on=today,
                                   idempotency_key="budget", today=today)
    application = make_application(program, amount=20_000_000, state="submitted")
    active = make_guarantee(program, amount=30_000_000)  # lent on 2026-03-02 at 5 %: last month is subsidised
    defaulted = make_guarantee(program, amount=20_000_000)
    set_defaulted(defaulted, defaulted_on=today - timedelta(days=20), interest_paid_to=today - timedelta(days=50),
                  balance=15_000_000)
    claim = request_claim(defaulted, requested_on=today - timedelta(days=10), today=today, costs=300_000)
    return {"today": today, "program": program, "kim": kim, "lee": lee, "application": application,
            "active": active, "claim": claim}


def test_managers_recommend_approve_pay_a_subsidy_run_and_a_claim_through_the_pages(site, scene):
    kim, lee, program, application, claim = (scene[k] for k in ("kim", "lee", "program", "application", "claim"))
    app_page = f"/console/guarantee-applications/{application.pk}/"

    # Kim finds the application in his inbox and recommends it.
    site.login(kim)
    site.wait_path("/console/")
    _check(site, "01-inbox-kim", phone=True)
    site.find(f"#g-inbox-recommend-h ~ ul a[href='{app_page}']").click()
    site.wait_path(app_page)
    _check(site, "02-application")
    site.find(f"a[href='{app_page}recommend/']").click()
    site.wait_path(f"{app_page}recommend/")
    Select(site.find("#id_decision")).select_by_value("recommend")
    site.find("#id_reason").send_keys("고용 유지 계획 양호, 추천")
    _check(site, "03-recommend")
    _submit(site)
    site.wait_path(app_page)
    # Four eyes, visible: no approve button for him, the note instead; a forged approval is refused.
    assert not site.find_all(f"a[href='{app_page}approve/']")
    assert site.find(".actions .note").is_displayed()
    _check(site, "04-four-eyes")
    assert _forged_post(site, f"{app_page}approve/", "reason=forged") == 409
    application.refresh_from_db()
    assert application.state == GuaranteeApplication.State.RECOMMENDED

    # Kim prepares last month's interest subsidy run from the program's dashboard.
    site.open(f"/console/guarantee-programs/{program.pk}/")
    site.wait_until(lambda d: d.find_elements("css selector", "canvas[data-drawn]"), message="charts drawn")
    _check(site, "05-program", phone=True)
    site.find(f"a[href='/console/subsidy-runs/prepare/?program={program.pk}']").click()
    site.wait_path("/console/subsidy-runs/prepare/")
    assert Select(site.find("#id_program")).first_selected_option.get_attribute("value") == str(program.pk)
    _check(site, "06-run-prepare")
    _submit(site)
    # The run's page, once the answer has come (the run is written by the request the browser is still waiting on).
    site.wait_until(lambda d: re.fullmatch(r"/console/subsidy-runs/\d+/", urlsplit(d.current_url).path),
                    message="the browser never reached the run's page")
    run = SubsidyRun.objects.get()
    site.wait_path(f"/console/subsidy-runs/{run.pk}/")
    assert run.prepared_by == kim and run.total.amount > 0
    assert not site.find_all(f"a[href='/console/subsidy-runs/{run.pk}/approve/']")
    _check(site, "07-run-prepared")

    # Kim works the claim out for payment today (all the costs the bank claimed).
    claim_page = f"/console/guarantee-claims/{claim.pk}/"
    site.open("/console/guarantee-claims/")
    _check(site, "08-claims")
    site.find(f"#table a[href='{claim_page}']").click()
    site.wait_path(claim_page)
    site.find(f"a[href='{claim_page}prepare/']").click()
    site.wait_path(f"{claim_page}prepare/")
    _check(site, "09-claim-prepare")
    _submit(site)
    site.wait_path(claim_page)
    claim.refresh_from_db()
    assert (claim.state, claim.amount.amount) == (Claim.State.PREPARED, 15_402_730)
    assert not site.find_all(f"a[href='{claim_page}approve/']")
    _check(site, "10-claim-prepared")
    _log_out(site)

    # Lee approves the application from her inbox.
    site.login(lee)
    site.wait_path("/console/")
    _check(site, "11-inbox-lee")
    site.find(f"#g-inbox-approve-h ~ ul a[href='{app_page}']").click()
    site.wait_path(app_page)
    site.find(f"a[href='{app_page}approve/']").click()
    site.wait_path(f"{app_page}approve/")
    _check(site, "12-approve")
    _submit(site)
    site.wait_path(app_page)
    site.wait_visible(".messages .success")
    guarantee = Guarantee.objects.get(application=application)
    assert guarantee.state == Guarantee.State.APPROVED and guarantee.guaranteed.amount == 20_000_000
    site.find(f".actions a[href='/console/guarantees/{guarantee.pk}/']").click()
    site.wait_path(f"/console/guarantees/{guarantee.pk}/")
    _check(site, "13-guarantee", phone=True)

    # Lee approves and pays the run, then downloads her bank's payment file.
    site.open("/")
    site.open("/console/")
    site.find(f"#g-inbox-runs-h ~ ul a[href='/console/subsidy-runs/{run.pk}/']").click()
    site.wait_path(f"/console/subsidy-runs/{run.pk}/")
    site.find(f"a[href='/console/subsidy-runs/{run.pk}/approve/']").click()
    site.wait_path(f"/console/subsidy-runs/{run.pk}/approve/")
    _check(site, "14-run-approve")
    _submit(site)
    site.wait_path(f"/console/subsidy-runs/{run.pk}/")
    run.refresh_from_db()
    assert (run.state, run.approved_by) == (SubsidyRun.State.PAID, lee)
    _check(site, "15-run-paid", phone=True)
    site.find(f"a[href='/console/subsidy-runs/{run.pk}/payment-files/?bank={scene['active'].bank_id}&format=csv']"
              ).click()
    body = site.wait_for_download(".csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert scene["active"].enterprise.name in body and len(rows) >= 2
    assert str(int(run.total.amount)) in body.replace(",", "")

    # Lee approves (pays) the claim and records a recovery of 1,000,000.
    site.open("/console/")
    site.find(f"#g-inbox-pay-h ~ ul a[href='{claim_page}']").click()
    site.wait_path(claim_page)
    site.find(f"a[href='{claim_page}approve/']").click()
    site.wait_path(f"{claim_page}approve/")
    _check(site, "16-claim-approve")
    _submit(site)
    site.wait_path(claim_page)
    claim.refresh_from_db()
    assert (claim.state, claim.approved_by) == (Claim.State.PAID, lee)
    site.find(f"a[href='{claim_page}recover/']").click()
    site.wait_path(f"{claim_page}recover/")
    site.find("#id_amount").send_keys("1,000,000")
    site.find("#id_memo").send_keys("1차 회수")
    _check(site, "17-recovery")
    _submit(site)
    site.wait_path(claim_page)
    site.wait_visible(".messages .success")
    assert Recovery.objects.get().amount.amount == 1_000_000
    assert "₩14,402,730" in site.find("main").text  # owed today: 15,402,730 paid - 1,000,000 recovered
    _check(site, "18-claim-paid", phone=True)


def test_an_auditor_reads_the_guarantee_console_and_acts_on_nothing(site, scene):
    today, program, claim, application = scene["today"], scene["program"], scene["claim"], scene["application"]
    run, _created = services.subsidy_run_prepare(program_id=program.pk, period_start=(
        today.replace(day=1) - timedelta(days=1)).replace(day=1), actor=scene["kim"], today=today)
    site.login(AuditorFactory(username="auditor.park"))
    site.wait_path("/console/")
    pages = ("/console/", "/console/guarantee-applications/", f"/console/guarantee-applications/{application.pk}/",
             "/console/guarantees/", f"/console/guarantees/{scene['active'].pk}/", "/console/subsidy-runs/",
             f"/console/subsidy-runs/{run.pk}/", "/console/guarantee-claims/", f"/console/guarantee-claims/{claim.pk}/",
             f"/console/guarantee-programs/{program.pk}/")
    for path in pages:
        site.open(path)
        assert site.path == path
        site.assert_accessible()
        site.screenshot("guarantees-auditor" + path.replace("/", "-").rstrip("-"))
        assert not site.find_all("a[href$='/approve/'], a[href$='/reject/'], a[href$='/recommend/'], "
                                 "a[href$='/prepare/'], a[href*='/prepare/?'], a[href$='/cancel/'], "
                                 "a[href$='/recover/'], a[href$='/write-off/']"), path
    assert _forged_post(site, f"/console/subsidy-runs/{run.pk}/approve/", "idempotency_key=web-forged") == 403
    assert _forged_post(site, f"/console/guarantee-claims/{claim.pk}/prepare/", f"paid_on={today}") == 403
    run.refresh_from_db()
    claim.refresh_from_db()
    assert run.state == SubsidyRun.State.PREPARED and claim.state == Claim.State.REQUESTED


CONTROLS = "main form input:not([type=hidden]), main form select, main form textarea, main form button"


def test_the_guarantee_consoles_forms_are_reached_by_tab(site, scene):
    """Every field and button of the console's guarantee forms is reached by pressing Tab from the top of the page
    (as tests/web/test_keyboard.py checks the revolving fund's)."""
    claim, application = scene["claim"], scene["application"]
    guarantee = make_guarantee(scene["program"], amount=10_000_000, state="approved")
    site.login_as(scene["kim"])
    for path in (f"/console/guarantee-applications/{application.pk}/recommend/", "/console/subsidy-runs/prepare/",
                 f"/console/guarantee-claims/{claim.pk}/prepare/", f"/console/guarantees/{guarantee.pk}/cancel/",
                 "/console/guarantee-claims/"):
        site.open(path)
        controls = [c for c in site.find_all(CONTROLS) if c.is_displayed()]
        assert controls, f"{path}: no form"
        reached = {e.id for e in site.tab_order(len(site.find_all("a, input, select, textarea, button")) + 5)}
        assert not [c for c in controls if c.id not in reached], f"{path}: not all reachable by Tab"
        site.assert_accessible()
