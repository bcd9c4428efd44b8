"""Writes to enterprises and institutions, and the kernel's requests for its integrity checks. Each change is one
transaction with its audit event."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, router, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audit_record, snapshot
from core.db import transactional
from core.errors import NotFound, ValidationFailed
from core.models import VerificationRun
from core.verification import verification_queue

from .access import ACCESS
from .actions import (
    ENTERPRISE_CREATE,
    ENTERPRISE_UPDATE,
    INSTITUTION_CREATE,
    MEMBERSHIP_GRANT,
    MEMBERSHIP_UPDATE,
)
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


# Which field each of the model's constraints is about, so a broken rule is reported under the field a person
# has to change (the database constraint stays the last guard; this only names the field in the message).
_CONSTRAINT_FIELDS = {
    "enterprise_vulnerable_within_employees": "vulnerable_employees",
    "enterprise_certification_expiry_after_start": "certification_expires_on",
    "enterprise_business_number_ten_digits": "business_number",
    "enterprise_corporate_number_thirteen_digits": "corporate_number",
}
# Optional text columns are NOT NULL with "" for empty: a None from a caller means "empty", as in a Django form.
_OPTIONAL_TEXT_FIELDS = ("corporate_number", "address", "phone", "email")
# Lazy: a module constant is built at import, and translated each time it is used, in the language of that request.
_DUPLICATE_NUMBER = gettext_lazy("an enterprise with this business registration number already exists")


def _clean_enterprise(enterprise: Enterprise) -> None:
    """Normalise the registration numbers and run the model's field and constraint checks.

    Every broken rule is reported under the field it is about; only a rule about no single field would land in
    ``non_field_errors``.
    """
    errors: dict[str, list[str]] = {}
    for field in _OPTIONAL_TEXT_FIELDS:
        if getattr(enterprise, field) is None:
            setattr(enterprise, field, "")
    try:
        enterprise.business_number = normalize_business_number(enterprise.business_number)
    except ValidationError as exc:
        errors["business_number"] = list(exc.messages)
    if enterprise.corporate_number:
        try:
            enterprise.corporate_number = normalize_corporate_number(enterprise.corporate_number)
        except ValidationError as exc:
            errors["corporate_number"] = list(exc.messages)
    try:
        # The numbers that failed above are left out, so their validators do not report them twice.
        enterprise.full_clean(exclude=list(errors), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault("non_field_errors" if field == NON_FIELD_ERRORS else field, []).extend(messages)
    # A constraint over a field that is already wrong is skipped (Django raises FieldError for it internally).
    using = router.db_for_write(Enterprise, instance=enterprise)
    for constraint in Enterprise._meta.constraints:
        try:
            constraint.validate(Enterprise, enterprise, exclude=set(errors), using=using)
        except ValidationError as exc:
            field = _CONSTRAINT_FIELDS.get(constraint.name, "non_field_errors")
            errors.setdefault(field, []).extend(exc.messages)
    if not errors:
        duplicate = Enterprise.objects.filter(business_number=enterprise.business_number)
        if enterprise.pk:
            duplicate = duplicate.exclude(pk=enterprise.pk)
        if duplicate.exists():
            errors["business_number"] = [str(_DUPLICATE_NUMBER)]
    if errors:
        raise ValidationFailed(_("The enterprise's data breaks a rule."), fields=errors)


def _save(enterprise: Enterprise) -> None:
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError:
        # A concurrent request registered the same number between our check and our insert. Anything else that
        # the database refused is a bug in the checks above, and is not disguised as a duplicate.
        duplicate = Enterprise.objects.filter(business_number=enterprise.business_number)
        if enterprise.pk:
            duplicate = duplicate.exclude(pk=enterprise.pk)
        if not duplicate.exists():
            raise
        raise ValidationFailed(
            _("The enterprise's data breaks a rule."), fields={"business_number": [str(_DUPLICATE_NUMBER)]}
        ) from None


@transactional
def enterprise_create(*, actor: User | None, data: dict[str, Any]) -> Enterprise:
    """Register an enterprise. ``actor`` is None for a system action (the demo loader). Raises ValidationFailed."""
    unknown = set(data) - set(ENTERPRISE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields."), fields={name: [_("unknown field")] for name in sorted(unknown)})
    enterprise = Enterprise(**data)
    _clean_enterprise(enterprise)
    _save(enterprise)
    audit_record(actor=actor, action=ENTERPRISE_CREATE, obj=enterprise, after=snapshot(enterprise))
    return enterprise


@transactional
def enterprise_update(*, actor: User, enterprise_id: int, data: dict[str, Any], reason: str = "") -> Enterprise:
    """Change an enterprise's details. Raises NotFound, ValidationFailed."""
    unknown = set(data) - set(ENTERPRISE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields."), fields={name: [_("unknown field")] for name in sorted(unknown)})
    enterprise = Enterprise.objects.select_for_update(no_key=True).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFound(_("No such enterprise."))
    before = snapshot(enterprise)
    for field, value in data.items():
        setattr(enterprise, field, value)
    _clean_enterprise(enterprise)
    # updated_at changes on every save, so it alone does not make a change: an update that changes nothing
    # writes nothing, and leaves no audit event.
    proposed = snapshot(enterprise)
    if all(proposed.get(k) == v for k, v in before.items() if k != "updated_at"):
        return enterprise
    _save(enterprise)
    after = snapshot(enterprise)
    changed_before = {k: v for k, v in before.items() if after.get(k) != v}
    changed_after = {k: after[k] for k in changed_before}
    audit_record(
        actor=actor,
        action=ENTERPRISE_UPDATE,
        obj=enterprise,
        before=changed_before,
        after=changed_after,
        reason=reason,
    )
    return enterprise


@transactional
def membership_grant(*, actor: User | None, user: User, enterprise: Enterprise, role: str) -> Membership:
    """Let ``user`` act for ``enterprise`` (idempotent: an existing membership gets the new role)."""
    membership, created = Membership.objects.get_or_create(
        user=user, enterprise=enterprise, defaults={"role": role}
    )
    if not created and membership.role != role:
        before = snapshot(membership)
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            actor=actor, action=MEMBERSHIP_UPDATE, obj=membership, before=before, after=snapshot(membership)
        )
    elif created:
        audit_record(actor=actor, action=MEMBERSHIP_GRANT, obj=membership, after=snapshot(membership))
    return membership


