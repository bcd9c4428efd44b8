"""The enterprise portal's tables and filters for the contests: an enterprise's entries."""

from __future__ import annotations

import django_filters as filters
import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from crowdfunding.models import Contest, Entry
from web.common.tables import DateColumn, LinkColumn, StateColumn, Table, WonColumn

from .portal_links import my_entry_url


class MyEntryTable(Table):
    title = LinkColumn(verbose_name=_("Entry"), url=my_entry_url)
    contest = tables.Column(verbose_name=_("Contest"), accessor="contest__name", order_by=("contest__name",))
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="enterprise__name",
                               order_by=("enterprise__name",))
    target_amount = WonColumn(verbose_name=_("Target amount"), order_by=("target_amount",))
    campaign_type = tables.Column(verbose_name=_("Campaign type"))
    state = StateColumn(verbose_name=_("State"))
    created_at = DateColumn(verbose_name=_("Drafted at"))
    submitted_at = DateColumn(verbose_name=_("Submitted at"))

    class Meta(Table.Meta):
        model = Entry
        fields = ("title", "contest", "enterprise", "target_amount", "campaign_type", "state", "created_at",
                  "submitted_at")
        order_by = ("-created_at",)


class MyEntryFilter(filters.FilterSet):
    state = filters.ChoiceFilter(label=_("State"), choices=Entry.State.choices)
    contest = filters.ModelChoiceFilter(label=_("Contest"), queryset=Contest.objects.order_by("-call_opens_on"))

    class Meta:
        model = Entry
        fields: list[str] = []
