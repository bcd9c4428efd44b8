"""Shapes of the social impact bonds' endpoints. Parsing and rendering only; the rules are in bonds.services."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.common.fields import DateField, IdField, WonField
from bonds.models import (
    CapitalCall,
    Contract,
    Disbursement,
    Distribution,
    DistributionMode,
    EvaluationPoint,
    Investment,
    Metric,
    OutcomePayment,
    PaymentTerm,
    Result,
    ShareClass,
    ValidationMethod,
)
from bonds.models.contracts import ROUNDING_MODE_CHOICES, ROUNDING_UNIT_CHOICES
from core.engines import bonds as engine
from enterprises.models import Enterprise, Institution

MONEY_DATE = (f"Not in the future and at most {settings.BACKDATE_DAYS} days back (the back-dating window, "
              "BACKDATE_DAYS); out of the window is a 400 naming the field.")
COUNT_MAX = 2_000_000_000


def percent(**kwargs: Any) -> serializers.DecimalField:
    """A percent with at most two decimals ("42.00" is 42 %)."""
    return serializers.DecimalField(max_digits=7, decimal_places=2, min_value=Decimal(0), **kwargs)


def count(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=COUNT_MAX, **kwargs)


# --- contracts ---------------------------------------------------------------------------------------------------


class ContractSerializer(serializers.ModelSerializer):
    max_payment = WonField()
    committed = WonField(allow_zero=True)
    called = WonField(allow_zero=True)
    paid_in = WonField(allow_zero=True)
    disbursed = WonField(allow_zero=True)
    outcome_paid = WonField(allow_zero=True)
    distributed = WonField(allow_zero=True)

    class Meta:
        model = Contract
        fields = ["id", "code", "name", "state", "outcome_payer", "operator", "provider", "evaluator",
                  "service_starts_on", "service_ends_on", "max_payment", "interim_percent", "rounding_unit",
                  "rounding_mode", "distribution_mode", "senior_return_percent", "senior_share_of_rest",
                  "leftover_investor", "signed_on", "started_on", "evaluating_on", "settled_on", "closed_on",
                  "committed", "called", "paid_in", "disbursed", "outcome_paid", "distributed"]
        read_only_fields = fields


class ContractFieldsSerializer(serializers.Serializer):
    """A draft's fields (all optional: a partial update changes those given)."""

    name = serializers.CharField(max_length=200, required=False)
    outcome_payer = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all(), required=False,
                                                       help_text="An institution of kind municipality.")
    operator = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all(), required=False,
                                                  help_text="An institution of kind intermediary (수행기관).")
    provider = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(), required=False,
                                                  help_text="The service provider (an enterprise).")
    evaluator = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all(), required=False,
                                                   help_text="An institution of kind evaluator (성과평가기관).")
    service_starts_on = DateField(required=False)
    service_ends_on = DateField(required=False, help_text="Not before service_starts_on.")
    max_payment = WonField(required=False, help_text="The maximum outcome payment (budget cap, 성과보상 한도).")
    interim_percent = percent(max_value=Decimal(100), required=False,
                              help_text="The percent of what interim results earn paid at an interim evaluation.")
    rounding_unit = serializers.ChoiceField(choices=ROUNDING_UNIT_CHOICES, required=False)
    rounding_mode = serializers.ChoiceField(choices=ROUNDING_MODE_CHOICES, required=False)
    distribution_mode = serializers.ChoiceField(choices=DistributionMode.choices, required=False)
    senior_return_percent = percent(max_value=Decimal(1000), required=False)
    senior_share_of_rest = percent(max_value=Decimal(100), required=False, allow_null=True)
    leftover_investor = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.all(), required=False, allow_null=True,
        help_text="The investor given the rounding leftover: one of the contract's investors.")


