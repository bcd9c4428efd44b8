"""Fixtures of the judges' desk page tests: a signed-in client per role (tests/web/pages.py) and the world of
``tests.web.crowdfunding.world.ContestWorld``."""

import pytest

from tests.web.crowdfunding.world import ContestWorld
from tests.web.pages import _fast_password_hashing, client_as  # noqa: F401


@pytest.fixture
def cw(db) -> ContestWorld:
    return ContestWorld()
