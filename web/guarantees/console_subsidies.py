"""Interest subsidy runs (이차보전금 지급) in the console: the list, preparing a program's run for a month or quarter
that has ended, each run's page (its lines, its totals by bank), approving (paying) it, each bank's payment file (CSV
or XLSX) and the PDF payment statement (이차보전금 지급 명세서, asked for through ``web:statement-request``).

Four eyes are the service's rule: the manager who prepared a run cannot approve it; the pages say so before anyone
tries (a note instead of the approve button)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from django import forms
from django.db.models import Count, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.audit import audit_record
from core.errors import DomainError, NotFound
from guarantees import selectors, services
from guarantees.access import ACCESS
from guarantees.models import SubsidyLine, SubsidyRun
from statements import services as statements
from statements.access import ACCESS as STATEMENTS
from web.actions import TABLE_EXPORT
from web.common.errors import status_of
from web.common.pages import ActionPage, ObjectPage
from web.common.tables import ListPage

from . import console_forms as f
from .console_filters import SubsidyRunFilter
from .console_tables import SubsidyLineTable, SubsidyRunTable
from .links import subsidy_run_url


class SubsidyRunList(ListPage):
    access, action = ACCESS, "subsidy.read"
    buttons = ("subsidy.prepare",)
    title = _("Interest subsidy runs")
    intro = _("Each program's interest subsidies (이차보전) for a month or a quarter: prepared by one fund manager (or "
              "by the nightly task), approved and paid by another from the city's subsidy budget.")
    section = "subsidy-runs"
    template_name = "web/guarantees/console/subsidy_runs.html"
    table_class = SubsidyRunTable
    filterset_class = SubsidyRunFilter
    export_name = "subsidy-runs"

    def rows(self) -> QuerySet[SubsidyRun]:
        return selectors.subsidy_runs_visible_to(self.request.user)


class SubsidyRunPrepare(ActionPage):
    """Prepare a program's run for a period that has ended; an existing run of that period is shown unchanged."""

    access, action = ACCESS, "subsidy.prepare"
    section = "subsidy-runs"
    title = _("Prepare an interest subsidy run")
    intro = _("Every guaranteed loan in its subsidy window gets its subsidy for the days of the period: the loan's "
              "balance x min(subsidy rate, loan rate) / 365, rounded once by the program's rule. Another fund "
              "manager approves and pays the run.")
    submit_label = _("Prepare the run")
    form_class = f.SubsidyRunPrepareForm
    created: SubsidyRun | None = None

    def get_object(self) -> Any:
        return None  # nothing yet: the form makes the run

    def initial(self) -> dict[str, Any]:
        last_month = (self.today.replace(day=1) - timedelta(days=1)).replace(day=1)
        program = self.request.GET.get("program", "")
        return {"period_start": last_month, **({"program": program} if program.isdigit() else {})}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("object", gettext("Interest subsidy runs"))
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        run, created = services.subsidy_run_prepare(program_id=data["program"].pk, period_start=data["period_start"],
                                                    actor=self.actor, today=self.today)
        self.created = run
        return run, created

    def success_url(self) -> str:
        return subsidy_run_url(self.created) if self.created is not None else reverse("web:subsidy-runs")

    def success_message(self, result: Any) -> str:
        run, created = result
        if created:
            return gettext("Run SR%(id)s was prepared; another fund manager must approve it.") % {"id": run.pk}
        return gettext("This period's run (SR%(id)s) was prepared already; it is shown unchanged.") % {"id": run.pk}


class SubsidyRunMixin:
    access = ACCESS
    section = "subsidy-runs"
    context_object_name = "run"
    request: Any

    def visible(self) -> QuerySet[SubsidyRun]:
        return selectors.subsidy_runs_visible_to(self.request.user).select_related("program__book")


def is_preparer(run: SubsidyRun, user: Any) -> bool:
    return run.prepared_by_id is not None and run.prepared_by_id == getattr(user, "pk", None)


