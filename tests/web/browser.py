"""Real-browser helpers for the page tests: Debian's headless chromium driven through chromedriver by selenium.

The pages (`web/`) are tested as people use them: in a real browser, against a real server (pytest-django's
``live_server``), with the real database. This module holds what those tests share so that each stays short:

- starting chromium the same way everywhere (headless, Korean, a fixed window, a download directory), without
  Selenium Manager: the driver and the browser are Debian's packages, found on the PATH or named by ``CHROMEDRIVER``
  and ``CHROMIUM``, and nothing is ever downloaded (the machines have no internet besides the package registries);
- explicit waits (implicit waits are 0: a test says what it waits for, and a missing element fails at once);
- ``Site``: a live server seen from the browser (``open``, ``login`` through the real form, ``login_as`` by a
  session cookie, ``screenshot``, ``axe``, ``wait_for_htmx``, ``wait_for_download``);
- accessibility checks with axe-core, vendored in ``vendor/axe-core`` (never a CDN), keyboard navigation
  (``tab_order``, ``focused``), htmx settling and downloads.

The fixtures that hand these out, and the rule that skips (or, under ``REQUIRE_BROWSER=1``, fails) the browser tests
on a machine without chromium, are in ``conftest.py`` next to this file.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[2]
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WINDOW = (1280, 900)
PHONE = (390, 844)  # a phone's viewport (CSS pixels)
WAIT_SECONDS = 10.0
# A page taller than this is cut in screenshots: chromium refuses to make a window much taller.
MAX_SCREENSHOT_HEIGHT = 16_000

# Selenium Manager would look for (and download) a driver and a browser when none is named; both are named below,
# and this keeps it offline should anything reach it anyway.
os.environ.setdefault("SE_OFFLINE", "true")


# -- finding and starting chromium --------------------------------------------------------------------------------


def chromium_path() -> str | None:
    """The chromium binary: ``$CHROMIUM``, else ``chromium`` on the PATH (Debian: /usr/bin/chromium)."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


def chromedriver_path() -> str | None:
    """The chromedriver binary: ``$CHROMEDRIVER``, else ``chromedriver`` on the PATH (Debian: /usr/bin/chromedriver)."""
    return os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")


def unavailable_reason() -> str | None:
    """Why the browser tests cannot run on this machine, or None when they can."""
    missing = []
    for what, variable, path in (
        ("chromium", "CHROMIUM", chromium_path()),
        ("chromedriver", "CHROMEDRIVER", chromedriver_path()),
    ):
        if not path:
            missing.append(f"{what} is not on the PATH")
        elif not (os.path.isfile(path) and os.access(path, os.X_OK)):
            missing.append(f"{variable}={path} is not an executable file")
    if not missing:
        return None
    return (
        "; ".join(missing)
        + ": install Debian's chromium and chromium-driver (bash scripts/system-packages.sh --browser), "
        "or set CHROMIUM and CHROMEDRIVER"
    )


# Counts htmx requests in flight on every page from its first script on (htmx has no public counter). htmx fires
# htmx:afterRequest after every request it sent, answered, failed, timed out or aborted.
_HTMX_TRACKER = """
(() => {
  if (window.__htmxPending !== undefined) return;
  window.__htmxPending = 0;
  document.addEventListener('htmx:beforeSend', () => { window.__htmxPending += 1; }, true);
  document.addEventListener('htmx:afterRequest', () => {
    window.__htmxPending = Math.max(0, window.__htmxPending - 1);
  }, true);
})();
"""


