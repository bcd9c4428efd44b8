"""One JSON shape for every error: ``{"code": ..., "message": ..., "fields": {name: [messages]}}``.

Domain errors are mapped to HTTP statuses here and nowhere else.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core import errors as domain
from core.db import is_contention

logger = logging.getLogger(__name__)

DOMAIN_STATUS: list[tuple[type[domain.DomainError], int]] = [
    (domain.ValidationFailed, status.HTTP_400_BAD_REQUEST),
    (domain.Unbalanced, status.HTTP_400_BAD_REQUEST),
    (domain.NotFound, status.HTTP_404_NOT_FOUND),
    (domain.InvalidState, status.HTTP_409_CONFLICT),
    (domain.RequestInFlight, status.HTTP_409_CONFLICT),
    (domain.Contention, status.HTTP_409_CONFLICT),
    (domain.InsufficientFunds, status.HTTP_422_UNPROCESSABLE_ENTITY),
    (domain.LimitExceeded, status.HTTP_422_UNPROCESSABLE_ENTITY),
    (domain.Ineligible, status.HTTP_422_UNPROCESSABLE_ENTITY),
    (domain.Forbidden, status.HTTP_403_FORBIDDEN),
    (domain.IdempotencyConflict, status.HTTP_422_UNPROCESSABLE_ENTITY),
    (domain.PaymentRefused, status.HTTP_402_PAYMENT_REQUIRED),
    (domain.OutsideTimeout, status.HTTP_504_GATEWAY_TIMEOUT),
    (domain.Unavailable, status.HTTP_503_SERVICE_UNAVAILABLE),
]


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx response."""

    code = serializers.CharField(help_text="Stable machine-readable code, e.g. validation_error, not_found.")
    message = serializers.CharField(help_text="What went wrong, for a person.")
    # DRF's metaclass moves declared fields off the class, so this does not shadow Serializer.fields at run time.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-field messages: the field's name and the rule it broke.",
    )


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details as ``{"a.b[0].c": ["message"]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                out.update(_flatten(item, f"{prefix}[{index}]"))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def _drf_code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code


# The database refused the connection or dropped it (restarting, failing over, out of connections). The request's
# transaction was rolled back, so nothing is half-written; the client may try again (with the same Idempotency-Key).
DATABASE_AWAY = (OperationalError, InterfaceError)
RETRY_AFTER = "5"


# A deadlock or serialization failure that remained after the services' bounded retries (core.db.run_retried): the
# database answered, it rolled the request back; sending it again is likely to succeed.
RETRY_CONTENTION = "1"


def _unavailable_body() -> dict[str, Any]:
    return error_body("service_unavailable",
                      _("The database is not answering; nothing was changed. Try again in a few seconds."))


def _contention() -> domain.Contention:
    return domain.Contention(_("Other requests were changing the same records at the same moment; nothing was "
                               "changed. Send the request again."))


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DATABASE_AWAY) and is_contention(exc):
        logger.warning("transaction broken off outside a retried service: %s", exc)
        exc = _contention()
    if isinstance(exc, DATABASE_AWAY):
        logger.error("database unavailable: %s: %s", type(exc).__name__, exc)
        return Response(_unavailable_body(), status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": RETRY_AFTER})
    if isinstance(exc, domain.DomainError):
        headers = {"Retry-After": RETRY_CONTENTION} if isinstance(exc, domain.Contention) else None
        if isinstance(exc, domain.Unavailable):
            headers = {"Retry-After": RETRY_AFTER}
        for cls, http_status in DOMAIN_STATUS:
            if isinstance(exc, cls):
                return Response(error_body(exc.code, exc.message, exc.fields), status=http_status, headers=headers)
        return Response(error_body(exc.code, exc.message, exc.fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a 500: let Django report it
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        names = ", ".join(sorted(fields))
        response.data = error_body("validation_error", _("Invalid input: %(fields)s.") % {"fields": names}, fields)
    else:
        detail = exc.detail
        if isinstance(detail, dict):  # e.g. simplejwt's {"detail": ..., "code": ..., "messages": [...]}
            message = str(detail.get("detail", exc.default_detail))
            code = str(detail.get("code", exc.default_code))
        else:
            message, code = str(detail), _drf_code(exc)
        response.data = error_body(code, message)
    return response


def json_404(request: Any, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", _("No such path: %(path)s") % {"path": request.path}), status=404)


def json_400(request: Any, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("bad_request", _("Bad request.")), status=400)


def json_403(request: Any, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("permission_denied", _("You do not have permission to do this.")), status=403)


def json_500(request: Any) -> JsonResponse:
    """Django's handler500, called while the exception is being handled: a database that is away (outside DRF's
    views, e.g. in a middleware or the admin) is a 503 too."""
    exc = sys.exc_info()[1]
    if exc is not None and is_contention(exc):
        response = JsonResponse(error_body("concurrent_update", _contention().message), status=409)
        response["Retry-After"] = RETRY_CONTENTION
        return response
    if isinstance(exc, DATABASE_AWAY):
        response = JsonResponse(_unavailable_body(), status=503)
        response["Retry-After"] = RETRY_AFTER
        return response
    return JsonResponse(error_body("server_error", _("Internal error; it has been logged.")), status=500)
