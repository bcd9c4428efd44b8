"""What every special-guarantee write checks the same way: the one rule for replays of idempotent writes, and rates.
(The checks every instrument shares are the kernel's: ``core.money.won_input``, ``core.inputs.check_key`` and
``digest`` for idempotency keys.)"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from core.errors import IdempotencyConflict, ValidationFailed
from core.inputs import KEY_FIELD


def check_replay(existing: Any, actor: Any, *, amount: Decimal, on: date, source: str) -> None:
    """A write made again with a key already used: the same caller with the same content gets the first result
    back; another caller, or other content, is a conflict. Raises IdempotencyConflict."""
    if existing.created_by_id != getattr(actor, "pk", None):
        raise IdempotencyConflict(
            _("This idempotency key was already used by someone else; use a new one."),
            fields={KEY_FIELD: [_("already used by another user")]},
        )
    if existing.amount.amount != amount or existing.received_on != on or existing.source != source:
        raise IdempotencyConflict(
            _("This idempotency key was already used for a different request."),
            fields={KEY_FIELD: [_("already used with another amount, date or source")]},
        )


def decimal_input(value: Any, field: str, *, low: Decimal, high: Decimal, low_open: bool = False,
                  places: int = 5) -> Decimal:
    """``value`` as a Decimal with at most ``places`` decimals, from ``low`` (excluded with ``low_open``) to
    ``high``. Raises ValidationFailed naming ``field``."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if not number.is_finite() or -number.as_tuple().exponent > places:  # type: ignore[operator]
        raise ValidationFailed(
            _("Bad number for %(field)s.") % {"field": field},
            fields={field: [_("a decimal number with at most %(places)s decimals") % {"places": places}]},
        )
    if number < low or (low_open and number == low) or number > high:
        rule = (_("more than %(low)s and at most %(high)s") if low_open else _("from %(low)s to %(high)s")) % {
            "low": low, "high": high}
        raise ValidationFailed(_("%(field)s is out of range.") % {"field": field}, fields={field: [rule]})
    return number
