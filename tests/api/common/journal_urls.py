"""Test-only route: a tiny view that posts a two-line journal through ``ledger.services.journal_post``.

There is no ledger endpoint yet; this one lets a test see a ledger refusal (a bad amount, an overdraft) as an API
client does, through the project's exception handler and in the language the request asked for.
"""

from __future__ import annotations

from datetime import date

from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ledger.services import credit, debit, journal_post


class PostJournalView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        data = request.data
        posted = journal_post(
            lines=[debit(data["debit"], data["amount"]), credit(data["credit"], data["amount"])],
            kind="test",
            effective_date=date(2026, 3, 2),
            idempotency_key=data["key"],
            actor=request.user,
        )
        return Response({"journal": posted.journal.pk}, status=201)


urlpatterns = [path("journals/", PostJournalView.as_view(), name="test-journal")]
