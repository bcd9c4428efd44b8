"""Fixtures of the social impact bonds' API tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from tests.bonds.factories import BondWorld, make_world


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    """Evidence files are stored under MEDIA_ROOT: a fresh directory per test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def world(db) -> BondWorld:
    """A Seoul-style draft contract, complete and ready to sign (``tests.bonds.factories.make_world``)."""
    return make_world()


@pytest.fixture
def as_user() -> Callable[[Any], APIClient]:
    """A client signed in as ``user`` (DRF's force_authenticate: the JWT itself is the role matrix's business)."""

    def make(user: Any) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
