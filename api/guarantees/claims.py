"""Claims on guarantees (대위변제), their 구상채권, recoveries (구상) and write-offs: shapes and endpoints. Parsing and
rendering only; the rules are in ``guarantees.services.claims``. Who may call each is ``guarantees.access.ACCESS``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.common.fields import DateField, IdField, RateField, WonField
from api.common.idempotency import HEADER, idempotent, key_named_as_header
from api.common.permissions import actor as _actor
from core.engines.claims import RECOVERY_ORDER
from guarantees import selectors, services
from guarantees.models import Claim, RecourseWriteOff, Recovery

from .serializers import MONEY_DATE
from .views import GuaranteesView

# --- shapes -----------------------------------------------------------------------------------------------------


class ClaimAskSerializer(serializers.Serializer):
    guarantee = IdField(help_text="The defaulted guarantee (of the caller's bank; another bank's is a 404).")
    principal = WonField(help_text="대출원금 잔액: the principal outstanding, at most the loan's balance.")
    interest = WonField(allow_zero=True, required=False, default=0,
                        help_text="미수이자 as the bank counts it (kept as asked; the figure paid is the engine's).")
    costs = WonField(allow_zero=True, required=False, default=0,
                     help_text="The bank's costs (법적절차비용 and the like).")
    requested_on = DateField(help_text=f"Not before the default. {MONEY_DATE}")


class ClaimPrepareSerializer(serializers.Serializer):
    paid_on = DateField(help_text="The payment date: not before the bank's request nor the day interest is paid up "
                                  "to, at most 60 days ahead; the claim is approved on or after it.")
    costs = WonField(allow_zero=True, required=False,
                     help_text="The bank's costs accepted, at most what it claimed. Default: all of them.")


class ClaimReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ClaimRequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Required: why.")


class ClaimRecoveryRequestSerializer(serializers.Serializer):
    amount = WonField(help_text="What the enterprise paid, at most everything owed that day (a 422 states it).")
    received_on = DateField(help_text=f"Not before the claim's payment or its last recovery. {MONEY_DATE}")
    memo = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# What a recovery paid, by claim, in the order it was spent (``core.engines.claims.RECOVERY_ORDER``).
AllocationSerializer = type("ClaimRecoveryAllocationSerializer", (serializers.Serializer,), {
    claim.name: WonField(allow_zero=True, help_text=f"{claim.label}: {claim.description}") for claim in RECOVERY_ORDER
})


class ClaimRecoverySerializer(serializers.ModelSerializer):
    amount = WonField()
    accrued = WonField(allow_zero=True, help_text="지연손해금 accrued from the last accrual up to received_on.")
    allocation = serializers.SerializerMethodField()

    class Meta:
        model = Recovery
        fields = ["id", "claim", "amount", "received_on", "accrued", "allocation", "after_write_off", "memo",
                  "journal", "created_at"]
        read_only_fields = fields

    @extend_schema_field(AllocationSerializer)
    def get_allocation(self, obj: Recovery) -> dict[str, Any]:
        return dict(AllocationSerializer(obj).data)


class RecoursePositionSerializer(serializers.Serializer):
    on = DateField()
    costs = WonField(allow_zero=True)
    damages = WonField(allow_zero=True, help_text="지연손해금 accrued up to (not including) on.")
    principal = WonField(allow_zero=True)
    total = WonField(allow_zero=True)
    recovered = WonField(allow_zero=True)
    written_off = serializers.BooleanField()


class RecourseWriteOffSerializer(serializers.ModelSerializer):
    amount = WonField(allow_zero=True, help_text="Principal and costs written off (asked: outstanding then).")
    principal = WonField(allow_zero=True)
    costs = WonField(allow_zero=True)
    damages = WonField(allow_zero=True)

    class Meta:
        model = RecourseWriteOff
        fields = ["id", "claim", "state", "amount", "principal", "costs", "damages", "reason", "requested_by",
                  "requested_at", "approved_by", "approved_at", "decision_reason", "written_off_on", "journal"]
        read_only_fields = fields


class ClaimSerializer(serializers.ModelSerializer):
    enterprise = serializers.IntegerField(source="guarantee.enterprise_id", read_only=True)
    enterprise_name = serializers.CharField(source="guarantee.enterprise.name", read_only=True)
    bank = serializers.IntegerField(source="guarantee.bank_id", read_only=True)
    program = serializers.IntegerField(source="guarantee.program_id", read_only=True)
    guarantee_state = serializers.CharField(source="guarantee.state", read_only=True)
    ratio = serializers.DecimalField(source="guarantee.ratio", max_digits=3, decimal_places=2, read_only=True)
    loan_rate = RateField(source="guarantee.loan_rate", read_only=True)
    late_damages_rate = RateField(source="guarantee.program.late_damages_rate", read_only=True)
    currency = serializers.SerializerMethodField()
    requested_principal = WonField()
    requested_interest = WonField(allow_zero=True)
    requested_costs = WonField(allow_zero=True)
    principal = WonField(allow_zero=True)
    interest = WonField(allow_zero=True)
    costs = WonField(allow_zero=True)
    cap = WonField(allow_zero=True, help_text="The guaranteed share: ratio x (principal + interest + costs), at most "
                                              "the face amount.")
    amount = WonField(allow_zero=True, help_text="대위변제금: what the program pays the bank.")
    recourse_principal = WonField(allow_zero=True)
    recourse_costs = WonField(allow_zero=True)
    recourse_damages = WonField(allow_zero=True, help_text="Accrued up to recourse_since and unpaid.")
    written_off = WonField(allow_zero=True)

    class Meta:
        model = Claim
        fields = [
            "id", "guarantee", "guarantee_state", "program", "enterprise", "enterprise_name", "bank", "ratio",
            "loan_rate", "late_damages_rate", "currency", "state", "requested_principal", "requested_interest",
            "requested_costs", "requested_on", "requested_by", "requested_at", "paid_on", "principal",
            "interest_days", "interest", "costs", "cap", "amount", "prepared_by", "prepared_at", "approved_by",
            "approved_at", "rejected_by", "rejected_at", "decision_reason", "journal", "recourse_principal",
            "recourse_costs", "recourse_damages", "recourse_since", "written_off", "written_off_on", "settled_on",
        ]
        read_only_fields = fields

    def get_currency(self, obj: Claim) -> str:
        return "KRW"


class ClaimDetailSerializer(ClaimSerializer):
    position = serializers.SerializerMethodField(
        help_text="The 구상채권 owed today (damages accrued up to today), by part; null before the claim is paid.")
    recoveries = ClaimRecoverySerializer(many=True, read_only=True, source="recoveries_in_order")
    write_off = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "position", "recoveries", "write_off"]
        read_only_fields = fields

    @extend_schema_field(RecoursePositionSerializer(allow_null=True))
    def get_position(self, obj: Claim) -> dict[str, Any] | None:
        position = selectors.recourse_position(obj, timezone.localdate())
        return None if position is None else dict(RecoursePositionSerializer(position).data)

    @extend_schema_field(RecourseWriteOffSerializer(allow_null=True))
    def get_write_off(self, obj: Claim) -> dict[str, Any] | None:
        write_off = obj.write_offs.first()
        return None if write_off is None else dict(RecourseWriteOffSerializer(write_off).data)


# --- endpoints --------------------------------------------------------------------------------------------------


class ClaimViewSet(GuaranteesView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Claims on guarantees (대위변제). A bank officer asks for its bank's defaulted guarantees and sees its bank's
    claims; an enterprise member sees its own enterprises'; staff see all. A manager prepares a claim, another
    approves it (paid from the program's cash) or rejects it; managers record recoveries (구상) and write off an
    uncollectible 구상채권 (one asks, another approves)."""

    access_actions = {
        "list": "claim.read",
        "retrieve": "claim.read",
        "create": "claim.request",
        "prepare": "claim.prepare",
        "approve": "claim.approve",
        "reject": "claim.approve",
        "recoveries": "claim.read",
        "recover": "recovery.record",
        "write_off": "recourse.write_off",
        "write_off_approve": "recourse.write_off",
    }
    serializer_class = ClaimSerializer
    # What the services raise (api.common.schema adds what follows from the view).
    error_codes = {
        "create": ("400", "404", "409"),
        "prepare": ("400", "404", "409"),
        "approve": ("400", "404", "409", "422"),
        "reject": ("400", "404", "409"),
        "recover": ("400", "404", "409", "422"),
        "write_off": ("400", "404", "409"),
        "write_off_approve": ("400", "404", "409"),
    }

    def get_queryset(self) -> QuerySet[Claim]:
        return selectors.claims_visible_to(self.request.user)

    def _detail(self, claim_id: int, status: int = 200) -> Response:
        claim = self.get_queryset().get(pk=claim_id)
        claim.recoveries_in_order = list(selectors.recoveries_of(claim))  # type: ignore[attr-defined]
        return Response(ClaimDetailSerializer(claim).data, status=status)

    @extend_schema(responses=ClaimDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The claim as asked, prepared and paid; once paid, its 구상채권 owed today by part, its recoveries and its
        write-off."""
        return self._detail(self.get_object().pk)

    @extend_schema(request=ClaimAskSerializer, responses={201: ClaimDetailSerializer})
    def create(self, request: Request) -> Response:
        """The bank asks to be paid on a defaulted guarantee of its own (bank officers)."""
        data = ClaimAskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        claim = services.claim_request(
            actor=_actor(request), guarantee_id=v["guarantee"], principal=v["principal"], interest=v["interest"],
            costs=v["costs"], requested_on=v["requested_on"], today=timezone.localdate())
        return self._detail(claim.pk, 201)

    @extend_schema(request=ClaimPrepareSerializer, responses=ClaimDetailSerializer)
    @action(detail=True, methods=["post"])
    def prepare(self, request: Request, pk: str | None = None) -> Response:
        """Work the claim out for payment on paid_on (managers): principal + unpaid interest at the loan's rate up to
        paid_on + the bank's costs, x the guarantee ratio, at most the face amount."""
        claim = self.get_object()
        data = ClaimPrepareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.claim_prepare(actor=_actor(request), claim_id=claim.pk, paid_on=data.validated_data["paid_on"],
                               costs=data.validated_data.get("costs"), today=timezone.localdate())
        return self._detail(claim.pk)

    @extend_schema(request=ClaimReasonSerializer, responses=ClaimDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve and pay a prepared claim (a manager other than the one who prepared it), on or after its payment
        date, from the program's cash (a 422 when it holds less): the 구상채권 opens. Needs an Idempotency-Key
        header."""
        claim = self.get_object()
        data = ClaimReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            services.claim_approve(actor=_actor(request), claim_id=claim.pk, reason=data.validated_data["reason"],
                                   idempotency_key=request.headers[HEADER].strip(), today=timezone.localdate())
        return self._detail(claim.pk)

    @extend_schema(request=ClaimRequiredReasonSerializer, responses=ClaimDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject a requested or prepared claim, with a reason (not by the manager who prepared it)."""
        claim = self.get_object()
        data = ClaimRequiredReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.claim_reject(actor=_actor(request), claim_id=claim.pk, reason=data.validated_data["reason"],
                              today=timezone.localdate())
        return self._detail(claim.pk)

    @extend_schema(responses=ClaimRecoverySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def recoveries(self, request: Request, pk: str | None = None) -> Response:
        """What was recovered on the claim, in the order received, with how each was spent."""
        claim = self.get_object()
        return Response(ClaimRecoverySerializer(selectors.recoveries_of(claim), many=True).data)

    @extend_schema(request=ClaimRecoveryRequestSerializer, responses={201: ClaimRecoverySerializer})
    @recoveries.mapping.post
    @idempotent
    def recover(self, request: Request, pk: str | None = None) -> Response:
        """Record money recovered from the enterprise (managers): spent on costs, damages, then principal (민법
        s479); after a write-off it is income. Needs an Idempotency-Key header."""
        claim = self.get_object()
        data = ClaimRecoveryRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            recovery, _created = services.recovery_record(
                actor=_actor(request), claim_id=claim.pk, amount=data.validated_data["amount"],
                received_on=data.validated_data["received_on"], memo=data.validated_data["memo"],
                idempotency_key=request.headers[HEADER].strip(), today=timezone.localdate())
        return Response(ClaimRecoverySerializer(recovery).data, status=201)

    @extend_schema(request=ClaimRequiredReasonSerializer, responses={201: RecourseWriteOffSerializer})
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request: Request, pk: str | None = None) -> Response:
        """Ask for the write-off of the claim's 구상채권 as uncollectible (managers); another manager approves it."""
        claim = self.get_object()
        data = ClaimRequiredReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        write_off = services.recourse_write_off_request(actor=_actor(request), claim_id=claim.pk,
                                                        reason=data.validated_data["reason"],
                                                        today=timezone.localdate())
        return Response(RecourseWriteOffSerializer(write_off).data, status=201)

    @extend_schema(request=ClaimReasonSerializer, responses=RecourseWriteOffSerializer)
    @action(detail=True, methods=["post"], url_path="write-off/approve")
    def write_off_approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve the write-off asked for (not by the manager who asked): the memorandum pair is cleared and the
        guarantee written off; later recoveries are income."""
        claim = self.get_object()
        data = ClaimReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        write_off = services.recourse_write_off_approve(actor=_actor(request), claim_id=claim.pk,
                                                        reason=data.validated_data["reason"],
                                                        today=timezone.localdate())
        return Response(RecourseWriteOffSerializer(write_off).data)
