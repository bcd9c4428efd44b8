"""Awards (시상) from a contest's joint fund, their tranches and settlement (보조금 정산): endpoints. Parsing and
rendering only; the rules are in ``crowdfunding.services``. Who may call each is ``crowdfunding.access.ACCESS``.

- ``/contests/{id}/award-table/``: the award table (everyone signed in reads it, as the call announces it; managers
  replace it while no award is prepared).
- ``/contest-awards/``: awards (staff: all; enterprise members: their own enterprises'; another's is a 404),
  prepared by a manager, approved by another (reserved out of the joint fund; Idempotency-Key), cancelled.
- ``/award-tranches/{id}/``: a tranche, paid by a manager (Idempotency-Key); the enterprise's spending lines (GET;
  POST multipart with the evidence file; DELETE one) and its report; settled by a manager; its unspent money
  recorded as returned (Idempotency-Key).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.common.idempotency import HEADER, idempotent, key_named_as_header
from api.common.permissions import actor as _actor
from core.errors import NotFound
from crowdfunding import selectors, services
from crowdfunding.models import Award, AwardTier, AwardTranche, SpendingItem

from .common import ContestsView
from .serializers_awards import (
    AwardCancelSerializer,
    AwardFilterSerializer,
    AwardPrepareSerializer,
    AwardSerializer,
    AwardTableInputSerializer,
    AwardTableSerializer,
    AwardTrancheDetailSerializer,
    SpendingAddSerializer,
    SpendingItemSerializer,
    TranchePaySerializer,
    TrancheReturnSerializer,
    TrancheSettleSerializer,
)

# --- the award table --------------------------------------------------------------------------------------------


class AwardTableViewSet(ContestsView, viewsets.ViewSet):
    """A contest's award table (시상 기준): tiers of final ranks with the amount, or the range the panel decides in."""

    # "table", not "retrieve": the answer is the contest's one table, not an object of its own.
    access_actions = {"table": "contest.read", "replace": "award.table"}
    error_codes = {"table": ("404",), "replace": ("400", "404", "409")}

    def _body(self, contest_id: int) -> dict[str, Any]:
        return {"contest": contest_id, "currency": "KRW",
                "tiers": AwardTier.objects.filter(contest_id=contest_id).order_by("rank_from"),
                "fixed": Award.objects.filter(contest_id=contest_id).exists()}

    @extend_schema(responses=AwardTableSerializer)
    def table(self, request: Request, pk: int) -> Response:
        """The award table of the contest, by rank."""
        if not selectors.contests_visible_to(request.user).filter(pk=pk).exists():
            raise NotFound(_("No such contest."))
        return Response(AwardTableSerializer(self._body(pk)).data)

    @extend_schema(request=AwardTableInputSerializer, responses=AwardTableSerializer)
    def replace(self, request: Request, pk: int) -> Response:
        """Replace the whole award table (managers), while no award is prepared under it."""
        data = AwardTableInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.award_table_set(actor=_actor(request), today=timezone.localdate(), contest_id=pk,
                                 tiers=[dict(tier) for tier in data.validated_data["tiers"]])
        return Response(AwardTableSerializer(self._body(pk)).data)


# --- awards -----------------------------------------------------------------------------------------------------


def _with_tranches(qs: QuerySet[Award]) -> QuerySet[Award]:
    tranches = AwardTranche.objects.order_by("number").prefetch_related("spending")
    return (qs.select_related("entry__enterprise", "tier")
            .prefetch_related(Prefetch("tranches", tranches)).order_by("contest_id", "rank", "pk"))