class ContractCreateSerializer(ContractFieldsSerializer):
    code = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=200)
    outcome_payer = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all(),
                                                       help_text="An institution of kind municipality.")
    operator = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all(),
                                                  help_text="An institution of kind intermediary (수행기관).")
    provider = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(),
                                                  help_text="The service provider (an enterprise).")
    evaluator = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all(),
                                                   help_text="An institution of kind evaluator (성과평가기관).")
    service_starts_on = DateField()
    service_ends_on = DateField(help_text="Not before service_starts_on.")
    max_payment = WonField(help_text="The maximum outcome payment (budget cap, 성과보상 한도).")
    leftover_investor = None  # type: ignore[assignment]  # named once the investors are added


class SignSerializer(serializers.Serializer):
    signed_on = DateField(help_text=MONEY_DATE)


class StartSerializer(serializers.Serializer):
    started_on = DateField(help_text=f"Not before the signing. {MONEY_DATE}")


class EvaluateSerializer(serializers.Serializer):
    on_date = DateField(help_text=f"Not before the service started. {MONEY_DATE}")


class CloseSerializer(serializers.Serializer):
    closed_on = DateField(help_text=f"Not before the contract was settled. {MONEY_DATE}")


class InvestmentSerializer(serializers.ModelSerializer):
    investor_name = serializers.CharField(source="investor.name")
    commitment = WonField()
    called = WonField(allow_zero=True)
    paid_in = WonField(allow_zero=True)
    distributed = WonField(allow_zero=True)
    principal_returned = WonField(allow_zero=True)
    return_paid = WonField(allow_zero=True)
    multiple = serializers.SerializerMethodField()
    irr = serializers.SerializerMethodField()

    class Meta:
        model = Investment
        fields = ["id", "contract", "investor", "investor_name", "share_class", "commitment", "called", "paid_in",
                  "distributed", "principal_returned", "return_paid", "multiple", "irr"]
        read_only_fields = fields

    def _figures(self, investment: Investment) -> Any:
        from bonds import selectors

        cache: dict[int, Any] = self.__dict__.setdefault("_figures_cache", {})
        if investment.pk not in cache:
            cache[investment.pk] = selectors.investor_figures(investment)
        return cache[investment.pk]

    @extend_schema_field({"type": "string", "nullable": True, "example": "1.2072"})
    def get_multiple(self, investment: Investment) -> str | None:
        """The money multiple (distributed / paid in), or null before anything was paid in."""
        value = self._figures(investment).multiple
        return None if value is None else str(value)

    @extend_schema_field({"type": "string", "nullable": True, "example": "0.0812"})
    def get_irr(self, investment: Investment) -> str | None:
        """The IRR (XIRR over the investor's dated flows) as a fraction, or null while there is none."""
        value = self._figures(investment).irr
        return None if value is None else str(value)


class InvestmentAddSerializer(serializers.Serializer):
    investor = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all(),
                                                  help_text="An institution of kind investor.")
    commitment = WonField()
    share_class = serializers.ChoiceField(choices=ShareClass.choices, required=False)


class PointSerializer(serializers.ModelSerializer):
    on_date = DateField()

    class Meta:
        model = EvaluationPoint
        fields = ["id", "kind", "name", "on_date"]
        read_only_fields = ["id"]


# --- capital -----------------------------------------------------------------------------------------------------


def investors_lines(lines: Any, context: Mapping[str, Any]) -> list[Any]:
    """A call's or a distribution's lines in the investors' order; for an investor (``context["investor"]``, its
    institution's id) its own only."""
    ordered = sorted(lines, key=lambda line: (line.investment.position, line.pk))
    investor = context.get("investor")
    return ordered if investor is None else [line for line in ordered if line.investment.investor_id == investor]


class CapitalCallLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    investment = serializers.IntegerField(source="investment_id")
    investor = serializers.IntegerField(source="investment.investor_id")
    amount = WonField()
    paid_on = serializers.DateField(allow_null=True)


