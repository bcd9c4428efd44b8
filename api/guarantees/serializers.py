"""Shapes of the special-guarantee endpoints. Parsing only; rules are in guarantees.services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from rest_framework import serializers

from api.common.fields import DateField, RateField, WonField
from enterprises.models import Enterprise, Institution
from guarantees.models import (
    ROUNDING_MODE_CHOICES,
    ROUNDING_UNIT_CHOICES,
    ContributionSource,
    GuaranteeProgram,
    ProgramContribution,
    SubsidyPayee,
    SubsidyPeriod,
)

# The date windows of core.dates, for the API docs.
MONEY_DATE = (f"Not in the future and at most {settings.BACKDATE_DAYS} days back (the back-dating window, "
              "BACKDATE_DAYS); out of the window is a 400 naming the field.")


class ProgramCreateSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=200)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    foundation = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.all(), help_text="An institution of kind credit_guarantee_foundation.")
    partner_banks = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.all(), many=True, required=False, help_text="Institutions of kind bank.")
    multiple = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("0.01"),
        help_text="보증배수: capacity is (contributions - net losses) x multiple, e.g. \"12.00\".")
    per_firm_limit = WonField(help_text="업체당 한도: the most guaranteed for one enterprise.")
    guarantee_ratio = serializers.DecimalField(
        max_digits=3, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal(1),
        help_text="보증비율: the share of each loan guaranteed, above 0 and at most 1: \"1.00\", \"0.90\", \"0.85\".")
    fee_rate = RateField(help_text="보증료율: the annual fee rate, e.g. \"0.00800\" for 0.8 %.")
    city_fee_rate = RateField(
        required=False, help_text="보증료 지원: the city's share of the fee rate, in percentage points, never above "
                                  "the fee rate (a 400 naming city_fee_rate otherwise). Default 0.")
    subsidy_rate = RateField(required=False, help_text="이차보전: the interest subsidy rate in %p. Default 0.")
    subsidy_months = serializers.IntegerField(min_value=0, max_value=120, required=False)
    subsidy_payee = serializers.ChoiceField(choices=SubsidyPayee.choices, required=False)
    subsidy_period = serializers.ChoiceField(
        choices=SubsidyPeriod.choices, required=False,
        help_text="How often interest subsidy runs are made: monthly (the default) or quarterly.")
    late_damages_rate = RateField(required=False, help_text="구상채권 지연손해금: default \"0.12000\".")
    eligible_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Enterprise.Kind.choices), allow_empty=False)
    opens_on = DateField(help_text="The first day of the application window.")
    closes_on = DateField(help_text="The last day of the application window; not before opens_on.")
    rounding_unit = serializers.ChoiceField(
        choices=ROUNDING_UNIT_CHOICES, required=False,
        help_text="Amounts the city pays or receives are rounded to it (default 10).")
    rounding_mode = serializers.ChoiceField(choices=ROUNDING_MODE_CHOICES, required=False,
                                            help_text="Default floor (절사).")


class ProgramSerializer(serializers.ModelSerializer):
    foundation = serializers.CharField(source="foundation.name")
    partner_banks = serializers.SerializerMethodField()
    per_firm_limit = WonField()
    fee_rate = RateField()
    city_fee_rate = RateField()
    subsidy_rate = RateField()
    late_damages_rate = RateField()

    class Meta:
        model = GuaranteeProgram
        fields = ["id", "code", "name", "year", "foundation", "partner_banks", "multiple", "per_firm_limit",
                  "guarantee_ratio", "fee_rate", "city_fee_rate", "subsidy_rate", "subsidy_months", "subsidy_payee",
                  "subsidy_period", "late_damages_rate", "eligible_kinds", "opens_on", "closes_on", "rounding_unit",
                  "rounding_mode"]
        read_only_fields = fields

    def get_partner_banks(self, obj: GuaranteeProgram) -> list[str]:
        return sorted(bank.name for bank in obj.partner_banks.all())


class GuaranteeStateFiguresSerializer(serializers.Serializer):
    """A program's guarantees in one state."""

    # DRF's metaclass takes declared fields off the class, so this does not shadow Field.label at run time.
    label = serializers.CharField(help_text="The state, in words.")  # type: ignore[assignment]
    count = serializers.IntegerField(min_value=0)
    guaranteed = WonField(allow_zero=True, help_text="What they stand behind now.")
    approved_amount = WonField(allow_zero=True, help_text="The loan amounts approved.")


