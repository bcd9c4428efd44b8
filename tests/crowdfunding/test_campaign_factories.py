"""The campaign factories make what their docstrings say: other tests rely on it."""

import pytest

from tests.crowdfunding.campaign_factories import CampaignFactory, RewardTierFactory, campaign, pool


@pytest.mark.django_db
def test_the_campaign_factories_make_a_live_campaign_its_reward_and_a_funded_pool() -> None:
    made = CampaignFactory()
    assert made.contest_id == made.entry.contest_id
    assert made.contest.phase == "funding" and made.state == "live" and made.entry.state == "advanced"
    reward = RewardTierFactory(campaign=made)
    assert reward.stock == 100 and reward.claimed == 0
    funded = pool(made.contest, funders=(100, 50))
    assert [funder.account.balance.amount for funder in funded.funders.all()] == [100, 50]
    draft = campaign(made.contest, state="draft")
    assert draft.contest_id == made.contest_id and draft.launched_at is None