@extend_schema_view(list=extend_schema(parameters=[AwardFilterSerializer]))
class AwardViewSet(ContestsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Awards to finalists (시상): staff see all, enterprise members their own enterprises'. A manager prepares an
    award within the tier of the entry's final rank, another approves it (four eyes), which reserves it out of the
    joint fund (never more than it holds); a manager may cancel it while nothing is paid."""

    access_actions = {"list": "award.read", "retrieve": "award.read", "create": "award.prepare",
                      "approve": "award.approve", "cancel": "award.cancel"}
    serializer_class = AwardSerializer
    # What the services raise (api.common.schema adds what follows from the view).
    error_codes = {"list": ("400",), "create": ("400", "404", "409", "422"), "approve": ("400", "404", "409", "422"),
                   "cancel": ("400", "404", "409")}

    def get_queryset(self) -> QuerySet[Award]:
        qs = _with_tranches(selectors.awards_visible_to(self.request.user))
        if self.action != "list":
            return qs
        query = AwardFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        if "contest" in query.validated_data:
            qs = qs.filter(contest_id=query.validated_data["contest"])
        if "state" in query.validated_data:
            qs = qs.filter(state=query.validated_data["state"])
        return qs

    def _detail(self, award_id: int, status: int = 200) -> Response:
        return Response(AwardSerializer(_with_tranches(Award.objects.filter(pk=award_id)).get()).data, status=status)

    @extend_schema(request=AwardPrepareSerializer, responses={201: AwardSerializer})
    def create(self, request: Request) -> Response:
        """Prepare the award of a selected entry (managers): the tier from its final rank on the confirmed final
        advance list, the amount within the tier, the tranches it is paid in."""
        data = AwardPrepareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        award = services.award_prepare(actor=_actor(request), today=timezone.localdate(), entry_id=v["entry"],
                                       amount=v["amount"], tranches=v.get("tranches"))
        return self._detail(award.pk, 201)

    @extend_schema(request=None, responses=AwardSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve a prepared award (a manager other than the one who prepared it): its whole amount is reserved out
        of the joint fund's cash, a 422 saying what the fund holds when it is not enough. Needs an Idempotency-Key
        header."""
        award = self.get_object()
        with key_named_as_header():
            services.award_approve(actor=_actor(request), today=timezone.localdate(), award_id=award.pk,
                                   idempotency_key=request.headers[HEADER].strip())
        return self._detail(award.pk)

    @extend_schema(request=AwardCancelSerializer, responses=AwardSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a prepared award, or an approved one of which nothing was paid (its reservation goes back to the
        joint fund), with a reason."""
        award = self.get_object()
        data = AwardCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.award_cancel(actor=_actor(request), today=timezone.localdate(), award_id=award.pk,
                              reason=data.validated_data["reason"])
        return self._detail(award.pk)


# --- tranches ---------------------------------------------------------------------------------------------------


class AwardTrancheViewSet(ContestsView, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A tranche of an award (분할 지급): paid by a manager, in order; the awarded enterprise's members report how it
    was spent (lines with evidence files) and submit the report; a manager settles it (what is accepted as spent;
    the rest is due back) and records the unspent money returned to the joint fund."""

    access_actions = {"retrieve": "award.read", "pay": "tranche.pay", "spending": "award.read",
                      "spending_add": "tranche.spending", "spending_remove": "tranche.spending",
                      "report": "tranche.report", "settle": "tranche.settle", "return_": "tranche.return"}
    serializer_class = AwardTrancheDetailSerializer
    error_codes = {"pay": ("400", "404", "409", "422"), "spending_add": ("400", "404", "409"),
                   "spending_remove": ("404", "409"), "report": ("400", "404", "409"),
                   "settle": ("400", "404", "409"), "return_": ("400", "404", "409", "422")}

    def get_queryset(self) -> QuerySet[AwardTranche]:
        return (selectors.tranches_visible_to(self.request.user)
                .prefetch_related(Prefetch("spending", SpendingItem.objects.order_by("spent_on", "id"))))

    def _detail(self, tranche_id: int) -> Response:
        return Response(AwardTrancheDetailSerializer(self.get_queryset().get(pk=tranche_id)).data)

    @extend_schema(request=TranchePaySerializer, responses=AwardTrancheDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def pay(self, request: Request, pk: str | None = None) -> Response:
        """Pay a planned tranche of an approved award (managers), once the tranche before it is paid: out of the
        award's reservation. Needs an Idempotency-Key header."""
        tranche = self.get_object()
        data = TranchePaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            services.tranche_pay(actor=_actor(request), today=timezone.localdate(), tranche_id=tranche.pk,
                                 paid_on=data.validated_data["paid_on"],
                                 idempotency_key=request.headers[HEADER].strip())
        return self._detail(tranche.pk)

    @extend_schema(responses=SpendingItemSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, parser_classes=[MultiPartParser])
    def spending(self, request: Request, pk: str | None = None) -> Response:
        """The lines of the tranche's spending report, by day."""
        tranche = self.get_object()
        return Response(SpendingItemSerializer(selectors.spending_of(tranche), many=True).data)

    @extend_schema(request={"multipart/form-data": SpendingAddSerializer}, responses={201: SpendingItemSerializer})
    @spending.mapping.post
    def spending_add(self, request: Request, pk: str | None = None) -> Response:
        """Add a line to the spending report of a paid tranche (members of the awarded enterprise), as
        multipart/form-data with the evidence file."""
        tranche = self.get_object()
        data = SpendingAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.spending_add(actor=_actor(request), today=timezone.localdate(), tranche_id=tranche.pk,
                                     **data.validated_data)
        return Response(SpendingItemSerializer(item).data, status=201)

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Removed, with its evidence file.")})
    @action(detail=True, methods=["delete"], url_path=r"spending/(?P<item_id>[0-9]+)")
    def spending_remove(self, request: Request, pk: str | None = None, item_id: str | None = None) -> Response:
        """Remove a line of the spending report (members of the awarded enterprise), until the report is
        submitted."""
        tranche = self.get_object()
        if not SpendingItem.objects.filter(pk=int(item_id or 0), tranche=tranche).exists():
            raise NotFound(_("No such spending item."))
        services.spending_remove(actor=_actor(request), today=timezone.localdate(), item_id=int(item_id or 0))
        return Response(status=204)

    @extend_schema(request=None, responses=AwardTrancheDetailSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: str | None = None) -> Response:
        """Submit the spending report of a paid tranche (members of the awarded enterprise); its lines may not add
        up to more than the tranche."""
        tranche = self.get_object()
        services.tranche_report(actor=_actor(request), today=timezone.localdate(), tranche_id=tranche.pk)
        return self._detail(tranche.pk)

    @extend_schema(request=TrancheSettleSerializer, responses=AwardTrancheDetailSerializer)
    @action(detail=True, methods=["post"])
    def settle(self, request: Request, pk: str | None = None) -> Response:
        """Settle a reported tranche (managers): what is accepted as spent (by default the report's total) is the
        award's expense; the rest is due back to the joint fund."""
        tranche = self.get_object()
        data = TrancheSettleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.tranche_settle(actor=_actor(request), today=timezone.localdate(), tranche_id=tranche.pk,
                                accepted=data.validated_data.get("accepted"))
        return self._detail(tranche.pk)

    @extend_schema(request=TrancheReturnSerializer, responses=AwardTrancheDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    @idempotent
    def return_(self, request: Request, pk: str | None = None) -> Response:
        """Record the unspent money of a settled tranche as returned to the joint fund (managers); the tranche
        closes. Needs an Idempotency-Key header."""
        tranche = self.get_object()
        data = TrancheReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            services.tranche_return(actor=_actor(request), today=timezone.localdate(), tranche_id=tranche.pk,
                                    returned_on=data.validated_data["returned_on"],
                                    idempotency_key=request.headers[HEADER].strip())
        return self._detail(tranche.pk)

