"""The enterprise portal's revolving-fund pages (``/my/``): what a member of an enterprise sees of its own loans and
applications, and what it may do with them (repay; draft, change, submit and withdraw an application).

The pages are the console's, seen by a member: the loan's page is ``LoanPage`` with ``area = "my"`` (no audit trail,
no manager actions), on the same selectors and services. A portal page is for members only (``portal.open``; staff
have the console) and reaches only the member's own enterprises' objects: another enterprise's loan or application
is 404, exactly like one that does not exist.
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

from core.errors import DomainError
from enterprises.models import Enterprise, Membership
from enterprises.selectors import enterprises_visible_to
from funds import selectors, services
from funds.models import Loan, LoanApplication, LoanProduct
from web.common import menu
from web.common.forms import RequiredReasonForm
from web.common.pages import ActionPage, ObjectPage, Page
from web.common.tables import ListPage

from . import portal_forms as pf
from . import views
from .links import application_url
from .portal_tables import MyApplicationFilter, MyApplicationTable

IN_PROGRESS = (LoanApplication.State.DRAFT, LoanApplication.State.SUBMITTED, LoanApplication.State.RECOMMENDED)


def own(queryset: QuerySet[Any], user: Any, field: str = "enterprise") -> QuerySet[Any]:
    """``queryset`` narrowed to the enterprises ``user`` acts for (a member's selectors already are; a staff user who
    is also a member sees only its own enterprises' things here, as any member does)."""
    return queryset.filter(**{f"{field}__in": Membership.objects.filter(user=user).values("enterprise_id")})


class PortalPage(Page):
    """A page of the enterprise portal: for members of an enterprise (``Page`` refuses staff the portal's area:
    they have the console)."""

    area = menu.PORTAL
    section = "home"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["area"] = self.area
        return context


# --- the start page's panels ---------------------------------------------------------------------------------------


def my_enterprises(request: HttpRequest) -> QuerySet[Enterprise]:
    return own(enterprises_visible_to(request.user), request.user, "pk").order_by("name", "id")


def enterprises_panel(request: HttpRequest) -> dict[str, Any]:
    """The enterprises the member acts for: name, kind, 사업자등록번호, address."""
    return {"enterprises": list(my_enterprises(request))}


def loans_panel(request: HttpRequest) -> dict[str, Any]:
    """The enterprises' loans, each with its outstanding principal and the next installment (date and amount)."""
    loans = own(selectors.loans_with_next_payment(request.user, on=timezone.localdate()), request.user)
    return {"loans": list(loans), "active": Loan.State.ACTIVE}


def applications_panel(request: HttpRequest) -> dict[str, Any]:
    """The enterprises' applications still in progress (drafted, submitted, recommended)."""
    applications = own(selectors.applications_visible_to(request.user), request.user).filter(state__in=IN_PROGRESS)
    return {"applications": list(applications),
            "can_create": views.ACCESS.allows(request.user, "application.create")}


# --- loans -----------------------------------------------------------------------------------------------------


class MyLoanMixin(views.LoanMixin, PortalPage):
    """A loan of the member's own enterprises (anything else is 404)."""

    area = menu.PORTAL  # LoanMixin leaves it to the page
    section = "home"  # type: ignore[misc]  # LoanMixin's "loans" is the console's menu entry

    def visible(self) -> QuerySet[Loan]:
        return own(super().visible(), self.request.user)


class MyLoanPage(MyLoanMixin, views.LoanPage):
    """The console's loan page, seen by the borrower: terms, position, next payment, payoff today, schedule,
    transactions, repayments, statements; no audit trail and no manager actions."""


class MyScheduleList(MyLoanMixin, views.ScheduleList):
    pass


class MyTransactionList(MyLoanMixin, views.TransactionList):
    pass


class MyRepay(MyLoanMixin, views.Repay):
    """A member repays its loan, with today as the value date (only a fund manager may back-date)."""

    title = _("Repay")
    intro = _("The amount is applied in the legal order: default interest, overdue interest, overdue principal, "
              "interest due, principal due, then early repayment. Its value date is today.")
    submit_label = _("Repay")
    form_class = pf.MemberRepaymentForm


# --- applications ----------------------------------------------------------------------------------------------


class MyApplicationList(PortalPage, views.FundsPage, ListPage):
    action = "application.read"
    title = _("Loan applications")
    intro = _("Your enterprise's applications to the fund, the newest first.")
    section = "applications"
    table_class = MyApplicationTable
    filterset_class = MyApplicationFilter
    export_name = "applications"
    template_name = "web/funds/my_applications.html"

    def rows(self) -> QuerySet[LoanApplication]:
        return own(selectors.applications_visible_to(self.request.user), self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_create"] = self.access.allows(self.request.user, "application.create")
        return context


class MyApplicationMixin(PortalPage, views.FundsPage):
    """An application of the member's own enterprises (anything else is 404)."""

    section = "applications"
    context_object_name: ClassVar[str] = "application"

    def visible(self) -> QuerySet[LoanApplication]:
        return own(selectors.applications_visible_to(self.request.user), self.request.user)

    def success_url(self) -> str:
        return application_url(self.get_object(), self.area)  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        application: LoanApplication = self.get_object()  # type: ignore[attr-defined]
        kwargs.setdefault("object", f"A{application.pk} · {application.enterprise.name}")  # the way back
        return super().get_context_data(**kwargs)


class MyApplicationPage(MyApplicationMixin, ObjectPage):
    """The application: what was asked for, its state, the decision and its reason once decided, what a loan of
    that amount under that product would repay (a quote if disbursed today), and the member's buttons."""

    template_name = "web/funds/my_application.html"
    action = "application.read"
    buttons = ("application.update", "application.submit", "application.withdraw")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        application: LoanApplication = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context["title"] = gettext("Application A%(id)s") % {"id": application.pk}
        context["loan"] = getattr(application, "loan", None)
        context["quote"] = self._quote(application) if context["loan"] is None else None
        return context

    def _quote(self, application: LoanApplication) -> Any:
        try:
            return services.product_quote(product_id=application.product_id, principal=application.amount.amount,
                                          disbursed_on=self.today, today=self.today)
        except DomainError as exc:
            return {"error": exc.message}


class MyApplicationNew(PortalPage, views.FundsPage, ActionPage):
    """Draft an application for one of the member's enterprises; it is submitted from its page."""

    action = "application.create"
    section = "applications"
    title = _("New loan application")
    intro = _("The application is saved as a draft: you can change it, then submit it to the fund. The fund's "
              "lending rules are checked when it is submitted.")
    submit_label = _("Save the draft")
    form_class = pf.ApplicationForm
    created: LoanApplication | None = None

    def get_object(self) -> Any:
        return None  # nothing yet: the form makes the application

    def get_form_kwargs(self) -> dict[str, Any]:
        products = selectors.products_all().filter(is_active=True).select_related("fund")
        return {**super().get_form_kwargs(), "enterprises": my_enterprises(self.request),
                "products": products}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("object", gettext("Loan applications"))
        return super().get_context_data(**kwargs)

    def perform(self, form: forms.Form) -> LoanApplication:
        data = form.cleaned_data
        enterprise: Enterprise = data["enterprise"]
        product: LoanProduct = data["product"]
        self.created = services.application_create(actor=self.actor, product_id=product.pk,
                                                   enterprise_id=enterprise.pk, amount=data["amount"],
                                                   purpose=data["purpose"])
        return self.created

    def success_url(self) -> str:
        if self.created is not None:
            return application_url(self.created, self.area)
        return reverse("web:my-applications")

    def success_message(self, result: Any) -> str:
        return gettext("Application A%(id)s was saved as a draft; submit it when it is ready.") % {"id": result.pk}


class MyApplicationEdit(MyApplicationMixin, ActionPage):
    action = "application.update"
    title = _("Change the application")
    intro = _("Only a draft can be changed.")
    submit_label = _("Save the changes")
    form_class = pf.ApplicationUpdateForm

    def initial(self) -> dict[str, Any]:
        application: LoanApplication = self.get_object()  # type: ignore[assignment]
        return {"amount": f"{int(application.amount.amount):,}", "purpose": application.purpose}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.application_update(actor=self.actor, application_id=self.get_object().pk,
                                           data={"amount": data["amount"], "purpose": data["purpose"]})

    def success_message(self, result: Any) -> str:
        return gettext("The application was changed.")


class MyApplicationSubmit(MyApplicationMixin, ActionPage):
    action = "application.submit"
    title = _("Submit the application")
    intro = _("The fund's lending rules are checked now: your enterprise's kind, the product's amounts, what your "
              "enterprise may still borrow from the fund, and no loan of the fund in default. Once submitted, a "
              "fund manager reviews it and it can no longer be changed (it can still be withdrawn).")
    submit_label = _("Submit")
    form_class = forms.Form

    def perform(self, form: forms.Form) -> Any:
        return services.application_submit(actor=self.actor, application_id=self.get_object().pk)

    def success_message(self, result: Any) -> str:
        return gettext("The application was submitted; a fund manager will review it.")


class MyApplicationWithdraw(MyApplicationMixin, ActionPage):
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
