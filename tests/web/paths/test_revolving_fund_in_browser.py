"""The revolving fund's main path, clicked through in a real browser by the people who do it, each signing in
through the login form: an enterprise member applies and submits; a fund manager reviews and recommends, and sees
that he may not approve what he recommended (and a forged approval of his is refused); another manager approves and
disburses; the member sees the loan and its schedule; an auditor asks for the fund statement and downloads the PDF.
Every page on the way is checked with axe-core and saved as a screenshot (.artifacts/screenshots/)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from funds.models import Loan, LoanApplication
from statements.models import StatementDownload
from tests.factories import AuditorFactory, ManagerFactory
from tests.funds.factories import make_fund, make_product, member_of

pytestmark = pytest.mark.django_db(transaction=True)


def _check(site, name: str) -> None:
    site.assert_accessible()
    site.screenshot(name)


def _log_out(site) -> None:
    site.find("form[action='/logout/'] button").click()
    site.wait_path("/")


def test_a_loan_from_application_to_statement_through_the_pages(site, asset_class_rules, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fund = make_fund(exposure_limit=200_000_000)
    product = make_product(fund)
    member = member_of()
    kim, lee = ManagerFactory(username="manager.kim"), ManagerFactory(username="manager.lee")
    auditor = AuditorFactory(username="auditor.park")

    # The member applies for 20,000,000 won and submits.
    site.login(member)
    site.wait_path("/my/")
    _check(site, "path-01-portal")
    site.open("/my/applications/new/")
    Select(site.find("#id_product")).select_by_value(str(product.pk))
    site.find("#id_amount").send_keys("20,000,000")
    site.find("#id_purpose").send_keys("카페 설비 교체")
    _check(site, "path-02-apply")
    site.find("form.action-form button[type=submit]").click()
    site.wait_until(lambda d: site.path != "/my/applications/new/", message="the draft was not saved")
    application = LoanApplication.objects.get(enterprise=member.memberships.get().enterprise)
    site.wait_path(f"/my/applications/{application.pk}/")
    site.find(f"form[action='/my/applications/{application.pk}/submit/'] button").click()
    site.wait_visible(".messages .success")  # the same page again, with the answer
    application.refresh_from_db()
    assert application.state == LoanApplication.State.SUBMITTED
    _check(site, "path-03-submitted")
    _log_out(site)

    # Manager Kim finds it in his inbox, reviews it and recommends it.
    site.login(kim)
    site.wait_path("/console/")
    _check(site, "path-04-inbox")
    site.find(f"#inbox-review-h ~ ul a[href='/console/applications/{application.pk}/']").click()
    site.wait_path(f"/console/applications/{application.pk}/")
    site.find(f"a[href='/console/applications/{application.pk}/review/']").click()
    site.wait_path(f"/console/applications/{application.pk}/review/")
    Select(site.find("#id_decision")).select_by_value("recommend")
    site.find("#id_reason").send_keys("상환 능력 양호, 추천")
    site.find("form.action-form button[type=submit]").click()
    site.wait_path(f"/console/applications/{application.pk}/")
    # Four eyes, visible: no approve button for him, the note instead.
    assert not site.find_all(f"a[href='/console/applications/{application.pk}/approve/']")
    assert site.find(".note").is_displayed()
    _check(site, "path-05-four-eyes")
    # And if he forges the approval anyway, the service refuses it and nothing is approved.
    status = site.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
        fetch(arguments[0], {method: 'POST', headers: {'X-CSRFToken': token,
              'Content-Type': 'application/x-www-form-urlencoded'}, body: 'reason=forged'}).then(r => done(r.status));
    """, f"/console/applications/{application.pk}/approve/")
    assert status in (403, 409)
    application.refresh_from_db()
    assert application.state == LoanApplication.State.RECOMMENDED
    _log_out(site)

    # Manager Lee approves it, then disburses the loan it created.
    site.login(lee)
    site.wait_path("/console/")
    site.find(f"#inbox-approve-h ~ ul a[href='/console/applications/{application.pk}/']").click()
    site.wait_path(f"/console/applications/{application.pk}/")
    site.find(f"a[href='/console/applications/{application.pk}/approve/']").click()
    site.wait_path(f"/console/applications/{application.pk}/approve/")
    site.find("form.action-form button[type=submit]").click()
    site.wait_path(f"/console/applications/{application.pk}/")
    loan = Loan.objects.get(application=application)
    site.find(f"a[href='/console/loans/{loan.pk}/']").click()
    site.wait_path(f"/console/loans/{loan.pk}/")
    site.find(f"a[href='/console/loans/{loan.pk}/disburse/']").click()
    site.wait_path(f"/console/loans/{loan.pk}/disburse/")
    _check(site, "path-06-disburse")
    site.find("form.action-form button[type=submit]").click()
    site.wait_path(f"/console/loans/{loan.pk}/")
    loan.refresh_from_db()
    assert loan.state == Loan.State.ACTIVE
    site.wait_for_htmx()
    site.wait_until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#tab tbody tr")) == 36)
    _check(site, "path-07-console-loan")
    site.open(f"/console/funds/{fund.pk}/")
    site.wait_until(lambda d: d.find_elements(By.CSS_SELECTOR, "canvas[data-drawn]"), message="charts drawn")
    _check(site, "path-08-fund-dashboard")
    _log_out(site)

    # The member sees the loan, what falls due next, and its schedule.
    site.login(member)
    site.wait_path("/my/")
    site.find(f"a[href='/my/loans/{loan.pk}/']").click()
    site.wait_path(f"/my/loans/{loan.pk}/")
    site.wait_for_htmx()
    site.wait_until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#tab tbody tr")) == 36)
    assert "₩20,000,000" in site.find("main").text
    _check(site, "path-09-portal-loan")
    _log_out(site)

    # The auditor asks for the fund statement on the fund's page and downloads it.
    site.login(auditor)
    site.wait_path("/console/")
    site.open(f"/console/funds/{fund.pk}/")
    site.find("form[action='/statements/request/'] button[type=submit]").click()
    site.wait_visible(".messages .success")  # back on the same page: wait for the answer, not the address
    site.open("/console/statements/")
    link = site.wait_visible("#table a[href$='/download/']", timeout=60)  # rendered after the request's commit
    _check(site, "path-10-statements")
    link.click()
    pdf = site.wait_for_download(".pdf", timeout=60)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert StatementDownload.objects.filter(user=auditor).count() == 1
