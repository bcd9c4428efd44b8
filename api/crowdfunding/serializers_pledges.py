"""Shapes of the pledges' endpoints. Parsing only; the rules are ``crowdfunding.services.pledges``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.common.fields import IdField, WonField
from crowdfunding.models import Pledge
from crowdfunding.selectors.pledges import matches_of


class PaymentSerializer(serializers.Serializer):
    """From the provider's checkout: all or nothing, {auth_key, customer_key} (billing); keep it all,
    {payment_key, order_id} (payment)."""

    auth_key = serializers.CharField(required=False, max_length=128)
    customer_key = serializers.CharField(required=False, max_length=128)
    payment_key = serializers.CharField(required=False, max_length=128)
    order_id = serializers.CharField(required=False, max_length=64)


class PledgeCreateSerializer(serializers.Serializer):
    amount = WonField()
    reward = IdField(required=False, allow_null=True, default=None, help_text="A reward tier of the campaign, or null.")
    payment = PaymentSerializer()


class MatchLineSerializer(serializers.Serializer):
    pool = serializers.IntegerField()
    pool_name = serializers.CharField()
    funder = serializers.CharField(help_text="The funder institution's name.")
    amount = WonField()
    state = serializers.CharField()


class PledgeSerializer(serializers.ModelSerializer):
    campaign_title = serializers.CharField(source="campaign.title", read_only=True)
    backer_name = serializers.SerializerMethodField(help_text="The backer's display name (never its email).")
    amount = WonField()
    matched = WonField(allow_zero=True)
    currency = serializers.SerializerMethodField()
    reward_title = serializers.CharField(source="reward.title", read_only=True, allow_null=True, default=None)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    matches = serializers.SerializerMethodField()

    class Meta:
        model = Pledge
        fields = ["id", "campaign", "campaign_title", "backer_name", "amount", "currency", "reward", "reward_title",
                  "state", "state_label", "matched", "matches", "card_masked", "charge_attempts", "next_charge_on",
                  "charged_on", "cancelled_on", "created_at"]
        read_only_fields = fields

    def get_currency(self, obj: Pledge) -> str:
        return "KRW"

    def get_backer_name(self, obj: Pledge) -> str:
        return obj.backer.display_name or f"후원자 #{obj.backer_id}"

    @extend_schema_field(MatchLineSerializer(many=True))
    def get_matches(self, obj: Pledge) -> list[dict[str, Any]]:
        return MatchLineSerializer(matches_of(obj), many=True).data  # type: ignore[return-value]
