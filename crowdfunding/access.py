"""Who may do what with the crowdfunding contests, declared once.

Staff (fund managers, auditors, admins) read everything; managers open contests, add partners and record their
contributions to the joint fund, move phases, set up judging rounds (rubric, panels, judges), close rounds, prepare
and confirm advance lists (four eyes: whoever prepared cannot confirm), prepare and approve awards (four eyes), pay
tranches and settle them. The auditor changes nothing.

Everyone signed in reads a contest's public fields. Enterprise members draft, edit, submit and withdraw their own
enterprise's entries, read them and their awards, and report how an award's tranche was spent. Judges read the
entries of the rounds they judge, declare conflicts and score; they see their own scores only until the round
closes, and its ranking after. What an object-level rule adds (another enterprise's entry, a round the judge does not
sit on: "not found") is for the selectors and services that load the object.

Matching pools (매칭 펀드) are the staff's: managers set a pool up and change its rule while nothing is drawn from it,
add its funders and record the money they pay in; the auditor reads pools and the quadratic funding preview.
Campaigns are read by anyone, signed in or not (their public fields; a draft only by its enterprise's members and
staff); the enterprise's members, or a manager, create, edit and launch their campaign and its reward tiers.
"""

from __future__ import annotations

from enterprises.access import MANAGERS, STAFF, Access, Allow
from enterprises.roles import Role

JUDGE = Role.JUDGE
BACKER = Role.BACKER

ACCESS = Access("crowdfunding", {
    # Contests
    "contest.read": Allow(signed_in=True),  # public fields; staff see the joint fund and everything else
    "contest.create": Allow(*MANAGERS),
    "contest.partner": Allow(*MANAGERS),
    "contest.contribution": Allow(*MANAGERS),
    "contest.advance": Allow(*MANAGERS),
    "fund.read": Allow(*STAFF),  # the joint fund by contributor, reconciled to the ledger
    # Entries (참가 신청)
    "entry.read": Allow(*STAFF, JUDGE, members=True),
    "entry.create": Allow(members=True),
    "entry.update": Allow(members=True),
    "entry.submit": Allow(members=True),
    "entry.withdraw": Allow(members=True),
    # Judging
    "round.read": Allow(*STAFF, JUDGE),
    "round.setup": Allow(*MANAGERS),
    "round.close": Allow(*MANAGERS),
    "score.record": Allow(JUDGE),
    "score.read": Allow(*STAFF, JUDGE),  # a judge: its own, and the ranking after the round closed
    "conflict.declare": Allow(JUDGE),
    "ranking.read": Allow(*STAFF, JUDGE),
    "advance.read": Allow(*STAFF),
    "advance.prepare": Allow(*MANAGERS),
    "advance.confirm": Allow(*MANAGERS),
    # Awards (시상) and their settlement (보조금 정산)
    "award.read": Allow(*STAFF, members=True),
    "award.table": Allow(*MANAGERS),
    "award.prepare": Allow(*MANAGERS),
    "award.approve": Allow(*MANAGERS),
    "award.cancel": Allow(*MANAGERS),
    "tranche.pay": Allow(*MANAGERS),
    "tranche.spending": Allow(members=True),
    "tranche.report": Allow(members=True),
    "tranche.settle": Allow(*MANAGERS),
    "tranche.return": Allow(*MANAGERS),
    # Matching pools (매칭 펀드): staff read them; managers set them up, add their funders and record their money
    "pool.read": Allow(*STAFF),
    "pool.write": Allow(*MANAGERS),
    "pool.fund": Allow(*MANAGERS),
    "preview.read": Allow(*STAFF),  # the quadratic funding preview of a contest
    # Campaign settlements (캠페인 정산) and their payouts: staff read all, members their own campaigns'; managers
    # record a payout; the bank file is for managers and auditors (each download in the audit trail)
    "settlement.read": Allow(*STAFF, members=True),
    "settlement.payout": Allow(*MANAGERS),
    # Settling by hand what the nightly funding run settles (a closed campaign, a pool after its campaigns), and
    # recording that the bank paid a settled pool's unspent money back to its funder (반환금 지급): managers
    "campaign.settle": Allow(*MANAGERS),
    "pool.settle": Allow(*MANAGERS),
    "pool_return.payout": Allow(*MANAGERS),
    "payout.download": Allow(*STAFF),  # a read: the file, each download in the audit trail
    # The enterprise's payout account (정산 계좌): its members and managers set it; staff and its members read it
    "payout_account.read": Allow(*STAFF, members=True),
    "payout_account.write": Allow(*MANAGERS, members=True),
    # Campaigns (펀딩 캠페인): anyone reads a launched campaign's public fields, signed in or not (a draft: its
    # enterprise's members and staff only); the enterprise's members (or a manager) create, edit and launch it.
    "campaign.read": Allow(public=True),
    "campaign.create": Allow(*MANAGERS, members=True),
    "campaign.update": Allow(*MANAGERS, members=True),
    "campaign.launch": Allow(*MANAGERS, members=True),
    "reward.write": Allow(*MANAGERS, members=True),  # reward tiers (리워드) of a draft campaign
    # Pledges (후원): backers pledge and cancel their own; a backer reads its own pledges, staff all, an enterprise's
    # members its campaigns' pledges (the backer's display name only).
    "pledge.create": Allow(BACKER),
    "pledge.read": Allow(*STAFF, BACKER, members=True),
    "pledge.cancel": Allow(BACKER),
})
