"""Social impact bond (사회성과보상사업) endpoints. Parsing and rendering only; the rules are in ``bonds.services``,
the reads in ``bonds.selectors`` and ``bonds.indigo``. Who may call each is ``bonds.access.ACCESS``; whose objects
each caller sees is ``bonds.selectors.contracts_visible_to`` (another institution's or enterprise's contract is a
404), and an investor sees only its own institution's investments, capital call lines and distribution lines.

- ``/bonds/``: contracts (managers set a draft up: create, partial update, investors, evaluation points; another
  signs it: four eyes), their lifecycle (``start``, ``evaluate``, ``close``), capital calls (make; each investor's
  payment recorded with an Idempotency-Key), disbursements to the provider (Idempotency-Key), the payment quote
  (changes nothing) and the INDIGO export.
- ``/bond-metrics/``: outcome metrics with their payment terms nested (set while the contract is a draft).
- ``/bond-results/``: results recorded by the evaluator's users (multipart, with an evidence file), confirmed by
  another (four eyes), reopened with a reason.
- ``/bond-payments/``: outcome payments prepared by a manager, approved by another (four eyes; Idempotency-Key).
- ``/bond-distributions/``: distributions to the investors (Idempotency-Key).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.common.idempotency import HEADER, idempotent, key_named_as_header
from api.common.permissions import AccessControlled
from api.common.permissions import actor as _actor
from bonds import indigo, selectors, services
from bonds.access import ACCESS
from bonds.models import (
    CapitalCall,
    CapitalCallLine,
    Contract,
    Distribution,
    DistributionLine,
    EvaluationPoint,
    Metric,
    OutcomePayment,
    Result,
)
from core.errors import NotFound
from enterprises.roles import STAFF_READERS, has_role

from . import serializers as s

# The operations' group in the OpenAPI schema (described in SPECTACULAR_SETTINGS["TAGS"]).
TAG = "Social impact bonds (사회성과보상사업)"
CHANGE = ("400", "404", "409")


class BondsView(AccessControlled):
    """What every social impact bond view shares: the one permission class, reading the bonds' access table."""

    access = ACCESS
    schema_tag = TAG


def _key(request: Request) -> str:
    return str(request.headers[HEADER]).strip()


