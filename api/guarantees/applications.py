"""``/api/v1/guarantee-applications/``: applications for a special guarantee (보증 신청). An enterprise member drafts,
submits and withdraws; a manager recommends (추천) or declines; another manager approves (the guarantee is made, within
the program's capacity and the per-firm limit) or rejects. Members see only their own enterprises' applications
(another's is 404); staff see all. Who may call each operation is ``guarantees.access.ACCESS``; the rules are the
services' (``guarantees.services.applications``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.common.fields import WonField
from api.common.permissions import actor as _actor
from enterprises.models import Enterprise, Institution
from guarantees import selectors, services
from guarantees.models import MAX_TERM_MONTHS, GuaranteeApplication, GuaranteeProgram, RepaymentMethod

from .views import GuaranteesView

# --- shapes -------------------------------------------------------------------------------------------------------


class GuaranteeApplicationSerializer(serializers.ModelSerializer):
    """An application as it stands: its terms, where it is in the workflow, who judged it, and the guarantee its
    approval made."""

    program = serializers.PrimaryKeyRelatedField(queryset=GuaranteeProgram.objects.order_by("pk"),
                                                 help_text="The program (특례보증 사업) applied under.")
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.order_by("pk"),
                                                    help_text="One of the caller's own enterprises.")
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    bank = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.order_by("pk"), help_text="The lending bank: one of the program's partner banks.")
    bank_name = serializers.CharField(source="bank.name", read_only=True)
    amount = WonField(help_text="The loan asked for; the program guarantees amount x its ratio (floored), which must "
                                "be within its per-firm limit (422 otherwise).")
    currency = serializers.SerializerMethodField()
    term_months = serializers.IntegerField(min_value=1, max_value=MAX_TERM_MONTHS,
                                           help_text="The loan's term; the national standard is 60 (12 + 48).")
    repayment_method = serializers.ChoiceField(choices=RepaymentMethod.choices)
    grace_months = serializers.IntegerField(
        min_value=0, max_value=MAX_TERM_MONTHS - 1, required=False, default=0,
        help_text="거치기간: fewer than term_months; 0 for a bullet loan. The national standard is 12.")
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    guarantee = serializers.SerializerMethodField(help_text="The guarantee approval made, if any.")

    class Meta:
        model = GuaranteeApplication
        fields = [
            "id", "program", "enterprise", "enterprise_name", "bank", "bank_name", "amount", "currency",
            "term_months", "repayment_method", "grace_months", "purpose", "state", "created_at", "submitted_at",
            "recommended_by", "recommend_reason", "recommended_at", "decided_by", "decision_reason", "decided_at",
            "guarantee",
        ]
        read_only_fields = [
            "id", "state", "created_at", "submitted_at", "recommended_by", "recommend_reason", "recommended_at",
            "decided_by", "decision_reason", "decided_at",
        ]

    def get_currency(self, obj: Any) -> str:
        return "KRW"

    def get_guarantee(self, obj: GuaranteeApplication) -> int | None:
        guarantee = getattr(obj, "guarantee", None)  # the reverse one-to-one raises AttributeError when there is none
        return guarantee.pk if guarantee else None


class GuaranteeReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class GuaranteeRequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Required: why.")


class GuaranteeRecommendSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("recommend", "recommend"), ("decline", "decline")],
                                       help_text="recommend (추천) or decline (심사 부결).")
    reason = serializers.CharField(max_length=2000, help_text="Required: why.")


# --- the view -----------------------------------------------------------------------------------------------------


class GuaranteeApplicationViewSet(GuaranteesView, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                  mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Guarantee applications (보증 신청): an enterprise member drafts, submits or withdraws; a manager recommends or
    declines; another manager approves (the guarantee is made) or rejects."""

    access_actions = {
        "list": "application.read",
        "retrieve": "application.read",
        "create": "application.create",
        "submit": "application.submit",
        "withdraw": "application.withdraw",
        "recommend": "application.recommend",
        "approve": "application.approve",
        "reject": "application.reject",
    }
    serializer_class = GuaranteeApplicationSerializer
    http_method_names = ["get", "post", "head", "options"]
    # The program's rules: a closed window or an ineligible kind is a 400, a share over the per-firm limit a 422;
    # approval's capacity and per-firm limit across instruments are 422.
    error_codes = {
        "create": ("400", "422"),
        "submit": ("400", "404", "409", "422"),
        "withdraw": ("400", "404", "409"),
        "recommend": ("400", "404", "409"),
        "approve": ("400", "404", "409", "422"),
        "reject": ("400", "404", "409"),
    }

    def get_queryset(self) -> QuerySet[GuaranteeApplication]:
        return selectors.applications_visible_to(self.request.user)  # the newest first

    def _render(self, application: GuaranteeApplication, status: int = 200) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=application.pk)).data, status=status)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Draft an application for one of the caller's enterprises. The program's window must be open today, the
        enterprise's kind eligible, the bank a partner bank and the guaranteed share within the per-firm limit."""
        data = GuaranteeApplicationSerializer(data=request.data, context=self.get_serializer_context())
        # Only the caller's own enterprises: another's id must look exactly like one that does not exist.
        data.fields["enterprise"] = serializers.PrimaryKeyRelatedField(
            queryset=Enterprise.objects.filter(memberships__user=_actor(request)))
        data.is_valid(raise_exception=True)
        v = data.validated_data
        application = services.application_create(
            actor=_actor(request), today=timezone.localdate(), program_id=v["program"].pk,
            enterprise_id=v["enterprise"].pk, bank_id=v["bank"].pk, amount=v["amount"],
            term_months=v["term_months"], repayment_method=v["repayment_method"],
            grace_months=v.get("grace_months", 0), purpose=v.get("purpose", ""),
        )
        return self._render(application, 201)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit a draft (신청): the program's rules are checked again, today."""
        application = self.get_object()
        services.application_submit(actor=_actor(request), application_id=application.pk,
                                    today=timezone.localdate())
        return self._render(application)

    @extend_schema(request=GuaranteeReasonSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take the application back before a decision (철회)."""
        application = self.get_object()
        data = GuaranteeReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_withdraw(actor=_actor(request), application_id=application.pk,
                                      reason=data.validated_data["reason"])
        return self._render(application)

    @extend_schema(request=GuaranteeRecommendSerializer)
    @action(detail=True, methods=["post"])
    def recommend(self, request: Request, pk: str | None = None) -> Response:
        """Recommend (추천) or decline a submitted application, with a reason."""
        application = self.get_object()
        data = GuaranteeRecommendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_recommend(actor=_actor(request), application_id=application.pk,
                                       recommend=data.validated_data["decision"] == "recommend",
                                       reason=data.validated_data["reason"])
        return self._render(application)

    @extend_schema(request=GuaranteeReasonSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve a recommended application (not by its recommender: four eyes, 409): the guarantee is made, holding
        amount x ratio of the program's capacity. Refused (422) when the capacity or the per-firm limit (counting
        what the enterprise owes under every instrument) would be exceeded."""
        application = self.get_object()
        data = GuaranteeReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_approve(actor=_actor(request), application_id=application.pk,
                                     reason=data.validated_data["reason"])
        return self._render(application)

    @extend_schema(request=GuaranteeRequiredReasonSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject a recommended application (not by its recommender), with a reason."""
        application = self.get_object()
        data = GuaranteeRequiredReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_reject(actor=_actor(request), application_id=application.pk,
                                    reason=data.validated_data["reason"])
        return self._render(application)
