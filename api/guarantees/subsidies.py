"""Interest subsidies (이차보전) over HTTP: a program's subsidy budget, subsidy runs (prepare, read, approve) and each
bank's payment file. Who may call each is ``guarantees.access.ACCESS`` (``subsidy.*``); a bank officer sees the runs
with its own bank's lines, and only those lines (another bank's run is 404)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.common.fields import DateField, IdField, RateField, WonField
from api.common.idempotency import HEADER, idempotent, key_named_as_header
from api.common.permissions import actor as _actor
from core.errors import NotFound
from enterprises.access import STAFF
from enterprises.roles import has_role
from enterprises.validators import format_business_number
from guarantees import selectors, services
from guarantees.models import GuaranteeProgram, SubsidyBudget, SubsidyLine, SubsidyRun
from statements import services as statement_services

from .serializers import MONEY_DATE
from .views import GuaranteesView

# --- shapes ------------------------------------------------------------------------------------------------------


class SubsidyBudgetSerializer(serializers.ModelSerializer):
    amount = WonField(help_text="What the city paid into the subsidy budget (이차보전 예산).")
    received_on = DateField(help_text=MONEY_DATE)
    journal = serializers.IntegerField(source="journal_id", read_only=True)

    class Meta:
        model = SubsidyBudget
        fields = ["id", "amount", "received_on", "memo", "journal", "created_at"]
        read_only_fields = ["id", "journal", "created_at"]


class SubsidyBudgetListSerializer(serializers.Serializer):
    program = serializers.IntegerField()
    currency = serializers.CharField(default="KRW")
    balance = WonField(allow_zero=True, help_text="What is left of the budget (subsidy:budget).")
    entries = SubsidyBudgetSerializer(many=True)


class SubsidyLineSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name")
    business_number = serializers.SerializerMethodField()
    bank_name = serializers.CharField(source="bank.name")
    bank_reference = serializers.CharField(source="guarantee.bank_reference", help_text="The bank's loan number.")
    won_days = serializers.DecimalField(max_digits=26, decimal_places=0,
                                        help_text="잔액 적수: the loan's balance summed over the days counted.")
    loan_rate = RateField()
    rate = RateField(help_text="min(subsidy rate, loan rate).")
    amount = WonField(allow_zero=True)

    class Meta:
        model = SubsidyLine
        fields = ["id", "guarantee", "enterprise", "enterprise_name", "business_number", "bank", "bank_name",
                  "bank_reference", "payee", "window_start", "window_end", "days", "won_days", "loan_rate", "rate",
                  "amount"]
        read_only_fields = fields

    def get_business_number(self, obj: SubsidyLine) -> str:
        return format_business_number(obj.enterprise.business_number)


class SubsidyRunSerializer(serializers.ModelSerializer):
    program_name = serializers.CharField(source="program.name")
    subsidy_rate = RateField()
    total = WonField(allow_zero=True, help_text="The sum of the lines (the whole run's, whoever reads it).")
    prepared_by = serializers.CharField(source="prepared_by.username", read_only=True, allow_null=True,
                                        help_text="null: prepared by the system (the nightly task).")
    approved_by = serializers.CharField(source="approved_by.username", read_only=True, allow_null=True)
    journal = serializers.IntegerField(source="journal_id", read_only=True, allow_null=True)

    class Meta:
        model = SubsidyRun
        fields = ["id", "program", "program_name", "period", "period_start", "period_end", "state", "subsidy_rate",
                  "subsidy_months", "payee", "rounding_unit", "rounding_mode", "total", "line_count", "prepared_by",
                  "prepared_at", "approved_by", "approved_at", "paid_on", "journal"]
        read_only_fields = fields


class SubsidyRunDetailSerializer(SubsidyRunSerializer):
    lines = SubsidyLineSerializer(many=True, source="visible_lines",
                                  help_text="The lines the caller may see: all for staff, its own bank's for a bank "
                                            "officer.")

    class Meta(SubsidyRunSerializer.Meta):
        fields = [*SubsidyRunSerializer.Meta.fields, "lines"]
        read_only_fields = fields


class SubsidyRunFilterSerializer(serializers.Serializer):
    program = IdField(required=False, help_text="Only this program's runs.")


class SubsidyRunPrepareSerializer(serializers.Serializer):
    program = IdField(help_text="The guarantee program.")
    period_start = DateField(help_text="The first day of the month (or quarter: 1 January, April, July or October, "
                                       "by the program's subsidy_period) to pay; the period must have ended.")
    period_end = DateField(required=False, help_text="Optional: the period's last day (checked against it).")


class PaymentFileQuerySerializer(serializers.Serializer):
    bank = IdField(required=False, help_text="The bank whose lines to list: required for staff; a bank officer gets "
                                             "its own bank's (another bank is 404).")
    format = serializers.ChoiceField(choices=list(statement_services.EXPORT_TYPES), default="xlsx",
                                     help_text="csv (UTF-8 with a byte-order mark) or xlsx.")


# --- views -------------------------------------------------------------------------------------------------------


class SubsidyBudgetViewSet(GuaranteesView, viewsets.ViewSet):
    """A program's interest-subsidy budget (이차보전 예산): what the city paid in, and what is left."""

    # "budget", not "list": the answer is one object (the balance and the entries), not a list of them.
    access_actions = {"budget": "subsidy.read", "create": "subsidy.budget"}
    error_codes = {"budget": ("404",), "create": ("400", "404", "422")}

    def _program(self, request: Request, pk: Any) -> GuaranteeProgram:
        program = GuaranteeProgram.objects.select_related("book").filter(pk=pk).first()
        # A bank officer may read its bank's subsidy lines, not the city's budget.
        if program is None or not has_role(request.user, *STAFF):
            raise NotFound(_("No such guarantee program."))
        return program

    @extend_schema(responses=SubsidyBudgetListSerializer)
    def budget(self, request: Request, pk: int) -> Response:
        """What was paid into the program's subsidy budget, and the balance left (staff)."""
        program = self._program(request, pk)
        body = {"program": program.pk, "currency": "KRW", "balance": selectors.subsidy_budget_balance(program),
                "entries": selectors.subsidy_budget_of(program)}
        return Response(SubsidyBudgetListSerializer(body).data)

    @extend_schema(request=SubsidyBudgetSerializer, responses={201: SubsidyBudgetSerializer})
    @idempotent
    def create(self, request: Request, pk: int) -> Response:
        """Record the city's subsidy budget paid in (managers): subsidy:budget against subsidy:appropriation. Needs
        an Idempotency-Key header."""
        program = self._program(request, pk)
        data = SubsidyBudgetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            entry, _created = services.subsidy_budget_record(
                actor=_actor(request), program_id=program.pk, idempotency_key=request.headers[HEADER].strip(),
                today=timezone.localdate(), **data.validated_data)
        return Response(SubsidyBudgetSerializer(entry).data, status=201)


