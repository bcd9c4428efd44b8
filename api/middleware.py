"""Requests refused before any view sees them: a NUL character in the path or the query string.

PostgreSQL cannot store or compare text holding NUL (``%00`` in a URL decodes to it), so a filter or a path that
reaches a query or the idempotency store with one was a 500. Refused here once, with a 400 naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .errors import error_body


def _refuse(name: str) -> JsonResponse:
    message = _("must not contain the NUL character (%%00)")
    return JsonResponse(error_body("validation_error", _("Invalid input: %(fields)s.") % {"fields": name},
                                   {name: [message]}), status=400)


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return _refuse("path")
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return _refuse(key.replace("\x00", "") or "query")
        return self.get_response(request)
