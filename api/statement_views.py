"""Statements over HTTP: ask (202), follow, download the PDF (logged), verify a file, read the download log, and
export a fund's journal for auditors."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from enterprises.models import User
from enterprises.roles import Role
from statements import services
from statements.models import Statement, StatementDownload

from .fields import DateField, IdField
from .fund_views import MEMBERS, ActionRoles
from .permissions import STAFF_READERS, RolePermission
from .schema import TAG_STATEMENTS

SHA_HEADER = "X-Statement-SHA256"


def _actor(request: Request) -> User:
    return cast(User, request.user)


def _client_ip(request: Request) -> str | None:
    """The caller's address as the web server saw it (behind the project's nginx, its X-Real-IP)."""
    meta = request.META
    return meta.get("HTTP_X_REAL_IP") or meta.get("REMOTE_ADDR") or None


class StatementSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    subject = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)

    class Meta:
        model = Statement
        fields = ["id", "number", "kind", "subject", "loan", "enterprise", "fund", "repayment", "period_start",
                  "period_end", "state", "requested_by", "requested_at", "generated_at", "filename", "sha256",
                  "data_sha256", "size", "pages", "render_seconds", "ledger_check", "error", "pdf_url"]
        read_only_fields = fields

    def get_subject(self, obj: Statement) -> int | None:
        subjects: dict[str, int | None] = {"loan": obj.loan_id, "enterprise": obj.enterprise_id,
                                           "fund": obj.fund_id, "receipt": obj.repayment_id}
        return subjects.get(obj.kind)

    def get_pdf_url(self, obj: Statement) -> str | None:
        if obj.state != Statement.State.READY:
            return None
        return reverse("statement-pdf", kwargs={"pk": obj.pk})


# The window of statement and export periods (core.dates.check_period), for the API docs.
PERIOD = ("A period (not for a receipt) runs from 2000-01-01 at the earliest to today at the latest, in order, ten "
          "years at most; out of it is a 400 naming the field.")


class StatementRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Statement.Kind.choices)
    subject = IdField(help_text="The loan, enterprise, fund or repayment id.")
    period_start = DateField(required=False, allow_null=True, help_text=PERIOD)
    period_end = DateField(required=False, allow_null=True, help_text=PERIOD)


class VerifyQuerySerializer(serializers.Serializer):
    sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$", help_text="The SHA-256 of a PDF file, or the data SHA-256 printed in its footer: 64 "
        "hexadecimal digits.")


class VerifySerializer(serializers.Serializer):
    issued = serializers.BooleanField()
    matched = serializers.ChoiceField(choices=["file", "data"], allow_null=True)
    statement = StatementSerializer(allow_null=True)
    number = serializers.CharField(
        required=False, help_text="Only when issued to someone else: the statement's number, without its details.")
    generated_at = serializers.DateTimeField(
        required=False, help_text="Only when issued to someone else: when it was generated.")


class DownloadSerializer(serializers.ModelSerializer):
    statement_number = serializers.CharField(source="statement.number", read_only=True)
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = StatementDownload
        fields = ["id", "statement", "statement_number", "user", "at", "ip", "user_agent", "sha256"]
        read_only_fields = fields


class ExportQuerySerializer(serializers.Serializer):
    start = DateField(help_text=PERIOD)
    end = DateField(help_text=PERIOD)
    file = serializers.ChoiceField(choices=list(services.EXPORT_TYPES), default="xlsx")


class StatementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """PDF statements: loan (대출 거래명세서), enterprise, fund (기금 운용 명세서, staff only) and repayment receipts
    (영수증). Members reach only their own enterprises' statements; managers and auditors all of them."""

    permission_classes = [ActionRoles]
    action_roles = {
        "list": (*STAFF_READERS, *MEMBERS),
        "retrieve": (*STAFF_READERS, *MEMBERS),
        "create": (*STAFF_READERS, *MEMBERS),
        "pdf": (*STAFF_READERS, *MEMBERS),
        "verify": (*STAFF_READERS, *MEMBERS),
    }
    serializer_class = StatementSerializer
    schema_tag = TAG_STATEMENTS
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


class DownloadFilterSerializer(serializers.Serializer):
    statement = IdField(required=False, help_text="Only the downloads of this statement (its id).")


@extend_schema_view(list=extend_schema(parameters=[DownloadFilterSerializer]))
class StatementDownloadViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who downloaded which statement, when and from where: for auditors."""

    permission_classes = [ActionRoles]
    action_roles = {"list": (Role.AUDITOR, Role.ADMIN)}
    serializer_class = DownloadSerializer
    schema_tag = TAG_STATEMENTS
    error_codes = {"list": ("400",)}  # a bad filter

    def get_queryset(self) -> QuerySet[StatementDownload]:
        query = DownloadFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        qs = services.downloads_visible_to(self.request.user)
        statement = query.validated_data.get("statement")
        return qs if statement is None else qs.filter(statement_id=statement)


class FundJournalExportView(APIView):
    """The fund's journal for a period, one row per entry, as CSV or XLSX (분개장), for auditors and managers."""

    permission_classes = [RolePermission]
    read_roles = STAFF_READERS
    write_roles = ()
    schema_tag = TAG_STATEMENTS
    error_codes = {"get": ("400", "404")}  # the query; journal_export: NotFound (the fund)

    @extend_schema(
        parameters=[ExportQuerySerializer],
        responses={(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=f"{kind.upper()} file")
                   for kind, media_type in services.EXPORT_TYPES.items()},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        export = services.journal_export(fund_id=pk, **query.validated_data)
        response = HttpResponse(export.body, content_type=export.content_type)
        response["Content-Disposition"] = (
            f"attachment; filename=\"journal-{pk}.{query.validated_data['file']}\"; "
            f"filename*=UTF-8''{quote(export.filename)}")
        return response
