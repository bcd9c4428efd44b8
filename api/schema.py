"""OpenAPI: every operation documents the common error body for the 4xx statuses it can return."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from rest_framework.permissions import SAFE_METHODS, AllowAny

from .errors import ErrorSerializer
from .permissions import ANYONE_SIGNED_IN

ERROR_DESCRIPTIONS = {
    "400": "Bad input: `fields` names each field and the rule it broke.",
    "401": "Not signed in, or the token is invalid or expired.",
    "403": "Signed in, but this role may not do this.",
    "404": "No such object, or not one of yours.",
    "409": "The object is in a state that does not allow this, or the same Idempotency-Key is still in flight.",
    "422": "A business rule refused it (insufficient funds, a limit, an Idempotency-Key reused with other content).",
    "429": "Too many requests (or failed logins); see Retry-After.",
}


class AutoSchema(BaseAutoSchema):
    def _error_codes(self) -> list[str]:
        codes = []
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("400")
        permissions = self.view.get_permissions()
        public = not permissions or any(isinstance(p, AllowAny) for p in permissions)
        if not public:
            codes.append("401")
            roles = getattr(self.view, "read_roles" if self.method in SAFE_METHODS else "write_roles", ())
            if roles is not ANYONE_SIGNED_IN:
                codes.append("403")
        if "{" in self.path:
            codes.append("404")
        if self.view.get_throttles():
            codes.append("429")
        codes += list(getattr(self.view, "error_codes", ()))
        return codes

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses
