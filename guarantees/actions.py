"""The audit actions of the special guarantees (see ``core.audit.AuditActions``).

Opening a program and recording its contributions may be done by the system (setup scripts and the demo loader pass
no actor)."""

from __future__ import annotations

from core.audit import AuditActions

ACTIONS = AuditActions("guarantees")

PROGRAM_CREATE = ACTIONS.system("program.create")
PROGRAM_CONTRIBUTION = ACTIONS.system("program.contribution")
