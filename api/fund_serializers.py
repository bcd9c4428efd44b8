"""Shapes of the revolving-fund endpoints. Parsing only; rules are in funds.services."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from enterprises.models import Enterprise, Institution
from funds.models import CapitalSource, Fund, FundContribution, Installment, Loan, LoanApplication, LoanProduct
from funds.schedules import Schedule

from .fields import RateField, WonField


class FundCreateSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=200)
    operator = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all())
    exposure_limit = WonField(help_text="Per enterprise: outstanding plus approved principal.")
    eligible_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Enterprise.Kind.choices), allow_empty=False
    )


class AssetClassRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    korean = serializers.CharField()
    loans = serializers.IntegerField()
    outstanding = WonField(allow_zero=True)
    allowance_rate = serializers.DecimalField(max_digits=6, decimal_places=4)
    allowance = WonField(allow_zero=True)


class FundSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="fund.id")
    code = serializers.CharField(source="fund.code")
    name = serializers.CharField(source="fund.name")
    operator = serializers.CharField(source="fund.operator.name")
    currency = serializers.SerializerMethodField()
    eligible_kinds = serializers.ListField(source="fund.eligible_kinds", child=serializers.CharField())
    exposure_limit = WonField(source="fund.exposure_limit")
    capital_by_source = serializers.DictField(child=WonField(allow_zero=True))
    capital = WonField(allow_zero=True)
    cash = WonField(allow_zero=True)
    outstanding_principal = WonField(allow_zero=True)
    disbursed_total = WonField(allow_zero=True)
    principal_repaid_total = WonField(allow_zero=True)
    turnover = serializers.DecimalField(max_digits=12, decimal_places=4, help_text="Disbursed total / capital.")
    loans_by_state = serializers.DictField(child=serializers.IntegerField())
    by_asset_class = AssetClassRowSerializer(many=True)
    required_allowance = WonField(allow_zero=True)

    def get_currency(self, obj: Any) -> str:
        return "KRW"


class FundListSerializer(serializers.ModelSerializer):
    operator = serializers.CharField(source="operator.name")

    class Meta:
        model = Fund
        fields = ["id", "code", "name", "operator"]


class ContributionSerializer(serializers.ModelSerializer):
    # DRF's metaclass takes declared fields off the class, so this does not shadow Field.source at run time.
    source = serializers.ChoiceField(choices=CapitalSource.choices)  # type: ignore[assignment]
    amount = WonField()
    contributor = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.all(), required=False, allow_null=True
    )
    received_on = serializers.DateField()
    journal = serializers.IntegerField(source="journal_id", read_only=True)

    class Meta:
        model = FundContribution
        fields = ["id", "source", "contributor", "amount", "received_on", "memo", "journal", "created_at"]
        read_only_fields = ["id", "journal", "created_at"]


class ApprovalTierSerializer(serializers.Serializer):
    above_amount = WonField(allow_zero=True)
    approvers = serializers.IntegerField(min_value=1, max_value=5)


class LoanProductSerializer(serializers.ModelSerializer):
    annual_rate = RateField()
    default_spread = RateField(required=False)
    default_rate_cap = RateField(required=False)
    min_amount = WonField()
    max_amount = WonField()
    approval_tiers = ApprovalTierSerializer(many=True, required=False)
    fund = serializers.PrimaryKeyRelatedField(queryset=Fund.objects.all())

    class Meta:
        model = LoanProduct
        fields = [
            "id", "fund", "name", "annual_rate", "term_months", "grace_months", "method", "day_count",
            "rounding_unit", "rounding_mode", "min_amount", "max_amount", "default_spread", "default_rate_cap",
            "prepayment_policy", "is_active", "approval_tiers",
        ]
        read_only_fields = ["id"]


class QuoteRequestSerializer(serializers.Serializer):
    principal = WonField()
    disbursed_on = serializers.DateField(help_text="Disbursement date; due dates keep its day of month.")


class PlannedInstallmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_on = serializers.DateField()
    period_start = serializers.DateField()
    days = serializers.IntegerField()
    principal = WonField(allow_zero=True)
    interest = WonField(allow_zero=True)
    total = WonField(allow_zero=True)
    balance_after = WonField(allow_zero=True)


class QuoteSerializer(serializers.Serializer):
    principal = WonField(source="terms.principal")
    disbursed_on = serializers.DateField(source="terms.disbursed_on")
    maturity_on = serializers.DateField()
    currency = serializers.SerializerMethodField()
    total_principal = WonField()
    total_interest = WonField(allow_zero=True)
    total = WonField()
    installments = PlannedInstallmentSerializer(many=True)

    def get_currency(self, obj: Schedule) -> str:
        return "KRW"


class LoanApplicationSerializer(serializers.ModelSerializer):
    amount = WonField()
    product = serializers.PrimaryKeyRelatedField(queryset=LoanProduct.objects.all())
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    approvals = serializers.SerializerMethodField()
    loan = serializers.SerializerMethodField()

    class Meta:
        model = LoanApplication
        fields = [
            "id", "product", "enterprise", "enterprise_name", "amount", "purpose", "state", "created_at",
            "submitted_at", "reviewed_by", "review_reason", "reviewed_at", "approvals_required", "approvals",
            "decided_at", "decision_reason", "loan",
        ]
        read_only_fields = [
            "id", "state", "created_at", "submitted_at", "reviewed_by", "review_reason", "reviewed_at",
            "approvals_required", "decided_at", "decision_reason",
        ]

    def get_approvals(self, obj: LoanApplication) -> list[dict[str, Any]]:
        return [
            {"approver": a.approver.username, "approved_at": a.approved_at.isoformat(), "reason": a.reason}
            for a in obj.approvals.all()  # prefetched with their approvers by the selector
        ]

    def get_loan(self, obj: LoanApplication) -> int | None:
        loan = getattr(obj, "loan", None)  # the reverse one-to-one raises an AttributeError when there is none
        return loan.pk if loan else None


class ApplicationUpdateSerializer(serializers.Serializer):
    amount = WonField(required=False)
    purpose = serializers.CharField(required=False, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("recommend", "recommend"), ("decline", "decline")])
    reason = serializers.CharField(help_text="Required: why.")


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Required: why.")


class LoanSerializer(serializers.ModelSerializer):
    principal = WonField()
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    annual_rate = RateField()
    outstanding_principal = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()

    class Meta:
        model = Loan
        fields = [
            "id", "application", "fund", "product", "enterprise", "enterprise_name", "principal", "currency",
            "state", "annual_rate", "term_months", "grace_months", "method", "day_count", "disbursed_on",
            "maturity_on", "accelerated_on", "days_past_due", "asset_class", "outstanding_principal",
        ]
        read_only_fields = fields

    def get_outstanding_principal(self, obj: Loan) -> str:
        return str(int(obj.principal_account.balance.amount))

    def get_currency(self, obj: Loan) -> str:
        return "KRW"


class DisburseSerializer(serializers.Serializer):
    disbursed_on = serializers.DateField(required=False, help_text="Defaults to today (Asia/Seoul).")


class InstallmentSerializer(serializers.ModelSerializer):
    principal_due = WonField(allow_zero=True)
    interest_due = WonField(allow_zero=True)
    principal_paid = WonField(allow_zero=True)
    interest_paid = WonField(allow_zero=True)
    principal_outstanding = serializers.SerializerMethodField()
    interest_outstanding = serializers.SerializerMethodField()

    class Meta:
        model = Installment
        fields = [
            "number", "due_on", "period_start", "principal_due", "interest_due", "principal_paid", "interest_paid",
            "principal_outstanding", "interest_outstanding",
        ]
        read_only_fields = fields

    def get_principal_outstanding(self, obj: Installment) -> str:
        return str(int(obj.principal_due.amount - obj.principal_paid.amount))

    def get_interest_outstanding(self, obj: Installment) -> str:
        return str(int(obj.interest_due.amount - obj.interest_paid.amount))

