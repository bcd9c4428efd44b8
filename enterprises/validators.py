"""Korean registration numbers.

사업자등록번호 (business registration number), 10 digits ``abc-de-fghij``: weights 1,3,7,1,3,7,1,3,5 on the first
nine digits, plus the tens digit of (9th digit x 5); the check digit makes the total a multiple of ten.

법인등록번호 (corporate registration number), 13 digits ``abcdef-ghijklm``: weights 1,2,1,2,... on the first twelve
digits; the check digit is (10 - total mod 10) mod 10.
"""
from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s-]")
_BUSINESS_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def _digits(value: str, length: int, label: str | Promise) -> str:
    # ``label`` is translated too, so the message is in one language, not "business registration number은(는) ...".
    if not isinstance(value, str):
        raise ValidationError(_("%(label)s must be text") % {"label": label}, code="invalid")
    digits = _SEPARATORS.sub("", value)
    if not digits.isascii() or not digits.isdigit() or len(digits) != length:
        raise ValidationError(
            _("%(label)s must be %(length)d digits (dashes allowed)") % {"label": label, "length": length},
            code="format",
        )
    return digits


def business_number_check_digit(first_nine: str) -> int:
    total = sum(int(d) * w for d, w in zip(first_nine, _BUSINESS_WEIGHTS, strict=True))
    total += (int(first_nine[8]) * 5) // 10
    return (10 - total % 10) % 10


def normalize_business_number(value: str) -> str:
    """Return the 10 digits of a valid 사업자등록번호, or raise ValidationError (format or checksum)."""
    digits = _digits(value, 10, _("business registration number"))
    if business_number_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(_("business registration number fails its check digit"), code="checksum")
    return digits


def format_business_number(digits: str) -> str:
    """'1234567890' -> '123-45-67890'."""
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if len(digits) == 10 else digits


def corporate_number_check_digit(first_twelve: str) -> int:
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(first_twelve))
    return (10 - total % 10) % 10


def normalize_corporate_number(value: str) -> str:
    """Return the 13 digits of a valid 법인등록번호, or raise ValidationError (format or checksum)."""
    digits = _digits(value, 13, _("corporate registration number"))
    if corporate_number_check_digit(digits[:12]) != int(digits[12]):
        raise ValidationError(_("corporate registration number fails its check digit"), code="checksum")
    return digits


def format_corporate_number(digits: str) -> str:
    """'1101111234567' -> '110111-1234567'."""
    return f"{digits[:6]}-{digits[6:]}" if len(digits) == 13 else digits


def validate_business_number(value: str) -> None:
    normalize_business_number(value)


def validate_corporate_number(value: str) -> None:
    normalize_corporate_number(value)
