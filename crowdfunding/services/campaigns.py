"""Campaigns (펀딩 캠페인) and their reward tiers (리워드), before and at launch.

- ``campaign_create``: an enterprise member of an advanced entry's enterprise (or a manager) drafts the entry's
  campaign, one per entry, in a contest that has a funding phase, while the contest is in screening (its list
  confirmed: the entry advanced) or funding.
- ``campaign_update`` and ``reward_create`` / ``reward_update`` / ``reward_delete``: while the campaign is a draft;
  reward tiers only on a reward campaign (the entry's ``campaign_type``; a donation campaign has none).
- ``campaign_launch``: draft -> live. Mode and target are fixed from then on. Its dates must lie within the funding
  phase (``starts_on`` after ``screening_ends_on``, ``ends_on`` on or before ``funding_ends_on``) and not have passed
  (``ends_on`` >= ``on_date``).

Rows are locked in the order of ``crowdfunding.locks``: the contest (its phase), the entry, the campaign, a reward.
Domain errors: ValidationFailed (400, naming the field), NotFound (another enterprise's campaign too), InvalidState
(409, naming the state or the phase), Forbidden.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.db import transactional
from core.errors import InvalidState, NotFound, ValidationFailed
from core.money import KRW, format_won, won_input
from enterprises.models import User
from enterprises.roles import MANAGERS, has_role, is_member

from ..access import ACCESS
from ..actions import CAMPAIGN_CREATE, CAMPAIGN_LAUNCH, CAMPAIGN_UPDATE, REWARD_CREATE, REWARD_DELETE, REWARD_UPDATE
from ..locks import lock_campaign, lock_contest, lock_entry, lock_reward
from ..models import Campaign, CampaignMode, CampaignType, Contest, Entry, Phase, RewardTier
from .common import fail, require_phase
from .pledges import open_campaign_accounts

MAX_TITLE = 200
MAX_STORY = 20_000
MAX_REWARD_TEXT = 4000
MAX_STOCK = 1_000_000
MAX_REWARDS = 30
# The phases a campaign is prepared and launched in: screening (once its list was confirmed) and funding.
PREPARING = (Phase.SCREENING, Phase.FUNDING)
CAMPAIGN_AUDITED = ["entry", "title", "story", "mode", "target", "min_pledge", "max_per_backer", "starts_on",
                    "ends_on", "state", "launched_at", "launched_by"]
REWARD_AUDITED = ["campaign", "title", "description", "price", "stock", "position"]


class _Keep:
    """An argument not given: the field keeps its value."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


# --- checks --------------------------------------------------------------------------------------------------------


def _text(value: Any, field: str, max_length: int, *, blank: bool = False) -> str:
    text = value.strip() if isinstance(value, str) else None
    if text is None or (not text and not blank) or len(text) > max_length:
        low = 0 if blank else 1
        raise fail(field, _("Bad %(field)s.") % {"field": field},
                   _("text of %(low)s to %(max)s characters") % {"low": low, "max": max_length})
    return text


def _mode(value: Any) -> str:
    if value not in CampaignMode.values:
        raise fail("mode", _("Unknown payment mode."),
                   _("must be one of %(values)s") % {"values": ", ".join(CampaignMode.values)})
    return str(value)


def _date(value: Any, field: str) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, date):
        raise fail(field, _("Bad date for %(field)s.") % {"field": field}, _("a date, YYYY-MM-DD"))
    return value


def _optional_won(value: Any, field: str) -> Decimal | None:
    return None if value is None else won_input(value, field)


def check_amounts(min_pledge: Decimal, max_per_backer: Decimal | None) -> None:
    if max_per_backer is not None and max_per_backer < min_pledge:
        raise fail("max_per_backer", _("The most one backer may pledge is below the smallest pledge."),
                   _("at least min_pledge (%(amount)s)") % {"amount": format_won(min_pledge)})


def check_dates(contest: Contest, starts_on: date, ends_on: date) -> None:
    """The campaign's dates lie within the contest's funding phase, in order. Raises ValidationFailed naming the
    date out of place."""
    if contest.funding_ends_on is None:  # the callers refused such a contest already
        raise fail("ends_on", _("The contest has no crowdfunding phase."), _("the contest has no funding phase"))
    if starts_on <= contest.screening_ends_on:
        raise fail("starts_on", _("A campaign starts in the funding phase, after screening ends on %(date)s.")
                   % {"date": contest.screening_ends_on.isoformat()},
                   _("after %(date)s (screening ends)") % {"date": contest.screening_ends_on.isoformat()})
    if ends_on < starts_on:
        raise fail("ends_on", _("A campaign ends on or after its start."),
                   _("on or after starts_on (%(date)s)") % {"date": starts_on.isoformat()})
    if ends_on > contest.funding_ends_on:
        raise fail("ends_on", _("A campaign ends by the end of the funding phase, %(date)s.")
                   % {"date": contest.funding_ends_on.isoformat()},
                   _("on or before %(date)s (funding ends)") % {"date": contest.funding_ends_on.isoformat()})