def start_chromium(*, download_dir: Path) -> WebDriver:
    """Start headless chromium in Korean, with a 1280x900 window, downloads going to ``download_dir`` unasked."""
    binary, driver_binary = chromium_path(), chromedriver_path()
    if binary is None or driver_binary is None:
        raise RuntimeError(unavailable_reason())
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--disable-dev-shm-usage",  # containers have a small /dev/shm, and chromium crashes when it fills up
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--force-device-scale-factor=1",  # screenshots of the same size on every machine
        "--lang=ko-KR",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-search-engine-choice-screen",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(argument)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # chromium refuses to start its sandbox as root
    options.add_experimental_option(
        "prefs",
        {
            "intl.accept_languages": "ko-KR,ko",
            "download.default_directory": str(download_dir),
            "download.prompt_for_download": False,
            "download.directory_upgrade": True,
            "safebrowsing.enabled": False,
            "credentials_enable_service": False,  # no "save password?" bubble after a login
            "profile.password_manager_enabled": False,
        },
    )
    service = Service(executable_path=driver_binary)  # a named driver: Selenium Manager is never run
    driver = webdriver.Chrome(service=service, options=options)
    driver.implicitly_wait(0)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    # Headless chromium ignores the download preferences unless told through the DevTools protocol.
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir), "eventsEnabled": False}
    )
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _HTMX_TRACKER})
    return driver


def reset(driver: WebDriver, *, download_dir: Path) -> None:
    """Leave the browser as a new test expects it: a blank page, no cookies, the usual window, no downloads."""
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.set_window_size(*WINDOW)
    for path in download_dir.iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


# -- explicit waits -----------------------------------------------------------------------------------------------


def wait_until(driver: WebDriver, condition: Callable[[WebDriver], Any], *, timeout: float = WAIT_SECONDS,
               message: str = "") -> Any:
    """Wait until ``condition(driver)`` is truthy and return it; TimeoutException with ``message`` otherwise. While
    a form's answer replaces the page, chromium may report the old page's nodes as "not belonging to the document"
    (a WebDriverException, not a stale reference): that only means "not yet"."""
    def settled(driver: WebDriver) -> Any:
        try:
            return condition(driver)
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return False
            raise
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(settled, message)


def _new_document(driver: WebDriver) -> bool:
    """True once the page marked before a form was sent has been replaced by the answer. Chromium may report the old
    page's nodes as "not belonging to the document" (a WebDriverException, not a stale reference) while it navigates,
    so the check is on a window variable of the new document, and a navigation in progress only means "not yet"."""
    try:
        return not driver.execute_script("return window.__beforeLogin === true;")
    except WebDriverException:
        return False


def wait_visible(driver: WebDriver, css: str, *, timeout: float = WAIT_SECONDS) -> WebElement:
    """The element matching ``css`` once it is displayed."""
    return wait_until(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout=timeout,
                      message=f"no visible element matches {css!r} on {driver.current_url}")


def wait_clickable(driver: WebDriver, css: str, *, timeout: float = WAIT_SECONDS) -> WebElement:
    """The element matching ``css`` once it is displayed and enabled."""
    return wait_until(driver, ec.element_to_be_clickable((By.CSS_SELECTOR, css)), timeout=timeout,
                      message=f"no clickable element matches {css!r} on {driver.current_url}")


def wait_text(driver: WebDriver, css: str, text: str, *, timeout: float = WAIT_SECONDS) -> WebElement:
    """The element matching ``css`` once its text contains ``text``."""
    wait_until(driver, ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text), timeout=timeout,
               message=f"{css!r} never contained {text!r} on {driver.current_url}")
    return driver.find_element(By.CSS_SELECTOR, css)


def wait_path(driver: WebDriver, path: str, *, timeout: float = WAIT_SECONDS) -> None:
    """Wait until the page's URL path is ``path`` (after a redirect, say)."""
    wait_until(driver, lambda d: urlsplit(d.current_url).path == path, timeout=timeout,
               message=f"the browser never reached {path}")


_HTMX_SETTLED = """
if (document.readyState !== 'complete') return false;
if (typeof window.htmx === 'undefined') return true;
const config = window.htmx.config || {};
const busy = [config.requestClass || 'htmx-request', config.swappingClass || 'htmx-swapping',
              config.settlingClass || 'htmx-settling'].map((name) => '.' + name).join(', ');
return (window.__htmxPending || 0) === 0 && document.querySelector(busy) === null;
"""


def wait_for_htmx(driver: WebDriver, *, timeout: float = WAIT_SECONDS) -> None:
    """Wait until the page has loaded and htmx is idle: no request in flight, nothing marked as requesting,
    swapping or settling. A page without htmx is idle once loaded."""
    wait_until(driver, lambda d: d.execute_script(_HTMX_SETTLED), timeout=timeout,
               message=f"htmx never settled on {driver.current_url}")


