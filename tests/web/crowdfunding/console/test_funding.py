"""The console's funding pages through Django's test client: the contest page's funding section (campaigns with
live totals, pools), opening a pool (only the chosen rule's fields are sent; a missing top-up threshold refused
beside the field, nothing written), adding funders, recording a funder's payment (twice with one key: one
payment), the quadratic preview, the funder's statement request, the settlements with the payout file (CSV, XLSX;
each download in the audit trail) and recording a payout (idempotent), the start page's panel. Every page with each
role: managers act, auditors read (a forged POST is 403), members and others are refused the console (403)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEvent
from crowdfunding import services
from crowdfunding.models import MatchingPool, PoolFunder, PoolFunding
from statements.models import Statement
from tests.factories import AuditorFactory, BackerFactory, InstitutionFactory, JudgeFactory, UserFactory
from tests.web.crowdfunding.funding_world import FundingWorld
from tests.web.crowdfunding.portal.world import in_english, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def fw() -> FundingWorld:
    return FundingWorld()


def test_the_contest_page_shows_its_campaigns_live_totals_and_its_pools(fw, client_as):
    live, pool = fw.own_live, fw.pool
    page = text(client_as(fw.manager).get(reverse("web:contest", args=[fw.contest.pk])))
    assert live.title in page and "₩100,000" in page  # the live campaign's pledges
    assert pool.name in page and "₩10,000,000" in page  # the pool's two funders paid in
    assert reverse("web:contest-pool-create", args=[fw.contest.pk]) in page
    auditor_page = text(client_as(AuditorFactory()).get(reverse("web:contest", args=[fw.contest.pk])))
    assert pool.name in auditor_page and reverse("web:contest-pool-create", args=[fw.contest.pk]) not in auditor_page


def test_a_manager_opens_a_top_up_pool_sending_only_its_rules_fields(fw, client_as):
    client = client_as(fw.manager)
    url = reverse("web:contest-pool-create", args=[fw.contest.pk])
    assert client.get(url).status_code == 200
    # The match fields typed before switching the rule to top-up are not sent.
    response = client.post(url, {"name": "목표 채움 펀드", "rule": "top_up", "unit": "10", "factor": "2",
                                 "cap_per_pledge": "50,000", "threshold": "70"})
    pool = MatchingPool.objects.get(name="목표 채움 펀드")
    assert response.status_code == 303 and response["Location"] == reverse("web:matching-pool", args=[pool.pk])
    assert (pool.rule, pool.top_up_threshold_percent, pool.unit, pool.cap_per_pledge) == ("top_up", 70, 10, None)


def test_a_top_up_pool_without_its_threshold_is_refused_beside_the_field(fw, client_as):
    client = in_english(client_as(fw.manager))
    events = AuditEvent.objects.count()
    response = client.post(reverse("web:contest-pool-create", args=[fw.contest.pk]),
                           {"name": "목표 채움 펀드", "rule": "top_up", "unit": "1"})
    assert response.status_code == 400 and "threshold" in response.context["form"].errors
    assert not MatchingPool.objects.exists() and AuditEvent.objects.count() == events


def test_a_manager_adds_a_funder_and_records_its_payment_once_for_one_key(fw, client_as):
    client, pool = client_as(fw.manager), fw.pool
    institution = InstitutionFactory(name="대구신용보증재단")
    response = client.post(reverse("web:matching-pool-funder", args=[pool.pk]),
                           {"institution": institution.pk, "committed": "3,000,000"})
    assert response.status_code == 303
    funder = PoolFunder.objects.get(pool=pool, institution=institution)
    url = reverse("web:pool-funder-fund", args=[funder.pk])
    form = client.get(url).context["form"]
    key = form["idempotency_key"].value()
    data = {"idempotency_key": key, "amount": "2,000,000", "received_on": fw.today.isoformat(), "memo": "1차 입금"}
    assert client.post(url, data).status_code == 303
    assert client.post(url, data).status_code == 303  # a double click
    assert PoolFunding.objects.filter(funder=funder).count() == 1
    page = text(client.get(reverse("web:matching-pool", args=[pool.pk])))
    assert "대구신용보증재단" in page and "₩3,000,000" in page and "₩2,000,000" in page
    assert "₩12,000,000" in page  # paid in: 6,000,000 + 4,000,000 + 2,000,000


def test_a_payment_dated_tomorrow_is_refused_beside_the_date(fw, client_as):
    from datetime import timedelta

    client = in_english(client_as(fw.manager))
    url = reverse("web:pool-funder-fund", args=[fw.funder.pk])
    before = PoolFunding.objects.count()
    response = client.post(url, {"idempotency_key": "web-x", "amount": "1,000",
                                 "received_on": (fw.today + timedelta(days=1)).isoformat()})
    assert response.status_code == 400 and "received_on" in response.context["form"].errors
    assert PoolFunding.objects.count() == before


def test_the_quadratic_preview_and_the_funders_statement(fw, client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client, live = client_as(fw.manager), fw.own_live
    services.pool_create(contest_id=fw.contest.pk, actor=fw.manager, name="이차 매칭 펀드", rule="quadratic")
    page = client.get(reverse("web:contest-matching-preview", args=[fw.contest.pk]))
    assert page.status_code == 200 and "이차 매칭 펀드" in text(page) and live.title in text(page)
    response = client.post(reverse("web:statement-request"), {
        "kind": "pool_funder", "subject_id": fw.funder.pk,
        "next": reverse("web:matching-pool", args=[fw.pool.pk])})
    assert response.status_code == 303
    assert Statement.objects.filter(kind="pool_funder", pool_funder=fw.funder).count() == 1


def test_settlements_the_payout_file_and_a_payout_recorded_once(fw, client_as):
    settlement, client = fw.own_settled, client_as(fw.manager)
    contest = fw.past_contest
    url = reverse("web:contest-settlements", args=[contest.pk])
    page = text(client.get(url))
    assert settlement.campaign.title in page and f"₩{int(settlement.net_payout.amount):,}" in page
    for kind, mime in (("csv", "text/csv"), ("xlsx", "spreadsheetml")):
        download = client.get(reverse("web:contest-payout-file", args=[contest.pk]) + f"?format={kind}")
        assert download.status_code == 200 and mime in download["Content-Type"]
    assert AuditEvent.objects.filter(action="crowdfunding.payout.download").count() == 2
    bad = in_english(client).get(reverse("web:contest-payout-file", args=[contest.pk]) + "?format=pdf")
    assert bad.status_code == 400
    payout = reverse("web:campaign-settlement-payout", args=[settlement.pk])
    key = client.get(payout).context["form"]["idempotency_key"].value()
    data = {"idempotency_key": key, "paid_on": fw.today.isoformat()}
    assert client.post(payout, data).status_code == 303
    assert client.post(payout, data).status_code == 303  # the same key: the first payout back
    settlement.refresh_from_db()
    assert settlement.paid_out_on == fw.today
    again = in_english(client).post(payout, {"idempotency_key": "web-another", "paid_on": fw.today.isoformat()})
    assert again.status_code == 409


def test_the_start_page_panel_lists_payouts_to_record(fw, client_as):
    settlement = fw.own_settled
    page = text(client_as(fw.manager).get(reverse("web:console")))
    assert "funding-panel-h" in page and reverse("web:campaign-settlement-payout", args=[settlement.pk]) in page


def test_an_auditor_reads_and_downloads_but_may_not_act(fw, client_as):
    settlement, auditor = fw.own_settled, client_as(AuditorFactory())
    for url in (reverse("web:matching-pool", args=[fw.pool.pk]),
                reverse("web:contest-matching-preview", args=[fw.contest.pk]),
                reverse("web:contest-settlements", args=[fw.contest.pk]),
                reverse("web:contest-payout-file", args=[fw.contest.pk]) + "?format=csv"):
        assert auditor.get(url).status_code == 200, url
    for url in (reverse("web:contest-pool-create", args=[fw.contest.pk]),
                reverse("web:matching-pool-funder", args=[fw.pool.pk]),
                reverse("web:pool-funder-fund", args=[fw.funder.pk]),
                reverse("web:campaign-settlement-payout", args=[settlement.pk])):
        assert auditor.get(url).status_code == 403, url
        assert auditor.post(url, {"idempotency_key": "web-x", "paid_on": fw.today.isoformat(),
                                  "amount": "1,000", "received_on": fw.today.isoformat()}).status_code == 403
    settlement.refresh_from_db()
    assert settlement.paid_out_on is None


@pytest.mark.parametrize("factory", ["member", JudgeFactory, BackerFactory, UserFactory])
def test_members_and_other_roles_are_refused_the_funding_console(fw, client_as, factory):
    settlement = fw.own_settled
    user = fw.member if factory == "member" else factory()
    client = client_as(user)
    for url in (reverse("web:matching-pool", args=[fw.pool.pk]),
                reverse("web:contest-pool-create", args=[fw.contest.pk]),
                reverse("web:contest-matching-preview", args=[fw.contest.pk]),
                reverse("web:contest-settlements", args=[fw.contest.pk]),
                reverse("web:contest-payout-file", args=[fw.contest.pk]),
                reverse("web:pool-funder-fund", args=[fw.funder.pk]),
                reverse("web:campaign-settlement-payout", args=[settlement.pk])):
        assert client.get(url).status_code == 403, url


def test_an_unknown_pool_or_settlement_is_not_found(fw, client_as):
    client = client_as(fw.manager)
    assert client.get(reverse("web:matching-pool", args=[999999])).status_code == 404
    assert client.get(reverse("web:campaign-settlement-payout", args=[999999])).status_code == 404
    assert client.get(reverse("web:pool-funder-fund", args=[999999])).status_code == 404


# --- settling by hand, changing a pool, paying a pool's return back -------------------------------------------------


def test_a_manager_settles_a_closed_campaign_from_the_settlements_page(fw, client_as):
    closed, client = fw.closed(), client_as(fw.manager)
    settle = reverse("web:campaign-settle", args=[closed.pk])
    page = text(client.get(reverse("web:contest-settlements", args=[fw.past_contest.pk])))
    assert settle in page
    assert client.get(settle).status_code == 200
    response = client.post(settle, {})
    assert response.status_code == 303
    assert response["Location"] == reverse("web:contest-settlements", args=[fw.past_contest.pk])
    closed.refresh_from_db()
    assert closed.state == "settled" and closed.settlement.charged.amount == 500_000
    assert AuditEvent.objects.get(action="crowdfunding.campaign.settle", object_id=str(closed.pk)).actor == fw.manager
    assert settle not in text(client.get(reverse("web:contest-settlements", args=[fw.past_contest.pk])))
    live = in_english(client).post(reverse("web:campaign-settle", args=[fw.other_campaign.pk]), {})
    assert live.status_code == 409 and "deadline has passed" in text(live)


def test_a_manager_changes_a_pool_until_a_match_is_drawn(fw, client_as):
    from tests.crowdfunding import settlement_world as sw

    client, pool = client_as(fw.manager), fw.pool
    edit = reverse("web:matching-pool-edit", args=[pool.pk])
    assert edit in text(client.get(reverse("web:matching-pool", args=[pool.pk])))
    form = client.get(edit).context["form"]
    assert form["name"].value() == "대구 매칭 펀드" and form["rule"].value() == "match"
    response = client.post(edit, {"name": "대구 매칭 펀드 (1:2)", "rule": "match", "unit": "1", "factor": "2",
                                  "cap_per_pledge": "50,000"})
    assert response.status_code == 303 and response["Location"] == reverse("web:matching-pool", args=[pool.pk])
    pool.refresh_from_db()
    assert (pool.name, pool.factor, int(pool.cap_per_pledge.amount)) == ("대구 매칭 펀드 (1:2)", 2, 50_000)
    live = fw.own_live
    sw.matched(pool, live, 10_000, of=live.pledges.first(), on=fw.today)
    assert edit not in text(client.get(reverse("web:matching-pool", args=[pool.pk])))
    refused = in_english(client).post(edit, {"name": "다시", "rule": "match", "unit": "1", "factor": "1"})
    assert refused.status_code == 409
    pool.refresh_from_db()
    assert pool.name == "대구 매칭 펀드 (1:2)"


def test_a_manager_settles_the_pool_and_records_its_return_paid_once(fw, client_as):
    assert fw.own_settled.pk
    client, pool = client_as(fw.manager), fw.past_pool
    pool_page = reverse("web:matching-pool", args=[pool.pk])
    settle = reverse("web:matching-pool-settle", args=[pool.pk])
    assert settle in text(client.get(pool_page))
    assert client.post(settle, {}).status_code == 303
    pool.refresh_from_db()
    assert pool.state == "settled"
    found = pool.funders.get().returns.get()
    assert int(found.amount.amount) == 900_000  # 1,000,000 paid in, 100,000 drawn as a top-up
    pay = reverse("web:pool-return-payout", args=[found.pk])
    page = text(client.get(pool_page))
    assert settle not in page and pay in page and "₩900,000" in page
    key = client.get(pay).context["form"]["idempotency_key"].value()
    data = {"idempotency_key": key, "paid_on": fw.today.isoformat()}
    assert client.post(pay, data).status_code == 303
    assert client.post(pay, data).status_code == 303  # a double click: the first payment back
    found.refresh_from_db()
    assert found.paid_on == fw.today
    assert AuditEvent.objects.filter(action="crowdfunding.pool_return.payout").count() == 1
    assert pay not in text(client.get(pool_page))
    again = in_english(client).post(pay, {"idempotency_key": "web-another", "paid_on": fw.today.isoformat()})
    assert again.status_code == 409


def test_a_return_paid_before_the_pool_settled_is_refused_beside_the_date(fw, client_as):
    from datetime import timedelta

    found, client = fw.pool_return, in_english(client_as(fw.manager))
    response = client.post(reverse("web:pool-return-payout", args=[found.pk]),
                           {"idempotency_key": "web-early", "paid_on": (fw.today - timedelta(days=1)).isoformat()})
    assert response.status_code == 400 and "paid_on" in response.context["form"].errors
    found.refresh_from_db()
    assert found.paid_on is None


def test_an_auditor_sees_the_returns_but_neither_settles_nor_pays(fw, client_as):
    found, auditor = fw.pool_return, client_as(AuditorFactory())
    page = text(auditor.get(reverse("web:matching-pool", args=[fw.past_pool.pk])))
    assert "₩900,000" in page and reverse("web:pool-return-payout", args=[found.pk]) not in page
    for url in (reverse("web:pool-return-payout", args=[found.pk]),
                reverse("web:matching-pool-settle", args=[fw.past_pool.pk]),
                reverse("web:matching-pool-edit", args=[fw.pool.pk]),
                reverse("web:campaign-settle", args=[fw.closed().pk])):
        assert auditor.get(url).status_code == 403, url
        assert auditor.post(url, {"idempotency_key": "web-x", "paid_on": fw.today.isoformat()}).status_code == 403
    found.refresh_from_db()
    assert found.paid_on is None
