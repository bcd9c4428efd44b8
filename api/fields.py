"""Serializer fields for money: whole won in, decimal strings out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.money import KRW, MoneyError, to_won


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "pattern": r"^[0-9]+$", "example": "12000000"}, {"type": "integer"}],
        "description": "KRW in whole won, as a decimal string (integers accepted). "
        'An object {"amount": "...", "currency": "KRW"} is accepted too; other currencies are refused.',
    }
)
class WonField(serializers.Field):
    """Accepts "12000000", 12000000 or {"amount": "12000000", "currency": "KRW"}; refuses floats, fractions of
    a won, negatives, zero (unless ``allow_zero``) and other currencies. Renders a decimal string."""

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, dict):
            currency = str(data.get("currency", KRW))
            if currency != KRW:
                raise serializers.ValidationError(_("must be in KRW, not %(currency)s") % {"currency": currency})
            data = data.get("amount")
        try:
            return to_won(data, allow_zero=self.allow_zero)
        except MoneyError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value: Any) -> str:
        amount = value.amount if hasattr(value, "amount") else value
        return str(int(amount))


@extend_schema_field(OpenApiTypes.STR)
class RateField(serializers.DecimalField):
    """An annual rate as a fraction: "0.02000" is 2 %."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=7, decimal_places=5, **kwargs)
