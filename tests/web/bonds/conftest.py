"""Fixtures of the social impact bonds' page tests: a Seoul-style contract in service (tests.bonds.factories) with
its capital called and paid, the interim results confirmed and the interim payment prepared by Kim, and a signed-in
client per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from tests.web.pages import _fast_password_hashing, client_as  # noqa: F401

from .world import PagesWorld


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def bw(db) -> PagesWorld:
    return PagesWorld.make()
