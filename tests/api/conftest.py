"""Fixtures of the API tests (the shared ones are in tests/conftest.py)."""

from __future__ import annotations

import pytest

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
def audit_event(db, enterprise):
    return audit_record(actor=None, action="enterprise.seed", obj=enterprise, after={"name": enterprise.name})