def state_error(doing: str, campaign: Campaign) -> InvalidState:
    """InvalidState (409) naming the campaign's state."""
    return InvalidState(_("%(doing)s is not possible: the campaign is %(state)s.")
                        % {"doing": doing, "state": campaign.get_state_display()},
                        fields={"state": [_("is %(state)s") % {"state": campaign.state}]})


def _may_act_for(actor: User, enterprise_id: int) -> bool:
    return has_role(actor, *MANAGERS) or is_member(actor, enterprise_id)


def _campaign_of(actor: User, campaign_id: Any) -> tuple[Contest, Campaign]:
    """The campaign's contest (locked: its phase), then the campaign (locked); one the actor does not act for is
    "not found". Raises NotFound."""
    contest_id = (Campaign.objects.filter(pk=campaign_id).values_list("contest_id", flat=True).first()
                  if isinstance(campaign_id, int) and not isinstance(campaign_id, bool) else None)
    if contest_id is None:
        raise NotFound(_("No such campaign."))
    contest = lock_contest(contest_id)
    campaign = lock_campaign(campaign_id)
    if not _may_act_for(actor, campaign.enterprise_id):
        raise NotFound(_("No such campaign."))
    return contest, campaign


def _draft_of(actor: User, campaign_id: Any, doing: str) -> tuple[Contest, Campaign]:
    contest, campaign = _campaign_of(actor, campaign_id)
    require_phase(contest, *PREPARING, doing=doing)
    if campaign.state != Campaign.State.DRAFT:
        raise state_error(doing, campaign)
    return contest, campaign


def _require_rewards(campaign: Campaign) -> None:
    campaign_type = Entry.objects.filter(pk=campaign.entry_id).values_list("campaign_type", flat=True).get()
    if campaign_type != CampaignType.REWARD:
        raise InvalidState(_("A donation campaign has no reward tiers."),
                           fields={"campaign_type": [_("is %(type)s: no reward tiers") % {"type": campaign_type}]})


# --- campaigns -----------------------------------------------------------------------------------------------------


@transactional
def campaign_create(
    *,
    entry_id: int,
    actor: User,
    title: str,
    story: str,
    mode: str,
    target: Any,
    min_pledge: Any,
    max_per_backer: Any,
    starts_on: Any,
    ends_on: Any,
    on_date: date,
) -> Campaign:
    """Draft the campaign of an advanced entry (one per entry) of a contest with a funding phase, while the contest
    is in screening or funding: title, story, payment mode (all or nothing, or keep it all), target, the smallest
    pledge, the most one backer may pledge (None: no limit), and its dates within the funding phase. By a member of
    the entry's enterprise or a manager. Raises Forbidden, ValidationFailed, NotFound (no such entry; another
    enterprise's), InvalidState (the entry's state, the contest's phase, a campaign already)."""
    del on_date  # no rule reads it; the signature is every service's
    ACCESS.require(actor, "campaign.create")
    values = {"title": _text(title, "title", MAX_TITLE), "story": _text(story, "story", MAX_STORY, blank=True),
              "mode": _mode(mode)}
    goal, smallest = won_input(target, "target"), won_input(min_pledge, "min_pledge")
    most = _optional_won(max_per_backer, "max_per_backer")
    check_amounts(smallest, most)
    start, end = _date(starts_on, "starts_on"), _date(ends_on, "ends_on")
    contest_id = (Entry.objects.filter(pk=entry_id).values_list("contest_id", flat=True).first()
                  if isinstance(entry_id, int) and not isinstance(entry_id, bool) else None)
    if contest_id is None:
        raise NotFound(_("No such contest entry."), fields={"entry": [_("no such entry")]})
    contest = lock_contest(contest_id)
    entry = lock_entry(entry_id)
    if not _may_act_for(actor, entry.enterprise_id):
        raise NotFound(_("No such contest entry."), fields={"entry": [_("no such entry")]})
    if contest.funding_ends_on is None:
        raise InvalidState(_("%(contest)s has no crowdfunding phase.") % {"contest": contest},
                           fields={"entry": [_("its contest has no funding phase")]})
    doing = _("Creating a campaign")
    require_phase(contest, *PREPARING, doing=doing)
    if entry.state != Entry.State.ADVANCED:
        raise InvalidState(_("Only an entry that passed screening runs a campaign; this one is %(state)s.")
                           % {"state": entry.get_state_display()},
                           fields={"entry": [_("is %(state)s, not advanced") % {"state": entry.state}]})
    existing = Campaign.objects.filter(entry=entry).values_list("pk", flat=True).first()
    if existing is not None:
        raise InvalidState(_("This entry has a campaign already (#%(id)s).") % {"id": existing},
                           fields={"entry": [_("has a campaign already (%(id)s)") % {"id": existing}]})
    check_dates(contest, start, end)
    campaign = Campaign.objects.create(
        entry=entry, contest=contest, enterprise_id=entry.enterprise_id, starts_on=start, ends_on=end,
        target=Money(goal, KRW), min_pledge=Money(smallest, KRW),
        max_per_backer=Money(most, KRW) if most is not None else None,
        **values)
    audit_record(actor=actor, action=CAMPAIGN_CREATE, obj=campaign, after=snapshot(campaign, CAMPAIGN_AUDITED))
    return campaign


