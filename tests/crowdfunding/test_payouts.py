"""Paying settled campaigns out: the bank file (CSV, XLSX), recording a payout, the enterprise's payout account."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import translation
from openpyxl import load_workbook

from core.errors import Forbidden, IdempotencyConflict, InvalidState, NotFound, ValidationFailed
from core.models import AuditEvent
from crowdfunding import accounts as chart
from crowdfunding.models import Campaign, PayoutAccount, Pledge
from crowdfunding.services.campaign_settlement import (
    campaign_settle,
    payout_account_set,
    payout_file,
    payout_record,
)
from ledger.selectors import ledger_check
from tests.crowdfunding.campaign_factories import CampaignFactory, campaign, pool
from tests.factories import AuditorFactory, ManagerFactory, MembershipFactory, UserFactory

from .settlement_world import SETTLE_ON, balance, charged, close, matched, pledge

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fees")]
PAID_ON = date(2026, 7, 3)
TODAY = date(2026, 7, 6)


@pytest.fixture
def fees():
    with override_settings(CROWDFUNDING_PLATFORM_FEE_RATE=Decimal("0.05"),
                           CROWDFUNDING_PAYMENT_FEE_RATE=Decimal("0.025"), CROWDFUNDING_FEE_UNIT=1):
        yield


@pytest.fixture
def world():
    """Two settled campaigns of one contest: "bakery" (200,000 charged + a 30,000 match: net 200,000 - 10,000 -
    5,000 + 30,000 = 215,000) whose enterprise gave its bank account, and "farm" (100,000 charged: net 92,500)
    whose enterprise did not; a failed one (net 0) and another contest's settled campaign are not in its file."""
    bakery = CampaignFactory(target=100_000, title="=동네 빵집")
    matching = pool(bakery.contest, funders=(100_000,))
    matched(matching, bakery, 30_000, of=charged(bakery, 200_000))
    farm = campaign(bakery.contest, target=100_000, title="도시 농부")
    charged(farm, 100_000)
    failed = campaign(bakery.contest, target=100_000)
    pledge(failed, 10_000, Pledge.State.RELEASED)
    elsewhere = CampaignFactory(target=100_000)
    charged(elsewhere, 100_000)
    for made, state in ((bakery, "succeeded"), (farm, "succeeded"), (failed, "failed"), (elsewhere, "succeeded")):
        close(made, state)
    settled = {name: campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON)
               for name, made in (("bakery", bakery), ("farm", farm), ("failed", failed), ("elsewhere", elsewhere))}
    PayoutAccount.objects.create(enterprise=bakery.enterprise, bank="004", account_number="01234567890123",
                                 holder="동네빵집 협동조합")
    return {"contest": bakery.contest, "bakery": bakery, "farm": farm, **{f"s_{k}": v for k, v in settled.items()}}


def test_the_csv_file_has_a_line_per_settled_campaign_not_yet_paid_and_the_total(world):
    manager = ManagerFactory()
    export = payout_file(contest_id=world["contest"].pk, kind="csv", actor=manager, ip="10.0.0.7", user_agent="t")
    assert export.content_type.startswith("text/csv") and export.body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(export.body.decode("utf-8-sig"))))
    assert rows[1][:10] == ["번호", "정산번호", "캠페인", "기업명", "사업자등록번호", "은행코드", "은행명", "계좌번호",
                            "예금주", "지급액"]
    bakery, farm = rows[2], rows[3]
    assert bakery[1] == f"S{world['s_bakery'].pk}" and bakery[2] == "'=동네 빵집"  # a formula kept as text
    assert bakery[5:10] == ["004", "국민은행", "01234567890123", "동네빵집 협동조합", "215000"]
    assert bakery[11] == ""
    assert farm[3] == world["farm"].enterprise.name and farm[5:10] == ["", "", "", "", "92500"]
    assert farm[11] == "계좌 미등록"
    assert rows[4][0] == "합계" and rows[4][2] == "2건" and rows[4][9] == str(215_000 + 92_500)
    assert len(rows) == 5
    event = AuditEvent.objects.get(action="crowdfunding.payout.download")
    assert event.actor_id == manager.pk and event.after["sha256"] == hashlib.sha256(export.body).hexdigest()
    assert event.after["settlements"] == [world["s_bakery"].pk, world["s_farm"].pk]
    assert event.after["ip"] == "10.0.0.7"


