"""Fixtures of the bank desk's page tests."""

import pytest

from tests.web.guarantees.desk import Desk


@pytest.fixture
def desk(db) -> Desk:
    return Desk()
