"""Audit actions for tests of the audit trail itself, declared under their own namespace ("tests."), so that the
tests write only declared actions, as every service must, without borrowing an app's."""

from __future__ import annotations

from core.audit import AuditAction, AuditActions

TESTS = AuditActions("tests")


def action_for_tests(name: str, *, by_user: bool = False) -> AuditAction:
    """``tests.<name>``: by the system (actor None allowed) unless ``by_user``."""
    return TESTS.user(name) if by_user else TESTS.system(name)
