"""The audit actions of statements (see ``core.audit.AuditActions``). A statement is always asked for by someone:
a receipt asked for by a repayment is asked for by whoever recorded the repayment."""

from __future__ import annotations

from core.audit import AuditActions

ACTIONS = AuditActions("statements")

STATEMENT_REQUEST = ACTIONS.user("statement.request")
