"""Requests refused before any view sees them: a NUL character in the path.

PostgreSQL cannot store or compare text holding NUL (``%00`` in a URL decodes to it), so a path that reached a query
or the idempotency store with one was a 500. No object's path holds NUL, so it is answered here, once, as a path
that names nothing: 404. (Query parameters are checked where they are read, by the views' filter serializers, which
name the parameter.)
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .errors import json_404


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return json_404(request)
        return self.get_response(request)
