"""Helpers of the revolving fund's API tests: what a request could write, the idempotency keys it holds included (to
prove a refusal wrote nothing), and the error shape. The service-level helpers are in tests/funds/helpers.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api.models import IdempotencyRecord
from tests.api.helpers import assert_error
from tests.funds import helpers as domain
from tests.funds.helpers import months_before

__all__ = ["assert_error", "months_before", "nothing_written", "world_state"]


def world_state() -> dict[str, Any]:
    """Everything a funds request could write (``tests.funds.helpers.world_state``) and the idempotency keys held."""
    state = domain.world_state()
    state["counts"]["IdempotencyRecord"] = IdempotencyRecord.objects.count()
    return state


@contextmanager
def nothing_written() -> Iterator[None]:
    """Assert that the block (a request) leaves the database exactly as it found it."""
    before = world_state()
    yield
    after = world_state()
    assert after == before, "a refused request wrote something"
