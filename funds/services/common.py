"""What every revolving-fund write checks the same way: the one rule for replays of idempotent writes. (The checks
every instrument shares are the kernel's: ``core.money.won_input``, ``core.inputs.require_reason``,
``core.inputs.check_key`` and ``digest`` for idempotency keys, ``enterprises.roles.require_manager`` and
``is_member``.)"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.errors import IdempotencyConflict
from core.inputs import KEY_FIELD
from enterprises.roles import MANAGERS, has_role


def is_manager(actor: Any) -> bool:
    return has_role(actor, *MANAGERS)


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
