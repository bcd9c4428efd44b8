"""What the API tests of contests and entries share: a contest whose dates lie around today (the API takes today
from the clock), the users of every role, and requests as one of them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from crowdfunding.models import Contest
from tests.crowdfunding.factories import ContestFactory

C = "/api/v1/contests/"
E = "/api/v1/contest-entries/"

# Every role, as the fixture of a user holding it (tests/conftest.py); "anonymous" is nobody signed in.
ROLES = ["anonymous", "plain_user", "judge", "evaluator", "bank_officer", "member", "manager", "auditor",
         "admin_user"]
STAFF = {"manager", "auditor", "admin_user"}
MANAGERS = {"manager", "admin_user"}


def contest_now(phase: str = "call", **overrides: Any) -> Contest:
    """The factories' Daegu contest, in ``phase``, its call open from ten days ago to ten days on, screening to a
    month on, crowdfunding to two months on, the final to three and the awards to four."""
    today = timezone.localdate()
    dates = {"call_opens_on": today - timedelta(days=10), "call_closes_on": today + timedelta(days=10),
             "screening_ends_on": today + timedelta(days=30), "funding_ends_on": today + timedelta(days=60),
             "final_ends_on": today + timedelta(days=90), "awards_end_on": today + timedelta(days=120)}
    return ContestFactory(phase=phase, **{**dates, **overrides})


def user_of(request: Any, role: str) -> Any:
    """The user of ``role`` (None for anonymous), from the conftest's fixtures."""
    return None if role == "anonymous" else request.getfixturevalue(role)


def client(user: Any) -> APIClient:
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


def post(user: Any, path: str, data: Any = None, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client(user).post(path, data=json.dumps(data if data is not None else {}),
                             content_type="application/json", headers=headers)


def patch(user: Any, path: str, data: Any) -> Any:
    return client(user).patch(path, data=json.dumps(data), content_type="application/json")


def get(user: Any, path: str, **query: Any) -> Any:
    return client(user).get(path, query)
