"""Entries (참가 신청): an enterprise member drafts its enterprise's project during the call (공모), edits and submits
it until the call closes, and may withdraw it until screening (서류심사) ends.

Every write holds the contest's row first (its phase), then the entry (``crowdfunding.locks``). "During the call"
is the contest's phase and its date: the phase is call and ``today`` is not after ``call_closes_on`` (the day
after, beat closes the call; nothing is taken in the minutes between). Withdrawal likewise: the phase is call or
screening and ``today`` is not after ``screening_ends_on``.

An enterprise may enter when the contest admits it (``crowdfunding.selectors.contests.ineligibility``: its kind,
province and district; in a later stage, an award of the stage before); it has one live entry per contest at most
(a withdrawn one does not count).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import AuditAction, audit_record, snapshot
from core.db import transactional
from core.errors import Ineligible, InvalidState, NotFound
from core.inputs import require_reason
from core.money import KRW, format_won, won_input
from enterprises.models import Enterprise, Institution, User
from enterprises.roles import is_member

from ..access import ACCESS
from ..actions import ENTRY_CREATE, ENTRY_SUBMIT, ENTRY_UPDATE, ENTRY_WITHDRAW
from ..locks import lock_contest, lock_entry
from ..models import CampaignType, Contest, ContestPartner, Entry, Phase
from ..selectors.contests import ineligibility, live_entry_of
from .common import fail, require_phase

State = Entry.State
MAX_TEAM = 20
MAX_TEAM_TEXT = 100
MAX_LONG_TEXT = 4000


class _Keep:
    """An argument of ``entry_update`` not given: the field keeps its value."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


# --- checks --------------------------------------------------------------------------------------------------------


