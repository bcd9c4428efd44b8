"""``/healthz``: the database and the Celery broker, as configured in the settings.

Redis runs on this machine (CI starts it); the "down" case points at a port nothing listens on.
"""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection, connections
from django.test import Client

from tests.api.helpers import assert_error

REDIS = "redis://127.0.0.1:6379/0"
CLOSED_PORT = "redis://127.0.0.1:1/0"

pytestmark = pytest.mark.django_db


def test_healthy_without_a_broker_the_tasks_run_eagerly(api, settings):
    settings.CELERY_BROKER_URL = ""

    response = api.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"status": "ok", "vendor": connection.vendor}
    assert body["broker"]["status"] == "ok"
    assert "eager" in body["broker"]["mode"]


def test_with_the_real_redis_the_broker_is_ok(api, settings):
    settings.CELERY_BROKER_URL = REDIS

    body = api.get("/healthz").json()

    assert body["status"] == "ok"
    assert body["broker"] == {"status": "ok", "mode": "broker"}


def test_a_broker_that_does_not_answer_degrades_but_is_still_200(api, settings):
    settings.CELERY_BROKER_URL = CLOSED_PORT

    response = api.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["status"] == "ok"
    assert body["broker"]["status"] == "down"
    assert body["broker"]["mode"] == "broker"
    assert body["broker"]["error"]


def test_the_broker_checked_is_the_one_in_the_settings_not_celerys_environment_default(api, settings, monkeypatch):
    # Celery's own config prefers the CELERY_BROKER_URL environment variable over the Django setting; the check
    # must probe what the settings say (the same in production, but not when a test or a command overrides it).
    monkeypatch.setenv("CELERY_BROKER_URL", REDIS)
    settings.CELERY_BROKER_URL = CLOSED_PORT

    assert api.get("/healthz").json()["broker"]["status"] == "down"

    monkeypatch.setenv("CELERY_BROKER_URL", CLOSED_PORT)
    settings.CELERY_BROKER_URL = REDIS

    assert api.get("/healthz").json()["broker"]["status"] == "ok"


def test_a_database_that_does_not_answer_is_a_503(api, settings, monkeypatch):
    settings.CELERY_BROKER_URL = ""

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connections["default"], "cursor", refuse)
        response = api.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"]["status"] == "down"
    assert body["database"]["error"] == "OperationalError"


def test_health_needs_no_sign_in_and_is_never_cached(api, settings):
    settings.CELERY_BROKER_URL = ""

    response = api.get("/healthz")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_health_answers_only_get(method):
    client = Client(enforce_csrf_checks=True)  # as a real client: no CSRF token either

    response = getattr(client, method)("/healthz")

    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
