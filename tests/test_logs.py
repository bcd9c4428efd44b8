"""The request id: taken from a sane X-Request-ID or made, sent back, on every log record of the request, carried in
the headers of the tasks it enqueues and taken up by the worker; and the JSON log lines."""

from __future__ import annotations

import json
import logging
import sys
from types import SimpleNamespace

import pytest

from core import logs

pytestmark = pytest.mark.django_db


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.addFilter(logs.ContextFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def captured():
    handler = Capture()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)


def test_a_request_gets_an_id_in_the_response_and_on_its_log_records(client, captured):
    response = client.get("/api/v1/loans/")  # anonymous: 401, logged by django.request as a warning
    rid = response["X-Request-ID"]
    assert len(rid) == 32 and int(rid, 16) >= 0
    mine = [r for r in captured if r.name == "django.request"]
    assert mine and {r.request_id for r in mine} == {rid}
    assert client.get("/api/v1/loans/")["X-Request-ID"] != rid  # each request its own


@pytest.mark.parametrize(("given", "kept"), [
    ("client-req-0001", True),
    ("3f2b6c1e-8f0a-4c1b-9f8e-2d6b1a7c9e10", True),
    ("short", False),  # under 8 characters
    ("x" * 65, False),
    ("bad id with spaces", False),
    ('"}{\\n', False),
])
def test_the_callers_id_is_kept_only_when_it_is_a_plain_token(client, given, kept):
    rid = client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"]
    assert (rid == given) is kept
    assert logs.request_id.get() is None  # nothing leaks past the request


def test_the_id_goes_into_the_headers_of_a_task_and_the_worker_takes_it_up(captured):
    token = logs.request_id.set("req-12345678")
    try:
        headers: dict[str, str] = {}
        logs.on_before_task_publish(headers=headers)
        assert headers == {"request_id": "req-12345678"}
    finally:
        logs.request_id.reset(token)

    # in the worker: no request around; the task's message carries the id
    task = SimpleNamespace(request=SimpleNamespace(request_id="req-12345678"))
    logs.on_task_prerun(task_id="task-1", task=task)
    logging.getLogger("statements.tasks").warning("rendering")
    logs.on_task_postrun(task_id="task-1", task=task)
    logging.getLogger("statements.tasks").warning("idle")
    by_message = {r.getMessage(): (r.request_id, r.task_id) for r in captured}
    assert by_message["rendering"] == ("req-12345678", "task-1")
    assert by_message["idle"] == ("-", "-")


def test_an_eager_task_inside_a_request_keeps_the_requests_id_and_gives_it_back(captured):
    token = logs.request_id.set("req-abcdefgh")
    try:
        logs.on_task_prerun(task_id="eager-1", task=SimpleNamespace(request=SimpleNamespace()))
        logging.getLogger("x").warning("in the task")
        logs.on_task_postrun()
        logging.getLogger("x").warning("after the task")
        assert logs.request_id.get() == "req-abcdefgh"
    finally:
        logs.request_id.reset(token)
    by_message = {r.getMessage(): (r.request_id, r.task_id) for r in captured}
    assert by_message == {"in the task": ("req-abcdefgh", "eager-1"), "after the task": ("req-abcdefgh", "-")}


def test_json_lines_carry_the_fields_a_collector_needs():
    record = logging.LogRecord("funds.servicing", logging.ERROR, __file__, 1, "상환 %s", ("R1",), None)
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    logs.ContextFilter().filter(record)
    line = logs.JsonFormatter().format(record)
    assert "\n" not in line.split('"exception"')[0]
    entry = json.loads(line)
    assert entry["message"] == "상환 R1" and entry["level"] == "ERROR" and entry["logger"] == "funds.servicing"
    assert entry["request_id"] == "-" and entry["time"].endswith("+00:00")
    assert "ValueError: boom" in entry["exception"]