def bank_totals(user: Any, run: SubsidyRun) -> list[dict[str, Any]]:
    """The run's lines that ``user`` may see, by bank: how many and their sum."""
    rows = (selectors.lines_visible_to(user, run).order_by().values("bank_id", "bank__name")
            .annotate(lines=Count("id"), total=Sum("amount")).order_by("bank__name", "bank_id"))
    return [dict(row) for row in rows]


class SubsidyRunPage(SubsidyRunMixin, ObjectPage, ListPage):
    """A run: its period and terms, who prepared and approved it, its totals by bank with each bank's payment file,
    the PDF payment statement once paid, and its lines (a table of its own, with its download)."""

    template_name = "web/guarantees/console/subsidy_run.html"
    action = "subsidy.read"
    buttons = ("subsidy.approve", "subsidy.download", "program.read")
    table_class = SubsidyLineTable
    export_name = "subsidy-lines"

    def rows(self) -> QuerySet[SubsidyLine]:
        return selectors.lines_visible_to(self.request.user, self.get_object())  # type: ignore[arg-type]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        run: SubsidyRun = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context.update(
            title=gettext("Interest subsidy run SR%(id)s · %(program)s") % {"id": run.pk, "program": run.program.name},
            banks=bank_totals(self.request.user, run),
            is_preparer=is_preparer(run, self.request.user),
            can_request_statement=STATEMENTS.allows(self.request.user, "statement.request"),
        )
        return context


class SubsidyRunApprove(SubsidyRunMixin, ActionPage):
    action = "subsidy.approve"
    title = _("Approve and pay the run")
    intro = _("One journal pays the run's total from the city's interest subsidy budget (refused if the budget holds "
              "less); each bank's payment file can then be downloaded. This cannot be undone.")
    submit_label = _("Approve and pay")
    form_class = f.SubsidyRunApproveForm
    template_name = "web/guarantees/console/subsidy_run_action.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run: SubsidyRun = self.get_object()  # type: ignore[assignment]
        context["is_preparer"] = is_preparer(run, self.request.user)
        context["blocked"] = run.state == SubsidyRun.State.PREPARED and context["is_preparer"]
        context["budget_left"] = selectors.subsidy_budget_balance(run.program)
        return context

    def perform(self, form: forms.Form) -> Any:
        return services.subsidy_run_approve(run_id=self.get_object().pk, actor=self.actor, today=self.today,
                                            idempotency_key=form.cleaned_data["idempotency_key"])

    def success_url(self) -> str:
        return subsidy_run_url(self.get_object())

    def success_message(self, result: Any) -> str:
        run, _paid_now = result
        return gettext("Run SR%(id)s was approved and paid on %(date)s.") % {
            "id": run.pk, "date": run.paid_on.isoformat() if run.paid_on else ""}


class SubsidyPaymentFile(SubsidyRunMixin, ObjectPage):
    """One bank's payment file of the run (이차보전금 지급 내역), ``?bank=<id>&format=csv|xlsx``
    (``statements.services.subsidy_payment_file``); without a bank, the list of the run's banks and their files.
    The download is recorded in the audit trail like every table's."""

    action = "subsidy.download"
    template_name = "web/guarantees/console/subsidy_payment_files.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run: SubsidyRun = self.get_object()  # type: ignore[assignment]
        if not request.GET:
            return self.render_to_response(self.get_context_data())
        form = f.PaymentFileForm(request.GET)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        try:
            export = statements.subsidy_payment_file(actor=self.actor, run_id=run.pk, bank_id=data["bank"],
                                                     file=data["format"])
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=status_of(exc))
        audit_record(actor=self.actor, action=TABLE_EXPORT, obj=run,
                     after={"table": "subsidy-payment-file", "format": data["format"], "bank": data["bank"]})
        response = HttpResponse(export.body, content_type=export.content_type)
        response["Content-Disposition"] = (f'attachment; filename="subsidy-run-{run.pk}-bank-{data["bank"]}.'
                                           f'{data["format"]}"; filename*=UTF-8\'\'{quote(export.filename)}')
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        run: SubsidyRun = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context["title"] = gettext("Payment files of run SR%(id)s") % {"id": run.pk}
        context["banks"] = bank_totals(self.request.user, run)
        return context
