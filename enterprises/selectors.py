"""Reads of enterprises that several callers share."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Enterprise, Institution
from .roles import STAFF_READERS, has_role


def enterprises_visible_to(user: Any) -> QuerySet[Enterprise]:
    """Managers, auditors and admins see every enterprise; a member sees only the ones it belongs to."""
    if not getattr(user, "is_authenticated", False):
        return Enterprise.objects.none()
    if has_role(user, *STAFF_READERS):
        return Enterprise.objects.all()
    return Enterprise.objects.filter(memberships__user=user).distinct()


def institutions_all() -> QuerySet[Institution]:
    return Institution.objects.order_by("name", "id")