class BondViewSet(BondsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Social impact bond contracts (협약): staff read all, an evaluator those its institution evaluates, an investor
    those its institution invests in, an enterprise member those its enterprise provides the service for."""

    access_actions = {
        "list": "contract.read", "retrieve": "contract.read", "create": "contract.create",
        "partial_update": "contract.update", "sign": "contract.sign", "start": "contract.advance",
        "evaluate": "contract.advance", "close": "contract.advance",
        "investments": "investment.read", "investment_add": "contract.update",
        "points": "contract.read", "point_add": "contract.update",
        "capital_calls": "capital_call.read", "capital_call_make": "capital_call.make",
        "capital_call_pay": "capital_call.record",
        "disbursements": "disbursement.read", "disbursement_make": "disbursement.make",
        "payment_quote": "payment.quote", "indigo": "contract.read",
    }
    serializer_class = s.ContractSerializer
    error_codes = {
        "create": ("400",), "partial_update": CHANGE, "sign": CHANGE, "start": CHANGE, "evaluate": CHANGE,
        "close": CHANGE, "investment_add": CHANGE, "point_add": CHANGE,
        "capital_call_make": ("400", "404", "409", "422"), "capital_call_pay": ("400", "404", "409", "422"),
        "disbursement_make": ("400", "404", "409", "422"), "payment_quote": ("400", "404", "409"),
    }

    def get_queryset(self) -> QuerySet[Contract]:
        return selectors.contracts_visible_to(self.request.user).order_by("-pk")

    def _detail(self, contract_id: int, status: int = 200) -> Response:
        return Response(s.ContractSerializer(Contract.objects.get(pk=contract_id)).data, status=status)

    @extend_schema(request=s.ContractCreateSerializer, responses={201: s.ContractSerializer})
    def create(self, request: Request) -> Response:
        """Set a draft contract up (managers): its parties, service period and budget cap; the manager prepares it
        and another signs it."""
        data = s.ContractCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contract = services.contract_create(actor=_actor(request), **data.validated_data)
        return self._detail(contract.pk, 201)

    @extend_schema(request=s.ContractFieldsSerializer, responses=s.ContractSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change a draft's fields (managers)."""
        contract = self.get_object()
        data = s.ContractFieldsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.contract_update(actor=_actor(request), contract_id=contract.pk, **data.validated_data)
        return self._detail(contract.pk)

    @extend_schema(request=s.SignSerializer, responses=s.ContractSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        """Sign a complete draft (a manager other than the one who prepared it: four eyes); the city's outcome
        budget is appropriated at the cap."""
        contract = self.get_object()
        data = s.SignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.contract_sign(actor=_actor(request), contract_id=contract.pk, today=timezone.localdate(),
                               **data.validated_data)
        return self._detail(contract.pk)

    @extend_schema(request=s.StartSerializer, responses=s.ContractSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """The signed contract's service starts (managers)."""
        contract = self.get_object()
        data = s.StartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.contract_start(actor=_actor(request), contract_id=contract.pk, today=timezone.localdate(),
                                **data.validated_data)
        return self._detail(contract.pk)

    @extend_schema(request=s.EvaluateSerializer, responses=s.ContractSerializer)
    @action(detail=True, methods=["post"])
    def evaluate(self, request: Request, pk: str | None = None) -> Response:
        """The contract in service goes into its final evaluation (managers)."""
        contract = self.get_object()
        data = s.EvaluateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.contract_evaluate(actor=_actor(request), contract_id=contract.pk, today=timezone.localdate(),
                                   **data.validated_data)
        return self._detail(contract.pk)

    @extend_schema(request=s.CloseSerializer, responses=s.ContractSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close a settled contract whose cash is all distributed (managers); the unspent budget lapses."""
        contract = self.get_object()
        data = s.CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.contract_close(actor=_actor(request), contract_id=contract.pk, today=timezone.localdate(),
                                **data.validated_data)
        return self._detail(contract.pk)

    # --- investors and evaluation points ---

    @extend_schema(responses=s.InvestmentSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def investments(self, request: Request, pk: str | None = None) -> Response:
        """The contract's investors (투자자), each with its figures: paid in, distributed, multiple and IRR (an
        investor sees its own institution's only)."""
        contract = self.get_object()
        found = selectors.investments_visible_to(request.user).filter(contract=contract).order_by("position", "pk")
        return Response(s.InvestmentSerializer(found, many=True).data)

    @extend_schema(request=s.InvestmentAddSerializer, responses={201: s.InvestmentSerializer})
    @investments.mapping.post
    def investment_add(self, request: Request, pk: str | None = None) -> Response:
        """Add an investor's commitment to a draft (managers)."""
        contract = self.get_object()
        data = s.InvestmentAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        investment = services.investment_add(actor=_actor(request), contract_id=contract.pk, **data.validated_data)
        return Response(s.InvestmentSerializer(investment).data, status=201)

    @extend_schema(responses=s.PointSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def points(self, request: Request, pk: str | None = None) -> Response:
        """The contract's evaluation points (interim and final)."""
        contract = self.get_object()
        return Response(s.PointSerializer(EvaluationPoint.objects.filter(contract=contract).order_by("on_date"),
                                          many=True).data)

    @extend_schema(request=s.PointSerializer, responses={201: s.PointSerializer})
    @points.mapping.post
    def point_add(self, request: Request, pk: str | None = None) -> Response:
        """Add an evaluation point to a draft (managers): one final, after the interim ones."""
        contract = self.get_object()
        data = s.PointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        point = services.point_create(actor=_actor(request), contract_id=contract.pk, **data.validated_data)
        return Response(s.PointSerializer(point).data, status=201)

    # --- capital ---

    def _calls(self, contract: Contract) -> QuerySet[CapitalCall]:
        lines = CapitalCallLine.objects.select_related("investment")
        return selectors.calls_of(contract, self.request.user).distinct().prefetch_related(
            Prefetch("lines", lines))

    @extend_schema(responses=s.CapitalCallSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="capital-calls", pagination_class=None)
    def capital_calls(self, request: Request, pk: str | None = None) -> Response:
        """The contract's capital calls (출자 요청) with each investor's line (an investor sees its own lines)."""
        contract = self.get_object()
        context = {"investor": selectors.own_investor(request.user)}
        return Response(s.CapitalCallSerializer(self._calls(contract), many=True, context=context).data)

    @extend_schema(request=s.CapitalCallMakeSerializer, responses={201: s.CapitalCallSerializer})
    @capital_calls.mapping.post
    @idempotent
    def capital_call_make(self, request: Request, pk: str | None = None) -> Response:
        """Call capital from the investors in proportion to what each has still to pay in (managers). Needs an
        Idempotency-Key header."""
        contract = self.get_object()
        data = s.CapitalCallMakeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            call, _new = services.capital_call_make(actor=_actor(request), contract_id=contract.pk,
                                                    idempotency_key=_key(request), today=timezone.localdate(),
                                                    **data.validated_data)
        return Response(s.CapitalCallSerializer(self._calls(contract).get(pk=call.pk)).data, status=201)

    @extend_schema(request=s.PaidOnSerializer, responses=s.CapitalCallSerializer)
    @action(detail=True, methods=["post"], url_path=r"capital-call-lines/(?P<line_id>[0-9]+)/pay")
    @idempotent
    def capital_call_pay(self, request: Request, pk: str | None = None, line_id: str | None = None) -> Response:
        """Record an investor's payment of its line of a call (managers): into the contract's cash. Needs an
        Idempotency-Key header."""
        contract = self.get_object()
        line = CapitalCallLine.objects.filter(pk=int(line_id or 0), call__contract=contract).first()
        if line is None:
            raise NotFound(_("No such line of a capital call."))
        data = s.PaidOnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            services.capital_call_paid(actor=_actor(request), line_id=line.pk, idempotency_key=_key(request),
                                       today=timezone.localdate(), **data.validated_data)
        return Response(s.CapitalCallSerializer(self._calls(contract).get(pk=line.call_id)).data)

    @extend_schema(responses=s.DisbursementSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def disbursements(self, request: Request, pk: str | None = None) -> Response:
        """The service funding paid to the provider (사업비 지급), in tranches."""
        contract = self.get_object()
        return Response(s.DisbursementSerializer(selectors.disbursements_of(contract), many=True).data)

    @extend_schema(request=s.DisbursementSerializer, responses={201: s.DisbursementSerializer})
    @disbursements.mapping.post
    @idempotent
    def disbursement_make(self, request: Request, pk: str | None = None) -> Response:
        """Pay a tranche of the capital to the provider (managers), never more than the contract's cash. Needs an
        Idempotency-Key header."""
        contract = self.get_object()
        data = s.DisbursementSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            disbursement, _new = services.disbursement_make(
                actor=_actor(request), contract_id=contract.pk, idempotency_key=_key(request),
                today=timezone.localdate(), **data.validated_data)
        return Response(s.DisbursementSerializer(disbursement).data, status=201)

    # --- reads: the quote and the INDIGO export ---

    @extend_schema(parameters=[s.BondQuoteQuerySerializer], responses=s.BondQuoteSerializer)
    @action(detail=True, methods=["get"], url_path="payment-quote")
    def payment_quote(self, request: Request, pk: str | None = None) -> Response:
        """What one of the contract's metrics' terms would pay if ``achieved`` of ``engaged`` people reached the
        outcome (a rate card: ``units`` verified units). Changes nothing."""
        contract = self.get_object()
        query = s.BondQuoteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        if not Metric.objects.filter(pk=values["metric"], contract=contract).exists():
            raise NotFound(_("No such outcome metric."))
        quote = services.payment_quote(actor=_actor(request), metric_id=values["metric"], engaged=values["engaged"],
                                       achieved=values["achieved"], units=values.get("units"))
        return Response(s.BondQuoteSerializer(quote).data)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def indigo(self, request: Request, pk: str | None = None) -> Response:
        """The contract as INDIGO data standard 4.1 JSON (project, organisations). Sections the setting
        BONDS_INDIGO_PRIVATE makes PRIVATE are given to staff only, marked PRIVATE."""
        contract = self.get_object()
        return Response(indigo.indigo_export(contract, include_private=has_role(request.user, *STAFF_READERS)))


class MetricViewSet(BondsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Outcome metrics (성과지표) of the contracts the caller sees, each with its payment term (a rate card or an
    achievement table) nested."""

    access_actions = {"list": "metric.read", "retrieve": "metric.read", "create": "contract.update",
                      "term": "contract.update"}
    serializer_class = s.MetricSerializer
    error_codes = {"create": CHANGE, "term": CHANGE}

    def get_queryset(self) -> QuerySet[Metric]:
        return selectors.metrics_visible_to(self.request.user)

    @extend_schema(request=s.MetricCreateSerializer, responses={201: s.MetricSerializer})
    def create(self, request: Request) -> Response:
        """Add a metric to a draft contract (managers)."""
        data = s.MetricCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        metric = services.metric_create(actor=_actor(request), contract_id=values.pop("contract"), **values)
        return Response(s.MetricSerializer(self.get_queryset().get(pk=metric.pk)).data, status=201)

    @extend_schema(request=s.TermSetSerializer, responses=s.MetricSerializer)
    @action(detail=True, methods=["put"])
    def term(self, request: Request, pk: str | None = None) -> Response:
        """Set (or replace) the metric's payment term while its contract is a draft (managers)."""
        metric = self.get_object()
        data = s.TermSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.payment_term_set(actor=_actor(request), metric_id=metric.pk, **data.service_arguments())
        return Response(s.MetricSerializer(self.get_queryset().get(pk=metric.pk)).data)


class ResultViewSet(BondsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Results (성과 측정 결과): the evaluator institution's users record them with evidence, another of them
    confirms (four eyes), a disputed one is reopened with a reason. Managers never write results."""

    access_actions = {"list": "result.read", "retrieve": "result.read", "create": "result.record",
                      "confirm": "result.confirm", "reopen": "result.reopen"}
    serializer_class = s.ResultSerializer
    error_codes = {"create": CHANGE, "confirm": CHANGE, "reopen": CHANGE}

    def get_queryset(self) -> QuerySet[Result]:
        return selectors.results_visible_to(self.request.user)

    def get_parsers(self) -> list[Any]:
        """Recording a result is the upload: multipart/form-data, with its evidence file."""
        operation = getattr(self, "action", None)
        if operation is None and getattr(self, "request", None) is not None:
            operation = (getattr(self, "action_map", None) or {}).get(str(self.request.method).lower())
        return [MultiPartParser()] if operation == "create" else super().get_parsers()

    def _detail(self, result_id: int, status: int = 200) -> Response:
        return Response(s.ResultSerializer(self.get_queryset().get(pk=result_id)).data, status=status)

    @extend_schema(request={"multipart/form-data": s.ResultRecordSerializer}, responses={201: s.ResultSerializer})
    def create(self, request: Request) -> Response:
        """Record (or correct, while not confirmed) a metric's result at an evaluation point (evaluators of the
        contract's evaluator institution), as multipart/form-data with an evidence file."""
        data = s.ResultRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        file = values.pop("evidence", None)
        result = services.result_record(actor=_actor(request), metric_id=values.pop("metric"),
                                        point_id=values.pop("point"), evidence=[file] if file else [], **values)
        return self._detail(result.pk, 201)

    @extend_schema(request=None, responses=s.ResultSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Confirm a recorded result (an evaluator other than the one who recorded it: four eyes)."""
        result = self.get_object()
        services.result_confirm(actor=_actor(request), result_id=result.pk)
        return self._detail(result.pk)

    @extend_schema(request=s.ResultReopenSerializer, responses=s.ResultSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Reopen a confirmed result that is disputed, with a reason (evaluators)."""
        result = self.get_object()
        data = s.ResultReopenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.result_reopen(actor=_actor(request), result_id=result.pk, reason=data.validated_data["reason"])
        return self._detail(result.pk)


class PaymentViewSet(BondsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Outcome payments (성과보상금): a manager prepares one from an evaluation point's confirmed results (never
    above the budget cap), another approves it (four eyes) and it is paid from the city's budget."""

    access_actions = {"list": "payment.read", "retrieve": "payment.read", "create": "payment.prepare",
                      "approve": "payment.approve"}
    serializer_class = s.PaymentSerializer
    error_codes = {"create": CHANGE, "approve": ("400", "404", "409", "422")}

    def get_queryset(self) -> QuerySet[OutcomePayment]:
        return selectors.payments_visible_to(self.request.user)

    @extend_schema(request=s.PaymentPrepareSerializer, responses={201: s.PaymentSerializer})
    def create(self, request: Request) -> Response:
        """Prepare the outcome payment due at an evaluation point (managers)."""
        data = s.PaymentPrepareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.outcome_payment_prepare(actor=_actor(request), point_id=data.validated_data["point"],
                                                   paid_on=data.validated_data["paid_on"],
                                                   today=timezone.localdate())
        return Response(s.PaymentSerializer(payment).data, status=201)

    @extend_schema(request=None, responses=s.PaymentSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve a prepared payment (a manager other than the one who prepared it: four eyes): paid from the
        city's outcome budget; the final one settles the contract. Needs an Idempotency-Key header."""
        payment = self.get_object()
        with key_named_as_header():
            services.outcome_payment_approve(actor=_actor(request), payment_id=payment.pk,
                                             idempotency_key=_key(request), today=timezone.localdate())
        return Response(s.PaymentSerializer(OutcomePayment.objects.get(pk=payment.pk)).data)


class DistributionViewSet(BondsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Distributions (배분) of a contract's cash to its investors: staff read all; an investor those with a line
    of its institution, and that line only."""

    access_actions = {"list": "distribution.read", "retrieve": "distribution.read", "create": "distribution.make"}
    serializer_class = s.DistributionSerializer
    error_codes = {"create": ("400", "404", "409", "422")}

    def get_queryset(self) -> QuerySet[Distribution]:
        lines = DistributionLine.objects.select_related("investment")
        return selectors.distributions_visible_to(self.request.user).distinct().prefetch_related(
            Prefetch("lines", lines))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "investor": selectors.own_investor(self.request.user)}

    @extend_schema(request=s.DistributionMakeSerializer, responses={201: s.DistributionSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        """Distribute the contract's cash to its investors (managers): pro rata to paid-in capital, or senior
        first by class. Needs an Idempotency-Key header."""
        data = s.DistributionMakeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if not Contract.objects.filter(pk=values["contract"]).exists():
            raise NotFound(_("No such contract."))
        with key_named_as_header():
            distribution, _new = services.distribution_make(
                actor=_actor(request), contract_id=values.pop("contract"), idempotency_key=_key(request),
                today=timezone.localdate(), **values)
        return Response(s.DistributionSerializer(self.get_queryset().get(pk=distribution.pk),
                                                 context=self.get_serializer_context()).data, status=201)
