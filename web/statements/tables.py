"""The statements' tables."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from statements.models import Statement, StatementDownload
from web.common.tables import DateColumn, StateColumn, Table


class StatementTable(Table):
    id = tables.Column(verbose_name=_("No."), attrs={"td": {"class": "num"}})
    kind = StateColumn(verbose_name=_("Kind"))
    subject = tables.Column(verbose_name=_("About"), accessor="pk", orderable=False)
    period_start = DateColumn(verbose_name=_("First day"))
    period_end = DateColumn(verbose_name=_("Last day"))
    state = StateColumn(verbose_name=_("State"))
    requested_by = tables.Column(verbose_name=_("Requested by"), accessor="requested_by__username")
    requested_at = DateColumn(verbose_name=_("Requested at"))
    sha256 = tables.Column(verbose_name=_("SHA-256"), orderable=False)
    download = tables.Column(verbose_name=_("File"), accessor="pk", orderable=False, exclude_from_export=True)

    class Meta(Table.Meta):
        model = Statement
        fields = ("id", "kind", "subject", "period_start", "period_end", "state", "requested_by", "requested_at",
                  "sha256", "download")
        order_by = ("-requested_at",)

    @staticmethod
    def _subject(record: Statement) -> str:
        if record.loan_id:
            return f"L{record.loan_id} {record.enterprise.name if record.enterprise else ''}".strip()
        if record.fee_bill_id:  # a guarantee fee receipt (보증료 납부 확인서)
            return f"F{record.fee_bill_id} {record.enterprise.name if record.enterprise else ''}".strip()
        if record.repayment_id:
            return f"R{record.repayment_id} {record.enterprise.name if record.enterprise else ''}".strip()
        if record.fund_id:
            return record.fund.name if record.fund else ""
        if record.guarantee_program_id:
            return record.guarantee_program.name if record.guarantee_program else ""
        if record.contest_id:  # a contest report (크라우드펀딩 대회 결과 보고서)
            return record.contest.name if record.contest else ""
        if record.subsidy_run_id:
            return f"S{record.subsidy_run_id}"  # an interest subsidy run (이차보전금 지급 명세서)
        return record.enterprise.name if record.enterprise else ""

    def render_subject(self, record: Statement) -> str:
        return self._subject(record)

    def value_subject(self, record: Statement) -> str:
        return self._subject(record)

    def render_sha256(self, value: str) -> str:
        return format_html('<code title="{}">{}…</code>', value, value[:12])

    def render_download(self, record: Statement) -> str:
        if record.state != Statement.State.READY:
            return ""
        return format_html('<a href="{}" download>{}</a>', reverse("web:statement-download", args=[record.pk]),
                           _("Download PDF"))


class DownloadTable(Table):
    at = DateColumn(verbose_name=_("When"))
    user = tables.Column(verbose_name=_("Who"), accessor="user__username")
    statement = tables.Column(verbose_name=_("Statement"), accessor="statement_id", attrs={"td": {"class": "num"}})
    kind = tables.Column(verbose_name=_("Kind"), accessor="statement__kind")
    ip = tables.Column(verbose_name=_("Address"))
    user_agent = tables.Column(verbose_name=_("Browser"))
    sha256 = tables.Column(verbose_name=_("SHA-256"))

    class Meta(Table.Meta):
        model = StatementDownload
        fields = ("at", "user", "statement", "kind", "ip", "user_agent", "sha256")
        order_by = ("-at",)
