"""``/api/v1/contest-entries/``: entries (참가 신청) in the contests. An enterprise member drafts its enterprise's
entry during the call, edits and submits it until the call closes, and withdraws it until screening ends. Members
see their own enterprises' entries (another's is 404), judges the entries of the rounds they sit on, staff all. Who
may call each operation is ``crowdfunding.access.ACCESS``; the rules are the services'
(``crowdfunding.services.entries``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.common.permissions import actor as _actor
from crowdfunding import selectors, services
from crowdfunding.models import Entry

from . import serializers_contests as s
from .common import ContestsView


@extend_schema_view(list=extend_schema(parameters=[s.ContestEntryFilterSerializer]))
class EntryViewSet(ContestsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Contest entries (참가 신청): drafted, edited, submitted and withdrawn by the enterprise's members."""

    access_actions = {
        "list": "entry.read",
        "retrieve": "entry.read",
        "create": "entry.create",
        "partial_update": "entry.update",
        "submit": "entry.submit",
        "withdraw": "entry.withdraw",
    }
    serializer_class = s.ContestEntrySerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Not during the call (or not in a state that allows it): 409 naming the phase or the state; an enterprise the
    # contest does not admit: 422; an enterprise the caller does not act for: 404.
    error_codes = {
        "list": ("400",),
        "create": ("400", "404", "409", "422"),
        "partial_update": ("400", "409"),
        "submit": ("400", "409", "422"),
        "withdraw": ("400", "409"),
    }

    def get_queryset(self) -> QuerySet[Entry]:
        qs = (selectors.entries_visible_to(self.request.user)
              .select_related("contest", "enterprise", "partner").order_by("-created_at", "-pk"))
        if self.action != "list":
            return qs
        query = s.ContestEntryFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        if "contest" in filters:
            qs = qs.filter(contest_id=filters["contest"])
        if "state" in filters:
            qs = qs.filter(state=filters["state"])
        return qs

    def _render(self, entry_id: int, status: int = 200) -> Response:
        return Response(s.ContestEntrySerializer(self.get_queryset().get(pk=entry_id)).data, status=status)

    @extend_schema(request=s.ContestEntryCreateSerializer, responses={201: s.ContestEntrySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Draft an entry for one of the caller's enterprises during the contest's call. The enterprise must be
        eligible (422 naming the rule) and have no other live entry in the contest (409)."""
        data = s.ContestEntryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        contest, enterprise = v.pop("contest"), v.pop("enterprise")
        entry = services.entry_create(actor=_actor(request), today=timezone.localdate(), contest_id=contest.pk,
                                      enterprise_id=enterprise, team=v.pop("team", []), **v)
        return self._render(entry.pk, 201)

    @extend_schema(request=s.ContestEntryEditSerializer, responses=s.ContestEntrySerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Edit an entry, a draft or submitted, during the call: only the fields sent change (``partner: null``
        removes the recommending partner)."""
        entry = self.get_object()
        data = s.ContestEntryEditSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.entry_update(actor=_actor(request), today=timezone.localdate(), entry_id=entry.pk,
                              **data.validated_data)
        return self._render(entry.pk)

    @extend_schema(request=None, responses=s.ContestEntrySerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit a draft (접수) during the call; the contest's eligibility is checked again."""
        entry = self.get_object()
        services.entry_submit(actor=_actor(request), today=timezone.localdate(), entry_id=entry.pk)
        return self._render(entry.pk)

    @extend_schema(request=s.ContestEntryWithdrawSerializer, responses=s.ContestEntrySerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw a draft or submitted entry (철회), with a reason, until screening ends."""
        entry = self.get_object()
        data = s.ContestEntryWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.entry_withdraw(actor=_actor(request), today=timezone.localdate(), entry_id=entry.pk,
                                reason=data.validated_data["reason"])
        return self._render(entry.pk)
