"""Statements over HTTP: ask (202), follow, download the PDF (logged), verify a file, read the download log, and
export a fund's journal for auditors. Who may call each is ``statements.access.ACCESS``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common.permissions import AccessControlled
from api.common.permissions import actor as _actor
from statements import services
from statements.access import ACCESS
from statements.models import Statement, StatementDownload

from .serializers import (
    DownloadFilterSerializer,
    DownloadSerializer,
    ExportQuerySerializer,
    StatementRequestSerializer,
    StatementSerializer,
    VerifyQuerySerializer,
    VerifySerializer,
)

SHA_HEADER = "X-Statement-SHA256"
# The operations' group in the OpenAPI schema (described in SPECTACULAR_SETTINGS["TAGS"]).
TAG = "Statements and exports"


class StatementsView(AccessControlled):
    """What every statement view shares: the one permission class, reading the statements' access table."""

    access = ACCESS
    schema_tag = TAG


def _client_ip(request: Request) -> str | None:
    """The caller's address as the web server saw it (behind the project's nginx, its X-Real-IP)."""
    meta = request.META
    return meta.get("HTTP_X_REAL_IP") or meta.get("REMOTE_ADDR") or None


class StatementViewSet(StatementsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """PDF statements: loan (대출 거래명세서), enterprise, fund (기금 운용 명세서, staff only), repayment receipts
    (영수증), interest subsidy payment statements (이차보전금 지급 명세서, staff only), special guarantee program
    statements (특례보증 운용 명세서, staff only) and guarantee fee receipts (보증료 납부 확인서). Members reach only
    their own enterprises' statements; managers and auditors all of them."""

    access_actions = {
        "list": "statement.read",
        "retrieve": "statement.read",
        "create": "statement.request",
        "pdf": "statement.download",
        "verify": "statement.verify",
    }
    serializer_class = StatementSerializer
    # statement_request raises NotFound for the ``subject`` of the body and InvalidState for a loan not disbursed;
    # statement_download InvalidState for a statement not ready; statement_verify ValidationFailed for ``sha256``.
    error_codes = {"create": ("400", "404", "409"), "pdf": ("404", "409"), "verify": ("400",)}

    def get_queryset(self) -> QuerySet[Statement]:
        return services.statements_visible_to(self.request.user)

    @extend_schema(request=StatementRequestSerializer, responses={202: StatementSerializer})
    def create(self, request: Request) -> Response:
        """Ask for a statement. It is rendered in the background: 202 with its id; follow it at
        /statements/{id}/ until its state is ready, then fetch /statements/{id}/pdf."""
        data = StatementRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        statement = services.statement_request(actor=_actor(request), kind=v["kind"], subject_id=v["subject"],
                                               today=timezone.localdate(),
                                               period_start=v.get("period_start"), period_end=v.get("period_end"))
        statement.refresh_from_db()  # rendered already if tasks run eagerly
        location = reverse("statement-detail", kwargs={"pk": statement.pk})
        return Response(StatementSerializer(statement).data, status=202, headers={"Location": location})

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"], url_path="pdf")
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The statement's PDF, as stored when it was rendered; its SHA-256 is in the X-Statement-SHA256 header.
        Every download is logged."""
        statement, content = services.statement_download(
            actor=_actor(request), statement_id=int(self.get_object().pk), ip=_client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""))
        response = HttpResponse(content, content_type="application/pdf")
        ascii_name = f"{statement.number}.pdf"
        response["Content-Disposition"] = (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(statement.filename)}")
        response[SHA_HEADER] = statement.sha256 or ""
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(parameters=[VerifyQuerySerializer], responses=VerifySerializer)
    @action(detail=False, methods=["get"])
    def verify(self, request: Request) -> Response:
        """Is this a PDF this system issued, and which? Give the SHA-256 of the file (or the data SHA-256 printed in
        its footer). The statement's details are shown to those who may see it."""
        query = VerifyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        digest = query.validated_data["sha256"].strip().lower()
        statement = services.statement_verify(sha256=digest)
        if statement is None:
            return Response(VerifySerializer({"issued": False, "matched": None, "statement": None}).data)
        visible = services.statements_visible_to(request.user).filter(pk=statement.pk).exists()
        matched = "file" if statement.sha256 == digest else "data"
        body: dict[str, Any] = {"issued": True, "matched": matched, "statement": statement if visible else None}
        if not visible:
            body |= {"number": statement.number, "generated_at": statement.generated_at}
        return Response(VerifySerializer(body).data)


@extend_schema_view(list=extend_schema(parameters=[DownloadFilterSerializer]))
class StatementDownloadViewSet(StatementsView, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who downloaded which statement, when and from where: for auditors."""

    access_actions = {"list": "download_log.read"}
    serializer_class = DownloadSerializer
    error_codes = {"list": ("400",)}  # a bad filter

    def get_queryset(self) -> QuerySet[StatementDownload]:
        query = DownloadFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        qs = services.downloads_visible_to(self.request.user)
        statement = query.validated_data.get("statement")
        return qs if statement is None else qs.filter(statement_id=statement)


class FundJournalExportView(StatementsView, APIView):
    """The fund's journal for a period, one row per entry, as CSV or XLSX (분개장), for auditors and managers."""

    access_actions = {"get": "journal.export"}
    error_codes = {"get": ("400", "404")}  # the query; journal_export: NotFound (the fund)

    @extend_schema(
        parameters=[ExportQuerySerializer],
        responses={(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=f"{kind.upper()} file")
                   for kind, media_type in services.EXPORT_TYPES.items()},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        export = services.journal_export(fund_id=pk, today=timezone.localdate(), **query.validated_data)
        response = HttpResponse(export.body, content_type=export.content_type)
        response["Content-Disposition"] = (
            f"attachment; filename=\"journal-{pk}.{query.validated_data['file']}\"; "
            f"filename*=UTF-8''{quote(export.filename)}")
        return response
