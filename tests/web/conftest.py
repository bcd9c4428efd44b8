"""Fixtures of the page tests, which run in a real headless chromium against pytest-django's live server.

- ``browser``: one chromium per test process (per xdist worker), started on first use and quit at the end; it
  takes a second or so to start, so it is shared, and every test that used it leaves it clean (a blank page, no
  cookies, the usual window size, an empty download directory).
- ``site``: the live server seen from that browser (``tests.web.browser.Site``): ``site.open("/console/")``,
  ``site.login(user)`` through the real form, ``site.login_as(user)`` by a session cookie, ``site.screenshot(name)``,
  ``site.axe()``, ``site.wait_for_htmx()``, ``site.wait_for_download(".csv")``. The live server needs a
  transactional database: each such test's rows are deleted when it ends (see ``asset_class_rules`` in
  tests/conftest.py for the seeded rows that a test needing them puts back).

Every test here that uses the browser is marked ``browser``. Without chromium or chromedriver they are skipped,
naming what is missing, unless ``REQUIRE_BROWSER=1`` is set (as CI does), in which case they fail: CI never passes
with the pages untested. This mirrors ``REQUIRE_POSTGRES=1`` for the ``postgres`` tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.web import browser as chromium

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.resolve().parents and "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") is None:
        return
    reason = chromium.unavailable_reason()
    if reason is None:
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but this browser test cannot run: {reason}")
    pytest.skip(f"needs a browser: {reason}")


@pytest.fixture(scope="session")
def browser_downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser saves downloads: a temporary directory of this test process."""
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="session")
def browser(browser_downloads: Path) -> Iterator[WebDriver]:
    """Headless chromium (a selenium WebDriver), one per test process."""
    driver = chromium.start_chromium(download_dir=browser_downloads)
    yield driver
    driver.quit()


@pytest.fixture(autouse=True)
def _browser_clean_slate(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the shared browser, leave it as the next test expects it."""
    if "browser" not in request.fixturenames:
        yield
        return
    driver = request.getfixturevalue("browser")
    downloads = request.getfixturevalue("browser_downloads")
    yield
    chromium.reset(driver, download_dir=downloads)


@pytest.fixture(scope="session")
def live_server(live_server):
    """pytest-django's live server, whose request threads give their database connection back after each request.

    The browser keeps its HTTP connections to the server open, and each is served by a thread of its own; with the
    project's ``CONN_MAX_AGE`` (60 s) such a thread would hold a PostgreSQL connection to the test database until the
    end, and dropping the test database would fail ("being accessed by other users")."""
    from django.db import connections

    # Not for SQLite: the live server's threads share the test's in-memory connection, which must stay open.
    kept = {alias: connections.settings[alias].get("CONN_MAX_AGE", 0) for alias in connections
            if connections[alias].vendor != "sqlite"}
    for alias in kept:
        connections.settings[alias]["CONN_MAX_AGE"] = 0
    yield live_server
    for alias, age in kept.items():
        connections.settings[alias]["CONN_MAX_AGE"] = age


@pytest.fixture
def site(browser: WebDriver, browser_downloads: Path, live_server) -> Iterator[chromium.Site]:
    """The live server as the browser sees it (``tests.web.browser.Site``)."""
    site = chromium.Site(browser, live_server.url, download_dir=browser_downloads)
    yield site
    # Off the site before the live server's database is emptied: no request of the page may still be running.
    browser.get("about:blank")
    site.clear_storage()
