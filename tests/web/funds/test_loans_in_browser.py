"""The loan pages in a real browser: what a fund manager clicks through (the list, its filters in place, sorting,
the download, the loan's page and its schedule tab, a repayment through the form by keyboard), what an auditor sees
(no action; a forged POST from its own session refused), and axe-core on every page, with screenshots."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from funds.models import Repayment
from tests.api.funds.world import FundsWorld
from tests.factories import AuditorFactory, ManagerFactory
from tests.funds.factories import member_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(asset_class_rules) -> FundsWorld:
    world = FundsWorld(member_of())
    world.build("own_loan", "other_loan", "own_approved_loan")
    return world


def test_the_landing_and_login_pages_are_accessible_and_the_login_works_by_keyboard(site, db):
    manager = ManagerFactory(username="manager.kim")
    site.open("/")
    site.assert_accessible()
    site.screenshot("landing")
    site.open("/login/")
    site.assert_accessible()
    site.screenshot("login")
    username = site.find('input[name="username"]')
    username.click()
    username.send_keys(manager.username)
    site.driver.switch_to.active_element.send_keys(Keys.TAB)
    focused = site.focused()
    assert focused.get_attribute("name") == "password"
    from tests.factories import PASSWORD

    focused.send_keys(PASSWORD, Keys.ENTER)
    site.wait_path("/console/")


def test_a_manager_filters_sorts_downloads_and_opens_a_loan(site, world: FundsWorld):
    site.login_as(ManagerFactory())
    site.open("/console/loans/")
    site.assert_accessible()
    site.screenshot("console-loans")
    rows = site.find_all("#table tbody tr")
    assert len(rows) == 3

    Select(site.find("#id_state")).select_by_value("active")  # the table updates in place (htmx)
    site.wait_for_htmx()
    site.wait_until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#table tbody tr")) == 2)
    assert "state=active" in site.driver.current_url  # the address follows, so the view can be shared

    site.find("#table thead a[href*='sort=principal']").click()
    site.wait_for_htmx()
    site.wait_until(lambda d: "sort=principal" in d.current_url)

    site.find(".downloads a[href*='_export=csv']").click()
    csv = site.wait_for_download(".csv").read_text(encoding="utf-8-sig")
    assert csv.count("\n") == 1 + 2

    site.find(f"#table a[href='/console/loans/{world.own_loan.pk}/']").click()
    site.wait_path(f"/console/loans/{world.own_loan.pk}/")
    site.wait_for_htmx()
    site.wait_until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#tab tbody tr")) == 12)  # the schedule tab
    site.assert_accessible()
    site.screenshot("console-loan")


def test_a_manager_records_a_repayment_through_the_form_and_sees_a_bad_amount_beside_its_field(site, world):
    loan = world.own_loan
    site.login_as(ManagerFactory())
    site.open(f"/console/loans/{loan.pk}/")
    site.find(f"a[href='/console/loans/{loan.pk}/repay/']").click()
    site.wait_path(f"/console/loans/{loan.pk}/repay/")
    amount = site.find("#id_amount")
    amount.send_keys("12.5", Keys.ENTER)
    error = site.wait_visible("#id_amount_error")
    assert error.text
    site.assert_accessible()
    site.screenshot("console-repay-error")
    before = Repayment.objects.filter(loan=loan).count()
    amount = site.find("#id_amount")
    amount.clear()
    amount.send_keys("100,000", Keys.ENTER)
    site.wait_path(f"/console/loans/{loan.pk}/")
    assert "₩100,000" in site.find(".messages").text
    assert Repayment.objects.filter(loan=loan).count() == before + 1


def test_an_auditor_sees_no_action_and_a_forged_post_from_its_session_is_refused(site, world):
    loan = world.own_loan
    site.login_as(AuditorFactory())
    site.open(f"/console/loans/{loan.pk}/")
    assert not site.find_all(".actions a")
    site.assert_accessible()
    site.screenshot("auditor-loan")
    status = site.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
        fetch(arguments[0], {method: 'POST', headers: {'X-CSRFToken': token,
              'Content-Type': 'application/x-www-form-urlencoded'}, body: 'amount=10000&idempotency_key=web-forged'})
          .then(r => done(r.status));
    """, f"/console/loans/{loan.pk}/repay/")
    assert status == 403
    assert not Repayment.objects.filter(idempotency_key="web-forged").exists()
