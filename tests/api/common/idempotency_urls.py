"""Test-only routes: a tiny "money" view behind ``@idempotent`` whose every run leaves an audit event.

The body's ``outcome`` chooses what the view does after writing its event: succeed (201), raise a domain error,
return an error response, or crash. ``delay`` (seconds) keeps it in flight, for the concurrency test.
"""

from __future__ import annotations

import time

from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common.errors import error_body
from api.common.idempotency import idempotent
from core.audit import audit_record
from core.errors import InsufficientFunds
from tests.audit_actions import action_for_tests

ACTION = action_for_tests("payout", by_user=True)


class PayoutView(APIView):
    permission_classes = [IsAuthenticated]

    @idempotent
    def post(self, request):
        data = request.data
        event = audit_record(actor=request.user, action=ACTION, after={"amount": data.get("amount")})
        time.sleep(float(data.get("delay", 0)))
        outcome = data.get("outcome", "ok")
        if outcome == "domain_error":
            raise InsufficientFunds("The fund holds less than that.", fields={"amount": ["more than the fund holds"]})
        if outcome == "error_response":
            return Response(error_body("invalid_state", "Not now."), status=409)
        if outcome == "crash":
            raise RuntimeError("a bug in the view")
        return Response({"payout": event.pk, "amount": data.get("amount"), "by": request.user.username}, status=201)


urlpatterns = [
    path("payouts/", PayoutView.as_view(), name="test-payout"),
    path("other-payouts/", PayoutView.as_view(), name="test-other-payout"),
]

# The project's JSON handlers, so that a crash renders as it would in production.
handler404 = "api.common.errors.json_404"
handler500 = "api.common.errors.json_500"
