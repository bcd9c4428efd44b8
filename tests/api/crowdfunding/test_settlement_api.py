"""The campaign settlements' endpoints through the real URLs, with each role, including those that must be refused."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from core.models import AuditEvent
from crowdfunding.models import Campaign, CampaignSettlement
from crowdfunding.services.campaign_settlement import campaign_settle
from tests.crowdfunding.campaign_factories import CampaignFactory, campaign
from tests.crowdfunding.settlement_world import SETTLE_ON, charged, close

from .contest_helpers import get, post, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(enterprise):
    """Two settled campaigns of one contest: the member's enterprise's (100,000 charged: net 92,500) and another's
    (200,000 charged: net 185,000)."""
    with override_settings(CROWDFUNDING_PLATFORM_FEE_RATE=Decimal("0.05"),
                           CROWDFUNDING_PAYMENT_FEE_RATE=Decimal("0.025"), CROWDFUNDING_FEE_UNIT=1):
        own = CampaignFactory(target=100_000, entry__enterprise=enterprise, enterprise=enterprise)
        other = campaign(own.contest, target=100_000)
        charged(own, 100_000)
        charged(other, 200_000)
        for made in (own, other):
            close(made, Campaign.State.SUCCEEDED)
        return {"own": campaign_settle(campaign_id=own.pk, on_date=SETTLE_ON),
                "other": campaign_settle(campaign_id=other.pk, on_date=SETTLE_ON), "contest": own.contest}


LIST = "/api/v1/campaign-settlements/"


@pytest.mark.parametrize(("role", "status", "sees"), [
    ("anonymous", 401, None), ("plain_user", 403, None), ("judge", 403, None), ("member", 200, {"own"}),
    ("manager", 200, {"own", "other"}), ("auditor", 200, {"own", "other"}),
])
def test_who_reads_which_settlements(request, settled, role, status, sees):
    response = get(user_of(request, role), LIST)
    assert response.status_code == status
    if sees is not None:
        ids = {row["id"] for row in response.json()["results"]}
        assert ids == {settled[name].pk for name in sees}


def test_a_member_reads_its_own_settlement_and_not_anothers(settled, member):
    own = get(member, f"{LIST}{settled['own'].pk}/")
    assert own.status_code == 200
    body = own.json()
    assert (body["net_payout"], body["platform_fee"], body["currency"]) == ("92500", "5000", "KRW")
    assert get(member, f"{LIST}{settled['other'].pk}/").status_code == 404


def test_a_manager_records_a_payout_with_an_idempotency_key(settled, manager):
    path = f"{LIST}{settled['other'].pk}/payout/"
    today = timezone.localdate().isoformat()
    assert post(manager, path, {"paid_on": today}).status_code == 400  # no Idempotency-Key
    early = post(manager, path, {"paid_on": "2026-06-24"}, key="payout-0")  # before the settlement
    assert early.status_code == 400 and "paid_on" in early.json()["fields"]
    first = post(manager, path, {"paid_on": today}, key="payout-1")
    assert first.status_code == 200, first.json()
    assert first.json()["paid_out_on"] == today
    replay = post(manager, path, {"paid_on": today}, key="payout-1")
    assert replay.status_code == 200 and replay.headers.get("Idempotent-Replayed") == "true"
    assert post(manager, path, {"paid_on": today}, key="payout-2").status_code == 409
    assert CampaignSettlement.objects.get(pk=settled["other"].pk).paid_out_on is not None


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("member", 403), ("auditor", 403),
                                              ("judge", 403)])
def test_others_may_not_record_a_payout(request, settled, role, status):
    response = post(user_of(request, role), f"{LIST}{settled['own'].pk}/payout/",
                    {"paid_on": timezone.localdate().isoformat()}, key="k-1")
    assert response.status_code == status
    assert CampaignSettlement.objects.get(pk=settled["own"].pk).paid_out_on is None


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("member", 403), ("judge", 403),
                                              ("plain_user", 403), ("manager", 200), ("auditor", 200)])
def test_the_payout_file_is_for_managers_and_auditors_and_each_download_is_logged(request, settled, role, status):
    user = user_of(request, role)
    response = get(user, f"/api/v1/contests/{settled['contest'].pk}/payout-file/", format="csv")
    assert response.status_code == status
    downloads = AuditEvent.objects.filter(action="crowdfunding.payout.download")
    if status != 200:
        assert not downloads.exists()
        return
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[9] for row in rows[2:-1]] == ["92500", "185000"] and rows[-1][9] == "277500"
    assert downloads.get().actor_id == user.pk


def test_the_payout_file_as_xlsx_and_a_bad_format(settled, auditor):
    path = f"/api/v1/contests/{settled['contest'].pk}/payout-file/"
    response = get(auditor, path, format="xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[9].value for row in sheet.iter_rows(min_row=3)] == [92_500, 185_000, 277_500]
    bad = get(auditor, path, format="pdf")
    assert bad.status_code == 400 and "format" in bad.json()["fields"]
    assert get(auditor, "/api/v1/contests/999999/payout-file/", format="csv").status_code == 404
