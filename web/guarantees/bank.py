"""The bank desk (``/bank/``, 은행 업무): what a partner bank's officer sees of the special guarantees on its loans,
and what it reports about them.

Every page names the guarantees' access table (``guarantees.access.ACCESS``) and its action, and reaches only the
officer's own bank's objects: the guarantees' selectors narrowed to ``enterprises.roles.bank_of(user)``, so that
another bank's guarantee, claim or subsidy run is 404, exactly like one that does not exist (a user who is also a
member of an enterprise or staff still sees only its bank's here). Each report is an ``ActionPage`` that calls one
service of ``guarantees.services`` (lifecycle: the loan made, a balance or a repayment, the full repayment, the
default; claims: the bank's claim); the services check the rules and their refusals come back beside the fields.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import quote

from django import forms
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from enterprises.roles import bank_of
from guarantees import selectors, services
from guarantees.access import ACCESS
from guarantees.models import Claim, Guarantee, SubsidyLine, SubsidyRun
from statements import services as statement_services
from web.common import menu
from web.common.errors import status_of
from web.common.pages import ActionPage, ObjectPage, Page
from web.common.tables import ListPage

from . import bank_forms as f
from .bank_tables import (
    BankClaimFilter,
    BankClaimTable,
    BankGuaranteeFilter,
    BankGuaranteeTable,
    BankSubsidyLineTable,
    BankSubsidyRunFilter,
    BankSubsidyRunTable,
)
from .links import bank_guarantee_url

State = Guarantee.State
# An active loan whose balance the bank has not reported for this long is listed on the start page: the guarantee
# (and the interest subsidy) follow the balances reported, so a stale balance keeps the program's capacity and the
# subsidy on a figure the loan no longer has.
STALE_AFTER_DAYS = 90
PANEL_ROWS = 10
OPEN_CLAIMS = (Claim.State.REQUESTED, Claim.State.PREPARED)


# --- what the officer's bank may see ---------------------------------------------------------------------------------


def bank_guarantees(user: Any) -> QuerySet[Guarantee]:
    """The guarantees on loans of ``user``'s bank (none for a user who is not a bank's officer)."""
    bank = bank_of(user)
    guarantees = selectors.guarantees_visible_to(user)
    return guarantees.none() if bank is None else guarantees.filter(bank_id=bank)


def bank_claims(user: Any) -> QuerySet[Claim]:
    bank = bank_of(user)
    claims = selectors.claims_visible_to(user)
    return claims.none() if bank is None else claims.filter(guarantee__bank_id=bank)


def bank_runs(user: Any) -> QuerySet[SubsidyRun]:
    """The subsidy runs with lines of ``user``'s bank, each with that bank's number of lines and total."""
    bank = bank_of(user)
    runs = selectors.subsidy_runs_visible_to(user)
    if bank is None:
        return runs.none()
    mine = Q(lines__bank_id=bank)
    return (runs.filter(Exists(SubsidyLine.objects.filter(run=OuterRef("pk"), bank_id=bank)))
            .annotate(bank_lines=Count("lines", filter=mine), bank_total=Sum("lines__amount", filter=mine)))


class BankPage(Page):
    """A page of the bank desk: for partner banks' officers (``Page`` refuses everyone else the area)."""

    access = ACCESS
    area = menu.BANK
    section = "home"


# --- the start page's panels -----------------------------------------------------------------------------------------


def waiting_panel(request: HttpRequest) -> dict[str, Any]:
    """Guarantees approved and waiting for the bank to make the loan (실행 대기), the oldest approval first."""
    guarantees = bank_guarantees(request.user).filter(state=State.APPROVED).order_by("approved_at", "id")
    return {"guarantees": list(guarantees[:PANEL_ROWS]), "count": guarantees.count(),
            "more_url": f"{reverse('web:bank-guarantees')}?state={State.APPROVED}"}


