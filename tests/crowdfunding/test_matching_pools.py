"""Setting a matching pool up through the services: its rule checked as a whole, its funders' accounts in the
contest's book, their money in by idempotent journals, the rule fixed once a match is drawn, and the pool's figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.errors import Forbidden, IdempotencyConflict, InvalidState, ValidationFailed
from crowdfunding import accounts as chart
from crowdfunding.models import MatchingPool, PoolFunding
from crowdfunding.selectors import pool_figures
from crowdfunding.services import pool_create, pool_fund, pool_funder_add, pool_update
from ledger.models import Account, Journal
from tests.factories import AuditorFactory, InstitutionFactory, ManagerFactory, UserFactory

from .campaign_factories import CampaignFactory, campaign
from .matching_helpers import cancel, ledger_is_clean, pledge

pytestmark = pytest.mark.django_db
TODAY = date(2026, 5, 2)
IN_ON = date(2026, 4, 30)


@pytest.fixture
def manager():
    return ManagerFactory()


def funded(contest, manager, amounts: tuple[int, ...], **rule) -> MatchingPool:
    made = pool_create(contest_id=contest.pk, actor=manager, name="매칭 펀드", rule=rule.pop("rule", "match"), **rule)
    for number, amount in enumerate(amounts):
        funder = pool_funder_add(pool_id=made.pk, institution_id=InstitutionFactory().pk, committed=amount,
                                 actor=manager)
        pool_fund(funder_id=funder.pk, amount=amount, received_on=IN_ON, actor=manager, today=TODAY,
                  idempotency_key=f"in-{number}")
    return made


def test_a_funder_gets_its_own_no_overdraft_account_in_the_contests_book(manager) -> None:
    live = CampaignFactory()
    made = pool_create(contest_id=live.contest_id, actor=manager, name="매칭", rule="match")
    institution = InstitutionFactory()
    funder = pool_funder_add(pool_id=made.pk, institution_id=institution.pk, committed=500, actor=manager)
    assert funder.account.code == chart.pool_funder_code(made.pk, institution.pk)
    assert funder.account.book_id == live.contest.book_id and funder.account.no_overdraft
    with pytest.raises(ValidationFailed) as twice:
        pool_funder_add(pool_id=made.pk, institution_id=institution.pk, committed=0, actor=manager)
    assert "institution" in twice.value.fields
    second = pool_funder_add(pool_id=made.pk, institution_id=InstitutionFactory().pk, committed=0, actor=manager)
    assert (funder.position, second.position) == (0, 1)


def test_money_in_is_one_journal_and_a_replay_gives_it_back(manager) -> None:
    live = CampaignFactory()
    made = funded(live.contest, manager, (100,))
    funder = made.funders.get()
    journals = Journal.objects.count()
    again = pool_fund(funder_id=funder.pk, amount=100, received_on=IN_ON, actor=manager, today=TODAY,
                      idempotency_key="in-0")
    assert Journal.objects.count() == journals and PoolFunding.objects.filter(funder=funder).count() == 1
    assert again.amount.amount == 100
    with pytest.raises(IdempotencyConflict):
        pool_fund(funder_id=funder.pk, amount=99, received_on=IN_ON, actor=manager, today=TODAY,
                  idempotency_key="in-0")
    with pytest.raises(IdempotencyConflict):
        pool_fund(funder_id=funder.pk, amount=100, received_on=IN_ON, actor=ManagerFactory(), today=TODAY,
                  idempotency_key="in-0")
    contribution = Account.objects.get(code=chart.pool_contribution_code(made.pk, funder.institution_id))
    assert contribution.balance.amount == 100
    ledger_is_clean()


def test_money_in_from_the_future_or_by_the_auditor_is_refused(manager) -> None:
    made = funded(CampaignFactory().contest, manager, (100,))
    funder = made.funders.get()
    with pytest.raises(ValidationFailed) as future:
        pool_fund(funder_id=funder.pk, amount=5, received_on=date(2026, 5, 3), actor=manager, today=TODAY,
                  idempotency_key="later")
    assert "received_on" in future.value.fields
    with pytest.raises(Forbidden):
        pool_fund(funder_id=funder.pk, amount=5, received_on=IN_ON, actor=AuditorFactory(), today=TODAY,
                  idempotency_key="audit")


def test_the_rule_is_fixed_once_a_match_is_drawn(manager) -> None:
    live = CampaignFactory()
    made = funded(live.contest, manager, (1_000,))
    changed = pool_update(pool_id=made.pk, actor=manager, factor="2", cap_per_backer=100)
    assert (changed.factor, changed.cap_per_backer.amount) == (Decimal(2), 100)
    # 2:1 capped at 100 for the backer: a pledge of 80 brings 100
    assert pledge(live, UserFactory(), 80).matched.amount == 100
    with pytest.raises(InvalidState):
        pool_update(pool_id=made.pk, actor=manager, factor="1")


def test_a_quadratic_pool_takes_no_per_pledge_field_and_a_top_up_pool_needs_its_threshold(manager) -> None:
    contest = CampaignFactory().contest
    with pytest.raises(ValidationFailed) as quadratic:
        pool_create(contest_id=contest.pk, actor=manager, name="QF", rule="quadratic", trigger_backers=3)
    assert list(quadratic.value.fields) == ["trigger_backers"]
    with pytest.raises(ValidationFailed) as top_up:
        pool_create(contest_id=contest.pk, actor=manager, name="채움", rule="top_up")
    assert list(top_up.value.fields) == ["threshold"]
    made = pool_create(contest_id=contest.pk, actor=manager, name="채움", rule="top_up", threshold="70")
    assert made.top_up_threshold_percent == 70


def test_the_figures_follow_the_money_and_match_the_ledger(manager) -> None:
    live = CampaignFactory()
    made = funded(live.contest, manager, (100, 50))
    made_pledge = pledge(live, UserFactory(), 100)
    other = campaign(live.contest)
    pledge(other, UserFactory(), 30)
    figures = pool_figures(made)
    # 100 -> 67 + 33; then 30 from 33 and 17 left: 30 x 33/50 = 19.8 -> 19, 30 x 17/50 = 10.2 -> 10, +1 to the first
    assert [(f.paid_in, f.drawn, f.available) for f in figures.funders] == [(100, 87, 13), (50, 43, 7)]
    cancel(made_pledge)
    figures = pool_figures(made)
    assert [(f.drawn, f.available) for f in figures.funders] == [(20, 80), (10, 40)]
    assert (figures.paid_in, figures.drawn, figures.available) == (150, 30, 120)
    ledger_is_clean()
