"""The audit actions of enterprises, institutions and memberships (see ``core.audit.AuditActions``).

The demo loader registers enterprises, institutions and memberships with no actor, so those may be written by the
system; changing an enterprise's details is always a person's act."""

from __future__ import annotations

from core.audit import AuditActions

ACTIONS = AuditActions("enterprises")

ENTERPRISE_CREATE = ACTIONS.system("enterprise.create")
ENTERPRISE_UPDATE = ACTIONS.user("enterprise.update")
MEMBERSHIP_GRANT = ACTIONS.system("membership.grant")
MEMBERSHIP_UPDATE = ACTIONS.system("membership.update")
INSTITUTION_CREATE = ACTIONS.system("institution.create")
# Backers (후원자) sign up by themselves and verify their email address: each is its own actor.
BACKER_SIGNUP = ACTIONS.user("backer.signup")
BACKER_EMAIL_VERIFY = ACTIONS.user("backer.email_verify")
BACKER_VERIFICATION_RESEND = ACTIONS.user("backer.verification_resend")
