"""Fixtures of the special guarantees' page tests (tests/web/pages.py): a signed-in client per role."""

from tests.web.pages import _fast_password_hashing, client_as  # noqa: F401
