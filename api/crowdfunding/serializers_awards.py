"""Shapes of the awards' endpoints (시상, 보조금 정산). Parsing and rendering only; the rules are in
``crowdfunding.services.awards`` and ``crowdfunding.services.settlement``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.common.fields import DateField, IdField, WonField
from crowdfunding import selectors
from crowdfunding.models import Award, AwardTier, AwardTranche, SpendingItem
from crowdfunding.services.awards import MAX_RANK, MAX_TRANCHES

MONEY_DATE = (f"Not in the future and at most {settings.BACKDATE_DAYS} days back (the back-dating window, "
              "BACKDATE_DAYS); out of the window is a 400 naming the field.")


# --- the award table --------------------------------------------------------------------------------------------


class AwardTierSerializer(serializers.ModelSerializer):
    amount_min = WonField(help_text="The smallest amount of an award of this tier.")
    amount_max = WonField(help_text="The largest (equal to amount_min: a fixed amount).")

    class Meta:
        model = AwardTier
        fields = ["name", "rank_from", "rank_to", "amount_min", "amount_max"]
        read_only_fields = fields


class AwardTierInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="대상, 최우수상, 우수상...")
    rank_from = serializers.IntegerField(min_value=1, max_value=MAX_RANK, help_text="The tier's first final rank.")
    rank_to = serializers.IntegerField(min_value=1, max_value=MAX_RANK, help_text="Its last final rank.")
    amount_min = WonField(help_text="The smallest amount the panel may award.")
    amount_max = WonField(help_text="The largest; equal to amount_min for a fixed amount.")


class AwardTableInputSerializer(serializers.Serializer):
    tiers = AwardTierInputSerializer(
        many=True, allow_empty=True,
        help_text="The whole table, replacing the one before: ranks contiguous from 1, none overlapping (a 400 "
                  "names tiers[i].rank_from). Refused (409) once an award is prepared.")


class AwardTableSerializer(serializers.Serializer):
    contest = serializers.IntegerField()
    currency = serializers.CharField()
    tiers = AwardTierSerializer(many=True)
    fixed = serializers.BooleanField(help_text="An award was prepared under the table: it can no longer change.")


# --- awards and tranches ----------------------------------------------------------------------------------------


class AwardFiguresSerializer(serializers.Serializer):
    """What happened to an award's money (0 while prepared or once cancelled)."""

    approved = WonField(allow_zero=True, help_text="Reserved out of the joint fund at approval.")
    paid = WonField(allow_zero=True, help_text="Tranches paid out.")
    reserved = WonField(allow_zero=True, help_text="Approved and not yet paid.")
    spent = WonField(allow_zero=True, help_text="Accepted as spent when tranches were settled.")
    returned = WonField(allow_zero=True, help_text="Unspent money returned to the joint fund.")
    due_back = WonField(allow_zero=True, help_text="Unspent money settled and not yet returned (반환 대기).")
    advance = WonField(allow_zero=True, help_text="Paid, neither settled as spent nor returned (선급금).")


class SpendingItemSerializer(serializers.ModelSerializer):
    amount = WonField()
    evidence_name = serializers.SerializerMethodField(help_text="The stored file's name (named by its content type).")
    evidence_size = serializers.SerializerMethodField(help_text="Bytes.")

    class Meta:
        model = SpendingItem
        fields = ["id", "tranche", "amount", "category", "description", "spent_on", "evidence_name", "evidence_size",
                  "evidence_sha256", "created_by", "created_at"]
        read_only_fields = fields

    def get_evidence_name(self, obj: SpendingItem) -> str:
        return str(obj.evidence.name).rsplit("/", 1)[-1]

    def get_evidence_size(self, obj: SpendingItem) -> int | None:
        try:
            return int(obj.evidence.size)
        except OSError:  # the file is gone from the storage
            return None


