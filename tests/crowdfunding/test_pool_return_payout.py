"""Paying a settled pool's unspent money back to its funders (반환금 지급), and settling campaigns and pools by hand.

The world is ``test_pool_settlement``'s: funders of 600,000 and 400,000, a campaign that drew 120,000 and 80,000 and
settled; the pool settles on 2026-07-01 and owes back 480,000 and 320,000."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from core.errors import Forbidden, IdempotencyConflict, InvalidState, NotFound, ValidationFailed
from core.models import AuditEvent
from crowdfunding import accounts as chart
from crowdfunding.models import Campaign, CampaignSettlement, MatchingPool, PoolReturn
from crowdfunding.services.campaign_settlement import campaign_settle, payout_record, pool_return_pay, pool_settle
from ledger.models import Journal
from ledger.selectors import ledger_check
from tests.crowdfunding.campaign_factories import CampaignFactory
from tests.factories import AuditorFactory, ManagerFactory

from .settlement_world import AFTER_FUNDING, SETTLE_ON, balance, charged, close
from .test_pool_settlement import settled_world

pytestmark = pytest.mark.django_db
TODAY = date(2026, 7, 6)
PAID_ON = date(2026, 7, 3)


@pytest.fixture
def settled():
    made, matching = settled_world()
    first, second = pool_settle(pool_id=matching.pk, on_date=AFTER_FUNDING)
    return made, matching, first, second


def test_paying_both_returns_and_the_payout_leaves_nothing_owed_or_outgoing(settled):
    made, _matching, first, second = settled
    manager = ManagerFactory()
    first_inst, second_inst = first.funder.institution_id, second.funder.institution_id
    assert balance(made, chart.POOLS_OUTGOING) == 1_000_000  # the campaign's 200,000 and the returns' 800,000

    paid, created = pool_return_pay(return_id=first.pk, paid_on=PAID_ON, actor=manager, idempotency_key="back-1",
                                    on_date=TODAY)
    assert created and paid.paid_on == PAID_ON and paid.paid_journal is not None
    assert balance(made, chart.funder_payable_code(first_inst)) == 0
    assert balance(made, chart.funder_payable_code(second_inst)) == 320_000
    assert balance(made, chart.POOLS_OUTGOING) == 1_000_000 - 480_000
    journal = paid.paid_journal
    assert journal.kind == "pool.return_payout" and journal.effective_date == PAID_ON and journal.actor_id == manager.pk

    pool_return_pay(return_id=second.pk, paid_on=TODAY, actor=manager, idempotency_key="back-2", on_date=TODAY)
    assert balance(made, chart.funder_payable_code(second_inst)) == 0
    assert balance(made, chart.POOLS_OUTGOING) == 200_000  # only the campaign's matches, until its payout
    payout_record(settlement_id=CampaignSettlement.objects.get(campaign=made).pk, paid_on=TODAY, actor=manager,
                  idempotency_key="payout", on_date=TODAY)
    assert balance(made, chart.POOLS_OUTGOING) == 0
    event = AuditEvent.objects.get(action="crowdfunding.pool_return.payout", object_id=str(first.pk))
    assert event.actor_id == manager.pk and event.before["paid_on"] is None and event.after["paid_on"] == "2026-07-03"
    assert ledger_check().ok


def test_the_same_key_gives_the_first_payment_back_and_a_second_payment_is_refused(settled):
    _made, _matching, first, _second = settled
    manager = ManagerFactory()
    paid, _created = pool_return_pay(return_id=first.pk, paid_on=PAID_ON, actor=manager, idempotency_key="back-1",
                                     on_date=TODAY)
    journals = Journal.objects.count()
    again, created = pool_return_pay(return_id=first.pk, paid_on=PAID_ON, actor=manager, idempotency_key="back-1",
                                     on_date=TODAY)
    assert not created and again.paid_journal_id == paid.paid_journal_id and Journal.objects.count() == journals
    with translation.override("en"), pytest.raises(InvalidState) as twice:
        pool_return_pay(return_id=first.pk, paid_on=PAID_ON, actor=manager, idempotency_key="back-2", on_date=TODAY)
    assert twice.value.fields == {"state": ["is paid"]} and "2026-07-03" in str(twice.value)
    with pytest.raises(IdempotencyConflict):
        pool_return_pay(return_id=first.pk, paid_on=PAID_ON, actor=ManagerFactory(), idempotency_key="back-1",
                        on_date=TODAY)
    with pytest.raises(IdempotencyConflict):
        pool_return_pay(return_id=first.pk, paid_on=TODAY, actor=manager, idempotency_key="back-1", on_date=TODAY)
    assert Journal.objects.count() == journals


def test_a_payment_before_the_pool_settled_or_in_the_future_or_by_an_auditor_is_refused(settled):
    made, _matching, first, _second = settled
    manager = ManagerFactory()
    events, journals = AuditEvent.objects.count(), Journal.objects.count()
    for day in (date(2026, 6, 30), date(2026, 7, 7)):
        with pytest.raises(ValidationFailed) as refused:
            pool_return_pay(return_id=first.pk, paid_on=day, actor=manager, idempotency_key="k", on_date=TODAY)
        assert "paid_on" in refused.value.fields
    with pytest.raises(Forbidden):
        pool_return_pay(return_id=first.pk, paid_on=PAID_ON, actor=AuditorFactory(), idempotency_key="k",
                        on_date=TODAY)
    with pytest.raises(NotFound):
        pool_return_pay(return_id=999_999, paid_on=PAID_ON, actor=manager, idempotency_key="k", on_date=TODAY)
    with pytest.raises(ValidationFailed) as no_key:
        pool_return_pay(return_id=first.pk, paid_on=PAID_ON, actor=manager, idempotency_key=" ", on_date=TODAY)
    assert no_key.value.fields
    first.refresh_from_db()
    assert first.paid_on is None and first.paid_journal_id is None
    assert balance(made, chart.funder_payable_code(first.funder.institution_id)) == 480_000
    assert (AuditEvent.objects.count(), Journal.objects.count()) == (events, journals)


def test_the_database_keeps_the_payment_day_and_its_journal_together(settled):
    _made, _matching, first, _second = settled
    for fields in ({"paid_on": PAID_ON}, {"paid_journal": first.journal}):
        with pytest.raises(IntegrityError), transaction.atomic():
            PoolReturn.objects.filter(pk=first.pk).update(**fields)


def test_a_manager_settles_a_campaign_and_a_pool_by_hand_and_an_auditor_may_not():
    made = CampaignFactory(target=100_000)
    charged(made, 100_000)
    close(made, Campaign.State.SUCCEEDED)
    manager, auditor = ManagerFactory(), AuditorFactory()
    with pytest.raises(Forbidden):
        campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON, actor=auditor)
    settlement = campaign_settle(campaign_id=made.pk, on_date=SETTLE_ON, actor=manager)
    assert settlement.campaign.state == Campaign.State.SETTLED
    assert AuditEvent.objects.get(action="crowdfunding.campaign.settle").actor_id == manager.pk
    _other, matching = settled_world()
    with pytest.raises(Forbidden):
        pool_settle(pool_id=matching.pk, on_date=AFTER_FUNDING, actor=auditor)
    returns = pool_settle(pool_id=matching.pk, on_date=AFTER_FUNDING, actor=manager)
    assert [int(r.amount.amount) for r in returns] == [480_000, 320_000]
    matching.refresh_from_db()
    assert matching.state == MatchingPool.State.SETTLED
    assert AuditEvent.objects.get(action="crowdfunding.pool.settle").actor_id == manager.pk