@transactional
def campaign_update(
    *,
    campaign_id: int,
    actor: User,
    on_date: date,
    title: Any = KEEP,
    story: Any = KEEP,
    mode: Any = KEEP,
    target: Any = KEEP,
    min_pledge: Any = KEEP,
    max_per_backer: Any = KEEP,
    starts_on: Any = KEEP,
    ends_on: Any = KEEP,
) -> Campaign:
    """Edit a draft campaign: the fields given change (the rules of ``campaign_create``), the others keep their
    values (``max_per_backer=None``: no limit). Raises Forbidden, ValidationFailed, NotFound, InvalidState."""
    del on_date
    ACCESS.require(actor, "campaign.update")
    contest, campaign = _draft_of(actor, campaign_id, _("Editing the campaign"))
    before = snapshot(campaign, CAMPAIGN_AUDITED)
    if title is not KEEP:
        campaign.title = _text(title, "title", MAX_TITLE)
    if story is not KEEP:
        campaign.story = _text(story, "story", MAX_STORY, blank=True)
    if mode is not KEEP:
        campaign.mode = _mode(mode)
    if target is not KEEP:
        campaign.target = Money(won_input(target, "target"), KRW)
    if min_pledge is not KEEP:
        campaign.min_pledge = Money(won_input(min_pledge, "min_pledge"), KRW)
    if max_per_backer is not KEEP:
        most = _optional_won(max_per_backer, "max_per_backer")
        campaign.max_per_backer = Money(most, KRW) if most is not None else None
    if starts_on is not KEEP:
        campaign.starts_on = _date(starts_on, "starts_on")
    if ends_on is not KEEP:
        campaign.ends_on = _date(ends_on, "ends_on")
    check_amounts(campaign.min_pledge.amount,
                  campaign.max_per_backer.amount if campaign.max_per_backer is not None else None)
    check_dates(contest, campaign.starts_on, campaign.ends_on)
    after = snapshot(campaign, CAMPAIGN_AUDITED)
    if after == before:
        return campaign
    campaign.save()
    audit_record(actor=actor, action=CAMPAIGN_UPDATE, obj=campaign, before=before, after=after)
    return campaign


@transactional
def campaign_launch(*, campaign_id: int, actor: User, on_date: date) -> Campaign:
    """Draft -> live: from now on backers may pledge (from ``starts_on``), and mode and target are fixed. The
    contest is in screening (its list confirmed) or funding; the campaign's dates lie within the funding phase and
    its end has not passed (``ends_on`` >= ``on_date``). Raises Forbidden, NotFound, InvalidState (the campaign's
    state, the contest's phase), ValidationFailed (a date, naming it)."""
    ACCESS.require(actor, "campaign.launch")
    contest, campaign = _draft_of(actor, campaign_id, _("Launching the campaign"))
    check_dates(contest, campaign.starts_on, campaign.ends_on)
    if campaign.ends_on < on_date:
        raise fail("ends_on", _("The campaign's last day, %(date)s, has passed.")
                   % {"date": campaign.ends_on.isoformat()},
                   _("on or after today (%(date)s)") % {"date": on_date.isoformat()})
    before = snapshot(campaign, CAMPAIGN_AUDITED)
    campaign.state = Campaign.State.LIVE
    campaign.launched_at, campaign.launched_by = timezone.now(), actor
    campaign.save(update_fields=["state", "launched_at", "launched_by", "updated_at"])
    open_campaign_accounts(campaign)
    audit_record(actor=actor, action=CAMPAIGN_LAUNCH, obj=campaign, before=before,
                 after=snapshot(campaign, CAMPAIGN_AUDITED))
    return campaign


