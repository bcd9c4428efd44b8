"""Fixtures of the revolving-fund tests (the shared ones are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Factories set a password on every user they make; a cheap hash keeps the role matrix quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def bearer_client() -> Callable[..., APIClient]:
    """A fresh client that sends a real signed JWT access token for ``user`` (or nothing for ``None``)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        return client

    return make