# -- keyboard -----------------------------------------------------------------------------------------------------


def focused(driver: WebDriver) -> WebElement:
    """The element that has the keyboard focus (the body when nothing has)."""
    return driver.switch_to.active_element


def tab_order(driver: WebDriver, n: int) -> list[WebElement]:
    """Press Tab ``n`` times and return the element focused after each press. On a page just loaded, the first
    press focuses the page's first focusable element."""
    order = []
    for _ in range(n):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        order.append(focused(driver))
    return order


_DESCRIBE = """
const e = arguments[0];
let s = e.tagName.toLowerCase();
if (e.id) s += '#' + e.id;
for (const name of ['name', 'type', 'href']) { if (e.getAttribute(name)) s += `[${name}="${e.getAttribute(name)}"]`; }
const text = (e.innerText || e.value || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
return text ? `${s} "${text}"` : s;
"""


def describe(driver: WebDriver, element: WebElement) -> str:
    """A short readable name of an element for assertion messages: ``input#id_username[name="username"]``."""
    return driver.execute_script(_DESCRIBE, element)


# -- accessibility (axe-core) -------------------------------------------------------------------------------------


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


_AXE_RUN = """
const [options, done] = [arguments[0], arguments[arguments.length - 1]];
window.axe.run(document, options)
  .then((results) => done({violations: results.violations}))
  .catch((error) => done({error: String((error && error.stack) || error)}));
"""


def _target(target: Sequence[Any]) -> str:
    # A node's target is a list of CSS selectors, one per frame; a selector inside a shadow root is itself a list.
    return " >> ".join(part if isinstance(part, str) else " >>> ".join(part) for part in target)


def axe_violations(driver: WebDriver, impacts: Iterable[str] = ("serious", "critical"), *,
                   disable: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Run axe-core on the current page and return its violations of the given impacts (minor, moderate, serious,
    critical), each as ``{"id", "impact", "help", "help_url", "nodes": [CSS selector of each offending node]}``.
    ``disable`` names rules not to run (e.g. ``["color-contrast"]``), for a reason the test states."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(_axe_source())
    options = {"resultTypes": ["violations"], "rules": {rule: {"enabled": False} for rule in disable}}
    outcome = driver.execute_async_script(_AXE_RUN, options)
    if "error" in outcome:
        raise RuntimeError(f"axe-core failed on {driver.current_url}: {outcome['error']}")
    wanted = set(impacts)
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "help_url": violation["helpUrl"],
            "nodes": [_target(node["target"]) for node in violation["nodes"]],
        }
        for violation in outcome["violations"]
        if violation["impact"] in wanted
    ]


def format_violations(violations: Sequence[dict[str, Any]], *, url: str = "") -> str:
    """Violations as a readable list: impact, rule, what it asks, and the nodes (the first ten of each rule)."""
    lines = [f"{len(violations)} accessibility violation(s)" + (f" on {url}" if url else "") + ":"]
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['help_url']})")
        lines.extend(f"      {node}" for node in violation["nodes"][:10])
        if len(violation["nodes"]) > 10:
            lines.append(f"      ... and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def assert_accessible(driver: WebDriver, impacts: Iterable[str] = ("serious", "critical"), *,
                      disable: Iterable[str] = ()) -> None:
    """Fail, listing them, when axe-core finds violations of the given impacts on the current page."""
    violations = axe_violations(driver, impacts, disable=disable)
    if violations:
        raise AssertionError(format_violations(violations, url=driver.current_url))


# -- screenshots and downloads ------------------------------------------------------------------------------------


def screenshot_dir() -> Path:
    """``$BROWSER_SCREENSHOTS``, else ``<repo>/.artifacts/screenshots`` (ignored by git)."""
    return Path(os.environ.get("BROWSER_SCREENSHOTS") or REPO / ".artifacts" / "screenshots")


