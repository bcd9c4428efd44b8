"""Roles. Staff roles are Django groups (created by a migration); enterprise membership is a role of its own."""
from __future__ import annotations

from enum import StrEnum
from typing import Any


class Role(StrEnum):
    FUND_MANAGER = "fund_manager"
    AUDITOR = "auditor"
    JUDGE = "judge"
    EVALUATOR = "evaluator"
    ENTERPRISE_MEMBER = "enterprise_member"
    ADMIN = "admin"


GROUP_ROLES = (Role.FUND_MANAGER, Role.AUDITOR, Role.JUDGE, Role.EVALUATOR)


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
