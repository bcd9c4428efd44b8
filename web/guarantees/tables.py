"""The special guarantees' tables: what each column shows on screen and what it holds in a download."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from guarantees.models import GuaranteeProgram
from web.common.tables import DateColumn, LinkColumn, PercentColumn, Table, WonColumn

from .links import program_url


class ProgramTable(Table):
    id = LinkColumn(verbose_name=_("Program"), url=program_url, text=lambda pk: f"P{pk}")
    name = tables.Column(verbose_name=_("Name"))
    year = tables.Column(verbose_name=_("Year"), attrs={"td": {"class": "num"}})
    foundation = tables.Column(verbose_name=_("Credit guarantee foundation"), accessor="foundation__name",
                               order_by=("foundation__name",))
    multiple = tables.Column(verbose_name=_("Multiple"), attrs={"td": {"class": "num"}})
    per_firm_limit = WonColumn(verbose_name=_("Limit per enterprise"))
    fee_rate = PercentColumn(verbose_name=_("Fee rate"))
    city_fee_rate = PercentColumn(verbose_name=_("City's share of the fee"))
    committed = WonColumn(verbose_name=_("Capacity in use"))
    closes_on = DateColumn(verbose_name=_("Applications close on"))

    class Meta(Table.Meta):
        model = GuaranteeProgram
        fields = ("id", "name", "year", "foundation", "multiple", "per_firm_limit", "fee_rate", "city_fee_rate",
                  "committed", "closes_on")
        order_by = ("-year",)
