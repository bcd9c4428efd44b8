"""The judges' forms: a score (a mark per criterion of the round's rubric, each with its weight and maximum, and a
comment) and a declared conflict of interest. They read and shape input; the service checks the marks (every
criterion, 0 to its maximum, in steps of 0.1) and refuses a recused judge, and its rules come back beside the
fields. Sized for a phone: numeric keyboards, one criterion per row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crowdfunding.models import Criterion
from web.common.forms import ReasonField


def _number(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def mark_field_name(criterion: Criterion) -> str:
    """The field of a criterion's mark: the name the service gives its rule (``marks.<key>``)."""
    return f"marks.{criterion.key}"


class ScoreForm(forms.Form):
    """A mark per criterion, then a comment. ``locked``: every field read-only (the round closed)."""

    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, criteria: list[Criterion], locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        comment = self.fields.pop("comment")
        self.criteria = criteria
        for criterion in criteria:
            maximum = _number(criterion.max_score)
            self.fields[mark_field_name(criterion)] = forms.DecimalField(
                label=criterion.name,
                help_text=gettext("Weight %(weight)s · 0 to %(max)s, in steps of 0.1") % {
                    "weight": _number(criterion.weight), "max": maximum} + (
                    f" · {criterion.description}" if criterion.description else ""),
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "min": "0", "max": maximum, "step": "0.1",
                                                "class": "num mark", "autocomplete": "off"}),
                disabled=locked)
        self.fields["comment"] = comment
        comment.disabled = locked

    def marks(self) -> dict[str, Decimal]:
        return {criterion.key: self.cleaned_data[mark_field_name(criterion)] for criterion in self.criteria}


class ConflictForm(forms.Form):
    reason = ReasonField(required=True, help_text=_("Why you may not judge this entry fairly (e.g. a relative works "
                                                    "there, you advised the project). Kept in the audit trail."))
