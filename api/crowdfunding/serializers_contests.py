"""Shapes of the contests' and entries' endpoints. Parsing only; the rules are ``crowdfunding.services``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.common.fields import DateField, IdField, WonField
from crowdfunding.models import (
    CampaignType,
    Contest,
    ContestPartner,
    Entry,
    JointFundContribution,
    Phase,
    RoundKind,
)
from enterprises.models import Enterprise, Institution, Province

MONEY_DATE = (f"Not in the future and at most {settings.BACKDATE_DAYS} days back (the back-dating window, "
              "BACKDATE_DAYS); out of the window is a 400 naming the field.")


class _Currency:
    def get_currency(self, obj: Any) -> str:
        return "KRW"


# --- contests ------------------------------------------------------------------------------------------------------


class ContestSerializer(_Currency, serializers.ModelSerializer):
    """A contest's public fields: what anyone signed in reads."""

    host_name = serializers.CharField(source="host.name", read_only=True)
    phase_label = serializers.CharField(source="get_phase_display", read_only=True)
    eligible_kinds = serializers.ListField(child=serializers.ChoiceField(choices=Enterprise.Kind.choices))
    eligible_provinces = serializers.ListField(child=serializers.ChoiceField(choices=Province.choices))
    eligible_districts = serializers.ListField(child=serializers.CharField())
    target_min = WonField(allow_zero=True)
    target_max = WonField()
    currency = serializers.SerializerMethodField()
    partners = serializers.SerializerMethodField(help_text="The partner institutions' names (참여기관).")

    class Meta:
        model = Contest
        fields = ["id", "code", "name", "description", "host", "host_name", "phase", "phase_label", "stage",
                  "previous_stage", "call_opens_on", "call_closes_on", "screening_ends_on", "funding_ends_on",
                  "final_ends_on", "awards_end_on", "eligible_kinds", "eligible_provinces", "eligible_districts",
                  "target_min", "target_max", "currency", "partners"]
        read_only_fields = fields

    def get_partners(self, obj: Contest) -> list[str]:
        return [partner.institution.name for partner in obj.partners.all()]


class ContestContributorSerializer(serializers.Serializer):
    partner = serializers.IntegerField(source="partner_id")
    institution = serializers.IntegerField(source="institution_id")
    name = serializers.CharField()
    pledged = WonField(allow_zero=True, help_text="약정액: what it pledged.")
    paid = WonField(allow_zero=True, help_text="What its contributions' records say it paid in.")
    ledger = WonField(allow_zero=True, help_text="Its contribution account's balance in the contest's book.")
    outstanding = WonField(allow_zero=True, help_text="Pledged and not paid yet.")


class ContestFundSerializer(_Currency, serializers.Serializer):
    """The joint fund (공동기금) by contributor, and where its money is now, reconciled to the contest's book."""

    contributors = ContestContributorSerializer(many=True)
    pledged = WonField(allow_zero=True)
    paid = WonField(allow_zero=True, help_text="The contributions' records.")
    contributions = WonField(allow_zero=True, help_text="The book's contribution accounts.")
    cash = WonField(allow_zero=True, help_text="Not reserved for an award.")
    reserved = WonField(allow_zero=True, help_text="Approved awards not paid yet.")
    advanced = WonField(allow_zero=True, help_text="Tranches paid and not settled (선급금).")
    spent = WonField(allow_zero=True, help_text="Award money spent, as settled (정산).")
    reconciled = serializers.BooleanField(
        help_text="paid == contributions and cash + reserved + advanced + spent == contributions.")
    currency = serializers.SerializerMethodField()


class ContestDetailSerializer(ContestSerializer):
    """A contest; for staff also its joint fund and its entries by state (null for everyone else)."""

    fund = serializers.SerializerMethodField(help_text="Staff only (null otherwise): the joint fund.")
    entries_by_state = serializers.SerializerMethodField(
        help_text="Staff only (null otherwise): how many entries are in each state.")

    class Meta(ContestSerializer.Meta):
        fields = [*ContestSerializer.Meta.fields, "fund", "entries_by_state"]
        read_only_fields = fields

    @extend_schema_field(ContestFundSerializer(allow_null=True))
    def get_fund(self, obj: Contest) -> dict[str, Any] | None:
        fund = self.context.get("fund")
        return ContestFundSerializer(fund).data if fund is not None else None

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField(min_value=0), allow_null=True))
    def get_entries_by_state(self, obj: Contest) -> dict[str, int] | None:
        return self.context.get("entries_by_state")


class ContestCreateSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=50, help_text="Unique; the contest's book is contest-<code>.")
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    host = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.order_by("pk"),
                                              help_text="The host institution (주관기관).")
    eligible_kinds = serializers.ListField(child=serializers.ChoiceField(choices=Enterprise.Kind.choices),
                                           allow_empty=False)
    eligible_provinces = serializers.ListField(child=serializers.ChoiceField(choices=Province.choices),
                                               required=False, default=list, help_text="Empty: any province.")
    eligible_districts = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, default=list,
        help_text="Empty: any district. Named only with eligible_provinces (중구 is a district of several cities).")
    call_opens_on = DateField()
    call_closes_on = DateField(help_text="On or after call_opens_on.")
    screening_ends_on = DateField(help_text="After call_closes_on.")
    funding_ends_on = DateField(required=False, allow_null=True, default=None,
                                help_text="Null: no crowdfunding phase. Otherwise after screening_ends_on and "
                                          "before final_ends_on.")
    final_ends_on = DateField(help_text="After screening_ends_on (and funding_ends_on).")
    awards_end_on = DateField(help_text="On or after final_ends_on.")
    target_min = WonField(allow_zero=True, required=False, default=0)
    target_max = WonField(help_text="At least target_min.")
    previous_stage = serializers.PrimaryKeyRelatedField(
        queryset=Contest.objects.order_by("pk"), required=False, allow_null=True, default=None,
        help_text="A staged program: the contest of the stage before, whose award winners alone may enter.")


class ContestAdvanceSerializer(serializers.Serializer):
    to_phase = serializers.ChoiceField(choices=Phase.choices, required=False, allow_null=True, default=None,
                                       help_text="A later phase; none: the next one.")


class ContestPartnerSerializer(_Currency, serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    pledged = WonField(allow_zero=True)
    paid = WonField(allow_zero=True, read_only=True, help_text="What it paid in so far.")
    currency = serializers.SerializerMethodField()

    class Meta:
        model = ContestPartner
        fields = ["id", "institution", "institution_name", "pledged", "paid", "currency", "created_at"]
        read_only_fields = fields


class ContestPartnerAddSerializer(serializers.Serializer):
    institution = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.order_by("pk"))
    pledged = WonField(allow_zero=True, required=False, default=0,
                       help_text="약정액. Adding a partner again changes its pledge.")


class JointFundContributionSerializer(_Currency, serializers.ModelSerializer):
    institution = serializers.IntegerField(source="partner.institution_id", read_only=True)
    institution_name = serializers.CharField(source="partner.institution.name", read_only=True)
    amount = WonField()
    currency = serializers.SerializerMethodField()
    journal = serializers.IntegerField(source="journal_id", read_only=True)

    class Meta:
        model = JointFundContribution
        fields = ["id", "partner", "institution", "institution_name", "amount", "currency", "received_on", "memo",
                  "journal", "created_at"]
        read_only_fields = fields


class JointFundContributionRecordSerializer(serializers.Serializer):
    partner = IdField(help_text="A partner (its id in /partners/) of this contest.")
    amount = WonField()
    received_on = DateField(help_text=MONEY_DATE)
    memo = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# --- entries -------------------------------------------------------------------------------------------------------


class ContestTeamMemberSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = serializers.CharField(max_length=100)


class ContestEntrySerializer(_Currency, serializers.ModelSerializer):
    contest_name = serializers.CharField(source="contest.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True, allow_null=True, default=None)
    target_amount = WonField()
    currency = serializers.SerializerMethodField()
    team = ContestTeamMemberSerializer(many=True)
    eliminated_in = serializers.ChoiceField(choices=RoundKind.choices, allow_blank=True, read_only=True,
                                            help_text="The round it did not advance from; empty otherwise.")

    class Meta:
        model = Entry
        fields = ["id", "contest", "contest_name", "enterprise", "enterprise_name", "partner", "partner_name",
                  "title", "summary", "use_of_funds", "target_amount", "currency", "campaign_type", "team", "state",
                  "eliminated_in", "submitted_at", "created_at", "updated_at"]
        read_only_fields = fields


class ContestEntryEditSerializer(serializers.Serializer):
    """What a member writes of its entry; in a PATCH every field is optional."""

    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=4000)
    use_of_funds = serializers.CharField(max_length=4000, help_text="What the money is for (자금 사용 계획).")
    target_amount = WonField(help_text="Within the contest's target_min and target_max.")
    campaign_type = serializers.ChoiceField(choices=CampaignType.choices,
                                            help_text="The funding phase's campaign: reward or donation.")
    team = serializers.ListField(child=ContestTeamMemberSerializer(), max_length=20, required=False,
                                 help_text="At most 20 people, each a name and a role.")
    partner = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.order_by("pk"), required=False, allow_null=True,
        help_text="The recommending institution (추천기관): a partner of the contest.")


class ContestEntryCreateSerializer(ContestEntryEditSerializer):
    contest = serializers.PrimaryKeyRelatedField(queryset=Contest.objects.order_by("pk"))
    enterprise = IdField(help_text="One of the caller's own enterprises (another's is a 404).")


class ContestEntryFilterSerializer(serializers.Serializer):
    contest = IdField(required=False, help_text="Only this contest's entries.")
    state = serializers.ChoiceField(choices=Entry.State.choices, required=False)


class ContestEntryWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Required: why.")
