"""The console's action forms of the contests: they read and shape input; the services decide (dates in order, a
phase never backwards, four eyes, the tier's range, what the joint fund holds) and their refusals come back beside
the fields. A form that moves money is an ``IdempotentForm``."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.utils.translation import gettext_lazy as _

from crowdfunding.models import PHASE_ORDER, Aggregation, Contest, ContestPartner, Panel, Phase, RoundKind
from enterprises.models import Enterprise, Institution, Province, User
from web.common.forms import DateField, IdempotentForm, ReasonField, WonField

MAX_TRANCHES = 6


def _phase_choices(contest: Contest) -> list[tuple[str, Any]]:
    """The phases after the contest's current one (the crowdfunding phase only when the contest has one)."""
    later = PHASE_ORDER[PHASE_ORDER.index(contest.phase) + 1:]
    return [(value, Phase(value).label) for value in later
            if value != Phase.FUNDING or contest.funding_ends_on is not None]


class ContestForm(forms.Form):
    """A new contest: who hosts it, who may enter, its phases' dates and the target range of an entry."""

    code = forms.SlugField(label=_("Code"), max_length=50, help_text=_("Letters, digits and dashes, e.g. daegu-2026."))
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    host = forms.ModelChoiceField(label=_("Host institution (주관기관)"), queryset=Institution.objects.none(),
                                  empty_label=_("Choose…"))
    eligible_kinds = forms.MultipleChoiceField(
        label=_("Enterprise kinds that may enter"), choices=Enterprise.Kind.choices,
        widget=forms.SelectMultiple(attrs={"size": len(Enterprise.Kind.choices)}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."))
    eligible_provinces = forms.MultipleChoiceField(
        label=_("Provinces (시/도)"), choices=Province.choices, required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}), help_text=_("None chosen: any province."))
    eligible_districts = forms.CharField(
        label=_("Districts (시/군/구)"), required=False, max_length=1000,
        help_text=_("Separated by commas, e.g. 중구, 달서구. Empty: any district of the provinces."))
    previous_stage = forms.ModelChoiceField(
        label=_("Previous stage"), queryset=Contest.objects.none(), required=False, empty_label=_("None (stage 1)"),
        help_text=_("For a staged program: only enterprises awarded in that contest may enter this one."))
    call_opens_on = DateField(label=_("Call opens on"))
    call_closes_on = DateField(label=_("Call closes on"))
    screening_ends_on = DateField(label=_("Screening ends on"))
    funding_ends_on = DateField(label=_("Crowdfunding ends on"), required=False,
                                help_text=_("Empty: the contest has no crowdfunding phase."))
    final_ends_on = DateField(label=_("Final ends on"))
    awards_end_on = DateField(label=_("Awards end on"))
    target_min = WonField(label=_("Smallest target of an entry"), required=False, allow_zero=True)
    target_max = WonField(label=_("Largest target of an entry"))

    def __init__(self, *args: Any, institutions: Any, contests: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = institutions  # type: ignore[attr-defined]
        self.fields["previous_stage"].queryset = contests  # type: ignore[attr-defined]

    def clean_eligible_districts(self) -> list[str]:
        text = self.cleaned_data.get("eligible_districts") or ""
        return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


class ContestAdvanceForm(forms.Form):
    """The phase to move to: the next one, or a later one named."""

    to_phase = forms.ChoiceField(label=_("Move to"), required=False,
                                 help_text=_("Empty: the next phase. A phase never moves backwards."))

    def __init__(self, *args: Any, contest: Contest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_phase"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("The next phase")), *_phase_choices(contest)]


class PartnerForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none(),
                                         empty_label=_("Choose…"))
    pledged = WonField(label=_("Pledged to the joint fund (약정액)"), required=False, allow_zero=True,
                       help_text=_("In won; empty: nothing pledged yet. Adding a partner again changes its pledge."))

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]


class PartnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: ContestPartner) -> str:
        return obj.institution.name