class ProgramClaimsSerializer(serializers.Serializer):
    """A program's claims (대위변제) and recoveries (구상) in figures."""

    claims_count = serializers.IntegerField(min_value=0, help_text="Claims paid.")
    executed = WonField(allow_zero=True, help_text="The face amounts of every guarantee whose loan was made.")
    recourse_outstanding = WonField(allow_zero=True, help_text="Principal and costs still owed on open 구상채권.")
    written_off = WonField(allow_zero=True, help_text="구상채권 principal and costs written off.")
    claim_rate = serializers.DecimalField(max_digits=12, decimal_places=4,
                                          help_text="대위변제율: claims paid / executed face amounts.")
    recovery_rate = serializers.DecimalField(max_digits=12, decimal_places=4,
                                             help_text="회수율: recoveries / claims paid.")


class PayerFeesSerializer(serializers.Serializer):
    """One payer's side of a program's fees."""

    billed = WonField(allow_zero=True, help_text="Its shares of the fees billed.")
    refunded = WonField(allow_zero=True, help_text="Refunded of them (early repayments).")
    collected = WonField(allow_zero=True, help_text="Paid, net of the cash returned.")
    outstanding = WonField(allow_zero=True, help_text="Billed - refunded - collected.")


class ProgramFeesSerializer(serializers.Serializer):
    """A program's guarantee fees (보증료): billed and collected, the city's part (보증료 지원) and the firms'."""

    bills = serializers.IntegerField(min_value=0)
    billed = WonField(allow_zero=True)
    refunded = WonField(allow_zero=True)
    collected = WonField(allow_zero=True)
    outstanding = WonField(allow_zero=True, help_text="Both payers' shares and the late fees still unpaid.")
    city = PayerFeesSerializer()
    firm = PayerFeesSerializer()
    late_fees_charged = WonField(allow_zero=True)
    late_fees_collected = WonField(allow_zero=True)


class ProgramPositionSerializer(serializers.Serializer):
    program = ProgramSerializer()
    currency = serializers.SerializerMethodField()
    contributions_by_source = serializers.DictField(child=WonField(allow_zero=True))
    contributions = WonField(allow_zero=True)
    claims_paid = WonField(allow_zero=True, help_text="대위변제: claims paid (none before claims exist).")
    recoveries = WonField(allow_zero=True, help_text="구상: recovered on paid claims.")
    net_losses = WonField(allow_zero=True, help_text="Claims paid - recoveries.")
    capacity = WonField(allow_zero=True, help_text="(contributions - net losses) x multiple, floored to the won.")
    used = WonField(allow_zero=True, help_text="The capacity in use: what the program's guarantees stand behind "
                                               "(approved: amount x ratio; active: balance x ratio; defaulted "
                                               "until the claim).")
    available = WonField(allow_zero=True, help_text="Capacity - used, never below zero.")
    utilisation = serializers.DecimalField(max_digits=12, decimal_places=4, help_text="Used / capacity.")
    guarantees_by_state = serializers.DictField(
        child=GuaranteeStateFiguresSerializer(),
        help_text="Every state of a guarantee (approved, active, repaid, defaulted, ...), with how many of the "
                  "program's guarantees are in it and their amounts.")
    subsidies_paid = WonField(allow_zero=True, help_text="이차보전: interest subsidies paid.")
    subsidy_budget_left = WonField(allow_zero=True, help_text="What is left of the city's interest subsidy budget.")
    claims = ProgramClaimsSerializer(help_text="Claims and recoveries: rates, 구상채권 outstanding, written off.")
    fees = ProgramFeesSerializer(help_text="Guarantee fees billed and collected, by payer (city and enterprise).")

    def get_currency(self, obj: Any) -> str:
        return "KRW"


class ProgramContributionSerializer(serializers.ModelSerializer):
    # DRF's metaclass takes declared fields off the class, so this does not shadow Field.source at run time.
    source = serializers.ChoiceField(choices=ContributionSource.choices)  # type: ignore[assignment]
    amount = WonField()
    contributor = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.all(), required=False, allow_null=True
    )
    received_on = DateField(help_text=MONEY_DATE)
    journal = serializers.IntegerField(source="journal_id", read_only=True)

    class Meta:
        model = ProgramContribution
        fields = ["id", "source", "contributor", "amount", "received_on", "memo", "journal", "created_at"]
        read_only_fields = ["id", "journal", "created_at"]