def stale_panel(request: HttpRequest) -> dict[str, Any]:
    """Active guarantees whose loan's balance was last reported ``STALE_AFTER_DAYS`` days ago or more, the stalest
    first."""
    since = timezone.localdate() - timedelta(days=STALE_AFTER_DAYS)
    guarantees = (bank_guarantees(request.user).filter(state=State.ACTIVE, balance_on__lte=since)
                  .order_by("balance_on", "id"))
    return {"guarantees": list(guarantees[:PANEL_ROWS]), "count": guarantees.count(), "days": STALE_AFTER_DAYS}


def defaulted_panel(request: HttpRequest) -> dict[str, Any]:
    """Defaulted guarantees on which the bank has no claim yet (a rejected claim leaves room for another)."""
    claimed = Claim.objects.filter(guarantee=OuterRef("pk")).exclude(state=Claim.State.REJECTED)
    guarantees = (bank_guarantees(request.user).filter(state=State.DEFAULTED).exclude(Exists(claimed))
                  .order_by("defaulted_on", "id"))
    return {"guarantees": list(guarantees[:PANEL_ROWS]), "count": guarantees.count()}


def claims_panel(request: HttpRequest) -> dict[str, Any]:
    """The bank's claims still in progress: asked for, or worked out and waiting for approval."""
    claims = bank_claims(request.user).filter(state__in=OPEN_CLAIMS).order_by("requested_on", "id")
    return {"claims": list(claims[:PANEL_ROWS]), "count": claims.count()}


# --- guarantees --------------------------------------------------------------------------------------------------


class BankGuaranteeList(BankPage, ListPage):
    action = "guarantee.read"
    title = _("Guarantees on our loans")
    intro = _("The special guarantees (특례보증) on your bank's loans: approved ones wait for you to make the loan; "
              "then report its balances, its full repayment or its default.")
    section = "guarantees"
    table_class = BankGuaranteeTable
    filterset_class = BankGuaranteeFilter
    export_name = "bank-guarantees"

    def rows(self) -> QuerySet[Guarantee]:
        return bank_guarantees(self.request.user)


class BankGuaranteeMixin(BankPage):
    """A guarantee on a loan of the officer's bank (anything else is 404)."""

    section = "guarantees"
    context_object_name: ClassVar[str] = "guarantee"

    def visible(self) -> QuerySet[Guarantee]:
        return bank_guarantees(self.request.user).select_related("application")

    def success_url(self) -> str:
        return bank_guarantee_url(self.get_object())  # type: ignore[attr-defined]


class BankGuaranteePage(BankGuaranteeMixin, ObjectPage):
    """A guarantee and its loan as the bank reported it: the terms approved, the loan made, what is guaranteed now,
    the balances reported, the loan's expected schedule, the claims; and the reports the bank may make now."""

    template_name = "web/guarantees/bank/guarantee.html"
    action = "guarantee.read"
    buttons = ("guarantee.execute", "guarantee.report", "guarantee.repay", "guarantee.default", "claim.request")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        guarantee: Guarantee = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        claims = list(bank_claims(self.request.user).filter(guarantee=guarantee))
        context.update(
            title=f"G{guarantee.pk} · {guarantee.enterprise.name}",
            balances=list(selectors.balances_of(guarantee).select_related("reported_by")),
            schedule=selectors.expected_schedule(guarantee),
            claims=claims,
            claimable=not any(claim.state != Claim.State.REJECTED for claim in claims),
        )
        return context


class BankGuaranteeAction(BankGuaranteeMixin, ActionPage):
    """A report on one of the bank's guarantees; the page shows the loan's figures the report is checked against."""

    template_name = "web/guarantees/bank/action.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("object", self._label())
        return super().get_context_data(**kwargs)

    def _label(self) -> str:
        guarantee: Guarantee = self.get_object()  # type: ignore[assignment]
        return f"G{guarantee.pk} · {guarantee.enterprise.name}"


def _won_text(amount: Any) -> str:
    return f"{int(getattr(amount, 'amount', amount)):,}"


