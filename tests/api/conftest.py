"""Fixtures of the API tests (the shared ones are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from core.audit import audit_record
from tests.factories import EnterpriseFactory, InstitutionFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Logins are still checked for real, only with a cheap hash: the role matrix creates a user per case."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def other_enterprise(db):
    return EnterpriseFactory()


@pytest.fixture
def institution(db):
    return InstitutionFactory()


@pytest.fixture
def bearer_client() -> Callable[..., APIClient]:
    """A fresh client that sends a real signed JWT access token for ``user`` (or nothing for ``None``)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        return client

    return make


@pytest.fixture
def audit_event(db, enterprise):
    return audit_record(actor=None, action="enterprise.seed", obj=enterprise, after={"name": enterprise.name})
