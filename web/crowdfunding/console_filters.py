"""The filters above the console's contest tables (django-filter): what a manager narrows a list by. A contest's
page links to its entries filtered by state (``?contest=<id>&state=submitted``)."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from crowdfunding.models import Award, CampaignType, Contest, Entry, Phase


def _contests() -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(label=_("Contest"), queryset=Contest.objects.order_by("-call_opens_on", "code"))


class ContestFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Name or code"), method="name_or_code")
    phase = filters.ChoiceFilter(label=_("Phase"), choices=Phase.choices)
    stage = filters.NumberFilter(label=_("Stage"), min_value=1)

    class Meta:
        model = Contest
        fields: list[str] = []

    def name_or_code(self, queryset: QuerySet[Contest], name: str, value: str) -> QuerySet[Contest]:
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class EntryFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Title or enterprise"), method="title_or_enterprise")
    contest = _contests()
    state = filters.ChoiceFilter(label=_("State"), choices=Entry.State.choices)
    campaign_type = filters.ChoiceFilter(label=_("Campaign type"), choices=CampaignType.choices)

    class Meta:
        model = Entry
        fields: list[str] = []

    def title_or_enterprise(self, queryset: QuerySet[Entry], name: str, value: str) -> QuerySet[Entry]:
        return queryset.filter(Q(title__icontains=value) | Q(enterprise__name__icontains=value))


class AwardFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Enterprise"), field_name="entry__enterprise__name", lookup_expr="icontains")
    contest = _contests()
    state = filters.ChoiceFilter(label=_("State"), choices=Award.State.choices)

    class Meta:
        model = Award
        fields: list[str] = []
