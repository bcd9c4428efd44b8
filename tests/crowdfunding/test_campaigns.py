"""Campaigns before and at launch (``crowdfunding.services.campaigns``): an advanced entry's enterprise drafts its
campaign in the funding phase's dates, edits it and its reward tiers while a draft, and launches it; every rule's
refusal names its field or the state; the public figures (progress, days left, stock left) read right."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from core.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from core.models import AuditEvent
from crowdfunding.models import Campaign, Entry, RewardTier
from crowdfunding.selectors.campaigns import campaigns_visible_to, days_left, progress_percent, reward_lines
from crowdfunding.services import (
    campaign_create,
    campaign_launch,
    campaign_update,
    reward_create,
    reward_delete,
    reward_update,
)
from tests.factories import MembershipFactory

from .campaign_factories import CAMPAIGN_ENDS, FUNDING_STARTS, CampaignFactory, RewardTierFactory
from .factories import FUNDING_ENDS, SCREENING_ENDS, EntryFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 15)  # in screening, its list confirmed


@pytest.fixture(autouse=True)
def english() -> Any:
    """The rules named in the refusals are compared in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def entry() -> Entry:
    return EntryFactory(contest__phase="screening", state=Entry.State.ADVANCED)


@pytest.fixture
def owner(entry):
    return MembershipFactory(enterprise=entry.enterprise).user


def draft(entry: Entry, actor: Any, **overrides: Any) -> Campaign:
    fields = {"title": "동네 빵집 나눔", "story": "지역 농산물로 빵을 굽습니다.", "mode": "aon", "target": "10000000",
              "min_pledge": 5000, "max_per_backer": "1000000", "starts_on": FUNDING_STARTS,
              "ends_on": CAMPAIGN_ENDS, **overrides}
    return campaign_create(entry_id=entry.pk, actor=actor, on_date=TODAY, **fields)


def refused(exc: pytest.ExceptionInfo[Any]) -> dict[str, list[str]]:
    return exc.value.fields


def test_a_member_drafts_edits_adds_rewards_and_launches_its_entrys_campaign(entry, owner):
    campaign = draft(entry, owner)
    assert (campaign.state, campaign.target.amount, campaign.enterprise_id) == ("draft", 10_000_000,
                                                                                entry.enterprise_id)

    campaign_update(campaign_id=campaign.pk, actor=owner, on_date=TODAY, target="12000000", mode="kia")
    reward = reward_create(campaign_id=campaign.pk, actor=owner, on_date=TODAY, title="빵 꾸러미", price="30000",
                           stock=50)
    reward_update(reward_id=reward.pk, actor=owner, on_date=TODAY, stock=40)
    extra = reward_create(campaign_id=campaign.pk, actor=owner, on_date=TODAY, title="감사 카드", price=5000)
    reward_delete(reward_id=extra.pk, actor=owner, on_date=TODAY)
    launched = campaign_launch(campaign_id=campaign.pk, actor=owner, on_date=TODAY)

    launched.refresh_from_db()
    assert (launched.state, launched.mode, launched.target.amount) == ("live", "kia", 12_000_000)
    assert launched.launched_by == owner and launched.launched_at is not None
    assert list(RewardTier.objects.filter(campaign=launched).values_list("title", "stock")) == [("빵 꾸러미", 40)]
    actions = list(AuditEvent.objects.filter(action__startswith="crowdfunding.").order_by("pk")
                   .values_list("action", flat=True))
    assert actions == ["crowdfunding.campaign.create", "crowdfunding.campaign.update", "crowdfunding.reward.create",
                       "crowdfunding.reward.update", "crowdfunding.reward.create", "crowdfunding.reward.delete",
                       "crowdfunding.campaign.launch"]


def test_once_launched_neither_the_campaign_nor_its_rewards_change(entry, owner):
    campaign = draft(entry, owner)
    reward = reward_create(campaign_id=campaign.pk, actor=owner, on_date=TODAY, title="빵", price=30000)
    campaign_launch(campaign_id=campaign.pk, actor=owner, on_date=TODAY)

    for attempt in (lambda: campaign_update(campaign_id=campaign.pk, actor=owner, on_date=TODAY, target=1),
                    lambda: campaign_launch(campaign_id=campaign.pk, actor=owner, on_date=TODAY),
                    lambda: reward_update(reward_id=reward.pk, actor=owner, on_date=TODAY, price=1000),
                    lambda: reward_delete(reward_id=reward.pk, actor=owner, on_date=TODAY)):
        with pytest.raises(InvalidState) as exc:
            attempt()
        assert refused(exc) == {"state": ["is live"]}


def test_a_manager_may_create_a_campaign_and_another_enterprises_member_finds_nothing(entry, manager):
    stranger = MembershipFactory().user
    with pytest.raises(NotFound):
        draft(entry, stranger)
    campaign = draft(entry, manager)
    with pytest.raises(NotFound):
        campaign_update(campaign_id=campaign.pk, actor=stranger, on_date=TODAY, title="x")
    with pytest.raises(NotFound):
        campaign_launch(campaign_id=campaign.pk, actor=stranger, on_date=TODAY)


def test_a_judge_may_not_create_a_campaign(entry, judge):
    with pytest.raises(Forbidden):
        draft(entry, judge)


def test_one_campaign_per_entry(entry, owner):
    draft(entry, owner)
    with pytest.raises(InvalidState) as exc:
        draft(entry, owner)
    assert list(refused(exc)) == ["entry"]


