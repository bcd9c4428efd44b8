"""Campaign settlements (캠페인 정산) and their payouts: endpoints. Parsing and rendering only; the rules are in
``crowdfunding.services.campaign_settlement``. Who may call each is ``crowdfunding.access.ACCESS``.

- ``/campaign-settlements/``: staff read every settlement, enterprise members their own campaigns' (another's is a
  404); ``/{id}/payout/``: a manager records that the bank paid it (Idempotency-Key).
- ``/contests/{id}/payout-file/?format=csv|xlsx``: the bank file of the contest's settlements not yet paid out
  (managers, auditors); each download is in the audit trail.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common.fields import DateField, IdField, WonField
from api.common.idempotency import HEADER, idempotent, key_named_as_header
from api.common.permissions import actor as _actor
from crowdfunding.models import CampaignSettlement
from crowdfunding.selectors import campaign_settlement as selectors
from crowdfunding.services import campaign_settlement as services

from .common import ContestsView

_MONEY = ["pledged", "charged", "failed", "refunded", "platform_fee", "payment_fee", "matched", "top_up", "quadratic",
          "net_payout"]


def _figure(help_text: str = "") -> WonField:
    """A settlement figure: read only, and 0 is a figure like any other (a failed campaign's, a fee at rate 0)."""
    return WonField(allow_zero=True, read_only=True, help_text=help_text or None)


class CampaignSettlementSerializer(serializers.ModelSerializer):
    campaign_title = serializers.CharField(source="campaign.title", read_only=True)
    enterprise = serializers.IntegerField(source="campaign.enterprise_id", read_only=True)
    contest = serializers.IntegerField(source="campaign.contest_id", read_only=True)
    pledged = _figure("Pledges live at the deadline.")
    charged = _figure("Charged to backers' cards, including what was refunded later.")
    failed = _figure("Charges declined for good (those pledges cancelled).")
    refunded = _figure()
    platform_fee = _figure("CROWDFUNDING_PLATFORM_FEE_RATE of charged - refunded, rounded down.")
    payment_fee = _figure("CROWDFUNDING_PAYMENT_FEE_RATE of charged - refunded, rounded down.")
    matched = _figure("Pledge matches paid by the pools.")
    top_up = _figure()
    quadratic = _figure()
    net_payout = _figure("charged - refunded - fees + matched + top_up + quadratic (지급액).")
    currency = serializers.SerializerMethodField(help_text="Every amount's currency: KRW.")
    settled_on = DateField(read_only=True)
    paid_out_on = DateField(read_only=True, allow_null=True)

    class Meta:
        model = CampaignSettlement
        fields = ["id", "campaign", "campaign_title", "enterprise", "contest", "succeeded", *_MONEY, "currency",
                  "settled_on", "paid_out_on", "journal", "payout_journal"]
        read_only_fields = fields


    def get_currency(self, obj: CampaignSettlement) -> str:
        return "KRW"


class SettlementFilterSerializer(serializers.Serializer):
    contest = IdField(required=False, help_text="Only this contest's settlements.")
    paid_out = serializers.BooleanField(required=False, allow_null=True, default=None,
                                        help_text="true: paid out; false: not yet.")


class PayoutSerializer(serializers.Serializer):
    paid_on = DateField(help_text="The day the bank paid (not before the settlement, not in the future).")


class PayoutFileQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(services.EXPORT_TYPES), default="xlsx",
                                     help_text="csv (UTF-8 with a byte-order mark) or xlsx.")


@extend_schema_view(list=extend_schema(parameters=[SettlementFilterSerializer]))
class CampaignSettlementViewSet(ContestsView, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                viewsets.GenericViewSet):
    """Campaign settlements (캠페인 정산): what each campaign collected, the fees, the matching and the net payout to
    its enterprise; a manager records the bank's payment."""

    access_actions = {"list": "settlement.read", "retrieve": "settlement.read", "payout": "settlement.payout"}
    serializer_class = CampaignSettlementSerializer
    error_codes = {"list": ("400",), "payout": ("400", "404", "409", "422")}

    def get_queryset(self) -> QuerySet[CampaignSettlement]:
        qs = selectors.settlements_visible_to(self.request.user).select_related("campaign").order_by("pk")
        if self.action != "list":
            return qs
        query = SettlementFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        if query.validated_data.get("contest"):
            qs = qs.filter(campaign__contest_id=query.validated_data["contest"])
        if query.validated_data.get("paid_out") is not None:
            qs = qs.filter(paid_out_on__isnull=not query.validated_data["paid_out"])
        return qs

    @extend_schema(request=PayoutSerializer, responses=CampaignSettlementSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def payout(self, request: Request, pk: str | None = None) -> Response:
        """Record that the bank paid the settlement's net payout to the enterprise (managers). Needs an
        Idempotency-Key header."""
        settlement = self.get_object()
        data = PayoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            services.payout_record(settlement_id=settlement.pk, paid_on=data.validated_data["paid_on"],
                                   actor=_actor(request), idempotency_key=request.headers[HEADER].strip(),
                                   on_date=timezone.localdate())
        return Response(CampaignSettlementSerializer(self.get_queryset().get(pk=settlement.pk)).data)


class _PassThrough(BaseRenderer):
    """The file's formats, so that ``?format=csv|xlsx`` passes DRF's content negotiation (the view sends the file
    itself; errors are JSON)."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return JSONRenderer().render(data, accepted_media_type, renderer_context)


class _Csv(_PassThrough):
    media_type, format = "text/csv", "csv"


class _Xlsx(_PassThrough):
    media_type, format = services.EXPORT_TYPES["xlsx"], "xlsx"


class PayoutFileView(ContestsView, APIView):
    """The contest's payout file for the bank (정산금 지급 내역): one line per settled campaign not yet paid out
    (enterprise, business number, bank account, amount, memo) and the total, as CSV or XLSX."""

    access_actions = {"get": "payout.download"}
    error_codes = {"get": ("400", "404")}
    renderer_classes = [JSONRenderer, _Csv, _Xlsx]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        renderer = JSONRenderer()  # ?format= names the file, not the error's rendering
        return renderer, renderer.media_type

    @extend_schema(
        parameters=[PayoutFileQuerySerializer],
        responses={(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=f"{kind.upper()} file")
                   for kind, media_type in services.EXPORT_TYPES.items()},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        query = PayoutFileQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        kind = query.validated_data["format"]
        meta = request.META
        export = services.payout_file(contest_id=pk, kind=kind, actor=_actor(request),
                                      ip=meta.get("HTTP_X_REAL_IP") or meta.get("REMOTE_ADDR") or None,
                                      user_agent=meta.get("HTTP_USER_AGENT", ""))
        response = HttpResponse(export.body, content_type=export.content_type)
        response["Content-Disposition"] = (
            f"attachment; filename=\"payout-contest-{pk}.{kind}\"; filename*=UTF-8''{quote(export.filename)}")
        return response
