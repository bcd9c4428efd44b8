"""Fixtures shared by the page tests that use Django's test client (tests/web/console, tests/web/portal): the
revolving fund's world of the API tests (``own_*`` objects of the member's enterprise, ``other_*`` of another's; the
managers who made them are none of the roles the tests call with) and a signed-in client per role. Each folder's
conftest imports them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.api.funds.world import FundsWorld


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(member) -> FundsWorld:
    return FundsWorld(member)


@pytest.fixture
def client_as() -> Callable[[Any], Client]:
    """A fresh client signed in as ``user`` (anonymous for ``None``)."""

    def make(user: Any = None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make