@pytest.mark.parametrize("state", [Entry.State.SUBMITTED, Entry.State.NOT_ADVANCED, Entry.State.WITHDRAWN])
def test_only_an_advanced_entry_runs_a_campaign(state):
    extra = {"eliminated_in": "screening"} if state == Entry.State.NOT_ADVANCED else {}
    entry = EntryFactory(contest__phase="screening", state=state, **extra)
    with pytest.raises(InvalidState) as exc:
        draft(entry, MembershipFactory(enterprise=entry.enterprise).user)
    assert refused(exc) == {"entry": [f"is {state}, not advanced"]}


def test_a_contest_without_a_funding_phase_has_no_campaigns():
    entry = EntryFactory(contest__phase="screening", contest__funding_ends_on=None, state=Entry.State.ADVANCED)
    with pytest.raises(InvalidState) as exc:
        draft(entry, MembershipFactory(enterprise=entry.enterprise).user)
    assert list(refused(exc)) == ["entry"]


@pytest.mark.parametrize("phase", ["call", "final", "awards", "closed"])
def test_campaigns_are_made_only_in_screening_or_funding(phase):
    entry = EntryFactory(contest__phase=phase, state=Entry.State.ADVANCED)
    with pytest.raises(InvalidState) as exc:
        draft(entry, MembershipFactory(enterprise=entry.enterprise).user)
    assert refused(exc) == {"phase": [f"is {phase}"]}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"starts_on": SCREENING_ENDS}, "starts_on"),
    ({"ends_on": date(2026, 7, 1)}, "ends_on"),
    ({"starts_on": date(2026, 5, 2), "ends_on": date(2026, 5, 1)}, "ends_on"),
    ({"starts_on": "2026-13-01"}, "starts_on"),
    ({"target": "0"}, "target"),
    ({"target": 1.5}, "target"),
    ({"min_pledge": "-1"}, "min_pledge"),
    ({"max_per_backer": 1000}, "max_per_backer"),
    ({"mode": "flex"}, "mode"),
    ({"title": "  "}, "title"),
    ({"story": "x" * 20_001}, "story"),
])
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(entry, owner, overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        draft(entry, owner, **overrides)
    assert list(refused(exc)) == [field]
    assert not Campaign.objects.exists() and not AuditEvent.objects.exists()


def test_the_last_day_of_the_funding_phase_is_a_campaigns_last_possible_day(entry, owner):
    campaign = draft(entry, owner, ends_on=FUNDING_ENDS)
    assert campaign.ends_on == FUNDING_ENDS


def test_a_campaign_whose_end_has_passed_is_not_launched(owner, entry):
    campaign = draft(entry, owner, starts_on=date(2026, 4, 21), ends_on=date(2026, 4, 30))
    entry.contest.phase = "funding"
    entry.contest.save()
    with pytest.raises(ValidationFailed) as exc:
        campaign_launch(campaign_id=campaign.pk, actor=owner, on_date=date(2026, 5, 1))
    assert list(refused(exc)) == ["ends_on"]


def test_a_donation_campaign_takes_no_reward_tiers(owner, entry):
    entry.campaign_type = "donation"
    entry.save()
    campaign = draft(entry, owner)
    with pytest.raises(InvalidState) as exc:
        reward_create(campaign_id=campaign.pk, actor=owner, on_date=TODAY, title="빵", price=30000)
    assert list(refused(exc)) == ["campaign_type"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"price": 0}, "price"), ({"stock": 0}, "stock"), ({"stock": True}, "stock"), ({"title": ""}, "title"),
    ({"position": -1}, "position"),
])
def test_a_bad_reward_tier_is_refused_naming_the_field(entry, owner, overrides, field):
    campaign = draft(entry, owner)
    with pytest.raises(ValidationFailed) as exc:
        reward_create(campaign_id=campaign.pk, actor=owner, on_date=TODAY,
                      **{"title": "빵", "price": 30000, **overrides})
    assert list(refused(exc)) == [field]


def test_the_public_figures_of_a_campaign():
    campaign = CampaignFactory(target=3_000_000, pledged=1_000_000, matched=1)
    RewardTierFactory(campaign=campaign, stock=10, claimed=4)
    RewardTierFactory(campaign=campaign, stock=None, claimed=7)

    assert progress_percent(campaign) == Decimal("33.33")
    assert days_left(campaign, date(2026, 6, 10)) == 10
    assert days_left(campaign, CAMPAIGN_ENDS) == 0
    assert days_left(campaign, date(2026, 7, 1)) == 0
    assert [(line.stock, line.remaining) for line in reward_lines(campaign)] == [(10, 6), (None, None)]


def test_drafts_are_seen_only_by_their_enterprises_members_and_staff(auditor, judge):
    live = CampaignFactory()
    hidden = CampaignFactory(state=Campaign.State.DRAFT)
    owner = MembershipFactory(enterprise=hidden.enterprise).user
    stranger = MembershipFactory().user
    assert set(campaigns_visible_to(AnonymousUser())) == {live}
    assert set(campaigns_visible_to(judge)) == {live}
    assert set(campaigns_visible_to(stranger)) == {live}
    assert set(campaigns_visible_to(owner)) == {live, hidden}
    assert set(campaigns_visible_to(auditor)) == {live, hidden}
