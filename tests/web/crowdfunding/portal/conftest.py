"""Fixtures of the contests' portal page tests (tests/web/pages.py): a signed-in client per role, uploads kept in a
fresh directory per test."""

import pytest

from tests.web.pages import _fast_password_hashing, client_as  # noqa: F401

from .world import World


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(db) -> World:
    return World()
