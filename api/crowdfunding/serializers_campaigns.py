"""Shapes of the campaigns' endpoints. Parsing only; the rules are ``crowdfunding.services.campaigns``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.common.fields import DateField, IdField, WonField
from crowdfunding.models import Campaign, CampaignMode
from crowdfunding.selectors.campaigns import days_left, progress_percent, reward_lines, sees_everything_of


class RewardLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    price = WonField(help_text="The smallest pledge that may claim it.")
    stock = serializers.IntegerField(allow_null=True, help_text="Null: unlimited.")
    remaining = serializers.IntegerField(allow_null=True, help_text="Stock not yet claimed; null: unlimited.")


class CampaignSerializer(serializers.ModelSerializer):
    """A campaign's public fields (anyone, signed in or not); ``internal`` for staff and the enterprise's members."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    contest_name = serializers.CharField(source="contest.name", read_only=True)
    campaign_type = serializers.CharField(source="entry.campaign_type", read_only=True,
                                          help_text="reward (리워드형) or donation (기부형).")
    target = WonField()
    min_pledge = WonField()
    max_per_backer = WonField(allow_null=True, help_text="Null: no limit per backer.")
    pledged = WonField(allow_zero=True, help_text="Live pledges.")
    matched = WonField(allow_zero=True, help_text="Matched by the contest's matching pools (매칭액).")
    currency = serializers.SerializerMethodField()
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    progress_percent = serializers.SerializerMethodField(
        help_text="(pledged + matched) / target x 100, as a decimal string rounded down to hundredths.")
    days_left = serializers.SerializerMethodField(
        help_text="Days after today (Asia/Seoul) until the last day: 0 on the last day and after.")
    rewards = serializers.SerializerMethodField()
    internal = serializers.SerializerMethodField(
        help_text="Staff and the enterprise's members only (null for everyone else).")

    class Meta:
        model = Campaign
        fields = ["id", "title", "story", "enterprise_name", "contest", "contest_name", "campaign_type", "mode",
                  "target", "min_pledge", "max_per_backer", "pledged", "matched", "backers", "currency",
                  "progress_percent", "days_left", "starts_on", "ends_on", "state", "state_label", "rewards",
                  "internal"]
        read_only_fields = fields

    def get_currency(self, obj: Campaign) -> str:
        return "KRW"

    def get_progress_percent(self, obj: Campaign) -> str:
        return str(progress_percent(obj))

    def get_days_left(self, obj: Campaign) -> int:
        return days_left(obj, self.context["today"])

    @extend_schema_field(RewardLineSerializer(many=True))
    def get_rewards(self, obj: Campaign) -> list[dict[str, Any]]:
        return RewardLineSerializer(reward_lines(obj), many=True).data  # type: ignore[return-value]

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_internal(self, obj: Campaign) -> dict[str, Any] | None:
        request = self.context.get("request")
        if request is None or not sees_everything_of(request.user, obj):
            return None
        return {"entry": obj.entry_id, "enterprise": obj.enterprise_id, "charged": str(obj.charged.amount),
                "launched_at": obj.launched_at.isoformat() if obj.launched_at else None,
                "launched_by": obj.launched_by_id, "closed_on": obj.closed_on.isoformat() if obj.closed_on else None}


class CampaignFilterSerializer(serializers.Serializer):
    contest = IdField(required=False, help_text="Only this contest's campaigns.")
    state = serializers.ChoiceField(choices=Campaign.State.choices, required=False)


class CampaignCreateSerializer(serializers.Serializer):
    entry = IdField(help_text="An advanced entry of one of the caller's enterprises.")
    title = serializers.CharField(max_length=200)
    story = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
    mode = serializers.ChoiceField(choices=CampaignMode.choices, help_text="aon: all or nothing; kia: keep it all.")
    target = WonField()
    min_pledge = WonField(required=False, default=1000)
    max_per_backer = WonField(required=False, allow_null=True, default=None, help_text="Null: no limit.")
    starts_on = DateField(help_text="After the contest's screening ends.")
    ends_on = DateField(help_text="On or before the contest's funding ends.")


class CampaignEditSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    story = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    mode = serializers.ChoiceField(choices=CampaignMode.choices, required=False)
    target = WonField(required=False)
    min_pledge = WonField(required=False)
    max_per_backer = WonField(required=False, allow_null=True)
    starts_on = DateField(required=False)
    ends_on = DateField(required=False)


class RewardInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    price = WonField()
    stock = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, allow_null=True, default=None,
                                     help_text="Null: unlimited.")
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)


class RewardEditSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    price = WonField(required=False)
    stock = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, allow_null=True)
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False)
