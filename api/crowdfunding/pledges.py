"""Pledges (후원): ``POST /api/v1/campaigns/{id}/pledges/`` (a backer, ``Idempotency-Key`` required),
``/api/v1/pledges/`` (a backer its own, staff all, an enterprise's members their campaigns' pledges with the backer's
display name only), ``/api/v1/pledges/{id}/cancel/`` before the deadline, and the payment provider's webhooks at
``/api/v1/payments/webhook/`` (no sign-in: the signature decides). The rules are ``crowdfunding.services.pledges``.

A pledge is not wrapped by ``api.common.idempotency.idempotent``, which runs the view in one transaction: the service
calls the payment provider outside any transaction, and keeps the key itself (one pledge per backer and key: the same
key gives the same pledge back, with ``Idempotent-Replayed: true``; with another body, 422)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common.idempotency import key_named_as_header, required_key
from api.common.permissions import actor as _actor
from crowdfunding.gateway import verify_webhook
from crowdfunding.models import Pledge
from crowdfunding.selectors.pledges import pledges_visible_to
from crowdfunding.services import pledges as services

from . import serializers_pledges as s
from .common import TAG, ContestsView


def _queryset(user: Any) -> QuerySet[Pledge]:
    return pledges_visible_to(user).select_related("campaign", "backer", "reward").order_by("-pk")


class CampaignPledgeView(ContestsView, APIView):
    """Pledge to a campaign."""

    access_actions = {"post": "pledge.create"}
    error_codes = {"post": ("400", "402", "404", "409", "422", "503", "504")}

    @extend_schema(request=s.PledgeCreateSerializer, responses={201: s.PledgeSerializer, 200: s.PledgeSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Pledge ``amount`` to a live campaign, optionally claiming one of its reward tiers, paying with what the
        provider's checkout gave (all or nothing: a card registered for billing, charged only if the campaign
        succeeds; keep it all: a payment charged now). ``Idempotency-Key`` is required: the same key gives the same
        pledge back (200, ``Idempotent-Replayed: true``)."""
        key = required_key(request)  # (a campaign that is not there, or a draft: the service's 404)
        data = s.PledgeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        with key_named_as_header():
            pledge, made = services.pledge_create(campaign_id=int(pk), actor=_actor(request), amount=v["amount"],
                                                  reward_id=v["reward"], payment=dict(v["payment"]),
                                                  idempotency_key=key, on_date=timezone.localdate())
        headers = {} if made else {"Idempotent-Replayed": "true"}
        # The backer's own pledge: as the service wrote it (with its campaign, backer and reward), or, replayed,
        # read again without the visibility rules' joins.
        shown = pledge if made else Pledge.objects.select_related("campaign", "backer", "reward").get(
            pk=pledge.pk, backer=pledge.backer_id)
        return Response(s.PledgeSerializer(shown).data, status=201 if made else 200, headers=headers)

    # The key is the pledge's own (kept on it, not by @idempotent: the provider is called outside any transaction);
    # the schema documents the header as it does for @idempotent calls.
    post.requires_idempotency_key = True  # type: ignore[attr-defined]


class PledgeViewSet(ContestsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pledges: a backer's own; staff all; an enterprise's members their campaigns' pledges."""

    access_actions = {"list": "pledge.read", "retrieve": "pledge.read", "cancel": "pledge.cancel"}
    serializer_class = s.PledgeSerializer
    error_codes = {"cancel": ("400", "409", "503", "504")}

    def get_queryset(self) -> QuerySet[Pledge]:
        return _queryset(self.request.user)

    @extend_schema(request=None, responses=s.PledgeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel one's pledge before the campaign's deadline: a reservation is cancelled, a charge refunded."""
        pledge = self.get_object()
        services.pledge_cancel(pledge_id=pledge.pk, actor=_actor(request), on_date=timezone.localdate())
        return Response(s.PledgeSerializer(self.get_queryset().get(pk=pledge.pk)).data)


class PaymentWebhookView(APIView):
    """The payment provider's webhooks. No sign-in: the signature header decides (a bad one: 400, nothing
    written). Each event is kept once: a replay answers 200 and changes nothing."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    schema_tag = TAG
    error_codes = {"post": ("400",)}  # a signature that does not verify, or a body that is not an event

    @extend_schema(request=None, responses={200: OpenApiResponse(description="Received (applied, or not).")})
    def post(self, request: Request) -> Response:
        body = request.body
        event = verify_webhook(body, request.headers.get("Standin-Signature", ""), now=timezone.now())
        recorded = services.payment_webhook_apply(event=event, on_date=timezone.localdate())
        return Response({"event": recorded.event_id, "outcome": recorded.outcome})