# --- reward tiers --------------------------------------------------------------------------------------------------


def _stock(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_STOCK:
        raise fail("stock", _("Bad stock."), _("a whole number from 1 to %(max)s, or null for unlimited")
                   % {"max": MAX_STOCK})
    return value


def _position(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
        raise fail("position", _("Bad position."), _("a whole number from 0 to 1000"))
    return value


def _reward_of(actor: User, reward_id: Any, doing: str) -> tuple[Campaign, RewardTier]:
    campaign_id = (RewardTier.objects.filter(pk=reward_id).values_list("campaign_id", flat=True).first()
                   if isinstance(reward_id, int) and not isinstance(reward_id, bool) else None)
    if campaign_id is None:
        raise NotFound(_("No such reward tier."))
    try:
        _contest, campaign = _draft_of(actor, campaign_id, doing)
    except NotFound:
        raise NotFound(_("No such reward tier.")) from None
    return campaign, lock_reward(reward_id)


@transactional
def reward_create(*, campaign_id: int, actor: User, on_date: date, title: str, price: Any,
                  description: str = "", stock: Any = None, position: Any = 0) -> RewardTier:
    """Add a reward tier to a draft reward campaign: what a pledge of at least ``price`` may claim, ``stock`` of them
    (None: unlimited). At most 30 tiers. Raises Forbidden, ValidationFailed, NotFound, InvalidState (the campaign's
    state; a donation campaign)."""
    del on_date
    ACCESS.require(actor, "reward.write")
    values = {"title": _text(title, "title", MAX_TITLE),
              "description": _text(description, "description", MAX_REWARD_TEXT, blank=True),
              "price": Money(won_input(price, "price"), KRW), "stock": _stock(stock), "position": _position(position)}
    _contest, campaign = _draft_of(actor, campaign_id, _("Adding a reward tier"))
    _require_rewards(campaign)
    if RewardTier.objects.filter(campaign=campaign).count() >= MAX_REWARDS:
        raise ValidationFailed(_("A campaign has at most %(max)s reward tiers.") % {"max": MAX_REWARDS},
                               fields={"campaign": [_("at most %(max)s reward tiers") % {"max": MAX_REWARDS}]})
    reward = RewardTier.objects.create(campaign=campaign, **values)
    audit_record(actor=actor, action=REWARD_CREATE, obj=reward, after=snapshot(reward, REWARD_AUDITED))
    return reward


@transactional
def reward_update(*, reward_id: int, actor: User, on_date: date, title: Any = KEEP, price: Any = KEEP,
                  description: Any = KEEP, stock: Any = KEEP, position: Any = KEEP) -> RewardTier:
    """Edit a reward tier of a draft campaign: the fields given change. Raises Forbidden, ValidationFailed, NotFound,
    InvalidState."""
    del on_date
    ACCESS.require(actor, "reward.write")
    _campaign, reward = _reward_of(actor, reward_id, _("Editing a reward tier"))
    before = snapshot(reward, REWARD_AUDITED)
    if title is not KEEP:
        reward.title = _text(title, "title", MAX_TITLE)
    if description is not KEEP:
        reward.description = _text(description, "description", MAX_REWARD_TEXT, blank=True)
    if price is not KEEP:
        reward.price = Money(won_input(price, "price"), KRW)
    if stock is not KEEP:
        reward.stock = _stock(stock)
    if position is not KEEP:
        reward.position = _position(position)
    after = snapshot(reward, REWARD_AUDITED)
    if after != before:
        reward.save()
        audit_record(actor=actor, action=REWARD_UPDATE, obj=reward, before=before, after=after)
    return reward


@transactional
def reward_delete(*, reward_id: int, actor: User, on_date: date) -> None:
    """Remove a reward tier of a draft campaign (nobody can hold one before launch). Raises Forbidden, NotFound,
    InvalidState."""
    del on_date
    ACCESS.require(actor, "reward.write")
    _campaign, reward = _reward_of(actor, reward_id, _("Removing a reward tier"))
    before = snapshot(reward, REWARD_AUDITED)
    audit_record(actor=actor, action=REWARD_DELETE, obj=reward, before=before)
    reward.delete()
