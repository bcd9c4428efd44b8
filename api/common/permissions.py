"""Who may call what: the one permission class of the API, which reads the instruments' access tables.

A view names its instrument's table and the action each of its operations is::

    class LoanViewSet(...):
        permission_classes = [AccessPermission]
        access = funds.access.ACCESS
        access_actions = {"list": "loan.read", "disburse": "loan.disburse", ...}

keyed by the viewset's action (``list``, ``disburse``), or by the lower-case HTTP method for a plain ``APIView``
(``get``). The table decides by role; an enterprise member's reach is narrowed further by the view's queryset and
the services (another enterprise's object is 404). The schema documents a 403 exactly where the table may refuse a
signed-in caller (``api.common.schema``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from enterprises.access import Access
from enterprises.models import User

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass


def actor(request: Request) -> User:
    """The signed-in user (the views' permission classes admit no one else)."""
    return cast(User, request.user)


def access_action(view: Any, method: str) -> str | None:
    """The table's action for ``method`` on ``view``, or None when the view has no such operation (405 follows), or
    for OPTIONS, which describes the view and only the writes the caller may do."""
    operation = getattr(view, "action", None)
    if operation is None and getattr(view, "action_map", None) is None:
        operation = method.lower()  # a plain APIView: its operations are its methods (HEAD is its GET)
        if operation == "head":
            operation = "get"
        if not hasattr(view, operation) or operation == "options":
            return None
    if operation == "metadata":
        # OPTIONS: DRF describes the view, and asks again for each write it would describe, with the request's
        # method set to that write's: that one is checked as the write itself.
        operation = (getattr(view, "action_map", None) or {}).get(method.lower())
    if operation is None:
        return None
    try:
        return cast(str, view.access_actions[operation])
    except (AttributeError, KeyError):
        raise ImproperlyConfigured(
            f"{type(view).__name__}.access_actions names no action for {operation!r}: say who may call it"
        ) from None


def view_access(view: Any) -> Access:
    table = getattr(view, "access", None)
    if not isinstance(table, Access):
        raise ImproperlyConfigured(f"{type(view).__name__}.access must be an instrument's access table")
    return table


class AccessPermission(BasePermission):
    """Signed in, and a role the view's access table allows for this operation's action; or, for an action the
    table declares public (``Allow(public=True)``: a campaign's public page), anyone."""

    # Lazy: DRF turns it into a string when it refuses a request, in the language of that request.
    message = gettext_lazy("Your role may not do this.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            action = access_action(view, request.method) if request.method in ("GET", "HEAD") else None
            return action is not None and view_access(view).public(action)
        action = access_action(view, request.method)
        if action is None:
            return True  # no such operation: let the view answer 405, not "your role may not"
        return view_access(view).allows(request.user, action)


class AccessControlled:
    """Mixed into every view of an API sub-package (before DRF's classes): the one permission class, and the
    table it reads. Each view names the action of each of its operations in ``access_actions``."""

    permission_classes: Sequence[_PermissionClass] = (AccessPermission,)
    access: ClassVar[Access]
    access_actions: ClassVar[Mapping[str, str]]
