"""The enterprise portal's special guarantees (``/my/``): what a member of an enterprise sees of its guarantees (the
program, the bank, the amount guaranteed, the bank loan's balances and expected schedule, the fee bills with what is
left to pay and the late fee) and what it may do: pay its part of a fee, draft, submit and withdraw an application.

A portal page is for members only (``portal.open``; staff have the console, bank officers the bank desk) and reaches
only the member's own enterprises' objects (the guarantees' selectors narrowed to its memberships): another
enterprise's guarantee, bill or application is 404, exactly like one that does not exist. Each action is an
``ActionPage`` that calls one service of ``guarantees.services``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.engines.capacity import guaranteed_share
from core.engines.schedules import add_months
from core.errors import DomainError
from enterprises.models import Enterprise, Membership
from enterprises.selectors import enterprises_visible_to
from guarantees import selectors, services
from guarantees.access import ACCESS
from guarantees.models import FeeBill, Guarantee, GuaranteeApplication, GuaranteeProgram
from web.common import menu
from web.common.forms import RequiredReasonForm
from web.common.pages import ActionPage, ObjectPage, Page
from web.common.tables import ListPage

from . import portal_forms as pf
from .links import my_guarantee_application_url, my_guarantee_url
from .portal_tables import (
    MyGuaranteeApplicationFilter,
    MyGuaranteeApplicationTable,
    MyGuaranteeFilter,
    MyGuaranteeTable,
)

AState = GuaranteeApplication.State
IN_PROGRESS = (AState.DRAFT, AState.SUBMITTED, AState.RECOMMENDED)
# The guarantees the start page lists: those that still stand behind a loan, or whose claim is being recovered.
CURRENT = (Guarantee.State.APPROVED, Guarantee.State.ACTIVE, Guarantee.State.DEFAULTED, Guarantee.State.CLAIMED,
           Guarantee.State.RECOVERING)
PANEL_ROWS = 10


def own(queryset: QuerySet[Any], user: Any, field: str = "enterprise") -> QuerySet[Any]:
    """``queryset`` narrowed to the enterprises ``user`` acts for (a member's selectors already are; a bank officer
    or staff user who is also a member sees only its own enterprises' things here, as any member does)."""
    return queryset.filter(**{f"{field}__in": Membership.objects.filter(user=user).values("enterprise_id")})


def my_enterprises(user: Any) -> QuerySet[Enterprise]:
    return own(enterprises_visible_to(user), user, "pk").order_by("name", "id")


def my_guarantees(user: Any) -> QuerySet[Guarantee]:
    return own(selectors.guarantees_visible_to(user), user)


def my_applications(user: Any) -> QuerySet[GuaranteeApplication]:
    return own(selectors.applications_visible_to(user), user)


def my_bills(user: Any) -> QuerySet[FeeBill]:
    return own(selectors.fee_bills_visible_to(user), user, "guarantee__enterprise").select_related(
        "guarantee__enterprise", "guarantee__program")


def open_programs(today: Any) -> list[GuaranteeProgram]:
    """The programs taking applications ``today`` (their partner banks prefetched)."""
    return list(selectors.programs_all().filter(opens_on__lte=today, closes_on__gte=today))


class PortalPage(Page):
    """A page of the enterprise portal's guarantees: for members of an enterprise."""

    access = ACCESS
    area = menu.PORTAL
    section = "guarantees"


# --- the start page's panel ----------------------------------------------------------------------------------------


def guarantees_panel(request: HttpRequest) -> dict[str, Any]:
    """The enterprise's guarantees that still stand (or are being recovered), its applications in progress, and the
    fees it owes today (its share left and the late fees), bill by bill."""
    user, today = request.user, timezone.localdate()
    fees = [(enterprise, selectors.enterprise_fees_owed(enterprise.pk, today=today))
            for enterprise in my_enterprises(user)]
    return {
        "guarantees": list(my_guarantees(user).filter(state__in=CURRENT)[:PANEL_ROWS]),
        "applications": list(my_applications(user).filter(state__in=IN_PROGRESS)[:PANEL_ROWS]),
        "fees": [(enterprise, owed) for enterprise, owed in fees if owed.bills],
        "can_apply": ACCESS.allows(user, "application.create"),
        "can_pay": ACCESS.allows(user, "fee.pay"),
    }


# --- guarantees --------------------------------------------------------------------------------------------------


class MyGuaranteeList(PortalPage, ListPage):
    action = "guarantee.read"
    title = _("Guarantees")
    intro = _("Your enterprise's special guarantees (특례보증) on bank loans, the newest first.")
    table_class = MyGuaranteeTable
    filterset_class = MyGuaranteeFilter
    export_name = "guarantees"

    def rows(self) -> QuerySet[Guarantee]:
        return my_guarantees(self.request.user)


class MyGuaranteePage(PortalPage, ObjectPage):
    """A guarantee of the member's enterprise: the program and bank, the amounts, the loan as the bank reported it
    (balances, expected schedule), the fee bills with what is left to pay today (late fee included), the claims."""

    template_name = "web/guarantees/my/guarantee.html"
    action = "guarantee.read"
    buttons = ("fee.pay",)
    context_object_name = "guarantee"

    def visible(self) -> QuerySet[Guarantee]:
        return my_guarantees(self.request.user).select_related("application")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        guarantee: Guarantee = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        claims = list(own(selectors.claims_visible_to(self.request.user), self.request.user,
                          "guarantee__enterprise").filter(guarantee=guarantee))
        context.update(
            title=f"G{guarantee.pk} · {guarantee.program.name}",
            balances=list(selectors.balances_of(guarantee)),
            schedule=selectors.expected_schedule(guarantee),
            bills=[(bill, selectors.firm_owed(bill, self.today)) for bill in selectors.fee_bills_of(guarantee)],
            claims=[(claim, selectors.recourse_position(claim, self.today)) for claim in claims],
        )
        return context


class MyFeePay(PortalPage, ActionPage):
    """The enterprise pays its part of a fee bill, dated today: the late fee accrued to today is charged with it and
    paid first, then the share; part of it or all of it."""

    template_name = "web/guarantees/my/fee_pay.html"
    action = "fee.pay"
    title = _("Pay the guarantee fee")
    intro = _("What you pay settles the late fee first, then your share of the fee. You may pay part of it; the "
              "late fee (10 % a year) runs on what is left unpaid.")
    submit_label = _("Pay")
    form_class = pf.FeePayForm
    context_object_name = "bill"

    def visible(self) -> QuerySet[FeeBill]:
        return my_bills(self.request.user)

    def owed(self) -> selectors.Owed:
        return selectors.firm_owed(self.get_object(), self.today)  # type: ignore[arg-type]

    def initial(self) -> dict[str, Any]:
        total = self.owed().total
        return {"amount": f"{int(total):,}"} if total > 0 else {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        bill: FeeBill = self.get_object()  # type: ignore[assignment]
        kwargs.setdefault("object", f"G{bill.guarantee_id} · {bill.guarantee.program.name}")
        context = super().get_context_data(**kwargs)
        context["owed"] = self.owed()
        return context

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.fee_pay(bill_id=self.get_object().pk, amount=data["amount"],
                                idempotency_key=data["idempotency_key"], actor=self.actor, today=self.today)

    def success_url(self) -> str:
        return my_guarantee_url(self.get_object().guarantee)  # type: ignore[attr-defined]

    def success_message(self, result: Any) -> str:
        payment = result[0]
        return gettext("%(amount)s paid on %(date)s, of which %(late)s of late fees.") % {
            "amount": f"₩{int(payment.amount.amount):,}", "date": payment.paid_on.isoformat(),
            "late": f"₩{int(payment.late_fee_paid.amount):,}"}


# --- applications ----------------------------------------------------------------------------------------------


class MyGuaranteeApplicationList(PortalPage, ListPage):
    action = "application.read"
    title = _("Guarantee applications")
    intro = _("Your enterprise's applications for special guarantees, the newest first.")
    section = "guarantee-applications"
    table_class = MyGuaranteeApplicationTable
    filterset_class = MyGuaranteeApplicationFilter
    export_name = "guarantee-applications"
    template_name = "web/guarantees/my/applications.html"

    def rows(self) -> QuerySet[GuaranteeApplication]:
        return my_applications(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_create"] = self.access.allows(self.request.user, "application.create")
        return context


class MyGuaranteeApplicationMixin(PortalPage):
    """An application of the member's own enterprises (anything else is 404)."""

    section = "guarantee-applications"
    context_object_name: ClassVar[str] = "application"

    def visible(self) -> QuerySet[GuaranteeApplication]:
        return my_applications(self.request.user)

    def success_url(self) -> str:
        return my_guarantee_application_url(self.get_object())  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        application: GuaranteeApplication = self.get_object()  # type: ignore[attr-defined]
        kwargs.setdefault("object", f"GA{application.pk} · {application.enterprise.name}")  # the way back
        return super().get_context_data(**kwargs)


class MyGuaranteeApplicationPage(MyGuaranteeApplicationMixin, ObjectPage):
    """The application: what is asked for, from which bank under which program, its progress and decision, what a
    year of the guarantee's fee would cost and who pays what, and the member's buttons."""

    template_name = "web/guarantees/my/application.html"
    action = "application.read"
    buttons = ("application.submit", "application.withdraw")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        application: GuaranteeApplication = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context["title"] = gettext("Guarantee application GA%(id)s") % {"id": application.pk}
        context["guarantee"] = getattr(application, "guarantee", None)
        context["quote"] = self._quote(application) if application.state in IN_PROGRESS else None
        return context

    def _quote(self, application: GuaranteeApplication) -> Any:
        """The first guarantee year's fee if the loan were made today, on the share guaranteed."""
        program = application.program
        share = guaranteed_share(application.amount.amount, program.guarantee_ratio)
        try:
            quote = services.fee_quote(program_id=program.pk, amount=share, start=self.today,
                                       end=add_months(self.today, 12))
        except DomainError as exc:
            return {"error": exc.message}
        return {"share": share, "fee": quote.fee, "city_share": quote.city_share,
                "enterprise_share": quote.enterprise_share, "days": quote.days}


def _beside_the_form(exc: DomainError) -> DomainError:
    """The service's rule on the grace months is the repayment method's on this form (the form sets the grace from
    the method)."""
    exc.fields = {("repayment_method" if name == "grace_months" else name): rules for name, rules in exc.fields.items()}
    return exc


class MyGuaranteeApplicationNew(PortalPage, ActionPage):
    """Draft an application for one of the member's enterprises; it is submitted from its page."""

    action = "application.create"
    section = "guarantee-applications"
    title = _("Apply for a guarantee")
    intro = _("The application is saved as a draft, checked against the program's rules (its window, your "
              "enterprise's kind, the partner bank, the limit per enterprise); submit it from its page when it is "
              "ready. The rules are checked again when it is submitted.")
    submit_label = _("Save the draft")
    form_class = pf.GuaranteeApplicationForm
    created: GuaranteeApplication | None = None

    def get_object(self) -> Any:
        return None  # nothing yet: the form makes the application

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "enterprises": my_enterprises(self.request.user),
                "programs": open_programs(self.today)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("object", gettext("Guarantee applications"))
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> GuaranteeApplication:
        data = form.cleaned_data
        try:
            self.created = services.application_create(
                actor=self.actor, today=self.today, program_id=data["program"].pk, enterprise_id=data["enterprise"].pk,
                bank_id=data["bank"], amount=data["amount"], term_months=data["term_months"],
                repayment_method=data["repayment_method"], grace_months=data["grace_months"],
                purpose=data["purpose"])
        except DomainError as exc:
            raise _beside_the_form(exc) from None
        return self.created

    def success_url(self) -> str:
        if self.created is not None:
            return my_guarantee_application_url(self.created)
        return reverse("web:my-guarantee-applications")

    def success_message(self, result: Any) -> str:
        return gettext("Application GA%(id)s was saved as a draft; submit it when it is ready.") % {"id": result.pk}


class MyGuaranteeApplicationSubmit(MyGuaranteeApplicationMixin, ActionPage):
    action = "application.submit"
    title = _("Submit the application")
    intro = _("The program's rules are checked again today. Once submitted, a manager recommends it and another "
              "decides; it can no longer be changed (it can still be withdrawn).")
    submit_label = _("Submit")
    form_class = forms.Form

    def perform(self, form: forms.Form) -> Any:
        return services.application_submit(actor=self.actor, application_id=self.get_object().pk, today=self.today)

    def success_message(self, result: Any) -> str:
        return gettext("The application was submitted; a manager will review it.")


class MyGuaranteeApplicationWithdraw(MyGuaranteeApplicationMixin, ActionPage):
    action = "application.withdraw"
    title = _("Withdraw the application")
    intro = _("A withdrawn application cannot be taken up again; you can draft a new one.")
    submit_label = _("Withdraw")
    danger = True
    form_class = RequiredReasonForm

    def perform(self, form: forms.Form) -> Any:
        return services.application_withdraw(actor=self.actor, application_id=self.get_object().pk,
                                             reason=form.cleaned_data["reason"])

    def success_message(self, result: Any) -> str:
        return gettext("The application was withdrawn.")
