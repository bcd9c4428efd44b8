"""Shared fixtures, and the rule for PostgreSQL-only tests.

Tests marked ``postgres`` need row locks, triggers and real concurrency. On SQLite they are skipped, unless
``REQUIRE_POSTGRES=1`` is set (as CI does), in which case they fail: CI never passes with them unseen.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from tests.factories import (
    AuditorFactory,
    BackerFactory,
    BankOfficerFactory,
    EnterpriseFactory,
    EvaluatorFactory,
    InvestorFactory,
    JudgeFactory,
    ManagerFactory,
    MembershipFactory,
    UserFactory,
)
from tests.payments import _payment_provider_server, payment_provider, webhook_sink  # noqa: F401


def pytest_runtest_setup(item: pytest.Item) -> None:
    if "postgres" not in item.keywords or connection.vendor == "postgresql":
        return
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"REQUIRE_POSTGRES=1 but the database is {connection.vendor}; this PostgreSQL-only test cannot run")
    pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture(scope="session", autouse=True)
def _demo_payment_provider_of_this_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """``load_demo`` uses the payment stand-in answering at PAYMENTS_PROVIDER_URL, or starts one of its own there
    with its state in ``demo_funding.STATE_FILE``. Each test process gets a port and a state file of its own, so that
    two processes loading the demo at once never share a stand-in (their orders and idempotency keys would
    collide). Tests of payments point the settings at their own stand-in (``payment_provider``)."""
    import socket

    from django.test import override_settings

    from crowdfunding import demo_funding

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    patch = pytest.MonkeyPatch()
    patch.setattr(demo_funding, "STATE_FILE", tmp_path_factory.mktemp("payments") / "payment-provider.json")
    with override_settings(PAYMENTS_PROVIDER_URL=f"http://127.0.0.1:{port}"):
        yield
    patch.undo()


@pytest.fixture
def asset_class_rules(transactional_db) -> None:
    """A transactional test empties every table when it ends, the rows a data migration seeded included; the
    asset classification rules are put back (as the migration does) for servicing to class loans."""
    import importlib

    from django.apps import apps

    importlib.import_module("funds.migrations.0003_asset_class_rules").seed(apps, None)


@pytest.fixture
def bearer_client() -> Callable[..., APIClient]:
    """A fresh client that sends a real signed JWT access token for ``user`` (or nothing for ``None``)."""
    from rest_framework_simplejwt.tokens import AccessToken

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        return client

    return make


@pytest.fixture(autouse=True)
def _wide_backdating_window(settings) -> None:
    """Tests tell their stories on fixed days (known answers worked out by hand for those dates), which fall out of
    the production back-dating window (90 days) as the calendar moves on; so the window is twenty years here. The
    tests of the window itself (tests/core/test_dates.py, tests/api/funds/test_date_windows.py) set it back."""
    settings.BACKDATE_DAYS = 7305


@pytest.fixture(autouse=True)
def _celery_join_allowed() -> None:
    """Celery marks "inside a task: never wait for a result" in one process-wide flag, which an eager task sets
    and restores around its run. Eager tasks run from several threads at once (the PostgreSQL concurrency tests:
    each commit seals its audit events) can restore each other's value and leave it set, and a later test in the
    same process that waits for an eager result (``.delay().get()``) is then refused. Each test starts with it
    clear, as a fresh process would."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Login failure counters live in the cache; each test starts with none."""
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language (ko).

    LocaleMiddleware activates a request's language and leaves it active in the thread, so a test that sent
    ``Accept-Language: en`` would otherwise make the next test's service messages English.
    """
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def manager(db):
    return ManagerFactory()


@pytest.fixture
def other_manager(db):
    return ManagerFactory()


@pytest.fixture
def auditor(db):
    return AuditorFactory()


@pytest.fixture
def judge(db):
    return JudgeFactory()


@pytest.fixture
def evaluator(db):
    return EvaluatorFactory()


@pytest.fixture
def bank_officer(db):
    """An officer of a bank of its own (a new institution of kind bank)."""
    return BankOfficerFactory()


@pytest.fixture
def investor(db):
    """A user of an investing institution of its own (a new institution of kind investor)."""
    return InvestorFactory()


@pytest.fixture
def backer(db):
    """A backer (후원자) with its email address verified."""
    return BackerFactory()


@pytest.fixture
def admin_user(db):
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def plain_user(db):
    return UserFactory()


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory()


@pytest.fixture
def member(db, enterprise):
    return MembershipFactory(enterprise=enterprise).user
