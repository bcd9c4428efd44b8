"""Statements' pages: the list (with a download link for each ready PDF), asking for one from an object's page,
the download itself (logged by the service) and the auditors' download log."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from core.errors import DomainError, NotFound
from enterprises.login_guard import client_address
from enterprises.models import Membership, User
from enterprises.selectors import enterprises_visible_to
from statements import services
from statements.access import ACCESS
from statements.models import Statement, StatementDownload
from web.common import menu
from web.common.errors import status_of
from web.common.forms import DateField
from web.common.tables import ListPage

from .filters import StatementFilter
from .tables import DownloadTable, StatementTable


class StatementList(ListPage):
    access, action = ACCESS, "statement.read"
    title = _("Statements")
    intro = _("PDF statements and receipts, each stored once with its SHA-256; every download is logged.")
    section = "statements"
    table_class = StatementTable
    filterset_class = StatementFilter
    export_name = "statements"

    def rows(self) -> QuerySet[Statement]:
        return services.statements_visible_to(self.request.user).select_related("fund")


class DownloadLog(ListPage):
    access, action = ACCESS, "download_log.read"
    title = _("Download log")
    intro = _("Who downloaded which statement, when, from where.")
    section = "downloads"
    table_class = DownloadTable
    export_name = "downloads"

    def rows(self) -> QuerySet[StatementDownload]:
        return services.downloads_visible_to(self.request.user)


class RequestForm(forms.Form):
    kind = forms.ChoiceField(choices=Statement.Kind.choices)
    subject_id = forms.IntegerField(min_value=1, max_value=2**63 - 1)  # a database id
    # A loan's, an enterprise's or a fund's statement covers a period (the service requires one); a receipt none.
    period_start = DateField(required=False)
    period_end = DateField(required=False)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("web:statements")


def _refused(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """A request for a statement that was not made: a page with the rule broken and the way back, with the status
    the refusal stands for (nothing was written)."""
    return render(request, "web/error.html", {"title": gettext("The statement was not asked for"),
                                              "message": message, "back_url": _back(request)}, status=status)


class StatementRequest(LoginRequiredMixin, View):
    """Ask for a statement (POST from an object's page); back to that page with a message saying where it is. A
    refusal (a bad field, a period the service refuses) is a page with its rule and the status it stands for."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if not ACCESS.allows(request.user, "statement.request"):
            raise PermissionDenied
        form = RequestForm(request.POST)
        if not form.is_valid():
            rules = "; ".join(f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items())
            return _refused(request, 400, rules)
        try:
            statement = services.statement_request(actor=request.user, kind=form.cleaned_data["kind"],
                                                   subject_id=form.cleaned_data["subject_id"],
                                                   today=timezone.localdate(),
                                                   period_start=form.cleaned_data["period_start"],
                                                   period_end=form.cleaned_data["period_end"])
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            rules = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in exc.fields.items())
            return _refused(request, status_of(exc), f"{exc.message} {rules}".strip())
        messages.success(request, gettext("Statement no. %(id)s was asked for; it appears in the statements list "
                                          "when ready.") % {"id": statement.pk})
        return HttpResponseRedirect(_back(request), status=303)


class StatementDownloadView(LoginRequiredMixin, View):
    """The stored PDF, logged by the service; a statement the user may not see is 404."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not ACCESS.allows(request.user, "statement.download"):
            raise PermissionDenied
        try:
            statement, content = services.statement_download(
                actor=request.user, statement_id=pk, ip=client_address(request),
                user_agent=request.headers.get("User-Agent", ""))
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            return HttpResponse(exc.message, status=status_of(exc), content_type="text/plain; charset=utf-8")
        response = HttpResponse(content, content_type="application/pdf")
        # RFC 6266 with filename*: a Korean name (후원영수증_...) is still a download, not a MIME-encoded header
        response["Content-Disposition"] = content_disposition_header(
            True, statement.filename or f"statement-{pk}.pdf")
        return response




# --- the enterprise portal (/my/statements/) ------------------------------------------------------------------------


class MyStatementList(ListPage):
    """A member's statements and receipts (its own enterprises' only), each ready one with its download link; and
    asking for a statement of its enterprise (``web:statement-request``, kind "enterprise"). For members: staff
    have the console's list."""

    access, action = ACCESS, "statement.read"
    title = _("Statements")
    intro = _("Statements and receipts of your enterprise, each stored once with its SHA-256.")
    section = "statements"
    table_class = StatementTable
    filterset_class = StatementFilter
    export_name = "statements"
    template_name = "web/statements/my_statements.html"
    area = menu.PORTAL

    def _mine(self) -> QuerySet[Any]:
        return Membership.objects.filter(user=cast(User, self.request.user)).values("enterprise_id")

    def rows(self) -> QuerySet[Statement]:
        return services.statements_visible_to(self.request.user).filter(enterprise__in=self._mine())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["area"] = self.area
        context["enterprises"] = list(enterprises_visible_to(self.request.user).filter(pk__in=self._mine())
                                      .order_by("name", "id"))
        context["can_request"] = ACCESS.allows(self.request.user, "statement.request")
        return context