class Execute(BankGuaranteeAction):
    action = "guarantee.execute"
    title = _("Report the loan made")
    intro = _("The guarantee becomes active: it stands behind the loan's balance times the guarantee ratio, and its "
              "fee is billed from the day the loan was made.")
    submit_label = _("Report the loan made")
    form_class = f.ExecuteForm

    def initial(self) -> dict[str, Any]:
        guarantee: Guarantee = self.get_object()  # type: ignore[assignment]
        return {"loan_amount": _won_text(guarantee.approved_amount), "start_on": self.today}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.guarantee_execute(
            actor=self.actor, guarantee_id=self.get_object().pk, loan_amount=data["loan_amount"],
            loan_rate=data["loan_rate"], start_on=data["start_on"], bank_reference=data["bank_reference"],
            idempotency_key=data["idempotency_key"], today=self.today)

    def success_message(self, result: Any) -> str:
        return gettext("The loan made on %(date)s was recorded; the guarantee is active.") % {
            "date": result[0].on_date.isoformat()}


class Report(BankGuaranteeAction):
    action = "guarantee.report"
    title = _("Report a balance or a repayment")
    intro = _("Give the loan's balance from a day, or the principal repaid that day. The guarantee follows the "
              "balance times the guarantee ratio; a balance of 0 is a full repayment.")
    submit_label = _("Report")
    form_class = f.ReportForm

    def initial(self) -> dict[str, Any]:
        return {"on_date": self.today}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.guarantee_report(
            actor=self.actor, guarantee_id=self.get_object().pk, on_date=data["on_date"], balance=data["balance"],
            repaid=data["repaid"], idempotency_key=data["idempotency_key"], today=self.today)

    def success_message(self, result: Any) -> str:
        row = result[0]
        return gettext("The loan's balance from %(date)s is %(balance)s.") % {
            "date": row.on_date.isoformat(), "balance": f"₩{_won_text(row.balance)}"}


class Repay(BankGuaranteeAction):
    action = "guarantee.repay"
    title = _("Report the loan repaid in full")
    intro = _("The loan's balance becomes 0 and the guarantee is released (완제). Unused fee days are refunded.")
    submit_label = _("Report the full repayment")
    form_class = f.RepayForm

    def initial(self) -> dict[str, Any]:
        return {"on_date": self.today}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.guarantee_repay(actor=self.actor, guarantee_id=self.get_object().pk,
                                        on_date=data["on_date"], idempotency_key=data["idempotency_key"],
                                        today=self.today)

    def success_message(self, result: Any) -> str:
        return gettext("The loan was repaid in full on %(date)s; the guarantee is released.") % {
            "date": result[0].on_date.isoformat()}


class Default(BankGuaranteeAction):
    action = "guarantee.default"
    title = _("Report a default")
    intro = _("The guarantee is defaulted (사고): it stands behind the balance then times the guarantee ratio until "
              "a claim is paid. The bank may then claim (대위변제 청구).")
    submit_label = _("Report the default")
    danger = True
    form_class = f.DefaultForm

    def initial(self) -> dict[str, Any]:
        guarantee: Guarantee = self.get_object()  # type: ignore[assignment]
        return {"on_date": self.today, "balance": _won_text(guarantee.balance),
                "interest_paid_to": guarantee.interest_paid_to}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.guarantee_default(
            actor=self.actor, guarantee_id=self.get_object().pk, on_date=data["on_date"], balance=data["balance"],
            interest_paid_to=data["interest_paid_to"], idempotency_key=data["idempotency_key"], today=self.today)

    def success_message(self, result: Any) -> str:
        return gettext("The default on %(date)s was recorded; you may now claim.") % {
            "date": result[0].on_date.isoformat()}


