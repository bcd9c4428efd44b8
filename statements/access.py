"""Who may do what with statements and exports, declared once.

Staff (fund managers, auditors, admins) ask for, read, download and verify every statement; an enterprise member
the loan, enterprise and receipt statements and the guarantee fee receipts of its own enterprise (the services add
that fund, guarantee program and subsidy run statements are for staff only, and that another enterprise's statement
is "not found"); a backer only the receipts of its own charged pledges (anything else: "not found"); an investor
only the social impact bond investor statements of its own institution (the provider's members have their
contract's bond statement). The download
log is the auditors' (and admins'); a fund's journal export is for staff.
"""

from __future__ import annotations

from enterprises.access import STAFF, Access, Allow
from enterprises.roles import Role

ACCESS = Access("statements", {
    "statement.read": Allow(*STAFF, Role.BACKER, Role.INVESTOR, members=True),
    "statement.request": Allow(*STAFF, Role.BACKER, Role.INVESTOR, members=True),
    "statement.download": Allow(*STAFF, Role.BACKER, Role.INVESTOR, members=True),
    "statement.verify": Allow(*STAFF, Role.BACKER, Role.INVESTOR, members=True),
    "download_log.read": Allow(Role.AUDITOR, Role.ADMIN),
    "journal.export": Allow(*STAFF),
})
