"""Fixtures of the API tests (the shared ones are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from core.audit import audit_record, audit_seal
from tests.audit_actions import action_for_tests
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
    """An event sealed into the chain (as the commit that recorded it would have sealed it), so it has a seq."""
    event = audit_record(
        actor=None, action=action_for_tests("enterprise.seed"), obj=enterprise, after={"name": enterprise.name}
    )
    audit_seal()
    event.refresh_from_db()
    return event
