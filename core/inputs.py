"""Checks of what a service is given that every instrument shares (amounts are ``core.money.won_input``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import ValidationFailed


def require_reason(reason: str | None, *, field: str = "reason") -> str:
    """``reason`` without its surrounding blanks; a missing or blank reason is a ValidationFailed naming ``field``.
    For the decisions a person must explain (a rejection, a reversal, a write-off), as the audit trail keeps it."""
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(_("A reason is required."), fields={field: [_("required")]})
    return text