def full_page_screenshot(driver: WebDriver, path: Path) -> Path:
    """Save the whole page, not only the window, as a PNG: the window is made as tall as the document for the shot,
    then put back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = driver.get_window_size()
    document_height, chrome_height = driver.execute_script(
        "return [Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0),"
        " window.outerHeight - window.innerHeight]"
    )
    try:
        tall = min(max(document_height + chrome_height, size["height"]), MAX_SCREENSHOT_HEIGHT)
        driver.set_window_size(size["width"], tall)
        if not driver.save_screenshot(str(path)):
            raise RuntimeError(f"chromium could not save a screenshot to {path}")
    finally:
        driver.set_window_size(size["width"], size["height"])
    return path


def wait_for_download(directory: Path, suffix: str, *, timeout: float = WAIT_SECONDS) -> Path:
    """The newest file in ``directory`` whose name ends with ``suffix`` (``".csv"``), once chromium has finished
    writing it (no ``.crdownload`` left)."""
    deadline = time.monotonic() + timeout
    while True:
        names = sorted(p.name for p in directory.iterdir())
        writing = any(name.endswith(".crdownload") for name in names)
        done = [directory / name for name in names if name.endswith(suffix) and not name.endswith(".crdownload")]
        if done and not writing:
            return max(done, key=lambda p: p.stat().st_mtime_ns)
        if time.monotonic() > deadline:
            raise TimeoutError(f"no finished *{suffix} download in {directory} after {timeout} s; it holds {names}")
        time.sleep(0.05)


# -- a live server seen from the browser --------------------------------------------------------------------------


class Site:
    """The live server as the browser sees it. ``site.driver`` is the selenium WebDriver for anything else."""

    def __init__(self, driver: WebDriver, base_url: str, *, download_dir: Path) -> None:
        self.driver = driver
        self.base_url = base_url.rstrip("/") + "/"
        self.download_dir = download_dir

    def url(self, path: str = "/") -> str:
        """The absolute URL of a path on the live server."""
        return urljoin(self.base_url, path)

    def open(self, path: str = "/") -> WebDriver:
        """Load a page and wait until it (and htmx, when the page has it) has settled."""
        self.driver.get(self.url(path))
        wait_for_htmx(self.driver)
        return self.driver

    @property
    def path(self) -> str:
        """The path of the page shown now."""
        return urlsplit(self.driver.current_url).path

    def login(self, user: Any, password: str | None = None, *, path: str = "/login/") -> None:
        """Log in through the real form at ``path``, as a person would: type the user name and password into the
        fields named ``username`` and ``password`` (Django's ``LoginView``) and press its submit button, then wait for
        the next page. Whether that succeeded is for the test to check (a refused login is a page too)."""
        if password is None:
            from tests.factories import PASSWORD

            password = PASSWORD
        username = user if isinstance(user, str) else user.get_username()
        self.open(path)
        field = wait_visible(self.driver, 'input[name="username"]')
        field.clear()
        field.send_keys(username)
        secret = self.driver.find_element(By.CSS_SELECTOR, 'input[name="password"]')
        secret.clear()
        secret.send_keys(password)
        submit = field.find_element(By.XPATH, "./ancestor::form").find_element(By.CSS_SELECTOR, '[type="submit"]')
        self.driver.execute_script("window.__beforeLogin = true;")
        submit.click()
        wait_until(self.driver, _new_document, message=f"submitting the login form at {path} led nowhere")
        wait_for_htmx(self.driver)

    def login_as(self, user: Any) -> None:
        """Log ``user`` in without the form (fast): a real session is created on the server, as
        ``Client.force_login`` does, and its cookie is given to the browser. The next page opened is logged in."""
        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        self.driver.execute_cdp_cmd(
            "Network.setCookie",
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie.value,
                "url": self.base_url,
                "path": settings.SESSION_COOKIE_PATH,
                "httpOnly": settings.SESSION_COOKIE_HTTPONLY,
                "sameSite": settings.SESSION_COOKIE_SAMESITE or "Lax",
            },
        )

    def cookie(self, name: str) -> str | None:
        """The value of one of the browser's cookies for the site (None when it has none by that name)."""
        cookies = self.driver.execute_cdp_cmd("Network.getCookies", {"urls": [self.base_url]})["cookies"]
        return next((c["value"] for c in cookies if c["name"] == name), None)

    def screenshot(self, name: str) -> Path:
        """Save a full-page PNG named ``<name>.png`` in ``screenshot_dir()`` and return its path."""
        safe = re.sub(r"[^\w.-]+", "-", name).strip("-.") or "screenshot"
        return full_page_screenshot(self.driver, screenshot_dir() / f"{safe}.png")

    def axe(self, impacts: Iterable[str] = ("serious", "critical"), *, disable: Iterable[str] = ()) -> list[dict]:
        """The current page's axe-core violations of those impacts (see ``axe_violations``)."""
        return axe_violations(self.driver, impacts, disable=disable)

    def assert_accessible(self, impacts: Iterable[str] = ("serious", "critical"), *,
                          disable: Iterable[str] = ()) -> None:
        """Fail, listing them, on axe-core violations of those impacts on the current page."""
        assert_accessible(self.driver, impacts, disable=disable)

    def find(self, css: str) -> WebElement:
        """The first element matching ``css`` now (NoSuchElementException when there is none: no implicit wait)."""
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait_until(self, condition: Callable[[WebDriver], Any], *, timeout: float = WAIT_SECONDS,
                   message: str = "") -> Any:
        return wait_until(self.driver, condition, timeout=timeout, message=message)

    def wait_visible(self, css: str, *, timeout: float = WAIT_SECONDS) -> WebElement:
        return wait_visible(self.driver, css, timeout=timeout)

    def wait_text(self, css: str, text: str, *, timeout: float = WAIT_SECONDS) -> WebElement:
        return wait_text(self.driver, css, text, timeout=timeout)

    def wait_path(self, path: str, *, timeout: float = WAIT_SECONDS) -> None:
        wait_path(self.driver, path, timeout=timeout)

    def wait_for_htmx(self, *, timeout: float = WAIT_SECONDS) -> None:
        wait_for_htmx(self.driver, timeout=timeout)

    def wait_for_download(self, suffix: str, *, timeout: float = WAIT_SECONDS) -> Path:
        """The file the browser downloaded whose name ends with ``suffix``, once finished."""
        return wait_for_download(self.download_dir, suffix, timeout=timeout)

    def tab_order(self, n: int) -> list[WebElement]:
        return tab_order(self.driver, n)

    def focused(self) -> WebElement:
        return focused(self.driver)

    def describe(self, element: WebElement) -> str:
        return describe(self.driver, element)

    def clear_storage(self) -> None:
        """Forget everything the site stored in the browser (cookies, local and session storage, caches)."""
        origin = self.base_url.rstrip("/")
        self.driver.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})


    # -- what the page paths share ------------------------------------------------------------------------------

    def check(self, name: str, *, phone: bool = False) -> None:
        """The page has no serious or critical axe violation, and its screenshot ``name``; with ``phone``, the same
        again at a phone's size (``name``-phone), then back to the desktop window."""
        self.assert_accessible()
        self.screenshot(name)
        if phone:
            self.driver.set_window_size(*PHONE)
            try:
                self.assert_accessible()
                self.screenshot(f"{name}-phone")
            finally:
                self.driver.set_window_size(*WINDOW)

    def log_out(self) -> None:
        self.find("form[action='/logout/'] button").click()
        self.wait_path("/")

    def submit(self) -> None:
        """Send the action page's form."""
        self.find("form.action-form button[type=submit]").click()

    def type(self, css: str, value: str) -> None:
        """Replace what the field matching ``css`` holds with ``value``."""
        field = self.find(css)
        field.clear()
        field.send_keys(value)

    def forged_post(self, path: str, body: str) -> int:
        """A POST the page never offered, sent to ``path`` with the page's CSRF token, as a hand-made request would:
        the status it got."""
        return self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
            fetch(arguments[0], {method: 'POST', headers: {'X-CSRFToken': token,
                  'Content-Type': 'application/x-www-form-urlencoded'}, body: arguments[1]}).then(r => done(r.status));
        """, path, body)
