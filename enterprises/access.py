"""Who may do what: each instrument declares it once, as a table of actions and the roles allowed each.

A table is data that every interface reads: the services (``require``), the API's one permission class and the
schema's documented 403s (``allows``, ``anyone_signed_in``), and the web pages' buttons. It decides by role only;
what an object-level rule adds (an enterprise member reaches only its own enterprise's objects: anything else is
"not found") stays with the selectors and services that load the object.

    ACCESS = Access("funds", {
        "loan.disburse": Allow(Role.FUND_MANAGER, Role.ADMIN),
        "repayment.make": Allow(Role.FUND_MANAGER, Role.ADMIN, members=True),
        "product.read": Allow(signed_in=True),
    })
    ACCESS.require(actor, "loan.disburse")  # raises Forbidden

It lives here, beside the roles, rather than in ``core``: the kernel's base knows no roles (import-linter layers).
This module's own table, ``ACCESS``, covers what the kernel exposes: users, enterprises, institutions and the audit
trail
and its integrity checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from core.errors import Forbidden

from .roles import Role, has_role


@dataclass(frozen=True, init=False)
class Allow:
    """Who may do one action: the staff ``roles`` named; with ``members``, enterprise members too (each only on its
    own enterprise's objects, which the object-level check decides); with ``signed_in``, anyone signed in, even a
    user with no role; with ``public``, anyone at all, signed in or not (a read of what the public may see, such as a
    campaign's page: nothing that changes anything)."""

    roles: frozenset[Role] = field(default_factory=frozenset)
    members: bool = False
    signed_in: bool = False
    public: bool = False

    def __init__(self, *roles: Role, members: bool = False, signed_in: bool = False, public: bool = False) -> None:
        if Role.ENTERPRISE_MEMBER in roles:
            raise ValueError("name enterprise members with members=True, not as a role")
        if (signed_in or public) and (roles or members):
            raise ValueError("signed_in=True or public=True already lets everyone in: name no roles with it")
        if not (roles or members or signed_in or public):
            raise ValueError("an action nobody may do does not belong in the table")
        object.__setattr__(self, "roles", frozenset(roles))
        object.__setattr__(self, "members", members)
        object.__setattr__(self, "signed_in", signed_in or public)
        object.__setattr__(self, "public", public)

    def allowed_roles(self) -> frozenset[Role]:
        """The roles let in (enterprise members as ``Role.ENTERPRISE_MEMBER``); every role when ``signed_in``."""
        if self.signed_in:
            return frozenset(Role)
        return self.roles | ({Role.ENTERPRISE_MEMBER} if self.members else frozenset())


class Access:
    """One instrument's table: action name -> ``Allow``. An action missing from the table is a programming error
    (``KeyError``), never a silent refusal or a silent grant."""

    def __init__(self, name: str, rules: Mapping[str, Allow]) -> None:
        self.name = name
        self._rules = dict(rules)
        for action, rule in self._rules.items():
            if not isinstance(rule, Allow):
                raise TypeError(f"{name}: {action} must be an Allow, not {rule!r}")

    def __repr__(self) -> str:
        return f"Access({self.name!r}, {len(self._rules)} actions)"

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __contains__(self, action: object) -> bool:
        return action in self._rules

    def __len__(self) -> int:
        return len(self._rules)

    def rule(self, action: str) -> Allow:
        try:
            return self._rules[action]
        except KeyError:
            raise KeyError(f"{self.name} has no action {action!r}; known: {', '.join(self._rules)}") from None

    def allows(self, actor: Any, action: str) -> bool:
        """May ``actor`` do ``action``, as far as its roles go? Nobody who is not signed in may do anything but a
        public action."""
        rule = self.rule(action)
        if rule.public:
            return True
        if not getattr(actor, "is_authenticated", False):
            return False
        if rule.signed_in:
            return True
        return has_role(actor, *rule.allowed_roles())

    def require(self, actor: Any, action: str) -> None:
        """Raise ``Forbidden`` unless ``actor`` may do ``action``."""
        if not self.allows(actor, action):
            raise Forbidden(_("Your role may not do this."))

    def roles(self, action: str) -> frozenset[Role]:
        """The roles that may do ``action`` (every role when anyone signed in may)."""
        return self.rule(action).allowed_roles()

    def anyone_signed_in(self, action: str) -> bool:
        return self.rule(action).signed_in

    def public(self, action: str) -> bool:
        """Whether anyone may, signed in or not (no 401)."""
        return self.rule(action).public

    def members_may(self, action: str) -> bool:
        rule = self.rule(action)
        return rule.signed_in or rule.members


STAFF = (Role.FUND_MANAGER, Role.AUDITOR, Role.ADMIN)  # they read everything
MANAGERS = (Role.FUND_MANAGER, Role.ADMIN)  # they change things (an admin counts as a manager)

ACCESS = Access("kernel", {
    "me.read": Allow(signed_in=True),
    # A backer asks for its verification email again (sign-up and the link itself need no sign-in: no action here).
    "email.resend_verification": Allow(Role.BACKER),
    "enterprise.read": Allow(*STAFF, members=True),
    "enterprise.create": Allow(*MANAGERS),
    "enterprise.update": Allow(*MANAGERS),
    "institution.read": Allow(signed_in=True),
    "institution.create": Allow(*MANAGERS),
    "audit.read": Allow(*STAFF),
    "audit.verify": Allow(*STAFF),
    # Run the ledger's or the audit trail's integrity check now (원장 검증, 감사 추적 검증): it changes nothing but
    # its own record of the run, so the auditors may. No API operation: the staff pages call the service.
    "verification.run": Allow(*STAFF),
})
