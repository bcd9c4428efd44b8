"""Fixtures of the social impact bond tests (the shared ones are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from .factories import BondWorld, make_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    """Evidence files are stored under MEDIA_ROOT: a fresh directory per test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db) -> BondWorld:
    """A Seoul-style draft contract, complete and ready to sign (``tests.bonds.factories.make_world``)."""
    return make_world()
