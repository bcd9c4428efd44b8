"""The kernel's tables: the audit trail."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.models import AuditEvent, VerificationRun
from web.common.tables import DateColumn, StateColumn, Table


class AuditTable(Table):
    seq = tables.Column(verbose_name=_("Seq."), attrs={"td": {"class": "num"}})
    occurred_at = DateColumn(verbose_name=_("When"))
    actor_label = tables.Column(verbose_name=_("Who"))
    action = tables.TemplateColumn("<code>{{ value }}</code>", verbose_name=_("What"))
    object_repr = tables.Column(verbose_name=_("Object"))
    object_type = tables.Column(verbose_name=_("Object type"))
    object_id = tables.Column(verbose_name=_("Object id"))
    reason = tables.Column(verbose_name=_("Reason"))
    hash = tables.Column(verbose_name=_("Hash"), orderable=False)

    class Meta(Table.Meta):
        model = AuditEvent
        fields = ("seq", "occurred_at", "actor_label", "action", "object_repr", "object_type", "object_id", "reason",
                  "hash")
        orderable = False  # the chain's own order, newest first

    def render_hash(self, value: str) -> str:
        return f"{value[:12]}…" if value else "…"

    def value_action(self, value: str) -> str:
        return value


class VerificationTable(Table):
    id = tables.Column(verbose_name=_("No."), attrs={"td": {"class": "num"}})
    kind = StateColumn(verbose_name=_("Check"))
    state = StateColumn(verbose_name=_("Result"))
    requested_by = tables.Column(verbose_name=_("Asked by"), accessor="requested_by__username",
                                 default=_("system (schedule or command)"))
    requested_at = DateColumn(verbose_name=_("Asked at"))
    finished_at = DateColumn(verbose_name=_("Finished at"))
    checked = tables.Column(verbose_name=_("Checked"), attrs={"td": {"class": "num"}})
    problem_count = tables.Column(verbose_name=_("Problems"), attrs={"td": {"class": "num"}})

    class Meta(Table.Meta):
        model = VerificationRun
        fields = ("id", "kind", "state", "requested_by", "requested_at", "finished_at", "checked", "problem_count")
        orderable = False
