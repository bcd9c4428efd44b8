"""``/api/v1/guarantees/``: guarantees on bank loans, and what their banks report about the loans. Enterprise members
see their own enterprises' guarantees, bank officers their own bank's (another's is 404), staff all. The bank's
officer reports that the loan was made (execute), its balances and repayments, its full repayment and its default;
a manager cancels a guarantee the bank never lent on. Reports move the program's capacity in use and take an
``Idempotency-Key``. Who may call each operation is ``guarantees.access.ACCESS``; the rules are the services'
(``guarantees.services.lifecycle``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.common.fields import DateField, IdField, RateField, WonField
from api.common.idempotency import HEADER, idempotent, key_named_as_header
from api.common.permissions import actor as _actor
from guarantees import selectors, services
from guarantees.models import Guarantee, GuaranteeBalance

from .applications import GuaranteeRequiredReasonSerializer
from .views import GuaranteesView

REPORT_DATE = (f"Not in the future, at most {settings.BACKDATE_DAYS} days back (the back-dating window), and never "
               "before the last balance reported; out of range is a 400 naming the field.")

# --- shapes -------------------------------------------------------------------------------------------------------


class GuaranteeSerializer(serializers.ModelSerializer):
    """A guarantee and its bank loan as the bank reported it."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    bank_name = serializers.CharField(source="bank.name", read_only=True)
    currency = serializers.SerializerMethodField()
    approved_amount = WonField(help_text="The loan amount approved.")
    guaranteed = WonField(allow_zero=True, help_text="보증잔액: what the program stands behind now: the approved "
                                                     "amount x ratio before the loan, then its balance x ratio "
                                                     "(floored); 0 once repaid or cancelled.")
    loan_amount = WonField(allow_null=True, help_text="The loan the bank made (null before it lends).")
    loan_rate = RateField(allow_null=True)
    balance = WonField(allow_zero=True, help_text="The loan's balance, as last reported.")

    class Meta:
        model = Guarantee
        fields = [
            "id", "application", "program", "enterprise", "enterprise_name", "bank", "bank_name", "state", "ratio",
            "currency", "approved_amount", "guaranteed", "loan_amount", "loan_rate", "term_months",
            "repayment_method", "grace_months", "start_on", "maturity_on", "bank_reference", "balance", "balance_on",
            "interest_paid_to", "repaid_on", "defaulted_on", "closed_on", "approved_at",
        ]
        read_only_fields = fields

    def get_currency(self, obj: Any) -> str:
        return "KRW"


class GuaranteeBalanceSerializer(serializers.ModelSerializer):
    """A balance the bank reported: the loan's balance from ``on_date``, and what was repaid since the last."""

    balance = WonField(allow_zero=True)
    repaid = WonField(allow_zero=True)

    class Meta:
        model = GuaranteeBalance
        fields = ["id", "kind", "on_date", "balance", "repaid", "reported_at"]
        read_only_fields = fields


class BankInstallmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_on = DateField()
    period_start = DateField()
    days = serializers.IntegerField()
    principal = WonField(allow_zero=True)
    interest = WonField(allow_zero=True)
    total = WonField(allow_zero=True)
    balance_after = WonField(allow_zero=True)


class BankScheduleSerializer(serializers.Serializer):
    """The bank loan's expected schedule from its terms (the revolving fund's schedule engine, actual/365, to the
    won): what the loan should look like; the guarantee follows the balances reported, not this."""

    maturity_on = DateField()
    total_principal = WonField()
    total_interest = WonField(allow_zero=True)
    installments = BankInstallmentSerializer(many=True)


class GuaranteeDetailSerializer(GuaranteeSerializer):
    schedule = serializers.SerializerMethodField()
    balances = serializers.SerializerMethodField()

    class Meta(GuaranteeSerializer.Meta):
        fields = [*GuaranteeSerializer.Meta.fields, "schedule", "balances"]
        read_only_fields = fields

    @extend_schema_field(BankScheduleSerializer(allow_null=True))
    def get_schedule(self, obj: Guarantee) -> dict[str, Any] | None:
        schedule = selectors.expected_schedule(obj)
        return None if schedule is None else dict(BankScheduleSerializer(schedule).data)

    @extend_schema_field(GuaranteeBalanceSerializer(many=True))
    def get_balances(self, obj: Guarantee) -> list[dict[str, Any]]:
        return list(GuaranteeBalanceSerializer(selectors.balances_of(obj), many=True).data)


class GuaranteeFilterSerializer(serializers.Serializer):
    program = IdField(required=False, help_text="Only this program's guarantees.")
    state = serializers.ChoiceField(choices=Guarantee.State.choices, required=False)
    bank = IdField(required=False, help_text="Only this bank's guarantees.")


class ExecuteSerializer(serializers.Serializer):
    loan_amount = WonField(help_text="The loan made: at most the amount approved.")
    loan_rate = RateField(help_text="The loan's annual rate, 0 to 0.20000.")
    start_on = DateField(help_text=f"The day the loan was made. Not in the future, at most {settings.BACKDATE_DAYS} "
                                   "days back (the back-dating window).")
    bank_reference = serializers.CharField(required=False, allow_blank=True, max_length=50, default="",
                                           help_text="The bank's loan number.")


class BalanceReportSerializer(serializers.Serializer):
    on_date = DateField(help_text=REPORT_DATE)
    balance = WonField(required=False, allow_zero=True,
                       help_text="The loan's balance from on_date: never above the last reported; 0 is a full "
                                 "repayment. Give this or repaid, not both.")
    repaid = WonField(required=False, help_text="Principal repaid on on_date: at most the balance.")


