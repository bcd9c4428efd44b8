"""``/api/v1/contests/``: crowdfunding contests (소셜 크라우드펀딩 대회). Everyone signed in reads their public fields;
staff also read the joint fund (공동기금) and the entries by state; managers open contests, move their phases, add
partner institutions and record what they pay into the joint fund. Who may call each operation is
``crowdfunding.access.ACCESS``; the rules are the services' (``crowdfunding.services.contests``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.common.idempotency import HEADER, idempotent, key_named_as_header
from api.common.permissions import actor as _actor
from crowdfunding import selectors, services
from crowdfunding.access import ACCESS
from crowdfunding.models import Contest

from . import serializers_contests as s
from .common import ContestsView


class ContestViewSet(ContestsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Contests (대회): their phases, dates, eligibility and partners; for staff, the joint fund."""

    access_actions = {
        "list": "contest.read",
        "retrieve": "contest.read",
        "create": "contest.create",
        "advance": "contest.advance",
        "partners": "fund.read",
        "add_partner": "contest.partner",
        "contributions": "fund.read",
        "contribute": "contest.contribution",
    }
    serializer_class = s.ContestSerializer
    # What the services raise (api.common.schema adds what follows from the view).
    error_codes = {
        "create": ("400",),
        "advance": ("400", "409"),
        "add_partner": ("400", "409"),
        "contribute": ("400", "409", "422"),
    }

    def get_queryset(self) -> QuerySet[Contest]:
        return selectors.contests_listed(self.request.user)

    def _detail(self, contest_id: int, status: int = 200) -> Response:
        contest = self.get_queryset().get(pk=contest_id)
        context: dict[str, Any] = {}
        if ACCESS.allows(self.request.user, "fund.read"):
            context = {"fund": selectors.contest_fund(contest), "entries_by_state": selectors.entries_by_phase(contest)}
        return Response(s.ContestDetailSerializer(contest, context=context).data, status=status)

    @extend_schema(responses=s.ContestDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A contest's public fields; staff also get its joint fund by contributor, reconciled to the ledger, and
        its entries by state."""
        return self._detail(self.get_object().pk)

    @extend_schema(request=s.ContestCreateSerializer, responses={201: s.ContestDetailSerializer})
    def create(self, request: Request) -> Response:
        """Open a contest (managers), in its draft phase, with its book. The phase dates must be in order; a 400
        names the first one out of order."""
        data = s.ContestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contest = services.contest_create(actor=_actor(request), today=timezone.localdate(), **data.validated_data)
        return self._detail(contest.pk, 201)

    @extend_schema(request=s.ContestAdvanceSerializer, responses=s.ContestDetailSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request: Request, pk: str | None = None) -> Response:
        """Move the contest to its next phase, or on to a later ``to_phase`` (never back: 409 naming the phase).
        Leaving screening or the final needs that round's advance list confirmed (409 naming the rule)."""
        contest = self.get_object()
        data = s.ContestAdvanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.contest_advance(actor=_actor(request), today=timezone.localdate(), contest_id=contest.pk,
                                 to_phase=data.validated_data["to_phase"])
        return self._detail(contest.pk)

    @extend_schema(responses=s.ContestPartnerSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def partners(self, request: Request, pk: str | None = None) -> Response:
        """The partner institutions (참여기관), what each pledged and paid in (staff; a handful: not paginated)."""
        return Response(s.ContestPartnerSerializer(selectors.partners_of(self.get_object()), many=True).data)

    @extend_schema(request=s.ContestPartnerAddSerializer,
                   responses={200: s.ContestPartnerSerializer, 201: s.ContestPartnerSerializer})
    @partners.mapping.post
    def add_partner(self, request: Request, pk: str | None = None) -> Response:
        """Add a partner institution with its pledge (201), or change the pledge of one already a partner (200)."""
        contest = self.get_object()
        data = s.ContestPartnerAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner, created = services.contest_partner_add(actor=_actor(request), today=timezone.localdate(),
                                                        contest_id=contest.pk, **data.validated_data)
        return Response(s.ContestPartnerSerializer(selectors.partners_of(contest).get(pk=partner.pk)).data,
                        status=201 if created else 200)

    @extend_schema(responses=s.JointFundContributionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def contributions(self, request: Request, pk: str | None = None) -> Response:
        """What the partners paid into the joint fund (출연금), in the order it was received (not paginated)."""
        contributions = selectors.contributions_of(self.get_object())
        return Response(s.JointFundContributionSerializer(contributions, many=True).data)

    @extend_schema(request=s.JointFundContributionRecordSerializer, responses={201: s.JointFundContributionSerializer})
    @contributions.mapping.post
    @idempotent
    def contribute(self, request: Request, pk: str | None = None) -> Response:
        """Record money a partner paid into the joint fund (managers): cash against the partner's contributions,
        in one journal. Needs an Idempotency-Key header."""
        contest = self.get_object()
        data = s.JointFundContributionRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        with key_named_as_header():
            contribution, _created = services.contribution_record(
                actor=_actor(request), today=timezone.localdate(), contest_id=contest.pk, partner_id=v["partner"],
                amount=v["amount"], received_on=v["received_on"], memo=v["memo"],
                idempotency_key=request.headers[HEADER].strip(),
            )
        recorded = selectors.contributions_of(contest).get(pk=contribution.pk)
        return Response(s.JointFundContributionSerializer(recorded).data, status=201)
