"""The revolving fund's dashboards in the console: the funds (list and each fund's page, with charts and their
tables) and the start page's panels (the fund manager's inbox, a card per fund). Every figure is read by a
selector of ``funds.selectors``; the charts are drawn by app.js from the specs built here, and each has a table
with the same numbers beside it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.audit import audit_record
from core.errors import DomainError
from funds import selectors
from funds.access import ACCESS
from funds.models import CapitalSource, Fund, Loan
from statements import services as statements
from statements.access import ACCESS as STATEMENTS
from web.actions import TABLE_EXPORT
from web.common.pages import ObjectPage
from web.common.tables import ListPage

from .forms import JournalExportForm
from .tables import FundTable

MONTHS = 12  # the monthly chart's span


class FundList(ListPage):
    access, action = ACCESS, "fund.read"
    title = _("Funds")
    intro = _("Each fund's capital, cash, outstanding principal and turnover (principal disbursed in total / capital).")
    section = "funds"
    table_class = FundTable
    export_name = "funds"

    def rows(self) -> QuerySet[Fund]:
        return selectors.funds_overview()


def _money(values: list[Any]) -> list[int]:
    return [int(v) for v in values]


def charts(summary: selectors.FundSummary, months: list[selectors.MonthFlow]) -> dict[str, dict[str, Any]]:
    """The Chart.js configurations of a fund's page (app.js draws them; ``money`` makes the axes read in won)."""
    capital_labels = [str(label) for label in CapitalSource.labels]
    classes = summary.by_asset_class
    return {
        "position": {
            "type": "bar", "money": True,
            "data": {
                "labels": [*capital_labels, gettext("Cash"), gettext("Outstanding principal")],
                "datasets": [{
                    "label": gettext("Amount"),
                    "data": _money([*(summary.capital_by_source[s] for s in CapitalSource.values), summary.cash,
                                    summary.outstanding_principal]),
                    "backgroundColor": ["#0b4f9c", "#4f86c6", "#9cb9dd", "#1b6b3a", "#8a5a00"],
                }],
            },
            "options": {"plugins": {"legend": {"display": False}}},
        },
        "classes": {
            "type": "doughnut", "money": True,
            "data": {
                "labels": [f"{row.korean} ({row.code})" for row in classes],
                "datasets": [{
                    "label": gettext("Outstanding principal"),
                    "data": _money([row.outstanding for row in classes]),
                    "backgroundColor": ["#1b6b3a", "#f2a900", "#8a5a00", "#a4161a", "#4a0d0f"][:len(classes)],
                }],
            },
        },
        "months": {
            "type": "bar", "money": True,
            "data": {
                "labels": [flow.month.strftime("%Y-%m") for flow in months],
                "datasets": [
                    {"label": gettext("Principal disbursed"), "data": _money([f.disbursed for f in months]),
                     "backgroundColor": "#0b4f9c"},
                    {"label": gettext("Principal repaid"), "data": _money([f.repaid for f in months]),
                     "backgroundColor": "#1b6b3a"},
                ],
            },
        },
    }


class FundPage(ObjectPage):
    """A fund's dashboard (기금 운용 현황): capital by source, cash, outstanding principal, what was disbursed, repaid
    and lent again, turnover, income, write-offs and recoveries, loans by state, asset classes with the allowance
    they require, loans past due, and the last twelve months' disbursements and repayments."""

    access, action = ACCESS, "fund.read"
    template_name = "web/funds/fund.html"
    section = "funds"
    context_object_name = "fund"

    def visible(self) -> QuerySet[Fund]:
        return selectors.funds_all()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        fund: Fund = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        summary = selectors.fund_summary(fund)
        months = selectors.principal_flows_by_month(fund, through=self.today, months=MONTHS)
        past_due = selectors.past_due(fund)
        context.update(
            title=fund.name,
            summary=summary,
            capital_rows=[(label, summary.capital_by_source[value]) for value, label in CapitalSource.choices],
            states=[(label, summary.loans_by_state[value]) for value, label in Loan.State.choices],
            months=months,
            past_due=past_due,
            past_due_loans=sum(band.loans for band in past_due),
            past_due_amount=sum((band.outstanding for band in past_due), selectors.ZERO),
            outstanding_by_class=sum((row.outstanding for row in summary.by_asset_class), selectors.ZERO),
            charts=charts(summary, months),
        )
        return context


class FundJournal(ObjectPage):
    """The fund's journal (분개장) for a period as CSV or XLSX, one row per entry, for auditors and managers: the
    form, and with its fields filled in, the file (``statements.services.journal_export``); the download is
    recorded in the audit trail like every table's."""

    access, action = STATEMENTS, "journal.export"
    template_name = "web/funds/journal_export.html"
    section = "funds"
    context_object_name = "fund"

    def visible(self) -> QuerySet[Fund]:
        return selectors.funds_all()

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fund: Fund = self.get_object()  # type: ignore[assignment]
        today = self.today
        if not request.GET:
            form = JournalExportForm(initial={"start": today.replace(month=1, day=1), "end": today})
            return self.render_to_response(self.get_context_data(form=form))
        form = JournalExportForm(request.GET)
        if form.is_valid():
            data = form.cleaned_data
            try:
                export = statements.journal_export(fund_id=fund.pk, start=data["start"], end=data["end"],
                                                   file=data["file"], today=today)
            except DomainError as exc:
                for name, rules in exc.fields.items():
                    for rule in rules:
                        form.add_error(name if name in form.fields else None, rule)
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                audit_record(actor=self.actor, action=TABLE_EXPORT, obj=fund,
                             after={"table": "journal", "format": data["file"], "start": data["start"].isoformat(),
                                    "end": data["end"].isoformat()})
                response = HttpResponse(export.body, content_type=export.content_type)
                response["Content-Disposition"] = (f'attachment; filename="journal-{fund.pk}.{data["file"]}"; '
                                                   f"filename*=UTF-8''{quote(export.filename)}")
                return response
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = gettext("Journal of %(fund)s") % {"fund": self.get_object()}
        return context


# --- the console's start page: panels -------------------------------------------------------------------------


def inbox_panel(request: HttpRequest) -> dict[str, Any]:
    """What waits for the signed-in manager (for an auditor: what waits for anyone, read only)."""
    return {"inbox": selectors.inbox_for(request.user), "user": request.user}


def funds_panel(request: HttpRequest) -> dict[str, Any]:
    """A card per fund with its key figures."""
    funds = list(selectors.funds_overview())
    for fund in funds:
        fund.turnover = selectors.fund_turnover(fund.disbursed_sum, fund.capital_total)  # type: ignore[attr-defined]
    return {"funds": funds, "today": timezone.localdate()}
