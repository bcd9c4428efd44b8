"""Checks of what a service is given that every instrument shares (amounts are ``core.money.won_input``)."""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _

from .errors import ValidationFailed


def require_reason(reason: str | None, *, field: str = "reason") -> str:
    """``reason`` without its surrounding blanks; a missing or blank reason is a ValidationFailed naming ``field``.
    For the decisions a person must explain (a rejection, a reversal, a write-off), as the audit trail keeps it."""
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(_("A reason is required."), fields={field: [_("required")]})
    return text


MAX_KEY = 200  # a client's idempotency key; journal keys use its SHA-256, to stay within 200 characters
KEY_FIELD = "idempotency_key"


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
    """A client's key as it goes into a journal's idempotency key (its SHA-256: always 64 characters)."""
    return hashlib.sha256(key.encode()).hexdigest()