class ClaimRequest(BankGuaranteeAction):
    action = "claim.request"
    title = _("Claim on the guarantee (대위변제 청구)")
    intro = _("The foundation's managers work the claim out (the principal outstanding, unpaid interest at the "
              "loan's rate up to the payment date, your costs, at most the guaranteed share), then another manager "
              "approves the payment.")
    submit_label = _("Send the claim")
    form_class = f.ClaimRequestForm

    def initial(self) -> dict[str, Any]:
        guarantee: Guarantee = self.get_object()  # type: ignore[assignment]
        return {"principal": _won_text(guarantee.balance), "requested_on": self.today}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.claim_request(
            actor=self.actor, guarantee_id=self.get_object().pk, principal=data["principal"],
            interest=data["interest"] or 0, costs=data["costs"] or 0, requested_on=data["requested_on"],
            today=self.today)

    def success_message(self, result: Any) -> str:
        return gettext("Claim C%(id)s was sent; the foundation's managers will work it out.") % {"id": result.pk}


# --- claims ----------------------------------------------------------------------------------------------------


class BankClaimList(BankPage, ListPage):
    action = "claim.read"
    title = _("Claims (대위변제)")
    intro = _("Your bank's claims on defaulted guarantees: asked for, worked out by a manager, then paid or "
              "rejected.")
    section = "claims"
    table_class = BankClaimTable
    filterset_class = BankClaimFilter
    export_name = "bank-claims"

    def rows(self) -> QuerySet[Claim]:
        return bank_claims(self.request.user)


# --- interest subsidies ----------------------------------------------------------------------------------------


class BankSubsidyRunList(BankPage, ListPage):
    action = "subsidy.read"
    title = _("Interest subsidies (이차보전)")
    intro = _("The runs that pay interest subsidies on your bank's loans, with your bank's lines; each run's page "
              "has its payment file.")
    section = "subsidies"
    table_class = BankSubsidyRunTable
    filterset_class = BankSubsidyRunFilter
    export_name = "bank-subsidy-runs"

    def rows(self) -> QuerySet[SubsidyRun]:
        return bank_runs(self.request.user)


class BankRunMixin(BankPage):
    section = "subsidies"
    context_object_name: ClassVar[str] = "run"

    def visible(self) -> QuerySet[SubsidyRun]:
        return bank_runs(self.request.user)


class BankSubsidyRunPage(BankRunMixin, ObjectPage, ListPage):
    """One run's lines of the officer's bank (the table and its download), and the run's payment file for the
    bank (이차보전금 지급 내역, CSV or XLSX)."""

    template_name = "web/guarantees/bank/subsidy_run.html"
    action = "subsidy.read"
    buttons = ("subsidy.download",)
    table_class = BankSubsidyLineTable
    export_name = "bank-subsidy-lines"

    def rows(self) -> QuerySet[SubsidyLine]:
        run: SubsidyRun = self.get_object()  # type: ignore[assignment]
        bank = bank_of(self.request.user)
        return selectors.lines_visible_to(self.request.user, run).filter(bank_id=bank)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        run: SubsidyRun = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context["title"] = gettext("Interest subsidy run S%(id)s: %(start)s ~ %(end)s") % {
            "id": run.pk, "start": run.period_start.isoformat(), "end": run.period_end.isoformat()}
        return context


class BankSubsidyPaymentFile(BankRunMixin, ObjectPage):
    """The run's payment file for the officer's bank (``?format=csv`` or ``xlsx``, the default), written by
    ``statements.services.subsidy_payment_file``; a refusal is a page with its message and status."""

    action = "subsidy.download"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = self.get_object()
        kind = request.GET.get("format", "xlsx")
        try:
            export = statement_services.subsidy_payment_file(actor=self.actor, run_id=run.pk,
                                                             bank_id=bank_of(self.actor), file=kind)
        except DomainError as exc:
            status = status_of(exc)
            return render(request, "web/error.html", {"title": _("Not available"), "message": exc.message,
                                                      "status": status}, status=status)
        response = HttpResponse(export.body, content_type=export.content_type)
        response["Content-Disposition"] = (f"attachment; filename=\"subsidy-run-{run.pk}.{kind}\"; "
                                           f"filename*=UTF-8''{quote(export.filename)}")
        return response
