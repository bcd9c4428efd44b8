"""The landing page, the session login and logout, and the start pages of the console and the portal."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from rest_framework.throttling import SimpleRateThrottle

from core.errors import DomainError
from core.models import AuditEvent, VerificationRun
from core.selectors import audit_events, verification_latest, verification_runs
from enterprises import login_guard
from enterprises.access import ACCESS as KERNEL
from enterprises.roles import STAFF_READERS, Role, has_role
from enterprises.services import verification_request
from web.common import menu, panels
from web.common.access import ACCESS
from web.common.errors import status_of
from web.common.pages import Page
from web.common.tables import ListPage

from .filters import AuditFilter
from .tables import AuditTable, VerificationTable


class Landing(TemplateView):
    """What the system is and what it runs, for anyone: links to the login, the API docs and the health check."""

    template_name = "web/kernel/landing.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = _("Social economy finance")
        context["start"] = start_page(self.request.user)
        return context


# Where a backer starts, the first of these pages that exists: its pledges, then the public contests' campaigns
# (paths, not names: "web:contests" is the staff console's list).
BACKER_START_PAGES = ("/my/pledges/", "/contests/")


def start_page(user: Any) -> str | None:
    """Where a user starts: staff in the console, enterprise members in their portal, bank officers at the bank desk,
    judges at the judges' desk, backers at their pledges or the public campaigns (as soon as those pages exist),
    anyone else on ``/``."""
    if not getattr(user, "is_authenticated", False):
        return None
    if has_role(user, *STAFF_READERS):
        return reverse("web:console")
    if has_role(user, Role.ENTERPRISE_MEMBER):
        return reverse("web:portal")
    if has_role(user, Role.BANK_OFFICER):
        return reverse("web:bank")
    if has_role(user, Role.JUDGE):
        return reverse("web:judge")
    if has_role(user, Role.EVALUATOR):
        return reverse("web:evaluator")
    if has_role(user, Role.INVESTOR):
        return reverse("web:investor")
    if has_role(user, Role.BACKER):
        for path in BACKER_START_PAGES:
            try:
                resolve(path)
            except Resolver404:
                continue
            return path
    return None


class _LoginRate(SimpleRateThrottle):
    """The API's ``auth`` rate (AUTH_THROTTLE_RATE) per client address, counted in the same cache keys as the token
    endpoint's: the web login and the API share one budget."""

    scope = "auth"

    def get_rate(self) -> str | None:
        rates = cast(dict[str, str | None], settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}))
        return rates.get(self.scope)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": login_guard.client_address(request)}


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The user name or the password is wrong. After %(limit)s failed attempts the account "
                           "is locked for a while."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages = {**self.error_messages,
                               "invalid_login": self.error_messages["invalid_login"] % {
                                   "limit": settings.LOGIN_FAILURE_LIMIT}}
        self.fields["username"].widget.attrs.update(autocomplete="username")
        self.fields["username"].help_text = _("Backers: your email address.")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")

    def clean_username(self) -> str:
        """A backer's user name is its email address in lower case; it may type it in any case."""
        username = str(self.cleaned_data.get("username", ""))
        return username.strip().lower() if "@" in username else username


class Login(auth_views.LoginView):
    """The session login, throttled as the API's token endpoint is: the same failed-login lock-out per user name and
    address (``enterprises.login_guard``) and the same rate per address."""

    template_name = "web/kernel/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        address = login_guard.client_address(request)
        locked = bool(username) and login_guard.is_locked(username, address)
        if locked or not _LoginRate().allow_request(request, self):  # type: ignore[arg-type]
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Too many failed logins; try again later."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def get_default_redirect_url(self) -> str:
        return start_page(self.request.user) or reverse("web:landing")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = _("Log in")
        return context


class Logout(auth_views.LogoutView):
    pass


class ConsoleHome(Page):
    """The console's start page: what waits for this person (the inbox) and the dashboards, as panels."""

    template_name = "web/kernel/home.html"
    access, action = ACCESS, "console.open"
    title = _("Console")
    section = "home"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["panels"] = panels.rendered(self.request, menu.CONSOLE)
        return context


class PortalHome(Page):
    """The enterprise portal's start page: its enterprise, its loans and what falls due next, as panels."""

    template_name = "web/kernel/home.html"
    area = menu.PORTAL
    access, action = ACCESS, "portal.open"
    title = _("My enterprise")
    section = "home"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["panels"] = panels.rendered(self.request, menu.PORTAL)
        return context


class BankHome(Page):
    """The bank desk's start page (은행 업무): what the officer's bank must report, as panels."""

    template_name = "web/kernel/home.html"
    area = menu.BANK
    access, action = ACCESS, "bank.open"
    title = _("Bank desk")
    section = "home"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["panels"] = panels.rendered(self.request, menu.BANK)
        return context


class AuditTrail(ListPage):
    """The hash-chained audit trail, newest first, with filters and its download (auditors' evidence)."""

    access, action = KERNEL, "audit.read"
    title = _("Audit trail")
    intro = _("Every decision and every movement of money, append-only and hash-chained; each download of this "
              "table is itself recorded.")
    section = "audit"
    table_class = AuditTable
    filterset_class = AuditFilter
    export_name = "audit-trail"

    def rows(self) -> QuerySet[AuditEvent]:
        return audit_events()


class Verification(ListPage):
    """The ledger's and the audit trail's last verification (원장 검증, 감사 추적 검증), what they found, the history,
    and a button to run each now (queued for a worker; the page shows it in progress until it ends)."""

    template_name = "web/kernel/verification.html"
    access, action = KERNEL, "audit.read"
    buttons = ("verification.run",)
    title = _("Ledger and audit verification")
    section = "verification"
    table_class = VerificationTable
    export_name = "verification-runs"

    def rows(self) -> QuerySet[VerificationRun]:
        return verification_runs().select_related("requested_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["latest"] = list(verification_latest().values())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.access.allows(request.user, "verification.run"):
            raise PermissionDenied
        try:
            run = verification_request(actor=self.actor, kind=request.POST.get("kind", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
            response = self.get(request, *args, **kwargs)
            response.status_code = status_of(exc)
            return response
        messages.success(request, gettext("%(check)s no. %(id)s was asked for; its result appears here when it "
                                          "ends.") % {"check": run.get_kind_display(), "id": run.pk})
        return HttpResponseRedirect(request.path, status=303)


menu.add(
    menu.Entry(menu.CONSOLE, "verification", _("Verification"), "web:verification", KERNEL, "audit.read",
               order=95),
    menu.Entry(menu.CONSOLE, "audit", _("Audit trail"), "web:audit", KERNEL, "audit.read", order=90),
    menu.Entry(menu.CONSOLE, "home", _("Inbox and dashboard"), "web:console", ACCESS, "console.open", order=0),
    menu.Entry(menu.PORTAL, "home", _("Overview"), "web:portal", ACCESS, "portal.open", order=0),
)
