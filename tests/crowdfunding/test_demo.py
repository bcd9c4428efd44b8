"""The contests' demo (``crowdfunding.demo``, loaded by ``load_demo``): Daegu 2026 in its final with 12 partners, 30
entries, a screening scored by 5 experts, ten finalists, an expert panel and 100 citizen judges; Daegu 2025 closed
with its awards paid and settled; Jeonju's three stages with graduates moving up; a contest in its funding phase
(campaigns live, settled, failed, a draft; pledges through the payment stand-in; three pools; twenty backers); a
ledger that verifies; loading again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from crowdfunding import selectors
from crowdfunding.demo import DAEGU_2025, DAEGU_2026, JEONJU
from crowdfunding.demo_funding import BACKERS, DAEGU_FUNDING, backer_email
from crowdfunding.models import (
    Award,
    AwardTranche,
    Campaign,
    CampaignSettlement,
    Contest,
    Entry,
    MatchingPool,
    Panel,
    PanelJudge,
    Pledge,
    RewardTier,
    Round,
    Score,
)
from crowdfunding.selectors.matching import quadratic_preview
from enterprises.models import User
from ledger.models import Journal

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(settings, payment_provider):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEMO_EXTENSIONS = ["crowdfunding.demo.load"]  # the other instruments' demos have their own tests
    call_command("load_demo", password="pw-demo-1", stdout=StringIO())
    return Contest.objects.get(code=DAEGU_2026)


def check_the_daegu_contest_is_in_its_final_with_what_the_issue_names(loaded):
    assert loaded.phase == "final"
    assert loaded.partners.count() == 12
    assert loaded.entries.count() == 30 and loaded.entries.filter(state="withdrawn").count() == 1
    screening = Round.objects.get(contest=loaded, kind="screening")
    assert screening.state == "closed"
    assert PanelJudge.objects.filter(round=screening).count() == 5
    assert loaded.entries.filter(state__in=["advanced"]).count() == 10
    final = Round.objects.get(contest=loaded, kind="final")
    assert final.state == "open"
    panels = {panel.kind: panel for panel in Panel.objects.filter(round=final)}
    assert panels["expert"].weight == 70 and panels["citizen"].weight == 30
    assert PanelJudge.objects.filter(panel=panels["citizen"]).count() == 100
    # judge.choi (expert) still has entries to score; 60 citizens have scored every finalist.
    choi = User.objects.get(username="judge.choi")
    queue = selectors.judge_queue(choi)
    assert queue and any(item for item in queue)
    assert Score.objects.filter(panel=panels["citizen"]).values("judge").distinct().count() == 60


def check_last_years_contest_is_closed_with_its_awards_paid_and_settled(loaded):
    last = Contest.objects.get(code=DAEGU_2025)
    assert last.phase == "closed"
    awards = Award.objects.filter(contest=last).exclude(state="cancelled")
    assert awards.count() == 6
    assert Award.objects.filter(contest=last, state="cancelled").count() == 1  # prepared too low, then redone
    assert all(award.approved_by_id not in (None, award.prepared_by_id) for award in awards)
    assert AwardTranche.objects.filter(award__contest=last, number=1, state="closed").count() == 6
    assert AwardTranche.objects.filter(award__contest=last, number=2, state="paid").count() == 6
    returned = AwardTranche.objects.filter(award__contest=last, number=1, unspent__gt=0).get()
    assert returned.unspent.amount == 1_250_000 and returned.return_journal_id is not None
    fund = selectors.contest_fund(last)
    assert fund.reconciled


def check_jeonju_graduates_move_up_and_only_they_enter_stage_three(loaded):
    stages = {c.stage: c for c in Contest.objects.filter(code__startswith=JEONJU)}
    assert set(stages) == {1, 2, 3}
    assert stages[3].phase == "call" and stages[3].previous_stage == stages[2]
    winners = set(Award.objects.filter(contest=stages[2], state__in=["approved", "settled"])
                  .values_list("entry__enterprise_id", flat=True))
    assert len(winners) == 2
    entered = set(Entry.objects.filter(contest=stages[3]).values_list("enterprise_id", flat=True))
    assert entered == winners
    assert set(Award.objects.filter(contest=stages[1]).values_list("entry__enterprise_id", flat=True)) >= winners


def check_the_funding_contest_shows_campaigns_in_every_state_with_figures_that_reconcile(loaded, provider):
    contest = Contest.objects.get(code=DAEGU_FUNDING)
    assert contest.phase == "funding"
    campaigns = {c.state: [] for c in Campaign.objects.filter(contest=contest)}
    for campaign in Campaign.objects.filter(contest=contest).order_by("pk"):
        campaigns[campaign.state].append(campaign)
    assert {state: len(found) for state, found in campaigns.items()} == {"live": 3, "settled": 2, "draft": 1}
    assert {c.mode for c in campaigns["live"]} == {"aon", "kia"}
    # Each campaign's counters are the sum of its live pledges (charged ones for ``charged``).
    for campaign in Campaign.objects.filter(contest=contest):
        live = Pledge.objects.filter(campaign=campaign, state__in=["reserved", "retrying", "charged"])
        assert campaign.pledged.amount == sum(p.amount.amount for p in live)
        assert campaign.charged.amount == sum(p.amount.amount for p in live if p.state == "charged")
        assert campaign.backers == live.values("backer").distinct().count()
    # A reward sold out, never oversold.
    sold_out = RewardTier.objects.get(campaign__contest=contest)
    assert sold_out.claimed == sold_out.stock == 5
    assert Pledge.objects.filter(reward=sold_out, state="reserved").count() == 5
    # The keep-it-all campaign's pledges were charged at once; one was refunded.
    kia = next(c for c in campaigns["live"] if c.mode == "kia")
    assert set(Pledge.objects.filter(campaign=kia).values_list("state", flat=True)) == {"charged", "refunded"}
    # The campaign that succeeded: the twice-declined card charged on its third day, the declined one cancelled
    # after its fourth attempt; settled with its failed charge. The one that failed: every reservation released.
    won, lost = (CampaignSettlement.objects.get(campaign__contest=contest, succeeded=flag) for flag in (True, False))
    pledges = Pledge.objects.filter(campaign=won.campaign)
    assert sorted(pledges.filter(state="charged").values_list("charge_attempts", flat=True)) == [1] * 6 + [3]
    assert pledges.filter(state="cancelled", charge_attempts=4).count() == 1
    assert won.charged.amount == sum(p.amount.amount for p in pledges.filter(state="charged")) == 2_100_000
    assert won.failed.amount == 100_000
    assert won.net_payout.amount == (won.charged.amount - won.refunded.amount - won.platform_fee.amount
                                     - won.payment_fee.amount + won.matched.amount + won.top_up.amount
                                     + won.quadratic.amount)
    assert set(Pledge.objects.filter(campaign=lost.campaign).values_list("state", flat=True)) == {"released"}
    assert lost.net_payout.amount == 0
    # Three pools, open while the phase lasts; the quadratic one has its preview.
    pools = {pool.rule: pool for pool in MatchingPool.objects.filter(contest=contest)}
    assert set(pools) == {"match", "top_up", "quadratic"} and pools["match"].funders.count() == 2
    preview = quadratic_preview(contest_id=contest.pk, as_of=contest.funding_ends_on)
    assert preview.pools and all(line.match > 0 for pool in preview.pools for line in pool.campaigns)
    assert sum(line.match for line in preview.pools[0].campaigns) + preview.pools[0].leftover == preview.pools[0].pot
    # The backers: verified, with Korean names; each of their billing keys is at the stand-in.
    backers = User.objects.filter(username__in=[backer_email(name) for name, _l, _f in BACKERS])
    assert backers.count() == 20 and not backers.filter(email_verified_at=None).exists()
    assert all(b.check_password("pw-demo-1") for b in backers[:2])
    reserved = Pledge.objects.filter(campaign__contest=contest, state="reserved")
    assert reserved.exists()
    for pledge in reserved[:3]:
        reply = provider.call("POST", f"/v1/billing/{pledge.billing_key}", {
            "customerKey": pledge.customer_key, "amount": 1000, "orderId": f"probe-{pledge.pk}", "orderName": "확인"})
        assert reply.body["status"] == "DONE"


def check_the_ledger_verifies_and_loading_again_changes_nothing(loaded):
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "every account agrees" in out.getvalue()
    journals, scores = Journal.objects.count(), Score.objects.count()
    call_command("load_demo", password="pw-demo-1", stdout=StringIO())
    assert (Journal.objects.count(), Score.objects.count()) == (journals, scores)


def test_the_demo_has_every_contest_the_issue_names_and_loading_it_again_changes_nothing(loaded, payment_provider):
    """One test, as loading the demo scores about 1,300 times: each check is a function above."""
    check_the_daegu_contest_is_in_its_final_with_what_the_issue_names(loaded)
    check_last_years_contest_is_closed_with_its_awards_paid_and_settled(loaded)
    check_jeonju_graduates_move_up_and_only_they_enter_stage_three(loaded)
    check_the_funding_contest_shows_campaigns_in_every_state_with_figures_that_reconcile(loaded, payment_provider)
    check_the_ledger_verifies_and_loading_again_changes_nothing(loaded)