class RepaySerializer(serializers.Serializer):
    on_date = DateField(help_text=f"The day the loan was repaid in full. {REPORT_DATE}")


class DefaultSerializer(serializers.Serializer):
    on_date = DateField(help_text=f"The day of default (사고). {REPORT_DATE}")
    balance = WonField(help_text="The loan's balance then: above 0, never above the last reported.")
    interest_paid_to = DateField(help_text="The day interest was paid to: from the loan's last such day to on_date.")


# --- the view -----------------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(parameters=[GuaranteeFilterSerializer]))
class GuaranteeViewSet(GuaranteesView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Guarantees (보증) on bank loans. Members see their own enterprises', bank officers their own bank's, staff
    all; the bank's officer reports the loan, its balances, its repayment and its default; a manager cancels a
    guarantee the bank never lent on."""

    access_actions = {
        "list": "guarantee.read",
        "retrieve": "guarantee.read",
        "balances": "guarantee.read",
        "report": "guarantee.report",
        "execute": "guarantee.execute",
        "repay": "guarantee.repay",
        "default": "guarantee.default",
        "cancel": "guarantee.cancel",
    }
    serializer_class = GuaranteeSerializer
    error_codes = {
        "list": ("400",),  # a bad filter
        "execute": ("400", "404", "409", "422"),
        "report": ("400", "404", "409", "422"),
        "repay": ("400", "404", "409", "422"),
        "default": ("400", "404", "409", "422"),
        "cancel": ("400", "404", "409"),
    }

    def get_queryset(self) -> QuerySet[Guarantee]:
        qs = selectors.guarantees_visible_to(self.request.user)  # the newest first
        if self.action != "list":
            return qs
        query = GuaranteeFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        if "program" in filters:
            qs = qs.filter(program_id=filters["program"])
        if "state" in filters:
            qs = qs.filter(state=filters["state"])
        if "bank" in filters:
            qs = qs.filter(bank_id=filters["bank"])
        return qs

    def _render(self, guarantee_id: int, status: int = 200) -> Response:
        guarantee = selectors.guarantees_visible_to(self.request.user).get(pk=guarantee_id)
        return Response(GuaranteeSerializer(guarantee).data, status=status)

    @extend_schema(responses=GuaranteeDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The guarantee, its bank loan's expected schedule (from its terms) and the balances reported."""
        return Response(GuaranteeDetailSerializer(self.get_object()).data)

    @extend_schema(request=ExecuteSerializer, responses=GuaranteeSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def execute(self, request: Request, pk: str | None = None) -> Response:
        """The bank lent (대출 실행; its officer): the guarantee becomes active, standing behind the loan x ratio.
        Needs an Idempotency-Key header."""
        guarantee = self.get_object()
        data = ExecuteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            services.guarantee_execute(actor=_actor(request), guarantee_id=guarantee.pk,
                                       idempotency_key=request.headers[HEADER].strip(), today=timezone.localdate(),
                                       **data.validated_data)
        return self._render(guarantee.pk)

    @extend_schema(responses=GuaranteeBalanceSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def balances(self, request: Request, pk: str | None = None) -> Response:
        """The loan's balances as the bank reported them, in the order they took effect (a handful: not
        paginated)."""
        return Response(GuaranteeBalanceSerializer(selectors.balances_of(self.get_object()), many=True).data)

    @extend_schema(request=BalanceReportSerializer, responses={201: GuaranteeBalanceSerializer})
    @balances.mapping.post
    @idempotent
    def report(self, request: Request, pk: str | None = None) -> Response:
        """Report the loan's balance, or a repayment, on a day (the bank's officer): the guarantee follows the
        balance x ratio; a balance of 0 is a full repayment. Needs an Idempotency-Key header."""
        guarantee = self.get_object()
        data = BalanceReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            row, _created = services.guarantee_report(
                actor=_actor(request), guarantee_id=guarantee.pk, idempotency_key=request.headers[HEADER].strip(),
                today=timezone.localdate(), **data.validated_data)
        return Response(GuaranteeBalanceSerializer(row).data, status=201)

    @extend_schema(request=RepaySerializer, responses=GuaranteeSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def repay(self, request: Request, pk: str | None = None) -> Response:
        """The loan was repaid in full (완제; the bank's officer): the guarantee is released. Needs an
        Idempotency-Key header."""
        guarantee = self.get_object()
        data = RepaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            services.guarantee_repay(actor=_actor(request), guarantee_id=guarantee.pk,
                                     idempotency_key=request.headers[HEADER].strip(), today=timezone.localdate(),
                                     **data.validated_data)
        return self._render(guarantee.pk)

    @extend_schema(request=DefaultSerializer, responses=GuaranteeSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def default(self, request: Request, pk: str | None = None) -> Response:
        """The loan is in default (사고; the bank's officer): the guarantee stands behind the balance x ratio until
        the claim. Needs an Idempotency-Key header."""
        guarantee = self.get_object()
        data = DefaultSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            services.guarantee_default(actor=_actor(request), guarantee_id=guarantee.pk,
                                       idempotency_key=request.headers[HEADER].strip(), today=timezone.localdate(),
                                       **data.validated_data)
        return self._render(guarantee.pk)

    @extend_schema(request=GuaranteeRequiredReasonSerializer, responses=GuaranteeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel an approved guarantee the bank never lent on (managers), with a reason: its share of the
        program's capacity is released."""
        guarantee = self.get_object()
        data = GuaranteeRequiredReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.guarantee_cancel(actor=_actor(request), guarantee_id=guarantee.pk,
                                  reason=data.validated_data["reason"], today=timezone.localdate())
        return self._render(guarantee.pk)