def _text(value: Any, field: str, max_length: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > max_length:
        raise fail(field, _("Bad %(field)s.") % {"field": field},
                   _("text of 1 to %(max)s characters") % {"max": max_length})
    return text


def _team(value: Any) -> list[dict[str, str]]:
    """The people on the project: at most 20, each ``{"name": ..., "role": ...}``, both text of 1 to 100
    characters. Raises ValidationFailed naming ``team``."""
    if not isinstance(value, list | tuple):
        raise fail("team", _("The team is a list of people."), _("a list of {name, role}"))
    if len(value) > MAX_TEAM:
        raise fail("team", _("A team lists at most %(max)s people.") % {"max": MAX_TEAM},
                   _("at most %(max)s people") % {"max": MAX_TEAM})
    team = []
    for person in value:
        if not isinstance(person, dict) or set(person) != {"name", "role"} or not all(
                isinstance(person[key], str) and 0 < len(person[key].strip()) <= MAX_TEAM_TEXT
                for key in ("name", "role")):
            raise fail("team", _("Each person on the team has a name and a role."),
                       _("each {name, role}: text of 1 to %(max)s characters, nothing else")
                       % {"max": MAX_TEAM_TEXT})
        team.append({"name": person["name"].strip(), "role": person["role"].strip()})
    return team


def _target(contest: Contest, value: Any) -> Decimal:
    """The target amount, within the contest's range. Raises ValidationFailed naming ``target_amount``."""
    amount = won_input(value, "target_amount")
    low, high = contest.target_min.amount, contest.target_max.amount
    if not low <= amount <= high:
        raise fail("target_amount",
                   _("%(contest)s takes targets from %(min)s to %(max)s.")
                   % {"contest": contest, "min": format_won(low), "max": format_won(high)},
                   _("from %(min)s to %(max)s") % {"min": low, "max": high})
    return amount


def _campaign_type(value: Any) -> str:
    if value not in CampaignType.values:
        raise fail("campaign_type", _("Unknown campaign type."),
                   _("must be one of %(values)s") % {"values": ", ".join(CampaignType.values)})
    return str(value)


def _partner(contest: Contest, value: Any) -> Institution | None:
    """None, or an institution that is a partner of the contest. Raises ValidationFailed naming ``partner``."""
    if value is None:
        return None
    institution_id = value.pk if isinstance(value, Institution) else value
    partner = (ContestPartner.objects.select_related("institution")
               .filter(contest=contest, institution_id=institution_id).first()
               if isinstance(institution_id, int) and not isinstance(institution_id, bool) else None)
    if partner is None:
        raise fail("partner", _("The recommending institution must be a partner of the contest."),
                   _("must be a partner institution of the contest"))
    return partner.institution


def _check_eligible(contest: Contest, enterprise: Enterprise) -> None:
    refusal = ineligibility(contest, enterprise)
    if refusal is not None:
        raise Ineligible(refusal.message, fields={"enterprise": [refusal.rule]})


def _during_call(contest: Contest, today: date, doing: str) -> None:
    """The contest's phase is call and ``today`` is not after the call's last day. Raises InvalidState."""
    require_phase(contest, Phase.CALL, doing=doing)
    if today > contest.call_closes_on:
        raise InvalidState(
            _("%(doing)s is not possible: the call closed on %(date)s.")
            % {"doing": doing, "date": contest.call_closes_on.isoformat()},
            fields={"phase": [_("the call closed on %(date)s") % {"date": contest.call_closes_on.isoformat()}]},
        )


def _entry_of(actor: User, entry_id: int) -> tuple[Contest, Entry]:
    """The entry's contest, then the entry, under their locks; the entry must be one of the actor's enterprises'
    (another's is "not found"). Raises NotFound."""
    contest_id = Entry.objects.filter(pk=entry_id).values_list("contest_id", flat=True).first()
    if contest_id is None:
        raise NotFound(_("No such contest entry."))
    contest = lock_contest(contest_id)
    entry = lock_entry(entry_id)
    if not is_member(actor, entry.enterprise_id):
        raise NotFound(_("No such contest entry."))
    return contest, entry


def _require_state(entry: Entry, *states: str, doing: str) -> None:
    if entry.state not in states:
        raise InvalidState(
            _("%(doing)s is not possible: the entry is %(state)s.") % {"doing": doing,
                                                                       "state": entry.get_state_display()},
            fields={"state": [_("is %(state)s") % {"state": entry.state}]},
        )


def _save(entry: Entry, actor: User, action: AuditAction, before: dict[str, Any], reason: str = "") -> Entry:
    entry.save()
    audit_record(actor=actor, action=action, obj=entry, before=before, after=snapshot(entry), reason=reason)
    return entry


# --- the writes ----------------------------------------------------------------------------------------------------


@transactional
def entry_create(
    *,
    actor: User,
    today: date,
    contest_id: int,
    enterprise_id: int,
    title: str,
    summary: str,
    use_of_funds: str,
    target_amount: Any,
    campaign_type: str,
    team: Sequence[dict[str, str]],
    partner: Institution | int | None = None,
) -> Entry:
    """An enterprise member drafts its enterprise's entry during the call: title, summary, what the money is for,
    the target amount (within the contest's range), the campaign type for the funding phase (reward or donation),
    the team (at most 20 people, each a name and a role) and, optionally, the partner institution that recommends
    it. The enterprise must be eligible and have no other live entry in the contest. Raises ValidationFailed,
    NotFound (no such contest; an enterprise the actor does not act for), InvalidState (not during the call; a live
    entry already), Ineligible, Forbidden."""
    ACCESS.require(actor, "entry.create")
    if isinstance(enterprise_id, bool) or not isinstance(enterprise_id, int) or not is_member(actor, enterprise_id):
        raise NotFound(_("No such enterprise."), fields={"enterprise": [_("not an enterprise you act for")]})
    values = {"title": _text(title, "title", 200), "summary": _text(summary, "summary", MAX_LONG_TEXT),
              "use_of_funds": _text(use_of_funds, "use_of_funds", MAX_LONG_TEXT),
              "campaign_type": _campaign_type(campaign_type), "team": _team(team)}
    contest = lock_contest(contest_id)
    _during_call(contest, today, _("Entering the contest"))
    amount = _target(contest, target_amount)
    recommended_by = _partner(contest, partner)
    enterprise = Enterprise.objects.get(pk=enterprise_id)
    _check_eligible(contest, enterprise)
    live = live_entry_of(contest, enterprise.pk)
    if live is not None:
        raise InvalidState(
            _("%(enterprise)s already has an entry in %(contest)s; edit it, or withdraw it first.")
            % {"enterprise": enterprise.name, "contest": contest},
            fields={"enterprise": [_("already has a live entry (%(id)s) in this contest") % {"id": live.pk}]},
        )
    entry = Entry.objects.create(contest=contest, enterprise=enterprise, partner=recommended_by,
                                 target_amount=Money(amount, KRW), created_by=actor, **values)
    audit_record(actor=actor, action=ENTRY_CREATE, obj=entry, after=snapshot(entry))
    return entry


@transactional
def entry_update(
    *,
    actor: User,
    today: date,
    entry_id: int,
    title: Any = KEEP,
    summary: Any = KEEP,
    use_of_funds: Any = KEEP,
    target_amount: Any = KEEP,
    campaign_type: Any = KEEP,
    team: Any = KEEP,
    partner: Any = KEEP,
) -> Entry:
    """An enterprise member edits its entry, a draft or submitted, during the call: the fields given change (the
    same rules as ``entry_create``); those not given keep their values (``partner=None`` removes the recommending
    partner). Raises ValidationFailed, NotFound, InvalidState, Forbidden."""
    ACCESS.require(actor, "entry.update")
    contest, entry = _entry_of(actor, entry_id)
    doing = _("Editing the entry")
    _during_call(contest, today, doing)
    _require_state(entry, State.DRAFT, State.SUBMITTED, doing=doing)
    before = snapshot(entry)
    if title is not KEEP:
        entry.title = _text(title, "title", 200)
    if summary is not KEEP:
        entry.summary = _text(summary, "summary", MAX_LONG_TEXT)
    if use_of_funds is not KEEP:
        entry.use_of_funds = _text(use_of_funds, "use_of_funds", MAX_LONG_TEXT)
    if target_amount is not KEEP:
        entry.target_amount = Money(_target(contest, target_amount), KRW)
    if campaign_type is not KEEP:
        entry.campaign_type = _campaign_type(campaign_type)
    if team is not KEEP:
        entry.team = _team(team)
    if partner is not KEEP:
        entry.partner = _partner(contest, partner)
    if snapshot(entry) == before:
        return entry  # nothing changed: nothing to write or record
    return _save(entry, actor, ENTRY_UPDATE, before)


@transactional
def entry_submit(*, actor: User, today: date, entry_id: int) -> Entry:
    """Draft -> submitted (접수) during the call, the contest's eligibility checked again. Raises NotFound,
    InvalidState, Ineligible, Forbidden."""
    ACCESS.require(actor, "entry.submit")
    contest, entry = _entry_of(actor, entry_id)
    doing = _("Submitting the entry")
    _during_call(contest, today, doing)
    _require_state(entry, State.DRAFT, doing=doing)
    _check_eligible(contest, entry.enterprise)
    before = snapshot(entry)
    entry.state, entry.submitted_at = State.SUBMITTED, timezone.now()
    return _save(entry, actor, ENTRY_SUBMIT, before)


@transactional
def entry_withdraw(*, actor: User, today: date, entry_id: int, reason: str) -> Entry:
    """The enterprise takes its entry back (철회), a draft or submitted, during the call or the screening (until
    ``screening_ends_on``), with a reason. It may then enter again while the call lasts. Raises ValidationFailed,
    NotFound, InvalidState, Forbidden."""
    ACCESS.require(actor, "entry.withdraw")
    text = require_reason(reason)
    contest, entry = _entry_of(actor, entry_id)
    doing = _("Withdrawing the entry")
    require_phase(contest, Phase.CALL, Phase.SCREENING, doing=doing)
    if today > contest.screening_ends_on:
        raise InvalidState(
            _("%(doing)s is not possible: screening ended on %(date)s.")
            % {"doing": doing, "date": contest.screening_ends_on.isoformat()},
            fields={"phase": [_("screening ended on %(date)s") % {"date": contest.screening_ends_on.isoformat()}]},
        )
    _require_state(entry, State.DRAFT, State.SUBMITTED, doing=doing)
    before = snapshot(entry)
    entry.state = State.WITHDRAWN
    return _save(entry, actor, ENTRY_WITHDRAW, before, reason=text)
