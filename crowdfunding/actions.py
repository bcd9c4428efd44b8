"""The audit actions of the crowdfunding contests (see ``core.audit.AuditActions``). Opening a contest, recording
its partners' contributions and moving a phase at its date may be done by the system (the demo loader, Celery beat);
the rest are a person's acts."""

from __future__ import annotations

from core.audit import AuditActions

ACTIONS = AuditActions("crowdfunding")

CONTEST_CREATE = ACTIONS.system("contest.create")
CONTEST_PARTNER = ACTIONS.system("contest.partner")  # a partner added, or its pledge changed
CONTEST_CONTRIBUTION = ACTIONS.system("contest.contribution")  # money paid into the joint fund
CONTEST_ADVANCE = ACTIONS.system("contest.advance")  # a phase moved on: by a manager, or by beat at its date
AWARD_TABLE = ACTIONS.system("contest.award_table")

# Entries (참가 신청)
ENTRY_CREATE = ACTIONS.user("entry.create")
ENTRY_UPDATE = ACTIONS.user("entry.update")
ENTRY_SUBMIT = ACTIONS.user("entry.submit")
ENTRY_WITHDRAW = ACTIONS.user("entry.withdraw")

# Judging
ROUND_SETUP = ACTIONS.system("round.setup")  # rubric, panels, aggregation
ROUND_JUDGES = ACTIONS.system("round.judges")  # judges assigned to a panel
ROUND_OPEN = ACTIONS.system("round.open")
ROUND_CLOSE = ACTIONS.user("round.close")
CONFLICT_DECLARE = ACTIONS.user("conflict.declare")
SCORE_RECORD = ACTIONS.user("score.record")
ADVANCE_PREPARE = ACTIONS.user("advance.prepare")
ADVANCE_CONFIRM = ACTIONS.user("advance.confirm")
ADVANCE_CANCEL = ACTIONS.user("advance.cancel")

# Awards (시상) and their settlement (보조금 정산)
AWARD_PREPARE = ACTIONS.user("award.prepare")
AWARD_APPROVE = ACTIONS.user("award.approve")  # approved and reserved out of the joint fund
AWARD_CANCEL = ACTIONS.user("award.cancel")
TRANCHE_PAY = ACTIONS.user("tranche.pay")
SPENDING_ADD = ACTIONS.user("tranche.spending")
TRANCHE_REPORT = ACTIONS.user("tranche.report")
TRANCHE_SETTLE = ACTIONS.user("tranche.settle")
TRANCHE_RETURN = ACTIONS.user("tranche.return")

# Matching pools (매칭 펀드): set up by a manager (or the demo loader); the quadratic allocation is run by beat
POOL_CREATE = ACTIONS.system("pool.create")
POOL_UPDATE = ACTIONS.user("pool.update")
POOL_FUNDER = ACTIONS.system("pool.funder")  # a funder added to a pool
POOL_FUNDING = ACTIONS.system("pool.funding")  # money a funder paid into a pool
POOL_QUADRATIC = ACTIONS.system("pool.quadratic")  # a quadratic pool shared among its campaigns
# Campaign settlement (캠페인 정산) and payouts: settling is done by beat (or a manager), the rest by people
CAMPAIGN_SETTLE = ACTIONS.system("campaign.settle")
POOL_SETTLE = ACTIONS.system("pool.settle")  # a pool's unspent money owed back to its funders
PAYOUT_RECORD = ACTIONS.user("settlement.payout")  # the bank paid a settled campaign's net payout
POOL_RETURN_PAYOUT = ACTIONS.user("pool_return.payout")  # the bank paid a settled pool's return to its funder
PAYOUT_FILE = ACTIONS.user("payout.download")  # the bank file downloaded: who, which lines, its SHA-256
PAYOUT_ACCOUNT = ACTIONS.user("payout.account")  # an enterprise's bank account for payouts set
# Campaigns (펀딩 캠페인)
CAMPAIGN_CREATE = ACTIONS.user("campaign.create")
CAMPAIGN_UPDATE = ACTIONS.user("campaign.update")
CAMPAIGN_LAUNCH = ACTIONS.user("campaign.launch")
CAMPAIGN_CLOSE = ACTIONS.system("campaign.close")  # its deadline passed: succeeded or failed (beat)
REWARD_CREATE = ACTIONS.user("reward.create")
REWARD_UPDATE = ACTIONS.user("reward.update")
REWARD_DELETE = ACTIONS.user("reward.delete")

# Pledges (후원) and their payments
PLEDGE_CREATE = ACTIONS.user("pledge.create")
PLEDGE_CANCEL = ACTIONS.user("pledge.cancel")  # by the backer, before the deadline: cancelled or refunded
PLEDGE_CHARGE = ACTIONS.system("pledge.charge")  # a succeeded campaign's reserved pledge charged (beat)
PLEDGE_DECLINE = ACTIONS.system("pledge.decline")  # a charge declined: retrying, or cancelled after the last try
PLEDGE_RELEASE = ACTIONS.system("pledge.release")  # a failed campaign's reservation released
PLEDGE_WEBHOOK = ACTIONS.system("pledge.webhook")  # the provider's webhook moved a pledge
