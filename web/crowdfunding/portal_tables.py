"""The enterprise portal's tables and filters for the contests: an enterprise's entries."""

from __future__ import annotations

from typing import Any

import django_filters as filters
import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from crowdfunding.models import Contest, Entry, Pledge
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


def backer_name(pledge: Any) -> str:
    """The backer as an enterprise sees it: its display name only (the API's rule), never its address."""
    return pledge.backer.display_name or f"후원자 #{pledge.backer_id}"


class MyPledgeTable(Table):
    """A campaign's pledges for its enterprise: who (the display name), how much, which reward, in which state."""

    order_id = tables.Column(verbose_name=_("Order"))
    backer = tables.Column(verbose_name=_("Backer"), accessor="backer__display_name",
                           order_by=("backer__display_name", "backer_id"))
    amount = WonColumn(verbose_name=_("Amount"), order_by=("amount",))
    reward = tables.Column(verbose_name=_("Reward"), accessor="reward__title", order_by=("reward__position",))
    state = StateColumn(verbose_name=_("State"))
    created_at = DateColumn(verbose_name=_("Pledged at"))

    class Meta(Table.Meta):
        model = Pledge
        fields = ("order_id", "backer", "amount", "reward", "state", "created_at")
        order_by = ("-created_at",)

    def render_backer(self, record: Any) -> str:
        return backer_name(record)

    def value_backer(self, record: Any) -> str:
        return backer_name(record)
