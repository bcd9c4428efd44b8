"""The console's section menu fits a 1280 px wide window for a manager (who sees the most entries, the bonds' too):
it wraps onto a second line instead of scrolling sideways, in Korean and in English, and every entry is on screen.
On a phone it stays one line that scrolls sideways, and the page itself never does."""

from __future__ import annotations

import pytest

from tests.factories import ManagerFactory
from tests.web.browser import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = """
    const nav = document.querySelector('nav.menu'), list = nav.querySelector('ul');
    const links = [...nav.querySelectorAll('a')];
    return {nav: [nav.scrollWidth, nav.clientWidth], list: [list.scrollWidth, list.clientWidth],
            page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
            offscreen: links.filter(a => a.getBoundingClientRect().right > window.innerWidth).map(a => a.textContent),
            lines: new Set(links.map(a => Math.round(a.getBoundingClientRect().top))).size, entries: links.length};
"""


def _layout(site) -> dict:
    return site.driver.execute_script(OVERFLOW)


def test_the_console_menu_does_not_scroll_sideways_at_1280_px(site):
    site.driver.set_window_size(1280, 800)
    site.login(ManagerFactory())
    site.wait_path("/console/")
    for language in ("ko", "en"):
        if language == "en":
            site.find("#language option[value='en']").click()  # the form sends itself on change
            site.wait_until(lambda d: d.find_element("css selector", "html").get_attribute("lang") == "en",
                            message="the page in English")
        layout = _layout(site)
        assert layout["entries"] >= 10, layout  # the manager's whole menu, the bonds' entry too
        assert site.find_all("nav.menu a[href='/console/bonds/']")
        assert layout["nav"][0] <= layout["nav"][1], (language, layout)
        assert layout["list"][0] <= layout["list"][1], (language, layout)
        assert layout["page"][0] <= layout["page"][1], (language, layout)
        assert not layout["offscreen"], (language, layout)
        site.assert_accessible()
        site.screenshot(f"console-nav-1280-{language}")

    # A phone: the menu is one line that scrolls sideways inside itself; the page does not.
    site.driver.set_window_size(*PHONE)
    layout = _layout(site)
    assert layout["lines"] == 1, layout
    assert layout["nav"][0] > layout["nav"][1], layout
    assert layout["page"][0] <= layout["page"][1], layout
    site.assert_accessible()
    site.screenshot("console-nav-phone")
