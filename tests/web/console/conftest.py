"""Fixtures of the console's page tests (tests/web/pages.py): the world, a signed-in client per role."""

from tests.web.pages import _fast_password_hashing, client_as, world  # noqa: F401
