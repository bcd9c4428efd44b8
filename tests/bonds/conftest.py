"""Fixtures of the social impact bond tests (the shared ones are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from .factories import BondWorld, make_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    """Evidence files are stored under MEDIA_ROOT: a fresh directory per test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The refusals' messages are compared in English (Korean is the default language: see
    ``test_contracts.test_a_refusal_is_in_korean_by_default``)."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(db) -> BondWorld:
    """A Seoul-style draft contract, complete and ready to sign (``tests.bonds.factories.make_world``)."""
    return make_world()
