"""Fixtures of the console's special-guarantee page tests: a signed-in client per role (tests/web/pages.py) and the
world of ``world.GuaranteeWorld``."""

import pytest

from tests.web.pages import _fast_password_hashing, client_as  # noqa: F401

from .world import GuaranteeWorld


@pytest.fixture
def gw(db) -> GuaranteeWorld:
    return GuaranteeWorld()