@transactional
def institution_create(*, actor: User | None, data: dict[str, Any]) -> Institution:
    """Register a partner institution. ``actor`` is None for a system action. Raises ValidationFailed."""
    institution = Institution(**data)
    if institution.business_number:
        try:
            institution.business_number = normalize_business_number(institution.business_number)
        except ValidationError as exc:
            raise ValidationFailed(_("Invalid institution."), fields={"business_number": exc.messages}) from None
    try:
        institution.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(_("Invalid institution."), fields=exc.message_dict) from None
    institution.save()
    audit_record(actor=actor, action=INSTITUTION_CREATE, obj=institution, after=snapshot(institution))
    return institution


@transactional
def verification_request(*, actor: User, kind: str) -> VerificationRun:
    """Ask for an integrity check now: ``kind`` "ledger" (원장 검증: every balance recomputed from its entries) or
    "audit" (감사 추적 검증: the hash chain walked). The run is written queued, with its audit event, and its task
    (``ledger.verify``, ``audit.verify``) is handed to the outbox in the same transaction; a worker runs it after
    the commit (without a broker, at once). Staff only (``verification.run``).
    Raises Forbidden, ValidationFailed (unknown kind), InvalidState (a run of this kind is queued or running)."""
    ACCESS.require(actor, "verification.run")
    return verification_queue(actor=actor, kind=kind)
