"""Fixtures of the public campaign pages' tests: the world, and a client per user that reads the pages in English
(anonymous for None)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.web.pages import _fast_password_hashing  # noqa: F401

from .world import PublicWorld


@pytest.fixture
def world() -> PublicWorld:
    return PublicWorld()


@pytest.fixture
def client_as() -> Callable[[Any], Client]:
    def make(user: Any = None) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            client.force_login(user)
        return client

    return make
