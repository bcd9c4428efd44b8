"""``/api/v1/campaigns/``: the contests' crowdfunding campaigns (펀딩 캠페인). Anyone reads a launched campaign, signed
in or not (its public fields: progress, backers, matched, days left, reward tiers with what is left of them); a draft
only its enterprise's members and staff. The enterprise's members (or a manager) draft the campaign of an advanced
entry, edit it and its reward tiers, and launch it. A manager settles a closed campaign by hand (``/{id}/settle/``;
the nightly funding run does it otherwise). Who may call each operation is ``crowdfunding.access.ACCESS``; the rules
are the services' (``crowdfunding.services.campaigns``, ``crowdfunding.services.campaign_settlement``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.common.permissions import actor as _actor
from core.errors import NotFound
from crowdfunding.models import Campaign, CampaignSettlement, RewardTier
from crowdfunding.selectors.campaigns import campaigns_visible_to
from crowdfunding.services import campaign_settlement as settlement_services
from crowdfunding.services import campaigns as services

from . import serializers_campaigns as s
from .common import ContestsView
from .settlements import CampaignSettlementSerializer


@extend_schema_view(list=extend_schema(parameters=[s.CampaignFilterSerializer]))
class CampaignViewSet(ContestsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Campaigns: public pages for everyone; drafted, edited and launched by the enterprise's members."""

    access_actions = {
        "list": "campaign.read",
        "retrieve": "campaign.read",
        "create": "campaign.create",
        "partial_update": "campaign.update",
        "launch": "campaign.launch",
        "settle": "campaign.settle",
        "reward_add": "reward.write",
        "reward_change": "reward.write",
        "reward_remove": "reward.write",
    }
    serializer_class = s.CampaignSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    error_codes = {
        "list": ("400",),
        "create": ("400", "404", "409"),
        "partial_update": ("400", "409"),
        "launch": ("400", "409"),
        "settle": ("400", "404", "409"),
        "reward_add": ("400", "409"),
        "reward_change": ("400", "409"),
        "reward_remove": ("400", "409"),
    }

    def get_queryset(self) -> QuerySet[Campaign]:
        qs = (campaigns_visible_to(self.request.user).select_related("contest", "enterprise", "entry")
              .order_by("-pk"))
        if self.action != "list":
            return qs
        query = s.CampaignFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        if "contest" in filters:
            qs = qs.filter(contest_id=filters["contest"])
        if "state" in filters:
            qs = qs.filter(state=filters["state"])
        return qs

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def _render(self, campaign_id: int, status: int = 200) -> Response:
        campaign = self.get_queryset().get(pk=campaign_id)
        return Response(s.CampaignSerializer(campaign, context=self.get_serializer_context()).data, status=status)

    @extend_schema(request=s.CampaignCreateSerializer, responses={201: s.CampaignSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Draft the campaign of an advanced entry of one of the caller's enterprises (one per entry), while its
        contest is in screening or funding; its dates within the funding phase (400 naming the date)."""
        data = s.CampaignCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(actor=_actor(request), on_date=timezone.localdate(),
                                            entry_id=data.validated_data.pop("entry"), **data.validated_data)
        return self._render(campaign.pk, 201)

    @extend_schema(request=s.CampaignEditSerializer, responses=s.CampaignSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Edit a draft campaign: only the fields sent change."""
        campaign = self.get_object()
        data = s.CampaignEditSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.campaign_update(actor=_actor(request), on_date=timezone.localdate(), campaign_id=campaign.pk,
                                 **data.validated_data)
        return self._render(campaign.pk)

    @extend_schema(request=None, responses=s.CampaignSerializer)
    @action(detail=True, methods=["post"])
    def launch(self, request: Request, pk: str | None = None) -> Response:
        """Launch a draft: backers may pledge from its start; mode and target are fixed from now on."""
        campaign = self.get_object()
        services.campaign_launch(actor=_actor(request), on_date=timezone.localdate(), campaign_id=campaign.pk)
        return self._render(campaign.pk)

    @extend_schema(request=None, responses=CampaignSettlementSerializer)
    @action(detail=True, methods=["post"])
    def settle(self, request: Request, pk: str | None = None) -> Response:
        """Settle a campaign by hand (managers; the nightly funding run settles it otherwise): once its deadline has
        passed (succeeded or failed) and no pledge waits for its charge, its figures and net payout are fixed and
        its money moved. Its settlement is the answer; a settled campaign gives it back unchanged; 409 naming the
        state or what still waits."""
        campaign = self.get_object()
        settlement = settlement_services.campaign_settle(campaign_id=campaign.pk, on_date=timezone.localdate(),
                                                         actor=_actor(request))
        return Response(CampaignSettlementSerializer(
            CampaignSettlement.objects.select_related("campaign").get(pk=settlement.pk)).data)

    @extend_schema(request=s.RewardInputSerializer, responses={201: s.CampaignSerializer})
    @action(detail=True, methods=["post"], url_path="rewards")
    def reward_add(self, request: Request, pk: str | None = None) -> Response:
        """Add a reward tier to a draft reward campaign (a donation campaign has none: 409)."""
        campaign = self.get_object()
        data = s.RewardInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.reward_create(actor=_actor(request), on_date=timezone.localdate(), campaign_id=campaign.pk,
                               **data.validated_data)
        return self._render(campaign.pk, 201)

    def _reward(self, campaign: Campaign, reward_id: str | None) -> int:
        found = RewardTier.objects.filter(pk=int(reward_id or 0), campaign=campaign).values_list("pk", flat=True)
        if not found:
            raise NotFound(_("No such reward tier."))
        return found[0]

    @extend_schema(request=s.RewardEditSerializer, responses=s.CampaignSerializer)
    @action(detail=True, methods=["patch"], url_path=r"rewards/(?P<reward_id>[0-9]+)")
    def reward_change(self, request: Request, pk: str | None = None, reward_id: str | None = None) -> Response:
        """Edit a reward tier of a draft campaign: only the fields sent change."""
        campaign = self.get_object()
        data = s.RewardEditSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.reward_update(actor=_actor(request), on_date=timezone.localdate(),
                               reward_id=self._reward(campaign, reward_id), **data.validated_data)
        return self._render(campaign.pk)

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Removed.")})
    @reward_change.mapping.delete
    def reward_remove(self, request: Request, pk: str | None = None, reward_id: str | None = None) -> Response:
        """Remove a reward tier of a draft campaign."""
        campaign = self.get_object()
        services.reward_delete(actor=_actor(request), on_date=timezone.localdate(),
                               reward_id=self._reward(campaign, reward_id))
        return Response(status=204)
