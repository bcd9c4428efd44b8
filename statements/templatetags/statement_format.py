"""How statements print money and dates: ₩12,345,000 and 2026-11-21."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def won(value: Any) -> str:
    """12345000 -> '₩12,345,000'; -1000 -> '-₩1,000'; None -> ''."""
    if value is None or value == "":
        return ""
    amount = Decimal(getattr(value, "amount", value))
    sign = "-" if amount < 0 else ""
    return f"{sign}₩{int(abs(amount)):,}"


@register.filter
def signed_won(value: Any) -> str:
    """A movement: '+₩1,000' or '-₩1,000'; zero prints as '-'."""
    if value is None or value == "":
        return ""
    amount = Decimal(getattr(value, "amount", value))
    if amount == 0:
        return "-"
    return ("+" if amount > 0 else "") + won(amount)


@register.filter
def ymd(value: Any) -> str:
    """A date as 2026-11-21; a datetime in KST as 2026-11-21 14:05."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@register.filter
def percent(value: Any, places: int = 2) -> str:
    """0.02 -> '2.00%'."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value) * 100:.{int(places)}f}%"


@register.filter
def grouped(value: Any) -> str:
    """A whole number with thousands separators and no currency (balance-days, counts): 930000000 -> '930,000,000'."""
    if value is None or value == "":
        return ""
    return f"{int(Decimal(getattr(value, 'amount', value))):,}"
