"""Writes to enterprises and institutions. Each change is one transaction with its audit event."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.audit import audit_record, snapshot
from core.errors import NotFound, ValidationFailed

from .models import Enterprise, Institution, Membership, User
from .validators import normalize_business_number, normalize_corporate_number

ENTERPRISE_FIELDS = (
    "name",
    "kind",
    "business_number",
    "corporate_number",
    "representative",
    "province",
    "district",
    "address",
    "certified_on",
    "certification_expires_on",
    "employees",
    "vulnerable_employees",
    "founded_on",
    "phone",
    "email",
)


def _clean_enterprise(enterprise: Enterprise) -> None:
    """Normalise the registration numbers and run the model's field and constraint checks."""
    errors: dict[str, list[str]] = {}
    try:
        enterprise.business_number = normalize_business_number(enterprise.business_number)
    except ValidationError as exc:
        errors["business_number"] = list(exc.messages)
    if enterprise.corporate_number:
        try:
            enterprise.corporate_number = normalize_corporate_number(enterprise.corporate_number)
        except ValidationError as exc:
            errors["corporate_number"] = list(exc.messages)
    if not errors:
        try:
            enterprise.full_clean(validate_unique=False)
        except ValidationError as exc:
            errors = {
                ("non_field_errors" if field == "__all__" else field): list(messages)
                for field, messages in exc.message_dict.items()
            }
    if not errors:
        duplicate = Enterprise.objects.filter(business_number=enterprise.business_number)
        if enterprise.pk:
            duplicate = duplicate.exclude(pk=enterprise.pk)
        if duplicate.exists():
            errors["business_number"] = ["an enterprise with this business registration number already exists"]
    if errors:
        raise ValidationFailed("The enterprise's data breaks a rule.", fields=errors)


def _save(enterprise: Enterprise) -> None:
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError:
        # A concurrent request registered the same number between our check and our insert.
        raise ValidationFailed(
            "The enterprise's data breaks a rule.",
            fields={"business_number": ["an enterprise with this business registration number already exists"]},
        ) from None


def enterprise_create(*, actor: User, data: dict[str, Any]) -> Enterprise:
    """Register an enterprise. Raises ValidationFailed."""
    unknown = set(data) - set(ENTERPRISE_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", fields={name: ["unknown field"] for name in sorted(unknown)})
    with transaction.atomic():
        enterprise = Enterprise(**data)
        _clean_enterprise(enterprise)
        _save(enterprise)
        audit_record(actor=actor, action="enterprise.create", obj=enterprise, after=snapshot(enterprise))
    return enterprise


def enterprise_update(*, actor: User, enterprise_id: int, data: dict[str, Any], reason: str = "") -> Enterprise:
    """Change an enterprise's details. Raises NotFound, ValidationFailed."""
    unknown = set(data) - set(ENTERPRISE_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", fields={name: ["unknown field"] for name in sorted(unknown)})
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().filter(pk=enterprise_id).first()
        if enterprise is None:
            raise NotFound("No such enterprise.")
        before = snapshot(enterprise)
        for field, value in data.items():
            setattr(enterprise, field, value)
        _clean_enterprise(enterprise)
        _save(enterprise)
        after = snapshot(enterprise)
        changed_before = {k: v for k, v in before.items() if after.get(k) != v}
        changed_after = {k: after[k] for k in changed_before}
        if changed_after:
            audit_record(
                actor=actor,
                action="enterprise.update",
                obj=enterprise,
                before=changed_before,
                after=changed_after,
                reason=reason,
            )
    return enterprise


def membership_grant(*, actor: User | None, user: User, enterprise: Enterprise, role: str) -> Membership:
    """Let ``user`` act for ``enterprise`` (idempotent: an existing membership gets the new role)."""
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, enterprise=enterprise, defaults={"role": role})
        if not created and membership.role != role:
            before = snapshot(membership)
            membership.role = role
            membership.save(update_fields=["role"])
            audit_record(actor=actor, action="membership.update", obj=membership, before=before, after=snapshot(membership))
        elif created:
            audit_record(actor=actor, action="membership.grant", obj=membership, after=snapshot(membership))
    return membership


def institution_create(*, actor: User, data: dict[str, Any]) -> Institution:
    """Register a partner institution. Raises ValidationFailed."""
    with transaction.atomic():
        institution = Institution(**data)
        if institution.business_number:
            try:
                institution.business_number = normalize_business_number(institution.business_number)
            except ValidationError as exc:
                raise ValidationFailed("Invalid institution.", fields={"business_number": exc.messages}) from None
        try:
            institution.full_clean()
        except ValidationError as exc:
            raise ValidationFailed("Invalid institution.", fields=exc.message_dict) from None
        institution.save()
        audit_record(actor=actor, action="institution.create", obj=institution, after=snapshot(institution))
    return institution
