"""OpenAPI: what each operation documents beyond its serializers.

- Every operation documents the common error body for exactly the statuses it can return. Most follow from the view
  (a request body: 400 and 415; a sign-in: 401; a role that the instrument's access table may refuse: 403, never
  where anyone signed in may; an id in the path or a page number: 404; any write: 409, for a concurrent update still
  in conflict after the server's retries; throttles: 429; the database: 503). What only the services know is
  declared per action by the view: ``error_codes = {"action or method": ("409", ...)}``, from the ``Raises ...`` of
  the services it calls.
- A view method wrapped by ``api.common.idempotency.idempotent`` (it carries ``requires_idempotency_key``)
  documents the required ``Idempotency-Key`` header, 400, 409 and 422, and the ``Idempotent-Replayed`` header of a
  replay.
- Each operation has exactly one tag: its view's ``schema_tag``, one of ``SPECTACULAR_SETTINGS["TAGS"]``: one per
  instrument or area, each declared by its API sub-package (``api.funds.views.TAG``, ...).
- Money, rates and dates (``api.common.fields``) document exactly what they accept, per direction.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import AllowAny, IsAuthenticated

from .errors import ErrorSerializer
from .fields import RATE_REQUEST_SCHEMA, RATE_RESPONSE_SCHEMA, won_schema
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .permissions import AccessPermission, access_action, view_access

ERROR_DESCRIPTIONS = {
    "400": "Bad input: `fields` names each field (or header, or query parameter) and the rule it broke.",
    "401": "Not signed in, or the token is invalid or expired.",
    "402": "The card company declined the payment (`payment_declined`, with the provider's code and message).",
    "403": "Signed in, but this role may not do this.",
    "404": "No such object, or not one of yours (or no such page of a list).",
    "409": (
        "The object is in a state that does not allow this (`invalid_state`, naming the state), the same "
        "Idempotency-Key is still in flight (`request_in_flight`), or a concurrent update still conflicted after "
        "the server's retries (`concurrent_update`, with Retry-After): nothing was changed; retry."
    ),
    "415": "The request body is not of the media type the operation takes: `application/json` (the uploads, a "
           "spending line or a bond's result with its evidence file: `multipart/form-data`).",
    "422": "A business rule refused it (insufficient funds, a limit, an ineligible borrower, an Idempotency-Key "
           "reused with other content).",
    "429": "Too many requests (or failed logins); see Retry-After.",
    "503": "The database, or an outside party such as the payment provider, is not answering; nothing was changed. "
           "Retry after Retry-After seconds.",
    "504": "An outside party (the payment provider) did not answer in time and what it did could not be found out; "
           "send the same request again with the same Idempotency-Key.",
}

# Idempotency-Key: idempotent() strips surrounding whitespace, then needs 1 to 200 printable ASCII characters
# (api.common.idempotency.KEY_PATTERN).
IDEMPOTENCY_KEY_MAX = 200
IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX, "pattern": r"^[ -~]{1,200}$"},
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "A unique string per intended operation (a UUID, say): 1 to 200 printable ASCII characters (no control "
        "characters, no letters beyond ASCII); surrounding whitespace is ignored. The same key with the same body "
        "replays the first answer (with `Idempotent-Replayed: true`); with another body it is a 422; while the first "
        "is still running, a 409."
    ),
)
REPLAYED_HEADER = {
    "schema": {"type": "string", "enum": ["true"]},
    "required": False,
    "description": "Present, with the value `true`, when this is the stored answer to an earlier request with the "
                   "same Idempotency-Key (nothing was done again).",
}
RETRY_AFTER_HEADER = {
    "schema": {"type": "integer", "minimum": 0},
    "description": "Seconds to wait before trying again.",
}
# Which error responses carry Retry-After, and whether always.
RETRY_AFTER = {"409": False, "429": False, "503": True}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class AutoSchema(BaseAutoSchema):
    def _operation_key(self) -> str:
        """The action of a viewset (``repay``), else the HTTP method in lower case (``post``)."""
        return getattr(self.view, "action", None) or self.method.lower()

    def _view_method(self) -> Any:
        return getattr(self.view, self._operation_key(), None)

    def requires_idempotency_key(self) -> bool:
        return bool(getattr(self._view_method(), "requires_idempotency_key", False))

    def _has_request_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None

    def _role_may_refuse(self) -> bool:
        """Can a signed-in caller be refused for their role (403)? Where the view's access table says anyone signed
        in may, no."""
        view: Any = self.view
        for permission in view.get_permissions():
            if isinstance(permission, (AllowAny, IsAuthenticated)):
                continue
            if not isinstance(permission, AccessPermission):
                return True  # a permission this schema does not know: it may refuse
            action = access_action(view, self.method)
            if action is not None and not view_access(view).anyone_signed_in(action):
                return True
        return False

    def _is_public(self) -> bool:
        """Open to anyone, signed in or not: no permission, AllowAny, or an action its access table declares
        public (``Allow(public=True)``)."""
        view: Any = self.view
        permissions = view.get_permissions()
        if not permissions or any(isinstance(p, AllowAny) for p in permissions):
            return True
        if all(isinstance(p, AccessPermission) for p in permissions):
            action = access_action(view, self.method)
            return action is not None and view_access(view).public(action)
        return False

    def error_codes(self) -> list[str]:
        """Every error status this operation can answer, as strings."""
        codes = {"503"}
        idempotent = self.requires_idempotency_key()
        if self._has_request_body():
            codes |= {"400", "415"}
        if idempotent:
            codes |= {"400", "409", "422"}
        if not self._is_public():
            codes.add("401")
            if self._role_may_refuse():
                codes.add("403")
        if "{" in self.path or (self._is_list_view() and self._get_paginator() is not None):
            codes.add("404")
        if self.method in UNSAFE:
            codes.add("409")
        if self.view.get_throttles():
            codes.add("429")
        declared = getattr(self.view, "error_codes", {})
        codes |= set(declared.get(self._operation_key(), ()))
        unknown = codes - set(ERROR_DESCRIPTIONS)
        assert not unknown, f"{self.method} {self.path}: no description for {sorted(unknown)}"
        return sorted(codes)

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.requires_idempotency_key():
            parameters.append(IDEMPOTENCY_KEY_PARAMETER)
        return parameters

    def get_tags(self) -> list[str]:
        tag = getattr(self.view, "schema_tag", None)
        return [tag] if tag else super().get_tags()

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        if self.requires_idempotency_key():
            for code, response in responses.items():
                if code.startswith("2"):
                    response.setdefault("headers", {})["Idempotent-Replayed"] = dict(REPLAYED_HEADER)
        for code in self.error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                if code in RETRY_AFTER:
                    response["headers"] = {"Retry-After": {**RETRY_AFTER_HEADER, "required": RETRY_AFTER[code]}}
                responses[code] = response
        return responses


class WonFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "api.common.fields.WonField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return won_schema(allow_zero=self.target.allow_zero, direction=direction)


class RateFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "api.common.fields.RateField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return dict(RATE_REQUEST_SCHEMA if direction == "request" else RATE_RESPONSE_SCHEMA)
