"""Korean won: whole won, ``Decimal`` only, never ``float``.

``to_won`` is the single gate through which an amount from outside becomes a ``Decimal``: it accepts ``Decimal``,
``int`` and decimal strings, and refuses floats, fractions of a won, non-numbers and (unless allowed) zero or less.
``won_input`` is the same gate for a service's input: a refusal is a ValidationFailed naming the field.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from djmoney.money import Money

from core.engines.rounding import ROUNDING_MODES, round_won

from .errors import ValidationFailed

__all__ = ["KRW", "MAX_WON", "ROUNDING_MODES", "MoneyError", "format_won", "krw", "round_won", "to_won",
           "won_input"]

KRW = "KRW"
# The largest amount a MoneyField(max_digits=18, decimal_places=0) holds.
MAX_WON = Decimal("999999999999999999")

# ASCII digits, optionally grouped by commas in threes, optionally with a decimal part (which must be zero).
_AMOUNT_TEXT = re.compile(r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$")


class MoneyError(ValueError):
    """An amount that is not a whole, positive (or allowed) number of won."""


def to_won(value: object, *, allow_zero: bool = False, allow_negative: bool = False) -> Decimal:
    """Parse ``value`` as a whole number of won. Raises MoneyError with a message naming the rule broken."""
    if isinstance(value, bool | float):
        raise MoneyError(_("must be a decimal string or an integer, not a floating-point number"))
    if isinstance(value, Money):
        if str(value.currency) != KRW:
            raise MoneyError(_("must be in KRW, not %(currency)s") % {"currency": value.currency})
        value = value.amount
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        text = value.strip()
        if not _AMOUNT_TEXT.match(text):
            raise MoneyError(_('must be a number of won written in digits, such as "12000000" or "12,000,000"'))
        try:
            amount = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise MoneyError(_('must be a number of won, such as "12000000"')) from None
    else:
        raise MoneyError(_('must be a number of won, such as "12000000"'))
    if not amount.is_finite():
        raise MoneyError(_("must be a finite number"))
    if amount != amount.to_integral_value():
        raise MoneyError(_("must be a whole number of won (no fractions of a won)"))
    # Before quantize: quantizing a number wider than the context's 28 digits raises InvalidOperation.
    if abs(amount) > MAX_WON:
        raise MoneyError(_("must be at most %(max)s") % {"max": format_won(MAX_WON)})
    amount = amount.quantize(Decimal(1)) + 0  # + 0 turns -0 into 0
    if amount < 0 and not allow_negative:
        raise MoneyError(_("must not be negative"))
    if amount == 0 and not allow_zero:
        raise MoneyError(_("must be greater than zero"))
    return amount


def won_input(value: object, field: str, *, allow_zero: bool = False) -> Decimal:
    """``value``, an amount a service was given for ``field``, as a whole number of won: more than zero (or, with
    ``allow_zero``, zero or more). Raises ValidationFailed naming ``field`` and the rule broken."""
    try:
        return to_won(value, allow_zero=allow_zero)
    except MoneyError as exc:
        raise ValidationFailed(
            _("Bad amount for %(field)s: %(reason)s.") % {"field": field, "reason": exc}, fields={field: [str(exc)]}
        ) from None


def krw(amount: Decimal | int) -> Money:
    return Money(to_won(amount, allow_zero=True, allow_negative=True), KRW)


def format_won(amount: Decimal | int) -> str:
    """12000000 -> '12,000,000원'."""
    return f"{int(amount):,}원"
