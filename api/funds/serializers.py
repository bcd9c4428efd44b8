"""Shapes of the revolving-fund endpoints. Parsing only; rules are in funds.services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.common.fields import DateField, RateField, WonField
from core.engines.loans import REPAYMENT_ORDER
from core.engines.schedules import Schedule
from enterprises.models import Enterprise, Institution
from funds.models import (
    CapitalSource,
    Fund,
    FundContribution,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    LoanTransaction,
    Recovery,
    Repayment,
    WriteOff,
)
from statements.selectors import receipt_of

# The date windows of core.dates, for the API docs.
MONEY_DATE = (f"Not in the future and at most {settings.BACKDATE_DAYS} days back (the back-dating window, "
              "BACKDATE_DAYS); out of the window is a 400 naming the field.")


class FundCreateSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=200)
    operator = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all())
    exposure_limit = WonField(help_text="Per enterprise: outstanding plus approved principal.")
    eligible_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Enterprise.Kind.choices), allow_empty=False
    )
    opened_on = DateField(
        required=False,
        help_text=f"기금 조성일: the day the fund began (default today); its capital and loans are never dated "
                  f"earlier. {MONEY_DATE}")


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
    opened_on = serializers.DateField(source="fund.opened_on")
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
    relent_total = WonField(allow_zero=True, help_text="Repaid principal lent again: disbursed beyond the capital.")
    interest_income = WonField(allow_zero=True)
    default_interest_income = WonField(allow_zero=True)
    written_off_total = WonField(allow_zero=True)
    recoveries_total = WonField(allow_zero=True)
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
        fields = ["id", "code", "name", "opened_on", "operator"]


class ContributionSerializer(serializers.ModelSerializer):
    # DRF's metaclass takes declared fields off the class, so this does not shadow Field.source at run time.
    source = serializers.ChoiceField(choices=CapitalSource.choices)  # type: ignore[assignment]
    amount = WonField()
    contributor = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.all(), required=False, allow_null=True
    )
    received_on = DateField(help_text=f"Not before the fund was opened. {MONEY_DATE}")
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
    fund = serializers.PrimaryKeyRelatedField(queryset=Fund.objects.order_by("code"))

    class Meta:
        model = LoanProduct
        fields = [
            "id", "fund", "name", "annual_rate", "term_months", "grace_months", "method", "day_count",
            "rounding_unit", "rounding_mode", "min_amount", "max_amount", "default_spread", "default_rate_cap",
            "prepayment_policy", "is_active", "approval_tiers",
        ]
        read_only_fields = ["id"]
        # The column's range (smallint), the same on every database; a term of at least a month.
        extra_kwargs = {"term_months": {"min_value": 1, "max_value": 32767},
                        "grace_months": {"min_value": 0, "max_value": 32767}}


class QuoteRequestSerializer(serializers.Serializer):
    principal = WonField()
    disbursed_on = DateField(
        help_text=f"Disbursement date; due dates keep its day of month. From {settings.BACKDATE_DAYS} days back "
                  "(the back-dating window) to a year from today.")


class PlannedInstallmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_on = DateField()
    period_start = DateField()
    days = serializers.IntegerField()
    principal = WonField(allow_zero=True)
    interest = WonField(allow_zero=True)
    total = WonField(allow_zero=True)
    balance_after = WonField(allow_zero=True)


class QuoteSerializer(serializers.Serializer):
    principal = WonField(source="terms.principal")
    disbursed_on = DateField(source="terms.disbursed_on")
    maturity_on = DateField()
    currency = serializers.SerializerMethodField()
    total_principal = WonField()
    total_interest = WonField(allow_zero=True)
    total = WonField()
    installments = PlannedInstallmentSerializer(many=True)

    def get_currency(self, obj: Schedule) -> str:
        return "KRW"


class LoanApplicationSerializer(serializers.ModelSerializer):
    amount = WonField()
    product = serializers.PrimaryKeyRelatedField(queryset=LoanProduct.objects.order_by("fund_id", "name"))
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
            for a in obj.approvals.all()  # prefetched in order with their approvers by the selector
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
    interest_receivable = WonField(allow_zero=True, source="interest_account.balance", read_only=True)
    default_interest_receivable = WonField(allow_zero=True, source="default_interest_account.balance",
                                           read_only=True)
    default_rate = RateField(read_only=True, help_text="연체이자율: min(contract rate + spread, cap)")
    secured_amount = WonField(allow_zero=True, read_only=True)
    currency = serializers.SerializerMethodField()

    class Meta:
        model = Loan
        fields = [
            "id", "application", "fund", "product", "enterprise", "enterprise_name", "principal", "currency",
            "state", "annual_rate", "default_rate", "term_months", "grace_months", "method", "day_count",
            "prepayment_policy", "disbursed_on", "maturity_on", "closed_through", "accelerated_on", "days_past_due",
            "asset_class", "secured_amount", "outstanding_principal", "interest_receivable",
            "default_interest_receivable", "paid_off_on", "written_off_on",
        ]
        read_only_fields = fields

    def get_outstanding_principal(self, obj: Loan) -> str:
        return str(int(obj.principal_account.balance.amount))

    def get_currency(self, obj: Loan) -> str:
        return "KRW"


class DisburseSerializer(serializers.Serializer):
    disbursed_on = DateField(
        required=False,
        help_text=f"Defaults to today (Asia/Seoul). Not before the fund was opened. {MONEY_DATE} A day whose close of "
                  "business has run is allowed: the loan is then brought up to the last closed day at once.")
    secured_amount = WonField(
        required=False, allow_zero=True,
        help_text="The part covered by collateral or a guarantee (classified 고정 from 90 days past due).",
    )


class InstallmentSerializer(serializers.ModelSerializer):
    principal_due = WonField(allow_zero=True)
    interest_due = WonField(allow_zero=True)
    principal_paid = WonField(allow_zero=True)
    interest_paid = WonField(allow_zero=True)
    interest_recognized = WonField(allow_zero=True)
    principal_outstanding = serializers.SerializerMethodField()
    interest_outstanding = serializers.SerializerMethodField()

    class Meta:
        model = Installment
        fields = [
            "number", "due_on", "period_start", "principal_due", "interest_due", "principal_paid", "interest_paid",
            "interest_recognized", "principal_outstanding", "interest_outstanding",
        ]
        read_only_fields = fields

    def get_principal_outstanding(self, obj: Installment) -> str:
        return str(int(obj.principal_due.amount - obj.principal_paid.amount))

    def get_interest_outstanding(self, obj: Installment) -> str:
        return str(int(obj.interest_due.amount - obj.interest_paid.amount))



# --- servicing --------------------------------------------------------------------------------------------------


class RepaymentRequestSerializer(serializers.Serializer):
    amount = WonField(help_text="What the enterprise paid, in whole won.")
    value_date = DateField(
        required=False,
        help_text=f"Managers only: a past value date in the open period (after the loan's closed days). Defaults to "
                  f"today (KST). {MONEY_DATE}")


# What a repayment paid, by claim, in the order it was spent (``core.engines.loans.REPAYMENT_ORDER``).
AllocationSerializer = type("AllocationSerializer", (serializers.Serializer,), {
    claim.name: WonField(allow_zero=True, help_text=f"{claim.label}: {claim.description}")
    for claim in REPAYMENT_ORDER
})


class BalancesSerializer(serializers.Serializer):
    principal = WonField(allow_zero=True, source="principal_account.balance")
    interest = WonField(allow_zero=True, source="interest_account.balance")
    default_interest = WonField(allow_zero=True, source="default_interest_account.balance")


class RepaymentSerializer(serializers.ModelSerializer):
    amount = WonField()
    allocation = serializers.SerializerMethodField()
    balances = serializers.SerializerMethodField()
    loan_state = serializers.CharField(source="loan.state", read_only=True)
    days_past_due = serializers.IntegerField(source="loan.days_past_due", read_only=True)
    asset_class = serializers.CharField(source="loan.asset_class", read_only=True)
    reversed = serializers.SerializerMethodField()
    receipt = serializers.SerializerMethodField(
        help_text="Its receipt (상환 영수증): a statement id (GET /api/v1/statements/{id}/pdf/ once ready), or null.")

    class Meta:
        model = Repayment
        fields = [
            "id", "loan", "amount", "value_date", "journal", "allocation", "paid_off", "balances", "loan_state",
            "days_past_due", "asset_class", "created_at", "reversed", "reversed_at", "reversal_reason",
            "reversal_journal", "receipt",
        ]
        read_only_fields = fields

    @extend_schema_field(AllocationSerializer)
    def get_allocation(self, obj: Repayment) -> dict[str, Any]:
        return dict(AllocationSerializer(obj).data)

    @extend_schema_field(BalancesSerializer)
    def get_balances(self, obj: Repayment) -> dict[str, Any]:
        """The loan's balances now (after this repayment, and whatever came after it)."""
        return dict(BalancesSerializer(obj.loan).data)

    def get_reversed(self, obj: Repayment) -> bool:
        return obj.reversed_at is not None

    def get_receipt(self, obj: Repayment) -> int | None:
        return receipt_of(obj)


