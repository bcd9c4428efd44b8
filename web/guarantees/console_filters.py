"""The filters above the console's special-guarantee tables (django-filter): what a manager narrows a list by. The
program's dashboard links to each list filtered by its program (``?program=<id>``)."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from enterprises.models import Institution
from guarantees.models import Claim, Guarantee, GuaranteeApplication, GuaranteeProgram, SubsidyRun


def _programs() -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(label=_("Program"), queryset=GuaranteeProgram.objects.order_by("-year", "code"))


def _banks(field_name: str = "bank") -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(label=_("Bank"), field_name=field_name,
                                     queryset=Institution.objects.filter(kind=Institution.Kind.BANK).order_by("name"))


class ApplicationFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Enterprise"), field_name="enterprise__name", lookup_expr="icontains")
    program = _programs()
    state = filters.ChoiceFilter(label=_("State"), choices=GuaranteeApplication.State.choices)

    class Meta:
        model = GuaranteeApplication
        fields: list[str] = []


class GuaranteeFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Enterprise"), field_name="enterprise__name", lookup_expr="icontains")
    program = _programs()
    state = filters.ChoiceFilter(label=_("State"), choices=Guarantee.State.choices)
    bank = _banks()

    class Meta:
        model = Guarantee
        fields: list[str] = []


class SubsidyRunFilter(filters.FilterSet):
    program = _programs()
    state = filters.ChoiceFilter(label=_("State"), choices=SubsidyRun.State.choices)

    class Meta:
        model = SubsidyRun
        fields: list[str] = []


class ClaimFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Enterprise"), field_name="guarantee__enterprise__name", lookup_expr="icontains")
    program = filters.ModelChoiceFilter(label=_("Program"), field_name="guarantee__program",
                                        queryset=GuaranteeProgram.objects.order_by("-year", "code"))
    state = filters.ChoiceFilter(label=_("State"), choices=Claim.State.choices)
    bank = _banks("guarantee__bank")

    class Meta:
        model = Claim
        fields: list[str] = []
