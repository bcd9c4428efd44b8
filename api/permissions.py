"""Who may call what. Views declare the roles that may read and the roles that may write."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission

from enterprises.roles import Role, has_role

ANYONE_SIGNED_IN = None


class RolePermission(BasePermission):
    """Reads need one of ``view.read_roles``; writes need one of ``view.write_roles``.

    ``ANYONE_SIGNED_IN`` instead of a tuple of roles lets in every signed-in user, even one with no role.
    An enterprise member's reach is narrowed further by the view's queryset (others' objects are 404).
    """

    # Lazy: DRF turns it into a string when it refuses a request, in the language of that request.
    message = gettext_lazy("Your role may not do this.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        roles = view.read_roles if request.method in SAFE_METHODS else view.write_roles
        if roles is ANYONE_SIGNED_IN:
            return True
        return has_role(request.user, *roles)


STAFF_READERS = (Role.FUND_MANAGER, Role.AUDITOR, Role.ADMIN)
MANAGERS = (Role.FUND_MANAGER, Role.ADMIN)
