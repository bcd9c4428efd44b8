"""Domain errors mapped to pages, once (as ``api.common.errors`` maps them to JSON, once).

A service refuses with a ``DomainError``; the page that called it shows the message (and, for a form, each field's
rule beside the field) with the status the error stands for, and nothing was written.
"""

from __future__ import annotations

import sys
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from core import errors as domain
from core.db import is_contention
from core.logs import request_id

PAGE_STATUS: list[tuple[type[domain.DomainError], int]] = [
    (domain.ValidationFailed, 400),
    (domain.Unbalanced, 400),
    (domain.Forbidden, 403),
    (domain.NotFound, 404),
    (domain.InvalidState, 409),
    (domain.RequestInFlight, 409),
    (domain.Contention, 409),
    (domain.InsufficientFunds, 422),
    (domain.LimitExceeded, 422),
    (domain.Ineligible, 422),
    (domain.IdempotencyConflict, 422),
    (domain.PaymentRefused, 402),
    (domain.OutsideTimeout, 504),
    (domain.Unavailable, 503),
]


def status_of(exc: domain.DomainError) -> int:
    for cls, status in PAGE_STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def _error_page(request: HttpRequest, status: int, title: Any, message: Any) -> HttpResponse:
    return render(request, "web/error.html", {"title": title, "message": message, "status": status}, status=status)


def page_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400, _("Bad request"), _("The request could not be read."))


def page_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403, _("Not allowed"), _("Your role may not open this page or do this."))


def page_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, _("Not found"), _("There is no such page, or it is not yours to see."))


def page_500(request: HttpRequest) -> HttpResponse:
    """A page of its own, rendered without the request's context (no user, no menu): the error may be the database
    itself. The database away is a 503 (try again shortly), a deadlock that outlasted the retries a 409, as the
    API answers them."""
    exc = sys.exc_info()[1]
    status, retry = 500, ""
    if isinstance(exc, OperationalError | InterfaceError):
        status, retry = (409, "1") if is_contention(exc) else (503, "5")
    html = render_to_string("web/error_500.html", {"request_id": request_id.get() or "", "status": status})
    response = HttpResponse(html, status=status)
    if retry:
        response["Retry-After"] = retry
    return response
