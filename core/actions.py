"""The audit actions of the kernel's base (see ``core.audit.AuditActions``): the integrity checks (원장 검증,
감사 추적 검증). A person asks for a check; its end (passed, failed) is written by the worker, beat or command that
ran it, with no actor."""

from __future__ import annotations

from .audit import AuditActions

ACTIONS = AuditActions("core")

VERIFICATION_REQUEST = ACTIONS.user("verification.request")
VERIFICATION_FINISH = ACTIONS.system("verification.finish")
