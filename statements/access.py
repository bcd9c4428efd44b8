"""Who may do what with statements and exports, declared once.

Staff (fund managers, auditors, admins) ask for, read, download and verify every statement; an enterprise member
the loan, enterprise and receipt statements and the guarantee fee receipts of its own enterprise (the services add
that fund, guarantee program and subsidy run statements are for staff only, and that another enterprise's statement
is "not found"); a backer only the receipts of its own charged pledges (anything else: "not found"). The download
log is the auditors' (and admins'); a fund's journal export is for staff.
"""

from __future__ import annotations

from enterprises.access import STAFF, Access, Allow
from enterprises.roles import Role

ACCESS = Access("statements", {
    "statement.read": Allow(*STAFF, Role.BACKER, members=True),
    "statement.request": Allow(*STAFF, Role.BACKER, members=True),
    "statement.download": Allow(*STAFF, Role.BACKER, members=True),
    "statement.verify": Allow(*STAFF, Role.BACKER, members=True),
    "download_log.read": Allow(Role.AUDITOR, Role.ADMIN),
    "journal.export": Allow(*STAFF),
})
