"""What the API tests of applications and guarantees share: a program whose window is open today (the API takes
today from the clock), and requests as a given user."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from guarantees.models import GuaranteeProgram
from tests.guarantees.factories import contribute, make_program

GA = "/api/v1/guarantee-applications/"
G = "/api/v1/guarantees/"
EOK = 100_000_000


def program_open_today(*, paid_in: int = EOK, **overrides: Any) -> GuaranteeProgram:
    """The factories' program (Dalseong-gun's terms: 12x, 30,000,000 won per firm), its window open from half a
    year ago to half a year on, with ``paid_in`` contributed (capacity 12 x that)."""
    today = timezone.localdate()
    program = make_program(opens_on=today - timedelta(days=180), closes_on=today + timedelta(days=180),
                           **overrides)
    if paid_in:
        contribute(program, paid_in)
    return program


def client(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def post(user: Any, path: str, data: Any = None, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client(user).post(path, data=json.dumps(data if data is not None else {}),
                             content_type="application/json", headers=headers)


def get(user: Any, path: str, **query: Any) -> Any:
    return client(user).get(path, query)
