"""Every form of the main pages can be filled by keyboard alone: pressing Tab from the top of the page reaches every
visible field and button of the page's forms (nothing is a mouse-only control, nothing is taken out of the tab
order), and each of them has a label (axe-core checks the labels on the same pages)."""

from __future__ import annotations

import pytest

from tests.api.funds.world import FundsWorld
from tests.factories import ManagerFactory
from tests.funds.factories import member_of

pytestmark = pytest.mark.django_db(transaction=True)

CONTROLS = ("main form input:not([type=hidden]), main form select, main form textarea, main form button")


def _reached_by_tab(site, path: str) -> None:
    site.open(path)
    controls = [c for c in site.find_all(CONTROLS) if c.is_displayed()]
    assert controls, f"{path}: no form"
    ids = {c.id for c in controls}
    reached = {element.id for element in site.tab_order(len(site.find_all("a, input, select, textarea, button")) + 5)}
    missing = [site.describe(c) for c in controls if c.id not in reached]
    assert not missing, f"{path}: not reachable by Tab: {missing}"
    assert ids <= reached
    site.assert_accessible()


@pytest.fixture
def world(asset_class_rules) -> FundsWorld:
    world = FundsWorld(member_of())
    world.build("own_loan", "own_submitted")
    return world


def test_the_login_form_is_reached_by_tab(site, db):
    _reached_by_tab(site, "/login/")


def test_the_managers_forms_are_reached_by_tab(site, world: FundsWorld):
    site.login_as(ManagerFactory())
    for path in ("/console/loans/", f"/console/loans/{world.own_loan.pk}/repay/",
                 f"/console/applications/{world.own_submitted.pk}/review/", "/console/audit/"):
        _reached_by_tab(site, path)


def test_the_members_forms_are_reached_by_tab(site, world: FundsWorld):
    site.login_as(world.member)
    for path in ("/my/applications/new/", f"/my/loans/{world.own_loan.pk}/repay/"):
        _reached_by_tab(site, path)
