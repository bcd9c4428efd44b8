"""Structured logs and the request id.

Every HTTP request gets an id: the caller's ``X-Request-ID`` when it is a sane token (a proxy or a client that
already has one), a new one otherwise. It is sent back in the response's ``X-Request-ID``, put on every log record
made while the request runs, and carried in the headers of every Celery task the request enqueues, so that the
worker's records of that task carry it too. One grep for the id shows a repayment's request and the statement it
asked for, across processes.

``JsonFormatter`` writes one JSON object a line (time in UTC ISO 8601, level, logger, message, request id, task
id, the exception if any): what log collectors take without parsing rules. ``LOG_FORMAT=json`` selects it.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_task_id: ContextVar[str | None] = ContextVar("task_id", default=None)
# what was current before each running task (eager tasks nest inside a request or another task)
_saved: ContextVar[tuple[tuple[str | None, str | None], ...]] = ContextVar("saved_ids", default=())


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str:
    """The caller's id if it is a plain token of 8 to 64 characters; a new one otherwise (never echo arbitrary
    text into the logs)."""
    return value if value and _SANE.match(value) else new_request_id()


class RequestIdMiddleware:
    """Outermost middleware: the request's id for the logs and the tasks, and in the response. The id stays set
    until the request is finished (Django logs a 4xx or 5xx response after the middleware has returned it), and
    is cleared then (``request_finished``)."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response
        from django.core.signals import request_finished

        request_finished.connect(_clear_request_id, weak=False, dispatch_uid="core.logs.clear_request_id")

    def __call__(self, request: Any) -> Any:
        rid = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
        request_id.set(rid)
        request.request_id = rid
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = rid
        return response


def _clear_request_id(**_: Any) -> None:
    request_id.set(None)


class ContextFilter(logging.Filter):
    """Puts the current request id and task id on every record (``-`` outside a request or a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        record.task_id = _task_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "task_id": getattr(record, "task_id", "-"),
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# --- Celery: the request id goes with the task -------------------------------------------------------------------


def on_before_task_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """Signal ``before_task_publish``: the enqueuing request's id into the message headers."""
    rid = request_id.get()
    if headers is not None and rid and TASK_HEADER not in headers:
        headers[TASK_HEADER] = rid


def on_task_prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    """Signal ``task_prerun``: the worker takes the id from the message (or keeps the caller's, when the task
    runs eagerly in the request itself). What was current before is kept to be put back after the task."""
    _saved.set((*_saved.get(), (request_id.get(), _task_id.get())))
    rid = getattr(getattr(task, "request", None), TASK_HEADER, None)
    request_id.set(rid or request_id.get())
    _task_id.set(task_id)


def on_task_postrun(**_: Any) -> None:
    stack = _saved.get()
    if stack:
        (rid, tid), rest = stack[-1], stack[:-1]
        _saved.set(rest)
        request_id.set(rid)
        _task_id.set(tid)


def connect_celery_signals() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(on_before_task_publish, weak=False)
    task_prerun.connect(on_task_prerun, weak=False)
    task_postrun.connect(on_task_postrun, weak=False)
