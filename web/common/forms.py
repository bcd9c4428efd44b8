"""Form fields every page's forms share. A form only reads and shapes input; the service it feeds checks the rules
and its refusals come back beside the fields (``web.common.pages.ActionPage``)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.errors import ValidationFailed
from core.money import won_input


class WonField(forms.CharField):
    """An amount in whole won: "12,345,000", "12345000" or "₩12,345,000"; more than zero unless ``allow_zero``."""

    def __init__(self, *args: Any, allow_zero: bool = False, **kwargs: Any) -> None:
        self.allow_zero = allow_zero
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                                           "class": "num"}))
        kwargs.setdefault("help_text", _("In won, e.g. 12,345,000"))
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = (super().to_python(value) or "").replace(",", "").replace("₩", "").replace(" ", "")
        if not text:
            return None
        try:
            return won_input(text, "amount", allow_zero=self.allow_zero)
        except ValidationFailed as exc:
            raise ValidationError(exc.fields.get("amount", [exc.message])) from None


class DateField(forms.DateField):
    """A date picked in the browser's date input (2026-12-06)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    input_formats = ("%Y-%m-%d",)


class ReasonField(forms.CharField):
    """Why a person decided as they did: kept in the audit trail."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Reason"))
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        kwargs.setdefault("max_length", 1000)
        super().__init__(*args, **kwargs)


class IdempotentForm(forms.Form):
    """A form that moves money carries a key made when the form was shown: submitting it twice (a double click, a
    resend after a timeout) replays the first result instead of moving the money twice."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["idempotency_key"].initial = f"web-{uuid.uuid4()}"


class ReasonForm(forms.Form):
    reason = ReasonField(required=False)


class RequiredReasonForm(forms.Form):
    reason = ReasonField(required=True)
