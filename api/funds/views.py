"""Revolving-fund endpoints: funds, loan products and quotes, loan applications, loans. Who may call each is
``funds.access.ACCESS``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.common.idempotency import HEADER, idempotent, key_named_as_header
from api.common.permissions import AccessControlled
from api.common.permissions import actor as _actor
from enterprises.models import Enterprise
from funds import selectors, services
from funds.access import ACCESS
from funds.models import Fund, Loan, LoanApplication, LoanProduct, Repayment, WriteOff
from statements.selectors import with_receipt

from . import serializers as s

# The operations' group in the OpenAPI schema (described in SPECTACULAR_SETTINGS["TAGS"]).
TAG = "Revolving fund (사회적경제활성화기금)"


class FundsView(AccessControlled):
    """What every revolving-fund view shares: the one permission class, reading the fund's access table."""

    access = ACCESS
    schema_tag = TAG


class FundViewSet(FundsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Revolving funds (사회적경제활성화기금). Staff read the summary; managers open funds and record capital."""

    access_actions = {
        "list": "fund.read",
        "retrieve": "fund.read",
        "create": "fund.create",
        "contributions": "contribution.read",
        "contribute": "contribution.record",
    }
    serializer_class = s.FundListSerializer
    # What the services raise (api.common.schema adds what follows from the view: 401, 403 where the access table
    # may refuse, 404 for the path's id, 409 on every write, 400 and 422 on every idempotent call, 503 everywhere).
    error_codes = {"create": ("400",), "contribute": ("400", "404", "422")}

    def get_queryset(self) -> QuerySet[Fund]:
        return selectors.funds_all()

    @extend_schema(responses=s.FundSummarySerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Capital by source, cash, outstanding principal, cumulative disbursed and repaid, turnover, loans and
        outstanding by asset class, and the required allowance."""
        return Response(s.FundSummarySerializer(selectors.fund_summary(self.get_object())).data)

    @extend_schema(request=s.FundCreateSerializer, responses={201: s.FundSummarySerializer})
    def create(self, request: Request) -> Response:
        data = s.FundCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fund = services.fund_create(actor=_actor(request), today=timezone.localdate(), **data.validated_data)
        return Response(s.FundSummarySerializer(selectors.fund_summary(fund)).data, status=201)

    @extend_schema(responses=s.ContributionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def contributions(self, request: Request, pk: str | None = None) -> Response:
        """The capital paid in (출연금), all of it (a fund has a handful of contributions: not paginated)."""
        fund = self.get_object()
        return Response(s.ContributionSerializer(fund.contributions.order_by("received_on", "id"), many=True).data)

    @extend_schema(request=s.ContributionSerializer, responses={201: s.ContributionSerializer})
    @contributions.mapping.post
    @idempotent
    def contribute(self, request: Request, pk: str | None = None) -> Response:
        """Record capital paid in (managers). Needs an Idempotency-Key header."""
        fund = self.get_object()
        data = s.ContributionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            contribution, _created = services.contribution_record(
                actor=_actor(request), fund_id=fund.pk, idempotency_key=request.headers[HEADER].strip(),
                today=timezone.localdate(), **data.validated_data,
            )
        return Response(s.ContributionSerializer(contribution).data, status=201)


class LoanProductViewSet(
    FundsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Loan products: rate, term, grace, method, day count, rounding, amount range, approval tiers."""

    access_actions = {"list": "product.read", "retrieve": "product.read", "create": "product.create",
                      "quote": "product.quote"}
    serializer_class = s.LoanProductSerializer
    error_codes = {"create": ("400",), "quote": ("400", "404")}

    def get_queryset(self) -> QuerySet[LoanProduct]:
        return selectors.products_all()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        fund, tiers = values.pop("fund"), values.pop("approval_tiers", [])
        product = services.product_create(actor=_actor(request), fund_id=fund.pk, data=values, approval_tiers=tiers)
        # Read as the list reads it: its approval tiers from the lowest amount.
        return Response(self.get_serializer(self.get_queryset().get(pk=product.pk)).data, status=201)

    @extend_schema(request=s.QuoteRequestSerializer, responses=s.QuoteSerializer)
    @action(detail=True, methods=["post"])
    def quote(self, request: Request, pk: str | None = None) -> Response:
        """The whole schedule and totals for a principal and a disbursement date. Changes nothing."""
        product = self.get_object()
        data = s.QuoteRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        schedule = services.product_quote(product_id=product.pk, today=timezone.localdate(), **data.validated_data)
        return Response(s.QuoteSerializer(schedule).data)


class LoanApplicationViewSet(
    FundsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Loan applications: an enterprise member drafts, submits or withdraws; a manager reviews; another manager
    approves (as many as the amount needs) or rejects. Approval creates the loan."""

    access_actions = {
        "list": "application.read",
        "retrieve": "application.read",
        "create": "application.create",
        "partial_update": "application.update",
        "submit": "application.submit",
        "withdraw": "application.withdraw",
        "review": "application.review",
        "approve": "application.approve",
        "reject": "application.reject",
    }
    serializer_class = s.LoanApplicationSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Submitting and approving check the lending rules: LimitExceeded and Ineligible are 422.
    error_codes = {
        "create": ("400",),
        "partial_update": ("400", "404", "409"),
        "submit": ("400", "404", "409", "422"),
        "withdraw": ("404", "409"),
        "review": ("400", "404", "409"),
        "approve": ("400", "404", "409", "422"),
        "reject": ("400", "404", "409"),
    }

    def get_queryset(self) -> QuerySet[LoanApplication]:
        return selectors.applications_visible_to(self.request.user)  # the newest first

    def _member_object(self) -> LoanApplication:
        """The application, which must be one of the caller's own enterprises' (others are 404)."""
        application = self.get_object()
        if not _actor(self.request).memberships.filter(enterprise_id=application.enterprise_id).exists():
            raise Http404
        return application

    def _render(self, application: LoanApplication, status: int = 200) -> Response:
        """The application as it is now, read as the list reads it (its approvals in the order they were given)."""
        return Response(self.get_serializer(self.get_queryset().get(pk=application.pk)).data, status=status)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.LoanApplicationSerializer(data=request.data, context=self.get_serializer_context())
        # Only the caller's own enterprises: another's id must look exactly like one that does not exist.
        data.fields["enterprise"] = serializers.PrimaryKeyRelatedField(
            queryset=Enterprise.objects.filter(memberships__user=_actor(request))
        )
        data.is_valid(raise_exception=True)
        v = data.validated_data
        application = services.application_create(
            actor=_actor(request),
            product_id=v["product"].pk,
            enterprise_id=v["enterprise"].pk,
            amount=v["amount"],
            purpose=v.get("purpose", ""),
        )
        return self._render(application, 201)

    @extend_schema(request=s.ApplicationUpdateSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        application = self._member_object()
        data = s.ApplicationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_update(actor=_actor(request), application_id=application.pk, data=data.validated_data)
        return self._render(application)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit a draft: the enterprise's kind, the amount range, the exposure limit and defaults are checked."""
        application = self._member_object()
        services.application_submit(actor=_actor(request), application_id=application.pk)
        return self._render(application)

    @extend_schema(request=s.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take the application back before a decision."""
        application = self._member_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_withdraw(
            actor=_actor(request), application_id=application.pk, reason=data.validated_data["reason"]
        )
        return self._render(application)

    @extend_schema(request=s.ReviewSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Recommend or decline a submitted application, with a reason."""
        application = self.get_object()
        data = s.ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_review(
            actor=_actor(request),
            application_id=application.pk,
            recommend=data.validated_data["decision"] == "recommend",
            reason=data.validated_data["reason"],
        )
        return self._render(application)

    @extend_schema(request=s.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve a recommended application (not by its reviewer). Enough approvals create the loan."""
        application = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_approve(
            actor=_actor(request), application_id=application.pk, reason=data.validated_data["reason"]
        )
        return self._render(application)

    @extend_schema(request=s.RequiredReasonSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject a recommended application (not by its reviewer), with a reason."""
        application = self.get_object()
        data = s.RequiredReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_reject(
            actor=_actor(request), application_id=application.pk, reason=data.validated_data["reason"]
        )
        return self._render(application)


class LoanViewSet(FundsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Loans. Members see their own enterprises' loans and repay them; staff see all; managers disburse, repay on
    a borrower's behalf with a value date, ask for write-offs and record recoveries."""

    access_actions = {
        "list": "loan.read",
        "retrieve": "loan.read",
        "schedule": "loan.read",
        "transactions": "loan.read",
        "disburse": "loan.disburse",
        "payoff": "payoff.quote",
        "repayments": "repayment.read",
        "repay": "repayment.make",
        "write_off": "write_off.request",
        "recoveries": "recovery.read",
        "recover": "recovery.record",
    }
    serializer_class = s.LoanSerializer
    # A payoff quote of a loan not disbursed (or closed) is a 409; more than the payoff (LimitExceeded) and a fund
    # short of cash (InsufficientFunds) are 422.
    error_codes = {
        "disburse": ("400", "404", "409", "422"),
        "payoff": ("400", "404", "409"),
        "repay": ("400", "404", "409", "422"),
        "write_off": ("400", "404", "409"),
        "recover": ("400", "404", "409", "422"),
    }

    def get_queryset(self) -> QuerySet[Loan]:
        return selectors.loans_visible_to(self.request.user)  # the newest first

    def _fresh(self, loan_id: int) -> Loan:
        return self.get_queryset().get(pk=loan_id)

    @extend_schema(request=s.DisburseSerializer, responses=s.LoanSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def disburse(self, request: Request, pk: str | None = None) -> Response:
        """Pay out an approved loan from the fund's cash and fix its schedule. Needs an Idempotency-Key header;
        refused (422) when the fund lacks the cash."""
        loan = self.get_object()
        data = s.DisburseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        on_date = data.validated_data.get("disbursed_on") or timezone.localdate()
        services.loan_disburse(actor=_actor(request), loan_id=loan.pk, on_date=on_date, today=timezone.localdate(),
                               secured_amount=data.validated_data.get("secured_amount"))
        return Response(s.LoanSerializer(self._fresh(loan.pk)).data)

    @extend_schema(responses=s.InstallmentSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def schedule(self, request: Request, pk: str | None = None) -> Response:
        """Every installment with what is paid and what is still due."""
        loan = self.get_object()
        return Response(s.InstallmentSerializer(loan.installments.order_by("number"), many=True).data)

    @extend_schema(responses=s.RepaymentSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def repayments(self, request: Request, pk: str | None = None) -> Response:
        """The loan's repayments with their allocation, reversed ones included."""
        loan = self.get_object()
        rows = with_receipt(loan.repayments.select_related(
            "loan__principal_account", "loan__interest_account", "loan__default_interest_account"
        ).order_by("value_date", "id"))
        return Response(s.RepaymentSerializer(rows, many=True).data)

    @extend_schema(request=s.RepaymentRequestSerializer, responses={201: s.RepaymentSerializer})
    @repayments.mapping.post
    @idempotent
    def repay(self, request: Request, pk: str | None = None) -> Response:
        """Repay: a member of the borrowing enterprise (value date today) or a manager (a past value date in the
        open period). Needs an Idempotency-Key header. Allocated to default interest, overdue interest, overdue
        principal, interest due, principal due, then prepayment (accrued interest first, then future principal).
        More than the payoff is a 422 that states the payoff."""
        loan = self.get_object()
        data = s.RepaymentRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            repayment, created = services.repayment_make(
                actor=_actor(request), loan_id=loan.pk, amount=data.validated_data["amount"],
                value_date=data.validated_data.get("value_date"), idempotency_key=request.headers[HEADER],
                today=timezone.localdate(),
            )
        if not created:  # a new one comes with its loan as it left it; a replay shows the loan as it is now
            repayment.loan = self._fresh(loan.pk)
        return Response(s.RepaymentSerializer(repayment).data, status=201)

    @extend_schema(parameters=[s.PayoffQuerySerializer], responses=s.PayoffSerializer)
    @action(detail=True, methods=["get"])
    def payoff(self, request: Request, pk: str | None = None) -> Response:
        """What pays the loan off on ``on`` (default today): default interest up to the day before, interest due,
        the current period's interest accrued so far, and all principal. Changes nothing."""
        loan = self.get_object()
        query = s.PayoffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or timezone.localdate()
        quote = services.payoff_quote(loan_id=loan.pk, on=on, today=timezone.localdate())
        return Response(s.PayoffSerializer(quote).data)

    @extend_schema(responses=s.LoanTransactionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def transactions(self, request: Request, pk: str | None = None) -> Response:
        """Every journal that moved the loan's balances, oldest first, with its effect on each balance."""
        loan = self.get_object()
        return Response(s.LoanTransactionSerializer(loan.transactions.order_by("value_date", "id"), many=True).data)

    @extend_schema(request=s.RequiredReasonSerializer, responses={201: s.WriteOffSerializer})
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request: Request, pk: str | None = None) -> Response:
        """Ask for the write-off of a loan classed 추정손실; another manager approves it at /write-offs/{id}/."""
        loan = self.get_object()
        data = s.RequiredReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        write_off = services.write_off_request(actor=_actor(request), loan_id=loan.pk,
                                               reason=data.validated_data["reason"])
        return Response(s.WriteOffSerializer(write_off).data, status=201)

    @extend_schema(responses=s.RecoverySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def recoveries(self, request: Request, pk: str | None = None) -> Response:
        """Money recovered after the write-off."""
        loan = self.get_object()
        return Response(s.RecoverySerializer(loan.recoveries.order_by("received_on", "id"), many=True).data)

    @extend_schema(request=s.RecoveryRequestSerializer, responses={201: s.RecoverySerializer})
    @recoveries.mapping.post
    @idempotent
    def recover(self, request: Request, pk: str | None = None) -> Response:
        """Record money recovered on a written-off loan (posted as income). Needs an Idempotency-Key header."""
        loan = self.get_object()
        data = s.RecoveryRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            recovery, _created = services.recovery_record(
                actor=_actor(request), loan_id=loan.pk, amount=data.validated_data["amount"],
                received_on=data.validated_data.get("received_on"), memo=data.validated_data["memo"],
                idempotency_key=request.headers[HEADER], today=timezone.localdate(),
            )
        return Response(s.RecoverySerializer(recovery).data, status=201)


class RepaymentViewSet(FundsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Repayments across loans (members: their own enterprises'). A manager reverses a bounced one."""

    access_actions = {"list": "repayment.read", "retrieve": "repayment.read", "reverse": "repayment.reverse"}
    serializer_class = s.RepaymentSerializer
    error_codes = {"reverse": ("400", "404", "409")}

    def get_queryset(self) -> QuerySet[Repayment]:
        loans = selectors.loans_visible_to(self.request.user)
        return with_receipt(Repayment.objects.filter(loan__in=loans.values("pk")).select_related(
            "loan__principal_account", "loan__interest_account", "loan__default_interest_account"
        ).order_by("-id"))

    @extend_schema(request=s.RequiredReasonSerializer, responses=s.RepaymentSerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        """Reverse a repayment that did not arrive (a bounced transfer), with a reason: its journal is reversed,
        the installments reopened and the days since closed again. Only the loan's latest live repayment."""
        repayment = self.get_object()
        data = s.RequiredReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.repayment_reverse(actor=_actor(request), repayment_id=repayment.pk,
                                   reason=data.validated_data["reason"])
        return Response(s.RepaymentSerializer(self.get_queryset().get(pk=repayment.pk)).data)


class WriteOffViewSet(FundsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Write-offs (상각): asked for by one manager, approved or rejected by another."""

    access_actions = {"list": "write_off.read", "retrieve": "write_off.read", "approve": "write_off.approve",
                      "reject": "write_off.reject"}
    serializer_class = s.WriteOffSerializer
    error_codes = {"approve": ("404", "409"), "reject": ("400", "404", "409")}

    def get_queryset(self) -> QuerySet[WriteOff]:
        return WriteOff.objects.order_by("-id")

    @extend_schema(request=s.ReasonSerializer, responses=s.WriteOffSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve (not by the manager who asked): the loan's receivables go to the write-off expense."""
        write_off = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        write_off = services.write_off_approve(actor=_actor(request), write_off_id=write_off.pk,
                                               today=timezone.localdate(), reason=data.validated_data["reason"])
        return Response(s.WriteOffSerializer(write_off).data)

    @extend_schema(request=s.RequiredReasonSerializer, responses=s.WriteOffSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject (not by the manager who asked), with a reason."""
        write_off = self.get_object()
        data = s.RequiredReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        write_off = services.write_off_reject(actor=_actor(request), write_off_id=write_off.pk,
                                              reason=data.validated_data["reason"])
        return Response(s.WriteOffSerializer(write_off).data)
