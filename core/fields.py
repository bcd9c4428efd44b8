"""Model fields shared by every package: money in whole won."""

from __future__ import annotations

from typing import Any

from djmoney.models.fields import MoneyField


def won_field(verbose_name: Any, **kwargs: Any) -> MoneyField:
    """KRW in whole won: ``MoneyField(max_digits=18, decimal_places=0, default_currency="KRW")``."""
    return MoneyField(verbose_name, max_digits=18, decimal_places=0, default_currency="KRW", **kwargs)
