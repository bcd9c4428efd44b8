"""The audit actions of the pages (see ``core.audit.AuditActions``): a table downloaded as CSV or XLSX (who, which
table, with which filters, how many rows), as every statement download is logged."""

from __future__ import annotations

from core.audit import AuditActions

ACTIONS = AuditActions("web")

TABLE_EXPORT = ACTIONS.user("table.export")
