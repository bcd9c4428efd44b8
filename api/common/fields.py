"""Serializer fields whose schema is exactly what they accept: money in whole won, rates, calendar dates.

Each field refuses what its OpenAPI schema does not allow, so a client (or a fuzzer) reading the schema and the
API agree both ways. The schema of each is built here too (``api.common.schema`` registers it for drf-spectacular).
``core.money.to_won`` stays lenient ("12,000,000") for internal callers; the strictness is the API's.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from core.money import KRW, MAX_WON

MAX_WON_INT = int(MAX_WON)
MAX_ID = 2**63 - 1  # ids are bigint: a larger number is bad input (400 on the field), not an id that is missing
_DIGITS = re.compile(r"[0-9]+")
# Canonical text of an amount: no sign, separators, spaces, decimal point or leading zeros; at most 18 digits.
WON_PATTERN = r"^[1-9][0-9]{0,17}$"
WON_OR_ZERO_PATTERN = r"^(0|[1-9][0-9]{0,17})$"


def won_schema(*, allow_zero: bool, direction: str) -> dict[str, Any]:
    """The OpenAPI schema of a WonField: a canonical decimal string (what responses always carry); in requests also
    a JSON integer in range, or ``{"amount": ..., "currency": "KRW"}``."""
    text = {"type": "string", "pattern": WON_OR_ZERO_PATTERN if allow_zero else WON_PATTERN, "example": "12000000"}
    if direction == "response":
        return {**text, "description": "KRW in whole won, as a decimal string."}
    number = {"type": "integer", "minimum": 0 if allow_zero else 1, "maximum": MAX_WON_INT}
    return {
        "oneOf": [
            text,
            number,
            {
                "type": "object",
                "properties": {"amount": {"oneOf": [dict(text), dict(number)]}, "currency": {"type": "string",
                                                                                           "enum": [KRW]}},
                "required": ["amount", "currency"],
                "additionalProperties": False,
            },
        ],
        "description": (
            "KRW in whole won: a decimal string of ASCII digits with no sign, separators, spaces, decimal point or "
            f"leading zeros (\"12000000\"), a JSON integer, or {{\"amount\": ..., \"currency\": \"KRW\"}}; "
            f"{'0' if allow_zero else '1'} to {MAX_WON_INT:,}."
        ),
    }


class WonField(serializers.Field):
    """Accepts "12000000", 12000000 or {"amount": "12000000", "currency": "KRW"}; refuses everything else with a
    message naming the rule: floats, booleans, signs, separators, spaces, decimal points, leading zeros, zero
    (unless ``allow_zero``), more than 999,999,999,999,999,999 and other currencies. Renders a decimal string."""

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, dict):
            unknown = sorted(set(data) - {"amount", "currency"})
            if unknown:
                raise serializers.ValidationError(
                    _("unknown keys %(keys)s: only amount and currency") % {"keys": ", ".join(map(str, unknown))})
            if "currency" not in data:
                raise serializers.ValidationError(_('currency is required with amount: "KRW"'))
            if data["currency"] != KRW:
                raise serializers.ValidationError(
                    _("must be in KRW, not %(currency)s") % {"currency": str(data["currency"])[:10]})
            if "amount" not in data:
                raise serializers.ValidationError(_("amount is required with currency"))
            data = data["amount"]
        return Decimal(self._whole_won(data))

    def _whole_won(self, data: Any) -> int:
        if isinstance(data, bool) or data is None:
            raise serializers.ValidationError(_('must be a number of won in digits, such as "12000000"'))
        if isinstance(data, float):
            raise serializers.ValidationError(_("whole won only, no decimal point"))
        if isinstance(data, int):
            return self._in_range(data)
        if not isinstance(data, str):
            raise serializers.ValidationError(_('must be a number of won in digits, such as "12000000"'))
        return self._in_range(self._parse_text(data))

    def _parse_text(self, text: str) -> int:
        if text == "":
            raise serializers.ValidationError(_('must not be empty: write the number of won, such as "12000000"'))
        if any(c.isspace() for c in text):
            raise serializers.ValidationError(_("no spaces"))
        if text.startswith("-"):
            raise serializers.ValidationError(_("must not be negative"))
        if text.startswith("+"):
            raise serializers.ValidationError(_("no plus sign"))
        if "," in text and _DIGITS.fullmatch(text.replace(",", "")):
            raise serializers.ValidationError(
                _("no thousands separators: write %(digits)s") % {"digits": text.replace(",", "")})
        if "." in text:
            raise serializers.ValidationError(_("whole won only, no decimal point"))
        if not _DIGITS.fullmatch(text):
            raise serializers.ValidationError(_('ASCII digits only, such as "12000000"'))
        if len(text) > 1 and text.startswith("0"):
            raise serializers.ValidationError(_("no leading zeros"))
        if len(text) > len(str(MAX_WON_INT)):
            raise serializers.ValidationError(_("must be at most %(max)s") % {"max": f"{MAX_WON_INT:,}"})
        return int(text)

    def _in_range(self, amount: int) -> int:
        if amount < 0:
            raise serializers.ValidationError(_("must not be negative"))
        if amount == 0 and not self.allow_zero:
            raise serializers.ValidationError(_("must be greater than zero"))
        if amount > MAX_WON_INT:
            raise serializers.ValidationError(_("must be at most %(max)s") % {"max": f"{MAX_WON_INT:,}"})
        return amount

    def to_representation(self, value: Any) -> str:
        amount = value.amount if hasattr(value, "amount") else value
        return str(int(amount))


# A rate's text: "0", or "0." and one to five decimals, at most 0.20000 (the legal maximum, 이자제한법 20 %).
RATE_PATTERN = r"^0(\.([01][0-9]{0,4}|20{0,4}))?$"
RATE_MAX = Decimal("0.20000")


class RateField(serializers.DecimalField):
    """An annual rate as a fraction: "0.02000" is 2 %. In requests a decimal string from "0" to "0.20000" with at
    most five decimals (no sign, exponent or spaces); in responses always five decimals."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=7, decimal_places=5, **kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str):
            raise serializers.ValidationError(_('must be a decimal string such as "0.02000", not a JSON number'))
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", data):
            raise serializers.ValidationError(
                _('must be a fraction written in ASCII digits with a decimal point, such as "0.02000"'))
        value = Decimal(data)
        if -value.as_tuple().exponent > 5:  # type: ignore[operator]
            raise serializers.ValidationError(_("at most five decimals"))
        if value > RATE_MAX:
            raise serializers.ValidationError(_("at most 0.20000, the legal maximum"))
        if not re.fullmatch(RATE_PATTERN[1:-1], data):
            raise serializers.ValidationError(_("no leading zeros"))
        return value