class CapitalCallSerializer(serializers.ModelSerializer):
    amount = WonField()
    lines = serializers.SerializerMethodField()

    class Meta:
        model = CapitalCall
        fields = ["id", "number", "amount", "call_on", "due_on", "state", "lines"]
        read_only_fields = fields

    @extend_schema_field(CapitalCallLineSerializer(many=True))
    def get_lines(self, call: CapitalCall) -> list[dict[str, Any]]:
        """Each investor's line (an investor sees its own only)."""
        return list(CapitalCallLineSerializer(investors_lines(call.lines.all(), self.context), many=True).data)


class CapitalCallMakeSerializer(serializers.Serializer):
    amount = WonField(help_text="Shared among the investors in proportion to what each has still to pay in.")
    call_on = DateField(help_text=MONEY_DATE)
    due_on = DateField(help_text="Not before call_on.")


class PaidOnSerializer(serializers.Serializer):
    paid_on = DateField(help_text=MONEY_DATE)


class DisbursementSerializer(serializers.ModelSerializer):
    amount = WonField()
    paid_on = DateField(help_text=MONEY_DATE)
    memo = serializers.CharField(max_length=300, required=False, allow_blank=True)

    class Meta:
        model = Disbursement
        fields = ["id", "number", "amount", "paid_on", "memo"]
        read_only_fields = ["id", "number"]


# --- metrics and terms -------------------------------------------------------------------------------------------


class StepSerializer(serializers.Serializer):
    threshold = percent(max_value=Decimal(100), help_text="From this achievement rate (%)...")
    percent = percent(max_value=Decimal(1000), help_text="...this percent of the principal.")


class TermSerializer(serializers.ModelSerializer):
    principal = WonField(allow_zero=True)
    price = WonField(allow_zero=True)
    steps = StepSerializer(many=True)

    class Meta:
        model = PaymentTerm
        fields = ["kind", "mode", "below", "principal", "principal_line", "cap_percent", "price", "max_units",
                  "steps"]
        read_only_fields = fields


class TermSetSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PaymentTerm.Kind.choices)
    steps = StepSerializer(many=True, required=False, help_text="An achievement table's rows.")
    mode = serializers.ChoiceField(choices=PaymentTerm.Mode.choices, required=False)
    below = serializers.ChoiceField(choices=PaymentTerm.Below.choices, required=False)
    principal = WonField(required=False, help_text="An achievement table's principal (원금).")
    principal_line = percent(max_value=Decimal(100), required=False, allow_null=True)
    cap_percent = percent(max_value=Decimal(1000), required=False, allow_null=True)
    price = WonField(required=False, help_text="A rate card's price per verified outcome unit.")
    max_units = count(required=False)

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if "steps" in data:
            data["steps"] = [(step["threshold"], step["percent"]) for step in data["steps"]]
        data.setdefault("mode", engine.LINEAR)
        return data


class MetricSerializer(serializers.ModelSerializer):
    term = serializers.SerializerMethodField()

    class Meta:
        model = Metric
        fields = ["id", "contract", "code", "definition", "unit", "target_population", "targeted_number", "target",
                  "baseline", "validation_method", "data_source", "term"]
        read_only_fields = fields

    @extend_schema_field(TermSerializer(allow_null=True))
    def get_term(self, metric: Metric) -> dict[str, Any] | None:
        term = getattr(metric, "term", None)
        return None if term is None else dict(TermSerializer(term).data)


class MetricCreateSerializer(serializers.Serializer):
    contract = IdField()
    code = serializers.SlugField(max_length=50)
    definition = serializers.CharField(max_length=2000)
    unit = serializers.CharField(max_length=100)
    target_population = serializers.CharField(max_length=2000)
    targeted_number = count()
    target = percent(max_value=Decimal(100))
    baseline = percent(max_value=Decimal(100), required=False, allow_null=True)
    validation_method = serializers.ChoiceField(choices=ValidationMethod.choices)
    data_source = serializers.CharField(max_length=300)


