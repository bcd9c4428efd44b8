"""Who may do what with a special guarantee program (특례보증 사업), declared once.

Staff (fund managers, auditors, admins) read the programs, their position and what was paid into them; managers
(an admin counts as one) open programs and record contributions; the auditor changes nothing.

The services, the API's permissions and the OpenAPI schema's documented 403s read this table.
"""

from __future__ import annotations

from enterprises.access import MANAGERS, STAFF, Access, Allow

ACCESS = Access("guarantees", {
    "program.read": Allow(*STAFF),  # the list and each program's position
    "program.create": Allow(*MANAGERS),
    "contribution.read": Allow(*STAFF),
    "contribution.record": Allow(*MANAGERS),
})
