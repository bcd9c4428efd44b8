"""Fixtures for the ledger tests: a book with the small chart from ``tests.factories.make_accounts``."""

from __future__ import annotations

import pytest

from ledger.models import Account, Book
from tests.factories import BookFactory, make_accounts


@pytest.fixture
def book(db) -> Book:
    return BookFactory()


@pytest.fixture
def accounts(book) -> dict[str, Account]:
    return make_accounts(book)