class SpendingAddSerializer(serializers.Serializer):
    amount = WonField(help_text="What was spent; the lines add up to at most the tranche.")
    category = serializers.ChoiceField(choices=SpendingItem.Category.choices)
    description = serializers.CharField(max_length=300)
    spent_on = DateField(help_text="Not before the tranche was paid, not after today.")
    evidence = serializers.FileField(
        allow_empty_file=False, use_url=False,
        help_text="증빙: a PDF, JPEG or PNG of at most 10 MB, judged by its content (not its name); its SHA-256 is "
                  "kept.")


class AwardTrancheSerializer(serializers.ModelSerializer):
    amount = WonField()
    spent = WonField(allow_zero=True, help_text="Accepted as spent at settlement.")
    unspent = WonField(allow_zero=True, help_text="Due back to the joint fund (반환금) from settlement.")
    spending_total = serializers.SerializerMethodField(help_text="What the enterprise's spending lines add up to.")
    currency = serializers.SerializerMethodField()

    class Meta:
        model = AwardTranche
        fields = ["id", "award", "number", "currency", "amount", "state", "paid_on", "paid_by", "pay_journal",
                  "reported_at", "spending_total", "spent", "unspent", "settled_on", "settled_by", "returned_on",
                  "return_journal"]
        read_only_fields = fields

    def get_currency(self, obj: AwardTranche) -> str:
        return "KRW"

    @extend_schema_field(WonField(allow_zero=True))
    def get_spending_total(self, obj: AwardTranche) -> str:
        return str(int(sum((item.amount.amount for item in obj.spending.all()), 0)))


class AwardTrancheDetailSerializer(AwardTrancheSerializer):
    spending = SpendingItemSerializer(many=True, read_only=True)

    class Meta(AwardTrancheSerializer.Meta):
        fields = [*AwardTrancheSerializer.Meta.fields, "spending"]
        read_only_fields = fields


class AwardSerializer(serializers.ModelSerializer):
    entry_title = serializers.CharField(source="entry.title", read_only=True)
    enterprise = serializers.IntegerField(source="entry.enterprise_id", read_only=True)
    enterprise_name = serializers.CharField(source="entry.enterprise.name", read_only=True)
    tier_name = serializers.CharField(source="tier.name", read_only=True)
    currency = serializers.SerializerMethodField()
    amount = WonField()
    paid = WonField(allow_zero=True)
    figures = serializers.SerializerMethodField()
    tranches = AwardTrancheSerializer(many=True, read_only=True)

    class Meta:
        model = Award
        fields = ["id", "contest", "entry", "entry_title", "enterprise", "enterprise_name", "tier", "tier_name",
                  "rank", "currency", "amount", "paid", "state", "prepared_by", "prepared_at", "approved_by",
                  "approved_at", "reserve_journal", "figures", "tranches"]
        read_only_fields = fields

    def get_currency(self, obj: Award) -> str:
        return "KRW"

    @extend_schema_field(AwardFiguresSerializer)
    def get_figures(self, obj: Award) -> dict[str, Any]:
        return dict(AwardFiguresSerializer(asdict(selectors.award_figures(obj))).data)


class AwardFilterSerializer(serializers.Serializer):
    contest = IdField(required=False, help_text="Only this contest's awards.")
    state = serializers.ChoiceField(choices=Award.State.choices, required=False)


class AwardPrepareSerializer(serializers.Serializer):
    entry = IdField(help_text="A selected entry of a contest in its final (advance list confirmed) or awards phase.")
    amount = WonField(help_text="Within the range of the tier covering the entry's final rank.")
    tranches = serializers.ListField(
        child=WonField(), required=False, min_length=1,
        help_text=f"The tranches (분할 지급) in order, at most {MAX_TRANCHES}, adding up to the amount. Default: one "
                  "tranche of the whole.")


class AwardCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Required: why.")


class TranchePaySerializer(serializers.Serializer):
    paid_on = DateField(help_text=f"Not before the award's approval nor the tranche before. {MONEY_DATE}")


class TrancheSettleSerializer(serializers.Serializer):
    accepted = WonField(allow_zero=True, required=False,
                        help_text="What is accepted as spent: at most the spending reported (the default).")


class TrancheReturnSerializer(serializers.Serializer):
    returned_on = DateField(help_text=f"Not before the settlement. {MONEY_DATE}")
