"""Contest writes racing on PostgreSQL: each thread has its own connection, they start together at a barrier, and the
contest's row lock (``crowdfunding.locks``: every write that depends on the phase holds it first) decides.

- The same contribution sent eight times at once is recorded once, in one journal; every caller gets it back.
- Beat and a manager moving a contest into screening at the same moment move it once.
- Eight drafts for one enterprise in one contest at once make one live entry; the others are refused (409).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from core.errors import InvalidState
from crowdfunding import services
from crowdfunding.models import Contest, Entry, JointFundContribution, PhaseChange
from ledger.models import Journal
from tests.concurrency import run_together
from tests.factories import EnterpriseFactory, ManagerFactory, MembershipFactory

from .factories import CALL_CLOSES, ContestFactory, PartnerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 8


def test_the_same_contribution_sent_at_once_is_recorded_once():
    partner = PartnerFactory()
    manager = ManagerFactory()

    results = run_together(CLIENTS, lambda i: services.contribution_record(
        actor=manager, today=date(2026, 2, 20), contest_id=partner.contest_id, partner_id=partner.pk,
        amount=50_000_000, received_on=date(2026, 2, 16), idempotency_key="transfer-0216"))

    assert {contribution.pk for contribution, _created in results} == {JointFundContribution.objects.get().pk}
    assert sorted(created for _contribution, created in results) == [False] * (CLIENTS - 1) + [True]
    assert Journal.objects.filter(book=partner.contest.book).count() == 1


def test_beat_and_a_manager_move_a_contest_into_screening_once():
    contest = ContestFactory(phase="call")
    manager = ManagerFactory()
    day = CALL_CLOSES + timedelta(days=1)

    def work(i: int) -> object:
        if i == 0:
            return services.contests_advance_due(today=day)
        return services.contest_advance(actor=manager, today=day, contest_id=contest.pk, to_phase="screening")

    results = run_together(2, work, expected=(InvalidState,))

    assert Contest.objects.get(pk=contest.pk).phase == "screening"
    assert list(PhaseChange.objects.values_list("from_phase", "to_phase")) == [("call", "screening")]
    beat, by_hand = results
    # Whoever came second found the contest in screening already: beat had nothing to do, the manager a 409.
    assert (beat == [(contest.pk, "screening")]) != isinstance(by_hand, Contest)


def test_drafts_for_one_enterprise_at_once_make_one_live_entry():
    contest = ContestFactory(phase="call")
    enterprise = EnterpriseFactory(province="daegu", district="중구")
    members = [MembershipFactory(enterprise=enterprise).user for _ in range(CLIENTS)]

    results = run_together(CLIENTS, lambda i: services.entry_create(
        actor=members[i], today=date(2026, 3, 10), contest_id=contest.pk, enterprise_id=enterprise.pk,
        title=f"계획 {i}", summary="요약", use_of_funds="설비", target_amount=10_000_000, campaign_type="reward",
        team=[]), expected=(InvalidState,))

    assert Counter(type(result).__name__ for result in results) == {"Entry": 1, "InvalidState": CLIENTS - 1}
    assert Entry.objects.filter(contest=contest, enterprise=enterprise).count() == 1