# --- results -----------------------------------------------------------------------------------------------------


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class ResultSerializer(serializers.ModelSerializer):
    contract = serializers.IntegerField(source="metric.contract_id")
    evidence = EvidenceSerializer(many=True)

    class Meta:
        model = Result
        fields = ["id", "contract", "metric", "point", "state", "engaged", "with_outcome", "units", "note",
                  "recorded_by", "recorded_at", "confirmed_by", "confirmed_at", "reopened_by", "reopened_at",
                  "reopen_reason", "evidence"]
        read_only_fields = fields


class ResultRecordSerializer(serializers.Serializer):
    metric = IdField()
    point = IdField()
    engaged = count(help_text="People engaged (참여자 수).")
    with_outcome = count(help_text="People with the outcome (성과 달성자 수), at most engaged.")
    units = count(required=False, help_text="A rate card's verified outcome units (default: with_outcome).")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    evidence = serializers.FileField(required=False, help_text="An evidence file: a PDF, JPEG or PNG of at most 10 MB.")


class ResultReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


# --- payments and distributions ----------------------------------------------------------------------------------


class PaymentSerializer(serializers.ModelSerializer):
    earned = WonField(allow_zero=True)
    payable = WonField(allow_zero=True)
    already_paid = WonField(allow_zero=True)
    cap_left = WonField(allow_zero=True)
    amount = WonField(allow_zero=True)
    overpaid = WonField(allow_zero=True)

    class Meta:
        model = OutcomePayment
        fields = ["id", "contract", "point", "state", "final", "earned", "payable", "already_paid", "cap_left",
                  "amount", "capped", "overpaid", "breakdown", "paid_on", "prepared_by", "prepared_at",
                  "approved_by", "approved_at"]
        read_only_fields = fields


class PaymentPrepareSerializer(serializers.Serializer):
    point = IdField(help_text="The evaluation point whose confirmed results the payment is worked out from.")
    paid_on = DateField(help_text="Not before the evaluation point; it can be approved from that day.")


class DistributionLineSerializer(serializers.Serializer):
    investment = serializers.IntegerField(source="investment_id")
    investor = serializers.IntegerField(source="investment.investor_id")
    amount = WonField()
    principal = WonField(allow_zero=True)
    senior_return = WonField(allow_zero=True)
    rest = WonField(allow_zero=True)


class DistributionSerializer(serializers.ModelSerializer):
    amount = WonField()
    lines = serializers.SerializerMethodField()

    class Meta:
        model = Distribution
        fields = ["id", "contract", "number", "amount", "paid_on", "mode", "lines"]
        read_only_fields = fields

    @extend_schema_field(DistributionLineSerializer(many=True))
    def get_lines(self, distribution: Distribution) -> list[dict[str, Any]]:
        """Each investor's share (an investor sees its own only)."""
        return list(DistributionLineSerializer(investors_lines(distribution.lines.all(), self.context),
                                               many=True).data)


class DistributionMakeSerializer(serializers.Serializer):
    contract = IdField()
    amount = WonField(help_text="At most the contract's cash.")
    paid_on = DateField(help_text=MONEY_DATE)


# --- the payment quote -------------------------------------------------------------------------------------------


class BondQuoteQuerySerializer(serializers.Serializer):
    metric = IdField(help_text="One of the contract's metrics.")
    engaged = count()
    achieved = count(help_text="At most engaged.")
    units = count(required=False, help_text="A rate card's verified units (default: achieved).")


class BondQuoteSerializer(serializers.Serializer):
    metric = serializers.IntegerField(source="metric_id")
    kind = serializers.ChoiceField(choices=PaymentTerm.Kind.choices)
    achievement = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True)
    amount = WonField(allow_zero=True)
    percent = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True)
    units_paid = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    capped = serializers.BooleanField()