class ContributionForm(IdempotentForm):
    """Money a partner paid into the joint fund (공동기금 출연)."""

    partner = PartnerChoice(label=_("Partner"), queryset=ContestPartner.objects.none(), empty_label=_("Choose…"))
    amount = WonField(label=_("Amount received"))
    received_on = DateField(label=_("Received on"))
    memo = forms.CharField(label=_("Memo"), max_length=300, required=False)

    def __init__(self, *args: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]


# --- judging -------------------------------------------------------------------------------------------------------


class RoundForm(forms.Form):
    """A judged round: which one, how each panel's scores are aggregated."""

    kind = forms.ChoiceField(label=_("Round"), choices=RoundKind.choices)
    aggregation = forms.ChoiceField(label=_("Aggregation per panel"), choices=Aggregation.choices,
                                    initial=Aggregation.TRIMMED)


class CriterionForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=40)
    name = forms.CharField(label=_("Criterion"), max_length=100)
    weight = forms.DecimalField(label=_("Weight"), max_digits=6, decimal_places=2)
    max_score = forms.DecimalField(label=_("Maximum score"), max_digits=6, decimal_places=1)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)


class PanelForm(forms.Form):
    name = forms.CharField(label=_("Panel"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("Choose…")), *Panel.Kind.choices])
    weight = forms.DecimalField(label=_("Weight (%)"), max_digits=5, decimal_places=2)


CriteriaFormSet = forms.formset_factory(CriterionForm, extra=2, min_num=1, max_num=12, validate_min=True,
                                        validate_max=True)
PanelsFormSet = forms.formset_factory(PanelForm, extra=1, min_num=1, max_num=4, validate_min=True,
                                      validate_max=True)


class JudgeChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name() or obj.display_name
        return f"{name} ({obj.username})" if name else obj.username


class PanelChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Panel) -> str:
        return f"{obj.name} · {obj.get_kind_display()}"


