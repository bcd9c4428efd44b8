"""Guarantee fee endpoints (보증료): the quote, the bills with the enterprise's payments, and the city's payments in
batches. Shapes and views together (parsing only; the rules are in ``guarantees.services.fees``); who may call each
is ``guarantees.access.ACCESS``."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common.fields import DateField, IdField, RateField, WonField
from api.common.idempotency import HEADER, idempotent, key_named_as_header
from api.common.permissions import actor as _actor
from guarantees import selectors, services
from guarantees.models import CityFeeBatch, FeeBill, FeePayment, FeeRefund, GuaranteeProgram

from .serializers import MONEY_DATE
from .views import GuaranteesView

# --- shapes --------------------------------------------------------------------------------------------------------


class FeeQuoteQuerySerializer(serializers.Serializer):
    amount = WonField(help_text="The amount guaranteed (보증금액), whole won, at most the program's limit per "
                                "enterprise.")
    start = DateField(help_text="The first day of the period (YYYY-MM-DD), not before 2000-01-01.")
    end = DateField(help_text="The last day of the period: after start, at most 3,660 days later. The days are "
                              "(end - start): the day after start through end.")


class FeeQuoteSerializer(serializers.Serializer):
    currency = serializers.SerializerMethodField()
    days = serializers.IntegerField()
    fee = WonField(allow_zero=True, help_text="보증료: amount x fee rate x days / 365, rounded by the program's rule.")
    city_share = WonField(allow_zero=True, help_text="보증료 지원: amount x city rate x days / 365, rounded first.")
    enterprise_share = WonField(allow_zero=True, help_text="fee - city_share.")

    def get_currency(self, obj: Any) -> str:
        return "KRW"


class FeeBillFilterSerializer(serializers.Serializer):
    guarantee = IdField(required=False, help_text="Only this guarantee's bills.")
    program = IdField(required=False, help_text="Only this program's bills.")
    state = serializers.ChoiceField(choices=FeeBill.State.choices, required=False)


class FeePaymentSerializer(serializers.ModelSerializer):
    amount = WonField()
    share_paid = WonField(allow_zero=True, help_text="What went to the payer's share of the fee.")
    late_fee_charged = WonField(allow_zero=True, help_text="연체료: the late fee charged with this payment.")
    late_fee_paid = WonField(allow_zero=True, help_text="What went to late fees (paid before the share).")
    journal = serializers.IntegerField(source="journal_id", read_only=True)
    batch = serializers.IntegerField(source="batch_id", read_only=True, allow_null=True)
    bill_state = serializers.CharField(source="bill.state", read_only=True)

    class Meta:
        model = FeePayment
        fields = ["id", "bill", "payer", "amount", "share_paid", "late_fee_charged", "late_fee_paid", "paid_on",
                  "batch", "journal", "bill_state", "created_at"]
        read_only_fields = fields


class FeeRefundSerializer(serializers.ModelSerializer):
    amount = WonField()
    returned = WonField(allow_zero=True, help_text="Paid back in cash.")
    written_down = WonField(allow_zero=True, help_text="Taken off what the payer still owed.")
    journal = serializers.IntegerField(source="journal_id", read_only=True)

    class Meta:
        model = FeeRefund
        fields = ["id", "payer", "repaid_on", "days", "amount", "returned", "written_down", "journal", "created_at"]
        read_only_fields = fields


class FeeBillSerializer(serializers.ModelSerializer):
    enterprise = serializers.IntegerField(source="guarantee.enterprise_id", read_only=True)
    amount = WonField(help_text="보증금액: the amount guaranteed at the period's start.")
    fee_rate = RateField()
    city_fee_rate = RateField()
    fee = WonField(allow_zero=True)
    city_share = WonField(allow_zero=True)
    enterprise_share = WonField(allow_zero=True)
    city_paid = WonField(allow_zero=True)
    firm_paid = WonField(allow_zero=True)
    city_refunded = WonField(allow_zero=True)
    firm_refunded = WonField(allow_zero=True)
    city_returned = WonField(allow_zero=True)
    firm_returned = WonField(allow_zero=True)
    late_fee_charged = WonField(allow_zero=True)
    late_fee_paid = WonField(allow_zero=True)
    city_outstanding = WonField(allow_zero=True, help_text="city_share - city_refunded - city_paid + city_returned.")
    firm_outstanding = WonField(allow_zero=True,
                                help_text="enterprise_share - firm_refunded - firm_paid + firm_returned.")
    late_fee_outstanding = WonField(allow_zero=True, help_text="Late fees charged and not paid.")
    journal = serializers.IntegerField(source="journal_id", read_only=True, allow_null=True)

    class Meta:
        model = FeeBill
        fields = ["id", "guarantee", "program", "enterprise", "year", "period_start", "period_end", "days", "amount",
                  "fee_rate", "city_fee_rate", "fee", "city_share", "enterprise_share", "billed_on", "due_on",
                  "state", "city_paid", "firm_paid", "city_refunded", "firm_refunded", "city_returned",
                  "firm_returned", "late_fee_charged", "late_fee_paid", "late_fee_through", "city_outstanding",
                  "firm_outstanding", "late_fee_outstanding", "refunded_on", "journal", "created_at"]
        read_only_fields = fields


class OwedSerializer(serializers.Serializer):
    on = DateField()
    share = WonField(allow_zero=True, help_text="The enterprise's share still open.")
    late_fee_charged = WonField(allow_zero=True, help_text="Late fees charged and not yet paid.")
    late_fee_accrued = WonField(allow_zero=True, help_text="The late fee a payment on `on` would charge (10 %/yr).")
    total = WonField(allow_zero=True, help_text="What pays the enterprise's part off on `on`.")


class FeeBillDetailSerializer(FeeBillSerializer):
    owed_today = serializers.SerializerMethodField(help_text="What the enterprise owes on it today (KST).")
    payments = FeePaymentSerializer(many=True, read_only=True)
    refunds = FeeRefundSerializer(many=True, read_only=True)

    class Meta(FeeBillSerializer.Meta):
        fields = [*FeeBillSerializer.Meta.fields, "owed_today", "payments", "refunds"]
        read_only_fields = fields

    @extend_schema_field(OwedSerializer)
    def get_owed_today(self, obj: FeeBill) -> dict[str, Any]:
        return dict(OwedSerializer(self.context["owed"]).data)


class FeePayRequestSerializer(serializers.Serializer):
    amount = WonField(help_text="What the enterprise paid: late fees are paid first, then its share; at most what is "
                                "due that day (a 422 states it).")
    paid_on = DateField(required=False, help_text=f"Managers only; members pay today. Defaults to today (KST). "
                                                  f"{MONEY_DATE}")


class CityFeeBatchRequestSerializer(serializers.Serializer):
    bill_ids = serializers.ListField(
        child=IdField(), required=False, min_length=1, max_length=10_000,
        help_text="The bills whose city share is paid (each in full). Give this or due_by.")
    due_by = DateField(required=False, help_text="Or: every bill of the program with its city share open, due by "
                                                 "this day and issued by paid_on.")
    paid_on = DateField(help_text=MONEY_DATE)
    memo = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class CityFeeBatchSerializer(serializers.ModelSerializer):
    amount = WonField()
    journal = serializers.IntegerField(source="journal_id", read_only=True)
    bills = serializers.SerializerMethodField()

    class Meta:
        model = CityFeeBatch
        fields = ["id", "program", "paid_on", "due_by", "amount", "bill_count", "bills", "memo", "journal",
                  "created_at"]
        read_only_fields = fields

    def get_bills(self, obj: CityFeeBatch) -> list[int]:
        return sorted(payment.bill_id for payment in obj.payments.all())


# --- views ---------------------------------------------------------------------------------------------------------


class FeeQuoteView(GuaranteesView, APIView):
    """What a guarantee would cost under a program, and who pays what. Changes nothing."""

    access_actions = {"get": "fee.quote"}
    error_codes = {"get": ("400",)}  # the query; NotFound (the program) follows from the path

    @extend_schema(parameters=[FeeQuoteQuerySerializer], responses=FeeQuoteSerializer)
    def get(self, request: Request, pk: int) -> Response:
        """The fee on `amount` guaranteed from `start` to `end` under the program: the city's share (보증료 지원)
        and the enterprise's, by the program's rates and rounding."""
        query = FeeQuoteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        quote = services.fee_quote(program_id=pk, **query.validated_data)
        return Response(FeeQuoteSerializer(quote).data)


@extend_schema_view(list=extend_schema(parameters=[FeeBillFilterSerializer]))
class FeeBillViewSet(GuaranteesView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Guarantee fee bills, one per guarantee year (members: their own enterprises'; bank officers: their bank's
    guarantees'). The enterprise pays its part: a member of it (today) or a manager (back-dated)."""

    access_actions = {"list": "fee.read", "retrieve": "fee.read", "pay": "fee.pay"}
    serializer_class = FeeBillSerializer
    error_codes = {"list": ("400",), "pay": ("400", "404", "409", "422")}

    def get_queryset(self) -> QuerySet[FeeBill]:
        qs = selectors.fee_bills_visible_to(self.request.user)
        if self.action == "retrieve":
            return qs.prefetch_related(Prefetch("payments", FeePayment.objects.order_by("paid_on", "id")),
                                       Prefetch("refunds", FeeRefund.objects.order_by("id")))
        if self.action != "list":
            return qs
        query = FeeBillFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        if "guarantee" in filters:
            qs = qs.filter(guarantee_id=filters["guarantee"])
        if "program" in filters:
            qs = qs.filter(program_id=filters["program"])
        if "state" in filters:
            qs = qs.filter(state=filters["state"])
        return qs

    @extend_schema(responses=FeeBillDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The bill with its payments and refunds, and what the enterprise owes on it today."""
        bill = self.get_object()
        today = timezone.localdate()
        owed = selectors.firm_owed(bill, today)
        context = {**self.get_serializer_context(), "owed": {
            "on": today, "share": owed.share, "late_fee_charged": owed.late_fee_charged,
            "late_fee_accrued": owed.late_fee_accrued, "total": owed.total}}
        return Response(FeeBillDetailSerializer(bill, context=context).data)

    @extend_schema(request=FeePayRequestSerializer, responses={201: FeePaymentSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def pay(self, request: Request, pk: str | None = None) -> Response:
        """Pay (part of) the enterprise's share. Needs an Idempotency-Key header. The late fee (10 %/yr on the
        share still open, from the due date) is charged with the payment and paid first. More than is due is a 422
        stating what is; nothing left to pay is a 409."""
        bill = self.get_object()
        data = FeePayRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            payment, _created = services.fee_pay(
                bill_id=bill.pk, actor=_actor(request), idempotency_key=request.headers[HEADER].strip(),
                today=timezone.localdate(), **data.validated_data,
            )
        return Response(FeePaymentSerializer(payment).data, status=201)


class CityFeePaymentsView(GuaranteesView, APIView):
    """The city's payments of its fee shares (보증료 지원금) for a program, in batches: staff read them; a manager
    records one."""

    # The batches are the program's money, read as its contributions are (staff); recording one is the city's.
    access_actions = {"get": "program.read", "post": "fee.city_pay"}
    error_codes = {"post": ("400", "404", "409", "422")}

    def _program(self, pk: int) -> GuaranteeProgram:
        return get_object_or_404(GuaranteeProgram.objects.all(), pk=pk)

    @extend_schema(responses=CityFeeBatchSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        """The program's city fee batches, the latest first (a few a year: not paginated)."""
        batches = selectors.city_fee_batches_of(self._program(pk)).prefetch_related("payments")
        return Response(CityFeeBatchSerializer(batches, many=True).data)

    @extend_schema(request=CityFeeBatchRequestSerializer, responses={201: CityFeeBatchSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        """Record the city's payment of its shares of `bill_ids` (or of every open city share due by `due_by`),
        each in full, in one journal. Needs an Idempotency-Key header."""
        program = self._program(pk)
        data = CityFeeBatchRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            batch, _created = services.fee_city_pay(
                program_id=program.pk, actor=_actor(request), idempotency_key=request.headers[HEADER].strip(),
                today=timezone.localdate(), **data.validated_data,
            )
        return Response(CityFeeBatchSerializer(batch).data, status=201)
