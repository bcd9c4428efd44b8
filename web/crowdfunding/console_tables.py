"""The console's tables of the contests: contests, entries, awards. What each column shows on screen and what it
holds in a download (``web.common.tables``)."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from crowdfunding.models import Award, Contest, Entry
from web.common.tables import DateColumn, LinkColumn, StateColumn, Table, WonColumn

from .console_links import award_url, contest_url, entry_url


def _num(**kwargs: Any) -> dict[str, Any]:
    return {"attrs": {"td": {"class": "num"}, "th": {"class": "num"}}, **kwargs}


class ContestTable(Table):
    code = LinkColumn(verbose_name=_("Code"), url=contest_url)
    name = tables.Column(verbose_name=_("Name"))
    host = tables.Column(verbose_name=_("Host"), accessor="host__name", order_by=("host__name",))
    stage = tables.Column(verbose_name=_("Stage"), **_num())
    phase = StateColumn(verbose_name=_("Phase"))
    call_opens_on = DateColumn(verbose_name=_("Call opens"))
    call_closes_on = DateColumn(verbose_name=_("Call closes"))
    final_ends_on = DateColumn(verbose_name=_("Final ends"))
    entry_count = tables.Column(verbose_name=_("Entries submitted"), **_num())
    target_max = WonColumn(verbose_name=_("Largest target"), order_by=("target_max",))

    class Meta(Table.Meta):
        model = Contest
        fields = ("code", "name", "host", "stage", "phase", "call_opens_on", "call_closes_on", "final_ends_on",
                  "entry_count", "target_max")
        order_by = ("-call_opens_on",)


class EntryTable(Table):
    id = LinkColumn(verbose_name=_("Entry"), url=entry_url, text=lambda pk: f"E{pk}")
    title = tables.Column(verbose_name=_("Title"))
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="enterprise__name",
                               order_by=("enterprise__name",))
    contest = LinkColumn(verbose_name=_("Contest"), accessor="contest__code", order_by=("contest__code",),
                         url=lambda entry: contest_url(entry.contest_id))
    target_amount = WonColumn(verbose_name=_("Target"), order_by=("target_amount",))
    campaign_type = tables.Column(verbose_name=_("Campaign type"))
    partner = tables.Column(verbose_name=_("Recommending partner"), accessor="partner__name",
                            order_by=("partner__name",))
    state = StateColumn(verbose_name=_("State"))
    submitted_at = DateColumn(verbose_name=_("Submitted on"))

    class Meta(Table.Meta):
        model = Entry
        fields = ("id", "title", "enterprise", "contest", "target_amount", "campaign_type", "partner", "state",
                  "submitted_at")
        order_by = ("-id",)


class AwardTable(Table):
    id = LinkColumn(verbose_name=_("Award"), url=award_url, text=lambda pk: f"A{pk}")
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="entry__enterprise__name",
                               order_by=("entry__enterprise__name",))
    entry = LinkColumn(verbose_name=_("Entry"), accessor="entry__title", order_by=("entry__title",),
                       url=lambda award: entry_url(award.entry_id))
    contest = LinkColumn(verbose_name=_("Contest"), accessor="contest__code", order_by=("contest__code",),
                         url=lambda award: contest_url(award.contest_id))
    rank = tables.Column(verbose_name=_("Final rank"), **_num())
    tier = tables.Column(verbose_name=_("Tier"), accessor="tier__name", order_by=("tier__name",))
    amount = WonColumn(verbose_name=_("Amount"), order_by=("amount",))
    paid = WonColumn(verbose_name=_("Paid so far"), order_by=("paid",))
    state = StateColumn(verbose_name=_("State"))
    prepared_by = tables.Column(verbose_name=_("Prepared by"), accessor="prepared_by__username",
                                order_by=("prepared_by__username",))
    approved_by = tables.Column(verbose_name=_("Approved by"), accessor="approved_by__username",
                                order_by=("approved_by__username",))

    class Meta(Table.Meta):
        model = Award
        fields = ("id", "enterprise", "entry", "contest", "rank", "tier", "amount", "paid", "state", "prepared_by",
                  "approved_by")
        order_by = ("-id",)