RATE_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "string", "pattern": RATE_PATTERN, "example": "0.02000",
    "description": 'An annual rate as a fraction, "0" to "0.20000" with at most five decimals: "0.02000" is 2 %.',
}
RATE_RESPONSE_SCHEMA: dict[str, Any] = {
    "type": "string", "pattern": r"^-?[0-9]{1,2}\.[0-9]{5}$", "example": "0.02000",
    "description": 'An annual rate as a fraction with five decimals: "0.02000" is 2 %.',
}

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class DateField(serializers.DateField):
    """A calendar date written exactly as ``YYYY-MM-DD`` (RFC 3339 full-date, as the schema's ``format: date``
    says); Python's other ISO 8601 spellings ("20260302", "2026-W10-1", "2026-3-2") are refused."""

    def to_internal_value(self, value: Any) -> date:
        if isinstance(value, str) and not ISO_DATE.fullmatch(value):
            raise serializers.ValidationError(_("must be a date written YYYY-MM-DD, such as 2026-03-02"))
        return super().to_internal_value(value)


class IdField(serializers.IntegerField):
    """An object's id: a whole number from 1 to 2^63 - 1, written in ASCII digits when it comes as text (a query
    parameter). ``int`` alone would take other scripts' digits ("١٢٣") and ``str.isdigit`` others still ("²")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str) and not _DIGITS.fullmatch(data):
            raise serializers.ValidationError(_("must be a whole number written in the digits 0-9"))
        return super().to_internal_value(data)