class JudgesForm(forms.Form):
    """Judges seated on one of the round's panels (a judge sits on one panel of a round)."""

    panel = PanelChoice(label=_("Panel"), queryset=Panel.objects.none(), empty_label=_("Choose…"))
    judges = JudgeChoice(label=_("Judges"), queryset=User.objects.none(),
                         widget=forms.SelectMultiple(attrs={"size": 10}),
                         help_text=_("Users who hold the judge role. Hold Ctrl (⌘ on a Mac) to choose several."))

    def __init__(self, *args: Any, panels: Any, judges: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["panel"].queryset = panels  # type: ignore[attr-defined]
        self.fields["judges"].queryset = judges  # type: ignore[attr-defined]


class ConfirmForm(forms.Form):
    """An action that needs nothing but the button (opening or closing a round, confirming a list)."""


class AdvancePrepareForm(forms.Form):
    """Who goes on: the top N of the ranking, or every entry at or above a combined score."""

    top_n = forms.IntegerField(label=_("Top N"), required=False, min_value=1, max_value=100_000,
                               help_text=_("The first N of the ranking go on."))
    cut = forms.DecimalField(label=_("Or a cut (combined score)"), required=False, min_value=0, max_value=100,
                             max_digits=7, decimal_places=4,
                             help_text=_("Every ranked entry with this combined score or more goes on."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("top_n") is None) == (data.get("cut") is None):
            raise ValidationError(_("Give either the top N or a cut, not both."))
        return data


# --- awards --------------------------------------------------------------------------------------------------------


class AwardTierForm(forms.Form):
    name = forms.CharField(label=_("Tier"), max_length=100)
    rank_from = forms.IntegerField(label=_("From rank"), min_value=1)
    rank_to = forms.IntegerField(label=_("To rank"), min_value=1)
    amount_min = WonField(label=_("Smallest amount"), help_text="")
    amount_max = WonField(label=_("Largest amount"), help_text="")


AwardTiersFormSet = forms.formset_factory(AwardTierForm, extra=2, min_num=1, max_num=10, validate_min=True,
                                          validate_max=True)


class AwardPrepareForm(forms.Form):
    """An award to a selected entry: its amount (within its tier) and the tranches it is paid in."""

    amount = WonField(label=_("Award amount"))
    tranches = forms.CharField(
        label=_("Tranches"), required=False, max_length=300,
        help_text=_("The amount of each tranche in won, separated by semicolons, e.g. 15,000,000; 10,000,000. "
                    "Empty: one tranche of the whole amount. At most 6."))

    def clean_tranches(self) -> list[Decimal]:
        text = (self.cleaned_data.get("tranches") or "").strip()
        if not text:
            return []
        parts = [part.strip() for part in text.split(";") if part.strip()]
        if len(parts) > MAX_TRANCHES:
            raise ValidationError(_("At most %(n)s tranches.") % {"n": MAX_TRANCHES})
        field = WonField()
        amounts = []
        for part in parts:
            value = field.clean(part)
            amounts.append(value)
        return amounts


class MoneyConfirmForm(IdempotentForm):
    """Approving an award or paying a tranche: the button, and the key that makes a double click pay once."""


class TranchePayForm(IdempotentForm):
    paid_on = DateField(label=_("Paid on"))


class TrancheSettleForm(forms.Form):
    accepted = WonField(label=_("Spending accepted"), required=False, allow_zero=True,
                        help_text=_("In won; empty: everything the enterprise reported. Never more than it reported "
                                    "nor the tranche."))


class TrancheReturnForm(IdempotentForm):
    returned_on = DateField(label=_("Returned on"))


class AwardCancelForm(forms.Form):
    reason = ReasonField(required=True)


# --- several forms sent as one ---------------------------------------------------------------------------------------

_ROW = re.compile(r"^(?P<name>[a-z_]+)(?:\[(?P<i>\d+)\]|\.(?P<j>\d+))\.(?P<field>[a-z_]+)$")


class _AnyName:
    """Every field name a service may name is "in" a composite form: ``Composite.add_error`` finds its place."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str)


class Composite:
    """Forms and formsets sent as one form (a round's terms, its rubric and its panels; the award table's tiers),
    with the interface ``web.common.pages.ActionPage`` uses: ``is_valid``, ``cleaned_data`` (each part's, by name),
    ``add_error`` (a service's rule on ``criteria[2].weight`` goes beside that row's field; anything else above the
    form) and ``non_field_errors``."""

    fields = _AnyName()

    def __init__(self, **parts: Any) -> None:
        self.parts = parts
        self._errors: list[str] = []

    def __getitem__(self, name: str) -> Any:
        return self.parts[name]

    def is_valid(self) -> bool:
        valid = [part.is_valid() for part in self.parts.values()]  # every part validated, for its errors
        return all(valid)

    @property
    def cleaned_data(self) -> dict[str, Any]:
        return {name: part.cleaned_data for name, part in self.parts.items()}

    @property
    def errors(self) -> dict[str, Any]:
        return {name: part.errors for name, part in self.parts.items() if part.errors}

    def add_error(self, field: str | None, error: Any) -> None:
        if field:
            match = _ROW.match(field)
            if match is not None:
                part = self.parts.get(match["name"])
                index = int(match["i"] or match["j"])
                if part is not None and hasattr(part, "forms") and index < len(part.forms):
                    row = part.forms[index]
                    if match["field"] in row.fields:
                        row.add_error(match["field"], error)
                        return
            part = self.parts.get(field)
            if part is not None and hasattr(part, "forms"):
                part._non_form_errors = ErrorList([*part.non_form_errors(), str(error)], error_class="nonform")
                return
            for part in self.parts.values():
                if hasattr(part, "fields") and field in part.fields:
                    part.add_error(field, error)
                    return
        self._errors.append(str(error))

    def non_field_errors(self) -> list[str]:
        found = list(self._errors)
        for part in self.parts.values():
            found += [str(e) for e in (part.non_form_errors() if hasattr(part, "forms") else part.non_field_errors())]
        return found
