"""Shapes of the statement endpoints. Parsing only; the rules are in statements.services."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from api.common.fields import DateField, IdField
from statements import services
from statements.models import Statement, StatementDownload


class StatementSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    subject = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)

    class Meta:
        model = Statement
        fields = ["id", "number", "kind", "subject", "loan", "enterprise", "fund", "repayment", "subsidy_run",
                  "guarantee_program", "fee_bill", "contest", "campaign", "pledge", "pool_funder", "bond_contract",
                  "bond_investment", "period_start",
                  "period_end", "state", "requested_by", "requested_at", "generated_at", "filename", "sha256",
                  "data_sha256", "size", "pages", "render_seconds", "ledger_check", "error", "pdf_url"]
        read_only_fields = fields

    def get_subject(self, obj: Statement) -> int | None:
        subjects: dict[str, int | None] = {"loan": obj.loan_id, "enterprise": obj.enterprise_id,
                                           "fund": obj.fund_id, "receipt": obj.repayment_id,
                                           "subsidy_run": obj.subsidy_run_id,
                                           "guarantee_program": obj.guarantee_program_id,
                                           "fee_receipt": obj.fee_bill_id, "contest": obj.contest_id,
                                           "campaign_settlement": obj.campaign_id, "pledge_receipt": obj.pledge_id,
                                           "pool_funder": obj.pool_funder_id,
                                           "bond_contract": obj.bond_contract_id,
                                           "bond_investor": obj.bond_investment_id}
        return subjects.get(obj.kind)

    def get_pdf_url(self, obj: Statement) -> str | None:
        if obj.state != Statement.State.READY:
            return None
        return reverse("statement-pdf", kwargs={"pk": obj.pk})


# The window of statement and export periods (core.dates.check_period), for the API docs.
PERIOD = ("A period (not for a receipt, a subsidy run statement, a fee receipt, a contest report, a campaign "
          "settlement statement, a pledge receipt, a matching fund use statement or a social impact bond statement) "
          "runs from 2000-01-01 at the earliest to today at the latest, in order, ten years at most; out of it is a "
          "400 naming the field.")


class StatementRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Statement.Kind.choices)
    subject = IdField(help_text="The loan, enterprise, fund, repayment, interest subsidy run, guarantee program, "
                      "guarantee fee bill, contest, campaign (a campaign settlement statement), pledge (a pledge "
                      "receipt), pool funder, social impact bond contract or investment (a bond investor "
                      "statement) id, by the kind.")
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


class DownloadFilterSerializer(serializers.Serializer):
    statement = IdField(required=False, help_text="Only the downloads of this statement (its id).")
