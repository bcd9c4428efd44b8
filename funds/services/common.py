"""What every revolving-fund write checks the same way: keys of idempotent writes and the one rule for replays.
(The checks every instrument shares are the kernel's: ``core.money.won_input``, ``core.inputs.require_reason``,
``enterprises.roles.require_manager`` and ``is_member``.)"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.errors import IdempotencyConflict, ValidationFailed
from enterprises.roles import MANAGERS, has_role

MAX_KEY = 200  # a client's idempotency key; journal keys use its SHA-256, to stay within 200 characters
KEY_FIELD = "idempotency_key"


def is_manager(actor: Any) -> bool:
    return has_role(actor, *MANAGERS)


def check_key(key: str) -> str:
    """A client's idempotency key: 1 to 200 characters. Raises ValidationFailed."""
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY:
        raise ValidationFailed(
            _("An idempotency key of 1 to %(max)s characters is required.") % {"max": MAX_KEY},
            fields={KEY_FIELD: [_("1 to %(max)s characters") % {"max": MAX_KEY}]},
        )
    return key


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def check_replay(existing: Any, actor: Any, amount: Decimal, on: date | None, on_name: str) -> None:
    """The one rule for a write made again with a key already used: a key is its caller's own, so the same caller
    with the same content gets the first result back; another caller, or other content, is a conflict. Raises
    IdempotencyConflict."""
    if existing.created_by_id != getattr(actor, "pk", None):
        raise IdempotencyConflict(
            _("This idempotency key was already used by someone else; use a new one."),
            fields={KEY_FIELD: [_("already used by another user")]},
        )
    if existing.amount.amount != amount or (on is not None and getattr(existing, on_name) != on):
        raise IdempotencyConflict(
            _("This idempotency key was already used for a different request."),
            fields={KEY_FIELD: [_("already used with another amount or date")]},
        )