class _PassThrough(BaseRenderer):
    """The payment file's formats, so that ``?format=csv|xlsx`` passes DRF's content negotiation (the view sends
    the file itself; errors are JSON, see ``perform_content_negotiation``)."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return JSONRenderer().render(data, accepted_media_type, renderer_context)


class _Csv(_PassThrough):
    media_type, format = "text/csv", "csv"


class _Xlsx(_PassThrough):
    media_type, format = statement_services.EXPORT_TYPES["xlsx"], "xlsx"


@extend_schema_view(list=extend_schema(parameters=[SubsidyRunFilterSerializer]))
class SubsidyRunViewSet(GuaranteesView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Interest subsidy runs (이차보전금 지급): one program's subsidies for one month or quarter, prepared by a
    manager (or the nightly task), approved and paid by another, with a payment file per bank."""

    access_actions = {
        "list": "subsidy.read",
        "retrieve": "subsidy.read",
        "create": "subsidy.prepare",
        "approve": "subsidy.approve",
        "payment_file": "subsidy.download",
    }
    serializer_class = SubsidyRunSerializer
    error_codes = {"list": ("400",), "create": ("400", "404"), "approve": ("400", "404", "409", "422"),
                   "payment_file": ("400", "404")}

    def get_queryset(self) -> QuerySet[SubsidyRun]:
        program = None
        if self.action == "list":
            query = SubsidyRunFilterSerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            program = query.validated_data.get("program")
        return selectors.subsidy_runs_visible_to(self.request.user, program_id=program)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        if getattr(self, "action", None) == "payment_file":  # ?format= names the file, not the error's rendering
            renderer = JSONRenderer()
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    def _detail(self, run: SubsidyRun, status: int = 200) -> Response:
        run = self.get_queryset().get(pk=run.pk)
        run.visible_lines = list(selectors.lines_visible_to(self.request.user, run))  # type: ignore[attr-defined]
        return Response(SubsidyRunDetailSerializer(run).data, status=status)

    @extend_schema(responses=SubsidyRunDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The run with its lines (a bank officer: its own bank's lines)."""
        return self._detail(self.get_object())

    @extend_schema(request=SubsidyRunPrepareSerializer,
                   responses={201: SubsidyRunDetailSerializer, 200: SubsidyRunDetailSerializer})
    def create(self, request: Request) -> Response:
        """Prepare the run of a whole month or quarter that has ended (managers): every guarantee's subsidy. 201
        with the new run; 200 with the existing one, unchanged, when the period was prepared already."""
        data = SubsidyRunPrepareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        run, created = services.subsidy_run_prepare(
            program_id=values["program"], period_start=values["period_start"], period_end=values.get("period_end"),
            actor=_actor(request), today=timezone.localdate())
        return self._detail(run, 201 if created else 200)

    @extend_schema(request=None, responses=SubsidyRunDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve and pay a prepared run (a manager other than the one who prepared it): one journal against the
        subsidy budget; refused (422) when the budget would be exceeded. Needs an Idempotency-Key header."""
        run = self.get_object()
        with key_named_as_header():
            services.subsidy_run_approve(run_id=run.pk, actor=_actor(request), today=timezone.localdate(),
                                         idempotency_key=request.headers[HEADER].strip())
        return self._detail(run)

    @extend_schema(
        parameters=[PaymentFileQuerySerializer],
        responses={(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=f"{kind.upper()} file")
                   for kind, media_type in statement_services.EXPORT_TYPES.items()},
    )
    @action(detail=True, methods=["get"], url_path="payment-file", renderer_classes=[JSONRenderer, _Csv, _Xlsx])
    def payment_file(self, request: Request, pk: str | None = None) -> HttpResponse:
        """One bank's payment file of the run (이차보전금 지급 내역): each line (enterprise, business number, bank
        loan number, balance-days, rate, amount) and the totals, as CSV or XLSX."""
        query = PaymentFileQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        run_id = self.get_object().pk
        export = statement_services.subsidy_payment_file(
            actor=_actor(request), run_id=run_id, bank_id=query.validated_data.get("bank"),
            file=query.validated_data["format"])
        response = HttpResponse(export.body, content_type=export.content_type)
        response["Content-Disposition"] = (
            f"attachment; filename=\"subsidy-run-{run_id}.{query.validated_data['format']}\"; "
            f"filename*=UTF-8''{quote(export.filename)}")
        return response
