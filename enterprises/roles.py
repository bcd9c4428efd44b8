"""Roles. Staff roles and backers (citizens who signed up) are Django groups (created by a migration); enterprise
membership is a role of its own.

The checks every service shares are here, once: ``has_role`` and ``require_role`` (Forbidden), ``require_manager``
("must be a fund manager"), and ``is_member`` (acts for an enterprise).
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from core.errors import Forbidden


class Role(StrEnum):
    FUND_MANAGER = "fund_manager"
    AUDITOR = "auditor"
    JUDGE = "judge"
    EVALUATOR = "evaluator"
    BANK_OFFICER = "bank_officer"  # a user of a partner bank (its ``institution``): its own bank's guarantees only
    ENTERPRISE_MEMBER = "enterprise_member"
    ADMIN = "admin"
    BACKER = "backer"  # 후원자: a citizen who signed up by itself to pledge to campaigns; no staff role by that
    INVESTOR = "investor"  # a user of an investing institution (its ``institution``): its own SIB investments only


GROUP_ROLES = (Role.FUND_MANAGER, Role.AUDITOR, Role.JUDGE, Role.EVALUATOR, Role.BANK_OFFICER, Role.BACKER,
               Role.INVESTOR)
MANAGERS = (Role.FUND_MANAGER, Role.ADMIN)  # who sets up, judges and moves money
STAFF_READERS = (Role.FUND_MANAGER, Role.AUDITOR, Role.ADMIN)  # who reads every enterprise's things


def roles_of(user: Any) -> set[Role]:
    """Every role ``user`` holds. Cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_roles_cache", None)
    if cached is not None:
        return cached
    roles = {Role(name) for name in user.groups.values_list("name", flat=True) if name in set(GROUP_ROLES)}
    if user.is_superuser:
        roles.add(Role.ADMIN)
    if user.memberships.exists():
        roles.add(Role.ENTERPRISE_MEMBER)
    user._roles_cache = roles
    return roles


def has_role(user: Any, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def require_role(actor: Any, *roles: Role, message: str) -> None:
    """Forbidden with ``message`` unless ``actor`` holds one of ``roles``: a service's own check, behind the
    interfaces' permissions, so that an admin action or a command cannot skip them."""
    if not has_role(actor, *roles):
        raise Forbidden(message)


def require_manager(actor: Any, message: str | None = None) -> None:
    """Forbidden unless ``actor`` is a fund manager (or an administrator)."""
    require_role(actor, *MANAGERS, message=message or _("Only a fund manager may do this."))


def bank_of(user: Any) -> int | None:
    """The id of the bank ``user`` acts for as a bank officer: its institution, when it holds the role and that
    institution is a bank; None otherwise (a bank officer without a bank sees nothing)."""
    if not has_role(user, Role.BANK_OFFICER) or user.institution_id is None:
        return None
    cached = getattr(user, "_bank_cache", None)
    if cached is None:
        from .models import Institution

        cached = (user.institution_id,) if Institution.objects.filter(
            pk=user.institution_id, kind=Institution.Kind.BANK).exists() else (None,)
        user._bank_cache = cached
    return cached[0]


def _institution_of(user: Any, role: Role, kind: str, cache: str) -> int | None:
    """The id of ``user``'s institution when it holds ``role`` and that institution is of ``kind``; None otherwise."""
    if not has_role(user, role) or user.institution_id is None:
        return None
    cached = getattr(user, cache, None)
    if cached is None:
        from .models import Institution

        cached = (user.institution_id,) if Institution.objects.filter(
            pk=user.institution_id, kind=kind).exists() else (None,)
        setattr(user, cache, cached)
    return cached[0]


def investor_of(user: Any) -> int | None:
    """The id of the investing institution ``user`` acts for as an investor (투자자): its institution, when it holds
    the role and that institution is an investor; None otherwise (an investor without one sees nothing)."""
    return _institution_of(user, Role.INVESTOR, "investor", "_investor_cache")


def evaluator_of(user: Any) -> int | None:
    """The id of the evaluator institution (성과평가기관) ``user`` verifies outcomes for: its institution, when it holds
    the evaluator role and that institution is an evaluator; None otherwise (an evaluator without one sees
    nothing)."""
    return _institution_of(user, Role.EVALUATOR, "evaluator", "_evaluator_cache")


def is_member(user: Any, enterprise_id: int | None) -> bool:
    """Whether ``user`` acts for the enterprise (any role of membership: owner, member, bookkeeper)."""
    if enterprise_id is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.memberships.filter(enterprise_id=enterprise_id).exists())