def test_the_xlsx_file_says_the_same_with_amounts_as_numbers(world):
    export = payout_file(contest_id=world["contest"].pk, kind="xlsx", actor=AuditorFactory())
    sheet = load_workbook(io.BytesIO(export.body)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[2][5:10] == ["004", "국민은행", "01234567890123", "동네빵집 협동조합", 215_000]
    assert rows[3][9] == 92_500 and rows[3][11] == "계좌 미등록"
    assert rows[4][0] == "합계" and rows[4][9] == 307_500
    assert export.filename.endswith(".xlsx")


def test_a_payout_recorded_empties_the_payable_and_leaves_the_file(world):
    manager = ManagerFactory()
    settlement, created = payout_record(settlement_id=world["s_bakery"].pk, paid_on=PAID_ON, actor=manager,
                                        idempotency_key="pay-1", on_date=TODAY)
    assert created and settlement.paid_out_on == PAID_ON and settlement.payout_journal is not None
    bakery = world["bakery"]
    assert balance(bakery, chart.campaign_payable_code(bakery.pk)) == 0
    # the outgoing pool money is the farm's 0 and the bakery's 30,000, now paid
    assert balance(bakery, chart.POOLS_OUTGOING) == 0
    again, created_again = payout_record(settlement_id=settlement.pk, paid_on=PAID_ON, actor=manager,
                                         idempotency_key="pay-1", on_date=TODAY)
    assert not created_again and again.payout_journal_id == settlement.payout_journal_id
    with pytest.raises(InvalidState), translation.override("en"):
        payout_record(settlement_id=settlement.pk, paid_on=PAID_ON, actor=manager, idempotency_key="pay-2",
                      on_date=TODAY)
    with pytest.raises(IdempotencyConflict):
        payout_record(settlement_id=settlement.pk, paid_on=PAID_ON, actor=ManagerFactory(), idempotency_key="pay-1",
                      on_date=TODAY)
    rows = list(csv.reader(io.StringIO(payout_file(contest_id=world["contest"].pk, kind="csv",
                                                   actor=manager).body.decode("utf-8-sig"))))
    assert [row[1] for row in rows[2:-1]] == [f"S{world['s_farm'].pk}"]
    assert ledger_check().ok


def test_a_payout_is_refused_before_the_settlement_or_with_nothing_to_pay_or_to_an_auditor(world):
    manager = ManagerFactory()
    with pytest.raises(ValidationFailed) as early:
        payout_record(settlement_id=world["s_farm"].pk, paid_on=date(2026, 6, 24), actor=manager,
                      idempotency_key="k", on_date=TODAY)
    assert "paid_on" in early.value.fields
    with pytest.raises(InvalidState) as nothing:
        payout_record(settlement_id=world["s_failed"].pk, paid_on=PAID_ON, actor=manager, idempotency_key="k",
                      on_date=TODAY)
    assert nothing.value.fields == {"net_payout": ["is 0"]}
    with pytest.raises(Forbidden):
        payout_record(settlement_id=world["s_farm"].pk, paid_on=PAID_ON, actor=AuditorFactory(),
                      idempotency_key="k", on_date=TODAY)
    with pytest.raises(NotFound):
        payout_record(settlement_id=999_999, paid_on=PAID_ON, actor=manager, idempotency_key="k", on_date=TODAY)
    world["s_farm"].refresh_from_db()
    assert world["s_farm"].paid_out_on is None


def test_a_bad_file_type_is_refused_naming_the_field(world):
    with pytest.raises(ValidationFailed) as refused:
        payout_file(contest_id=world["contest"].pk, kind="pdf", actor=ManagerFactory())
    assert "format" in refused.value.fields


def test_a_member_sets_its_enterprises_payout_account_and_no_other():
    made = CampaignFactory()
    member = UserFactory()
    MembershipFactory(user=member, enterprise=made.enterprise)
    account = payout_account_set(enterprise_id=made.enterprise_id, actor=member, bank="088",
                                 account_number="110-123-456789", holder="동네빵집")
    assert (account.bank, account.account_number, account.holder) == ("088", "110123456789", "동네빵집")
    with pytest.raises(ValidationFailed) as bad:
        payout_account_set(enterprise_id=made.enterprise_id, actor=member, bank="088", account_number="12-34",
                           holder="동네빵집")
    assert bad.value.fields == {"account_number": ["10 to 16 digits"]}
    other = CampaignFactory()
    with pytest.raises(NotFound):
        payout_account_set(enterprise_id=other.enterprise_id, actor=member, bank="088",
                           account_number="1101234567", holder="남의 기업")
    assert not PayoutAccount.objects.filter(enterprise=other.enterprise).exists()
    assert Campaign.objects.count() == 2
