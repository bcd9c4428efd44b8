"""Settling campaigns and pools by hand, and paying a pool's returns back to its funders, through the real URLs:
``POST /campaigns/{id}/settle/``, ``POST /matching-pools/{id}/settle/`` (the pool's detail lists its returns with
whether each was paid), ``/pool-returns/`` and ``POST /pool-returns/{id}/payout/`` (Idempotency-Key). Managers act,
auditors read, everyone else is refused; each refusal a 4xx naming what is wrong, writing nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.models import AuditEvent
from crowdfunding import accounts as chart
from crowdfunding.models import Campaign, MatchingPool, PoolReturn
from ledger.selectors import ledger_check
from tests.crowdfunding.campaign_factories import CampaignFactory, campaign, pool
from tests.crowdfunding.settlement_world import balance, charged, close, funder_of, matched

from .contest_helpers import get, post, user_of

pytestmark = pytest.mark.django_db
CAMPAIGNS, POOLS, RETURNS = "/api/v1/campaigns/", "/api/v1/matching-pools/", "/api/v1/pool-returns/"


@pytest.fixture
def closed():
    """A pool of two funders (600,000 and 400,000) over one campaign of the standard contest (its funding phase ended
    on 2026-06-30), which drew 120,000 and 80,000 and succeeded: closed, not settled yet."""
    made = CampaignFactory(target=100_000)
    matching = pool(made.contest, funders=(600_000, 400_000))
    first = charged(made, 100_000)
    matched(matching, made, 120_000, of=first, funder=funder_of(matching, 0))
    matched(matching, made, 80_000, of=first, funder=funder_of(matching, 1))
    close(made, Campaign.State.SUCCEEDED)
    return made, matching


def test_a_manager_settles_the_campaign_then_the_pool_and_pays_a_return_once(closed, manager):
    made, matching = closed
    too_early = post(manager, f"{POOLS}{matching.pk}/settle/")
    assert too_early.status_code == 409 and "campaigns" in too_early.json()["fields"]

    settled = post(manager, f"{CAMPAIGNS}{made.pk}/settle/")
    assert settled.status_code == 200
    body = settled.json()
    assert body["campaign"] == made.pk and body["settled_on"] == timezone.localdate().isoformat()
    assert body["matched"] == "200000" and body["paid_out_on"] is None
    assert post(manager, f"{CAMPAIGNS}{made.pk}/settle/").json()["id"] == body["id"]  # settled: the same back

    answer = post(manager, f"{POOLS}{matching.pk}/settle/")
    assert answer.status_code == 200
    detail = answer.json()
    assert detail["state"] == "settled" and detail["settled_on"] == timezone.localdate().isoformat()
    returns = detail["returns"]
    assert [(r["amount"], r["paid"], r["paid_on"]) for r in returns] == [("480000", False, None),
                                                                          ("320000", False, None)]
    first = returns[0]
    path = f"{RETURNS}{first['id']}/payout/"
    today = timezone.localdate().isoformat()
    paid = post(manager, path, {"paid_on": today}, key="give-back-1")
    assert paid.status_code == 200 and paid.json()["paid"] and paid.json()["paid_on"] == today
    again = post(manager, path, {"paid_on": today}, key="give-back-1")
    assert again.status_code == 200 and again.json()["paid_journal"] == paid.json()["paid_journal"]
    twice = post(manager, path, {"paid_on": today}, key="give-back-2")
    assert twice.status_code == 409 and list(twice.json()["fields"]) == ["state"]
    assert balance(made, chart.funder_payable_code(first["institution"])) == 0
    assert balance(made, chart.funder_payable_code(returns[1]["institution"])) == 320_000

    shown = get(manager, f"{POOLS}{matching.pk}/").json()["returns"]
    assert [(r["paid"], r["paid_on"]) for r in shown] == [(True, today), (False, None)]
    unpaid = get(manager, RETURNS, pool=matching.pk, paid="false").json()["results"]
    assert [r["id"] for r in unpaid] == [returns[1]["id"]]
    assert AuditEvent.objects.filter(action="crowdfunding.pool_return.payout").count() == 1
    assert ledger_check().ok


def test_a_payment_without_a_key_or_with_a_bad_date_is_refused_naming_it(closed, manager):
    made, matching = closed
    post(manager, f"{CAMPAIGNS}{made.pk}/settle/")
    post(manager, f"{POOLS}{matching.pk}/settle/")
    found = PoolReturn.objects.filter(funder__pool=matching).order_by("funder__position").first()
    path = f"{RETURNS}{found.pk}/payout/"
    no_key = post(manager, path, {"paid_on": timezone.localdate().isoformat()})
    assert no_key.status_code == 400
    before = post(manager, path, {"paid_on": "2026-06-30"}, key="early")  # the pool settled today
    assert before.status_code == 400 and "paid_on" in before.json()["fields"]
    missing = post(manager, f"{RETURNS}999999/payout/", {"paid_on": "2026-07-01"}, key="missing")
    assert missing.status_code == 404
    found.refresh_from_db()
    assert found.paid_on is None


def test_a_campaign_not_closed_is_refused_with_its_state(manager):
    live = CampaignFactory(target=100_000)
    refused = post(manager, f"{CAMPAIGNS}{live.pk}/settle/")
    assert refused.status_code == 409 and refused.json()["fields"]["state"]
    assert post(manager, f"{CAMPAIGNS}999999/settle/").status_code == 404
    live.refresh_from_db()
    assert live.state == Campaign.State.LIVE


def test_a_pool_of_a_contest_still_in_its_funding_phase_is_refused(manager):
    from .contest_helpers import contest_now

    running = contest_now("funding")
    matching = pool(running, funders=(100_000,))
    campaign(running, state="draft")
    refused = post(manager, f"{POOLS}{matching.pk}/settle/")
    assert refused.status_code == 409 and "on_date" in refused.json()["fields"]
    matching.refresh_from_db()
    assert matching.state == MatchingPool.State.OPEN


@pytest.mark.parametrize(("role", "status"), [
    ("anonymous", 401), ("plain_user", 403), ("judge", 403), ("member", 403), ("auditor", 403),
])
def test_only_managers_settle_or_pay_back(request, closed, role, status):
    made, matching = closed
    user = user_of(request, role)
    events = AuditEvent.objects.count()
    assert post(user, f"{CAMPAIGNS}{made.pk}/settle/").status_code == status
    assert post(user, f"{POOLS}{matching.pk}/settle/").status_code == status
    assert AuditEvent.objects.count() == events
    made.refresh_from_db()
    assert made.state == Campaign.State.SUCCEEDED


def test_auditors_read_the_returns_and_others_do_not(request, closed, manager, auditor, member):
    made, matching = closed
    post(manager, f"{CAMPAIGNS}{made.pk}/settle/")
    post(manager, f"{POOLS}{matching.pk}/settle/")
    found = PoolReturn.objects.filter(funder__pool=matching).first()
    assert get(auditor, f"{RETURNS}{found.pk}/").json()["amount"] in ("480000", "320000")
    assert get(member, RETURNS).status_code == 403
    refused = post(auditor, f"{RETURNS}{found.pk}/payout/", {"paid_on": "2026-07-01"}, key="auditor")
    assert refused.status_code == 403
