"""``/healthz``: is the database answering, and is the Celery broker reachable?

200 while the database answers (the broker being down degrades background work but not requests; work is
retried), 503 when the database does not.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from .errors import error_body


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - any failure means "down", and we say which
        return {"status": "down", "vendor": connection.vendor, "error": exc.__class__.__name__}


def _broker() -> dict[str, Any]:
    if not settings.CELERY_BROKER_URL:
        return {"status": "ok", "mode": "eager (no broker configured)"}
    from config.celery import app

    try:
        # The URL is passed explicitly: Celery's own config prefers the CELERY_BROKER_URL environment variable
        # to the Django setting, and this check must probe what the settings say.
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
        return {"status": "ok", "mode": "broker"}
    except Exception as exc:  # noqa: BLE001
        return {"status": "down", "mode": "broker", "error": exc.__class__.__name__}


@csrf_exempt  # it changes nothing; without this a POST would get the CSRF failure page instead of the 405
@never_cache
def healthz(request: Any) -> JsonResponse:
    if request.method != "GET":  # the common error body, not Django's empty 405 page
        response = JsonResponse(error_body("method_not_allowed", f'Method "{request.method}" not allowed.'), status=405)
        response["Allow"] = "GET"
        return response
    database = _database()
    broker = _broker()
    healthy = database["status"] == "ok"
    overall = "ok" if healthy and broker["status"] == "ok" else ("degraded" if healthy else "down")
    return JsonResponse({"status": overall, "database": database, "broker": broker}, status=200 if healthy else 503)
