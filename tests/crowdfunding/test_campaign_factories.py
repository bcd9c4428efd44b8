import pytest
from tests.crowdfunding.campaign_factories import CampaignFactory, RewardTierFactory, pool, campaign
from crowdfunding.models import Campaign

@pytest.mark.django_db
def test_factories_make_rows():
    c = CampaignFactory()
    assert c.contest_id == c.entry.contest_id and c.contest.phase == "funding" and c.state == "live"
    r = RewardTierFactory(campaign=c)
    p = pool(c.contest, funders=(100, 50))
    assert [f.account.balance.amount for f in p.funders.all()] == [100, 50]
    c2 = campaign(c.contest, state="draft")
    assert c2.contest_id == c.contest_id and c2.launched_at is None
