"""Who may enter which area of the pages. Every page inside an area also names its instrument's own action (a loan's
page is ``funds`` ``loan.read``), so this table only says who the areas are for."""

from __future__ import annotations

from enterprises.access import STAFF, Access, Allow
from enterprises.roles import Role

ACCESS = Access("web", {
    "console.open": Allow(*STAFF),  # the staff console: managers, auditors, admins
    "portal.open": Allow(members=True),  # the enterprise portal: members of an enterprise
    "bank.open": Allow(Role.BANK_OFFICER),  # the bank desk: officers of a partner bank, their bank's guarantees
    "judge.open": Allow(Role.JUDGE),  # the judges' desk: the contest entries a judge scores, on a phone too
    "backer.open": Allow(Role.BACKER),  # a backer's own pledges (/my/pledges/) and pledging
    "evaluator.open": Allow(Role.EVALUATOR),  # the evaluators' desk: their institution's bond contracts' results
    "investor.open": Allow(Role.INVESTOR),  # the investors' desk: their institution's bond investments
})