class PayoffQuerySerializer(serializers.Serializer):
    on = DateField(required=False, help_text="Defaults to today (KST).")


class PayoffSerializer(serializers.Serializer):
    on = DateField()
    default_interest = WonField(allow_zero=True)
    overdue_interest = WonField(allow_zero=True)
    overdue_principal = WonField(allow_zero=True)
    interest = WonField(allow_zero=True)
    principal = WonField(allow_zero=True)
    accrued_interest = WonField(allow_zero=True)
    future_principal = WonField(allow_zero=True)
    due = WonField(allow_zero=True, help_text="What is due on the date, without prepaying anything")
    payoff = WonField(allow_zero=True, help_text="What pays the loan off on the date")


class LoanTransactionSerializer(serializers.ModelSerializer):
    amount = WonField(allow_zero=True)
    principal_change = serializers.DecimalField(max_digits=18, decimal_places=0, coerce_to_string=True)
    interest_change = serializers.DecimalField(max_digits=18, decimal_places=0, coerce_to_string=True)
    default_interest_change = serializers.DecimalField(max_digits=18, decimal_places=0, coerce_to_string=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = LoanTransaction
        fields = [
            "id", "kind", "kind_display", "value_date", "amount", "principal_change", "interest_change",
            "default_interest_change", "journal", "reversed", "created_at",
        ]
        read_only_fields = fields


class WriteOffSerializer(serializers.ModelSerializer):
    principal = WonField(allow_zero=True)
    interest = WonField(allow_zero=True)
    default_interest = WonField(allow_zero=True)

    class Meta:
        model = WriteOff
        fields = [
            "id", "loan", "state", "requested_by", "requested_at", "reason", "decided_by", "decided_at",
            "decision_reason", "written_off_on", "principal", "interest", "default_interest", "journal",
        ]
        read_only_fields = fields


class RecoveryRequestSerializer(serializers.Serializer):
    amount = WonField()
    received_on = DateField(
        required=False, help_text=f"Defaults to today (KST). Not before the write-off. {MONEY_DATE}")
    memo = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RecoverySerializer(serializers.ModelSerializer):
    amount = WonField()

    class Meta:
        model = Recovery
        fields = ["id", "loan", "amount", "received_on", "memo", "journal", "created_at"]
        read_only_fields = fields
