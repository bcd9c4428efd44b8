"""Shapes of the kernel's requests and responses. Field parsing only: the rules are in the services."""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.common.fields import DateField, WonField
from core.models import AuditEvent
from enterprises.exposure import Exposure, exposure_of
from enterprises.models import Enterprise, Institution, Membership
from enterprises.roles import Role, roles_of
from enterprises.services import ENTERPRISE_FIELDS
from enterprises.validators import format_business_number, format_corporate_number


class InstitutionSerializer(serializers.ModelSerializer):
    business_number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="10 digits, dashes allowed."
    )

    class Meta:
        model = Institution
        fields = ["id", "name", "kind", "business_number", "province", "district", "contact_name", "phone", "email"]
        read_only_fields = ["id"]

    def to_representation(self, instance: Institution) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["business_number"] = format_business_number(instance.business_number) if instance.business_number else ""
        return data


class ExposurePartSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True, help_text="The instrument's key, e.g. funds.")
    # A field named like Field.label: DRF takes declared fields off the class, so only the type checker minds.
    label = serializers.CharField(  # type: ignore[assignment]
        read_only=True, help_text="The instrument's name, in the request's language.")
    amount = WonField(allow_zero=True, read_only=True, help_text="What the enterprise owes under it.")


class ExposureSerializer(serializers.Serializer):
    total = WonField(allow_zero=True, read_only=True, help_text="What the enterprise owes under every instrument.")
    by_instrument = ExposurePartSerializer(source="parts", many=True, read_only=True)


class EnterpriseSerializer(serializers.ModelSerializer):
    business_number = serializers.CharField(
        max_length=20, help_text="사업자등록번호: 10 digits with a valid check digit; dashes allowed (123-45-67890)."
    )
    corporate_number = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="법인등록번호: 13 digits with a valid check digit; dashes allowed (110111-1234567).",
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    exposure = serializers.SerializerMethodField(
        help_text="여신 노출: what the enterprise owes now under each instrument (revolving-fund loans: outstanding "
        "principal of active loans plus principal approved but not paid out), and in all."
    )
    # Dates exactly YYYY-MM-DD, as documented (format: date).
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, models.DateField: DateField}

    class Meta:
        model = Enterprise
        fields = ["id", *ENTERPRISE_FIELDS, "kind_display", "exposure", "created_at", "updated_at"]
        read_only_fields = ["id", "exposure", "created_at", "updated_at"]
        # The columns' range (integer), the same on every database.
        extra_kwargs = {"employees": {"max_value": 2_147_483_647}, "vulnerable_employees": {"max_value": 2_147_483_647}}

    @extend_schema_field(ExposureSerializer)
    def get_exposure(self, enterprise: Enterprise) -> dict[str, Any]:
        """From ``context["exposures"]`` when the view read a page's at once, else read for this one."""
        exposures: dict[int, Exposure] = self.context.get("exposures") or {}
        exposure = exposures.get(enterprise.pk) or exposure_of(enterprise.pk)
        return dict(ExposureSerializer(exposure).data)

    def to_representation(self, instance: Enterprise) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["business_number"] = format_business_number(instance.business_number)
        data["corporate_number"] = (
            format_corporate_number(instance.corporate_number) if instance.corporate_number else ""
        )
        return data


class MembershipSummarySerializer(serializers.ModelSerializer):
    enterprise_id = serializers.IntegerField(source="enterprise.id")
    enterprise_name = serializers.CharField(source="enterprise.name")
    enterprise_kind = serializers.CharField(source="enterprise.kind")

    class Meta:
        model = Membership
        fields = ["enterprise_id", "enterprise_name", "enterprise_kind", "role"]


class InstitutionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "name", "kind"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    email = serializers.EmailField()
    email_verified = serializers.BooleanField(
        help_text="Whether the user opened the link sent to its email address (a backer pledges only then).")
    roles = serializers.SerializerMethodField()
    institution = InstitutionSummarySerializer(allow_null=True)
    enterprises = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=[r.value for r in Role])))
    def get_roles(self, user: Any) -> list[str]:
        return sorted(str(role) for role in roles_of(user))

    @extend_schema_field(MembershipSummarySerializer(many=True))
    def get_enterprises(self, user: Any) -> list[dict[str, Any]]:
        memberships = user.memberships.select_related("enterprise").order_by("enterprise__name")
        return list(MembershipSummarySerializer(memberships, many=True).data)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", help_text="User name of who acted, or 'system'.")
    # Null until the event is sealed into the chain, seconds after the change it records was committed.
    seq = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Place in the hash chain (1, 2, 3, ...); null until sealed."
    )
    prev_hash = serializers.CharField(
        read_only=True, allow_null=True, help_text="SHA-256 of the event before it in the chain; null until sealed."
    )
    hash = serializers.CharField(
        read_only=True, allow_null=True, help_text="SHA-256 of this event and prev_hash; null until sealed."
    )

    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "occurred_at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "reason",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class AuditVerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="True when no event was edited or deleted, nor left unsealed too long.")
    events = serializers.IntegerField(help_text="How many events were checked (the sealed ones).")
    problems = serializers.ListField(child=serializers.CharField())
    pending = serializers.IntegerField(
        help_text="Events recorded but not sealed into the chain yet (normally sealed within seconds of commit); "
        "one left unsealed too long is also a problem."
    )


class SignupSerializer(serializers.Serializer):
    """A backer's own sign-up. Only the shape is checked here; the rules (a valid, unused address; the password
    validators) are the service's, each reported under its field."""

    email = serializers.CharField(max_length=254, help_text="Your email address: also your user name for logging in.")
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False,
                                     help_text="At least 8 characters, not all digits, not a common password.")
    display_name = serializers.CharField(max_length=100, help_text="The name shown on your pledges.")


class SignedUpSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()
    email_verified = serializers.BooleanField()


class VerifyEmailSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500, help_text="The token from the link in the verification email.")


class ResendVerificationSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text="Where the new link was sent.")
