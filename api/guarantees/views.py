"""Special-guarantee endpoints: programs, their position and contributions. Who may call each is
``guarantees.access.ACCESS``."""

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
from api.common.permissions import AccessControlled
from api.common.permissions import actor as _actor
from guarantees import selectors, services
from guarantees.access import ACCESS
from guarantees.models import GuaranteeProgram

from . import serializers as s

# The operations' group in the OpenAPI schema (described in SPECTACULAR_SETTINGS["TAGS"]).
TAG = "Special guarantees (특례보증)"


class GuaranteesView(AccessControlled):
    """What every special-guarantee view shares: the one permission class, reading the guarantees' access table."""

    access = ACCESS
    schema_tag = TAG


class GuaranteeProgramViewSet(GuaranteesView, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                              viewsets.GenericViewSet):
    """Special guarantee programs (특례보증 사업). Staff read them and their position; managers open programs and
    record what is paid into them."""

    access_actions = {
        "list": "program.read",
        "retrieve": "program.read",
        "create": "program.create",
        "contributions": "contribution.read",
        "contribute": "contribution.record",
    }
    serializer_class = s.ProgramSerializer
    # What the services raise (api.common.schema adds what follows from the view).
    error_codes = {"create": ("400",), "contribute": ("400", "404", "422")}

    def get_queryset(self) -> QuerySet[GuaranteeProgram]:
        return selectors.programs_all()

    def _position(self, program: GuaranteeProgram, status: int = 200) -> Response:
        return Response(s.ProgramPositionSerializer(selectors.program_position(program)).data, status=status)

    @extend_schema(responses=s.ProgramPositionSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The program's terms and position: contributions by source, net losses, capacity, used, available and
        utilisation."""
        return self._position(self.get_object())

    @extend_schema(request=s.ProgramCreateSerializer, responses={201: s.ProgramPositionSerializer})
    def create(self, request: Request) -> Response:
        """Open a program (managers): its book and chart of accounts."""
        data = s.ProgramCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        program = services.program_create(actor=_actor(request), today=timezone.localdate(), **data.validated_data)
        return self._position(self.get_queryset().get(pk=program.pk), 201)

    @extend_schema(responses=s.ProgramContributionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def contributions(self, request: Request, pk: str | None = None) -> Response:
        """What was paid into the program (출연금), all of it (a handful: not paginated)."""
        program = self.get_object()
        return Response(s.ProgramContributionSerializer(selectors.contributions_of(program), many=True).data)

    @extend_schema(request=s.ProgramContributionSerializer, responses={201: s.ProgramContributionSerializer})
    @contributions.mapping.post
    @idempotent
    def contribute(self, request: Request, pk: str | None = None) -> Response:
        """Record money paid in (managers): cash against the source's contributions. Needs an Idempotency-Key
        header."""
        program = self.get_object()
        data = s.ProgramContributionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            contribution, _created = services.contribution_record(
                actor=_actor(request), program_id=program.pk, idempotency_key=request.headers[HEADER].strip(),
                today=timezone.localdate(), **data.validated_data,
            )
        return Response(s.ProgramContributionSerializer(contribution).data, status=201)
