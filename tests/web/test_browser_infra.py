"""The browser test infrastructure itself (tests/web/browser.py, tests/web/conftest.py), on pages that exist
without web/: the Django admin's login and index, and the API's journal export (a real file download)."""

from __future__ import annotations

import csv
import io
import struct
from datetime import date
from pathlib import Path

import pytest
from selenium.common.exceptions import TimeoutException

from tests.factories import AuditorFactory
from tests.web import browser as chromium

ALL_IMPACTS = ("minor", "moderate", "serious", "critical")


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_the_admin_login_page_opens_in_korean_and_is_saved_as_a_screenshot(site):
    site.open("/admin/login/")
    assert site.driver.title == "로그인 | 사회적경제 금융"  # the admin is titled in Korean (web.apps)
    assert site.driver.execute_script("return navigator.languages") == ["ko-KR", "ko"]
    path = site.screenshot("admin-login")
    assert path == chromium.screenshot_dir() / "admin-login.png"
    assert png_size(path)[0] == chromium.WINDOW[0]


def test_a_screenshot_holds_the_whole_page_and_the_window_is_put_back(site, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_SCREENSHOTS", str(tmp_path))
    site.open("/admin/login/")
    site.driver.execute_script("document.body.style.minHeight = '3000px'")
    page_height = site.driver.execute_script("return document.documentElement.scrollHeight")
    assert page_height >= 3000
    path = site.screenshot("tall page/admin")
    assert path == tmp_path / "tall-page-admin.png"
    assert png_size(path) == (chromium.WINDOW[0], page_height)
    assert site.driver.get_window_size() == {"width": chromium.WINDOW[0], "height": chromium.WINDOW[1]}


def test_axe_returns_the_violations_of_the_impacts_asked_for(site):
    site.open("/admin/login/")
    everything = site.axe(impacts=ALL_IMPACTS)
    severe = site.axe()
    assert isinstance(severe, list)
    assert {v["impact"] for v in severe} <= {"serious", "critical"}
    assert [v["id"] for v in severe] == [v["id"] for v in everything if v["impact"] in ("serious", "critical")]
    # An image without a text alternative is a critical violation, named with the node that has it.
    site.driver.execute_script(
        "const img = document.createElement('img'); img.id = 'no-alt'; img.src = '/static/admin/img/icon-yes.svg';"
        "document.querySelector('#content').append(img);"
    )
    image_alt = [v for v in site.axe() if v["id"] == "image-alt"]
    assert image_alt == [
        {
            "id": "image-alt",
            "impact": "critical",
            "help": "Images must have alternative text",
            "help_url": image_alt[0]["help_url"],
            "nodes": ["#no-alt"],
        }
    ]
    assert "image-alt" not in {v["id"] for v in site.axe(disable=["image-alt"])}


def test_an_accessibility_failure_lists_rule_impact_and_nodes(site):
    site.open("/admin/login/")
    site.driver.execute_script(
        "const img = document.createElement('img'); img.id = 'no-alt'; img.src = '/static/admin/img/icon-yes.svg';"
        "document.querySelector('#content').append(img);"
    )
    with pytest.raises(AssertionError) as failure:
        site.assert_accessible(disable=["color-contrast"])
    message = str(failure.value)
    assert f"on {site.url('/admin/login/')}" in message
    assert "[critical] image-alt: Images must have alternative text" in message
    assert "\n      #no-alt" in message


def test_the_login_form_can_be_used_by_keyboard(site):
    site.open("/admin/login/")
    assert site.describe(site.focused()).startswith('input#id_username[name="username"]')  # autofocus
    order = [site.describe(element) for element in site.tab_order(2)]
    assert order == ['input#id_password[name="password"][type="password"]', 'input[type="submit"] "로그인"']


def test_login_through_the_form_reaches_the_next_page_and_a_wrong_password_does_not(site, admin_user):
    site.login(admin_user, "not the password", path="/admin/login/")
    assert site.path == "/admin/login/"
    assert site.find(".errornote").is_displayed()
    site.login(admin_user, path="/admin/login/")
    assert site.path == "/admin/"
    assert site.wait_visible("#user-tools").text.startswith("환영합니다")


def test_login_as_logs_the_user_in_without_the_form(site, admin_user):
    site.open("/admin/")
    assert site.path == "/admin/login/"  # not logged in yet
    site.login_as(admin_user)
    site.open("/admin/")
    assert site.path == "/admin/"
    assert admin_user.get_username() in site.wait_visible("#user-tools").get_attribute("textContent")
    assert site.cookie("sessionid")


def test_reset_leaves_the_browser_logged_out_and_blank(site, browser, browser_downloads, admin_user):
    site.login_as(admin_user)
    site.open("/admin/")
    (browser_downloads / "left-over.csv").write_text("x")
    browser.set_window_size(800, 600)
    chromium.reset(browser, download_dir=browser_downloads)
    assert browser.current_url == "about:blank"
    assert list(browser_downloads.iterdir()) == []
    assert browser.get_window_size() == {"width": chromium.WINDOW[0], "height": chromium.WINDOW[1]}
    site.open("/admin/")
    assert site.path == "/admin/login/"


def test_waiting_for_htmx_passes_without_htmx_and_waits_for_its_requests(site):
    site.open("/admin/login/")
    site.wait_for_htmx(timeout=1)  # no htmx on the page: settled once loaded
    site.driver.execute_script("window.htmx = {config: {}}")  # htmx's global, as a page with htmx has it
    site.wait_for_htmx(timeout=1)
    # A request in flight, as htmx announces it (the page's tracker counts htmx's own events).
    site.driver.execute_script("document.body.dispatchEvent(new CustomEvent('htmx:beforeSend', {bubbles: true}))")
    with pytest.raises(TimeoutException):
        site.wait_for_htmx(timeout=0.3)
    site.driver.execute_script("document.body.dispatchEvent(new CustomEvent('htmx:afterRequest', {bubbles: true}))")
    site.wait_for_htmx(timeout=1)
    # An element still marked as requesting (htmx's indicator class) is not settled either.
    site.driver.execute_script("document.body.classList.add('htmx-request')")
    with pytest.raises(TimeoutException):
        site.wait_for_htmx(timeout=0.3)
    site.driver.execute_script("setTimeout(() => document.body.classList.remove('htmx-request'), 200)")
    site.wait_for_htmx(timeout=2)


@pytest.mark.usefixtures("asset_class_rules")
def test_a_download_is_found_once_finished(site):
    from tests.funds.factories import make_fund

    fund = make_fund()
    site.login_as(AuditorFactory())
    site.open("/admin/login/")  # any page: a download does not navigate away from it
    site.driver.get(site.url(f"/api/v1/funds/{fund.pk}/journal-export/?start=2020-01-01&end=2020-12-31&file=csv"))
    path = site.wait_for_download(".csv")
    assert path.parent == site.download_dir
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["일자", "전표"]
    assert date(2020, 1, 2).isoformat() in {row[0] for row in rows[1:]}  # the fund's capital came in that day
    assert site.path == "/admin/login/"


def test_waiting_for_a_download_that_never_comes_names_the_directory(site):
    with pytest.raises(TimeoutError, match=str(site.download_dir)):
        site.wait_for_download(".pdf", timeout=0.2)


def collected(request: pytest.FixtureRequest, name: str) -> pytest.Item:
    """A fresh item of a test of this module, marked as collection marks it (whatever ``-k`` selected)."""
    from tests.web import conftest

    item = pytest.Function.from_parent(request.node.parent, name=name)
    conftest.pytest_collection_modifyitems(request.config, [item])
    return item


def test_the_tests_that_use_the_browser_are_marked_browser_and_no_other(request):
    assert collected(request, "test_login_as_logs_the_user_in_without_the_form").get_closest_marker("browser")
    assert collected(request, "test_reset_leaves_the_browser_logged_out_and_blank").get_closest_marker("browser")
    this = collected(request, "test_the_tests_that_use_the_browser_are_marked_browser_and_no_other")
    assert this.get_closest_marker("browser") is None


def test_a_machine_without_chromium_skips_the_browser_tests_unless_it_is_required(request, monkeypatch, tmp_path):
    """The rule of tests/web/conftest.py, on a browser test of this module, with CHROMIUM naming nothing."""
    from tests.web import conftest

    browser_test = collected(request, "test_the_login_form_can_be_used_by_keyboard")
    missing = tmp_path / "no-chromium"
    monkeypatch.setenv("CHROMIUM", str(missing))
    monkeypatch.delenv("REQUIRE_BROWSER", raising=False)
    conftest.pytest_runtest_setup(request.node)  # this test does not use the browser: nothing to check
    with pytest.raises(pytest.skip.Exception, match=f"needs a browser: CHROMIUM={missing} is not an executable file"):
        conftest.pytest_runtest_setup(browser_test)
    monkeypatch.setenv("REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_BROWSER=1 but this browser test cannot run: CHROMIUM="):
        conftest.pytest_runtest_setup(browser_test)
    monkeypatch.delenv("CHROMIUM")
    conftest.pytest_runtest_setup(browser_test)  # chromium is here: the test runs
