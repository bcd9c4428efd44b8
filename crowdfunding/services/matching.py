"""Matching pools (매칭 펀드): setting a pool up, its funders and their money, and the money it draws for campaigns:
a match for each pledge (as Goteo), a top-up at a campaign's deadline (as Busan's BEF), and quadratic funding at the
end of the funding phase (Gitcoin's linear QF). The arithmetic is ``core.engines.matching``; these functions lock,
load plain values, call it, write the matches and post the journals.

Where the money is (``crowdfunding.accounts``): each funder's money in a pool is the balance of its own no-overdraft
account ``pool:<pool>:funder:<institution>``; a draw moves it to the campaign's ``campaign:<id>:matched`` (asset, no
overdraft) in one balanced journal per pool and draw, one ``Match`` row per funder that gave money. A match that
goes back (its pledge cancelled, declined out or refunded) moves the same amounts back to the same funders.

``Campaign.matched`` counts every won held for the campaign by any pool (pledge matches, top-ups and quadratic
matches alike): it is always the balance of the campaign's matched account. ``Match.kind`` says which rule drew it.

Locks, in the order of ``crowdfunding.locks``: the campaign (and the backer's total) first, held by the pledge's
caller; then a pool's row (set-up, quadratic allocation); then the ledger accounts a draw touches, all of them at
once in id order, read after they are locked. So a pool is never overdrawn, however many pledges race for its last
won: each draw reads the funders' balances under their locks and the ledger refuses to take them below zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import check_money_date
from core.db import transactional
from core.engines.matching import pledge_match, quadratic, split_across_funders, top_up
from core.errors import IdempotencyConflict, InvalidState, NotFound
from core.inputs import KEY_FIELD, check_key, digest
from core.money import KRW, won_input
from enterprises.models import Institution, User
from ledger.models import Account
from ledger.services import Line, credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import POOL_CREATE, POOL_FUNDER, POOL_FUNDING, POOL_QUADRATIC, POOL_UPDATE
from ..locks import lock_contest
from ..models import (
    BackerTotal,
    Campaign,
    Contest,
    Match,
    MatchingPool,
    Phase,
    Pledge,
    PoolFunder,
    PoolFunding,
    PoolRule,
)
from ..selectors.matching import pledge_rule, pools_for_campaign
from .common import fail

ZERO = Decimal(0)
MAX_FACTOR = Decimal("999.9999")  # MatchingPool.factor: 7 digits, 4 after the point
MAX_BACKERS = 1_000_000
UNITS = (1, 10)  # the pool's constraint; 10 as 국고금관리법 s47 drops amounts under 10 won
# A pool's rule fields that only pledge matching reads; the others (top-up, quadratic) take none of them.
MATCH_ONLY = ("factor", "cap_per_pledge", "cap_per_campaign", "cap_per_campaign_percent", "cap_per_backer",
              "trigger_percent", "trigger_backers")
CLOSED_CAMPAIGN = (Campaign.State.SUCCEEDED, Campaign.State.FAILED, Campaign.State.SETTLED)
UNSETTLED_PLEDGES = (Pledge.State.RESERVED, Pledge.State.RETRYING)  # a charge still to come, or to retry


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # a field ``pool_update`` leaves as it is


# --- input --------------------------------------------------------------------------------------------------------


def _decimal(value: Any, field: str, rule: str, *, places: int) -> Decimal:
    """A decimal number with at most ``places`` digits after the point, from a Decimal, an int or a string; a float
    (inexact), a bool or anything else refused naming ``field`` and ``rule``."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise fail(field, _("Bad %(field)s.") % {"field": field}, rule)
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise fail(field, _("Bad %(field)s.") % {"field": field}, rule) from None
    if not number.is_finite() or number.as_tuple().exponent < -places:  # type: ignore[operator]
        raise fail(field, _("Bad %(field)s.") % {"field": field}, rule)
    return number


def _percent(value: Any, field: str, *, low: Decimal, high: Decimal, zero_ok: bool) -> Decimal:
    rule = (_("a percent from %(low)s to %(high)s, at most 2 decimals") if zero_ok
            else _("a percent above %(low)s and at most %(high)s, at most 2 decimals")) % {"low": low, "high": high}
    number = _decimal(value, field, rule, places=2)
    if number > high or number < low or (number == low and not zero_ok):
        raise fail(field, _("%(field)s is out of range.") % {"field": field}, rule)
    return number


def _text(value: Any, field: str, max_length: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > max_length:
        raise fail(field, _("Bad %(field)s.") % {"field": field},
                   _("text of 1 to %(max)s characters") % {"max": max_length})
    return text


def _campaigns(contest: Contest, values: Any) -> list[Campaign]:
    """The campaigns a pool applies to: ids of campaigns of ``contest``, without repeats; empty for all of them."""
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise fail("campaigns", _("campaigns must be a list."), _("a list of campaign ids (empty: every campaign)"))
    ids = []
    for value in values:
        if isinstance(value, Campaign):
            value = value.pk
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail("campaigns", _("campaigns must be campaign ids."), _("a list of campaign ids"))
        if value not in ids:
            ids.append(value)
    found = {c.pk: c for c in Campaign.objects.filter(contest=contest, pk__in=ids)}
    unknown = [str(pk) for pk in ids if pk not in found]
    if unknown:
        raise fail("campaigns", _("A pool applies only to campaigns of its contest."),
                   _("not campaigns of this contest: %(ids)s") % {"ids": ", ".join(unknown)})
    return [found[pk] for pk in ids]


def _terms(rule: Any, given: Mapping[str, Any]) -> dict[str, Any]:
    """A pool's rule and its fields checked together, as the model's field values. Fields the rule does not read
    must be left unset (a top-up pool needs its threshold; a quadratic pool takes no per-pledge field). Raises
    ValidationFailed naming the field."""
    if rule not in PoolRule.values:
        raise fail("rule", _("Unknown pool rule."), _("one of %(rules)s") % {"rules": ", ".join(PoolRule.values)})
    terms: dict[str, Any] = {"rule": rule}
    unit = given.get("unit")
    if isinstance(unit, bool) or unit not in UNITS:
        raise fail("unit", _("Bad rounding unit."), _("1 or 10 (won)"))
    terms["unit"] = unit
    if rule != PoolRule.MATCH:
        for name in MATCH_ONLY:
            value = given.get(name)
            unset = value is None or (name == "factor" and value in (1, "1", Decimal(1))) or (
                name in ("trigger_percent", "trigger_backers") and value in (0, "0", Decimal(0)))
            if not unset:
                raise fail(name, _("A %(rule)s pool has no %(field)s.") % {"rule": rule, "field": name},
                           _("only a pledge matching (match) pool takes it"))
    if rule != PoolRule.TOP_UP and given.get("threshold") is not None:
        raise fail("threshold", _("Only a top-up pool has a threshold."), _("only a top_up pool takes it"))
    if rule != PoolRule.QUADRATIC and given.get("qf_cap_per_campaign") is not None:
        raise fail("qf_cap_per_campaign", _("Only a quadratic pool has a quadratic cap."),
                   _("only a quadratic pool takes it"))
    terms.update(factor=Decimal(1), cap_per_pledge=None, cap_per_campaign=None, cap_per_campaign_percent=None,
                 cap_per_backer=None, trigger_percent=ZERO, trigger_backers=0, top_up_threshold_percent=None,
                 qf_cap_per_campaign=None)
    if rule == PoolRule.MATCH:
        factor = given.get("factor")
        if factor is not None:
            rule_text = _("a number above 0 and at most %(max)s, at most 4 decimals") % {"max": MAX_FACTOR}
            terms["factor"] = _decimal(factor, "factor", rule_text, places=4)
            if not ZERO < terms["factor"] <= MAX_FACTOR:
                raise fail("factor", _("factor is out of range."), rule_text)
        for name in ("cap_per_pledge", "cap_per_campaign", "cap_per_backer"):
            if given.get(name) is not None:
                terms[name] = Money(won_input(given[name], name), KRW)
        if given.get("cap_per_campaign_percent") is not None:
            terms["cap_per_campaign_percent"] = _percent(given["cap_per_campaign_percent"], "cap_per_campaign_percent",
                                                         low=ZERO, high=Decimal(1000), zero_ok=False)
        if given.get("trigger_percent") is not None:
            terms["trigger_percent"] = _percent(given["trigger_percent"], "trigger_percent", low=ZERO,
                                                high=Decimal(100), zero_ok=True)
        backers = given.get("trigger_backers")
        if backers is not None:
            if isinstance(backers, bool) or not isinstance(backers, int) or not 0 <= backers <= MAX_BACKERS:
                raise fail("trigger_backers", _("Bad trigger_backers."),
                           _("a whole number from 0 to %(max)s") % {"max": MAX_BACKERS})
            terms["trigger_backers"] = backers
    elif rule == PoolRule.TOP_UP:
        if given.get("threshold") is None:
            raise fail("threshold", _("A top-up pool needs its threshold."),
                       _("required: the percent of its target a campaign must reach (e.g. 70)"))
        terms["top_up_threshold_percent"] = _percent(given["threshold"], "threshold", low=ZERO, high=Decimal(100),
                                                     zero_ok=False)
    elif given.get("qf_cap_per_campaign") is not None:
        terms["qf_cap_per_campaign"] = Money(won_input(given["qf_cap_per_campaign"], "qf_cap_per_campaign"), KRW)
    return terms


def _require_settable(contest: Contest, doing: str) -> None:
    """A pool is set up for a contest with a funding phase, until its funding phase is over."""
    if contest.funding_ends_on is None:
        raise InvalidState(_("This contest has no crowdfunding phase, so no matching pool."),
                           fields={"contest": [_("has no funding phase")]})
    if contest.phase in (Phase.FINAL, Phase.AWARDS, Phase.CLOSED):
        raise InvalidState(
            _("%(doing)s is not possible: the contest's funding phase is over (it is in its %(phase)s phase).")
            % {"doing": doing, "phase": contest.get_phase_display()},
            fields={"phase": [_("is %(phase)s") % {"phase": contest.phase}]})


def _lock_pool(pool_id: Any) -> MatchingPool:
    found = (MatchingPool.objects.select_for_update(no_key=True, of=("self",)).select_related("contest__book")
             .filter(pk=pool_id).first() if isinstance(pool_id, int) and not isinstance(pool_id, bool) else None)
    if found is None:
        raise NotFound(_("No such matching pool."))
    return found


def _require_open(pool: MatchingPool, doing: str) -> None:
    if pool.state != MatchingPool.State.OPEN:
        raise InvalidState(_("%(doing)s is not possible: the pool is %(state)s.")
                           % {"doing": doing, "state": pool.get_state_display()},
                           fields={"state": [_("is %(state)s") % {"state": pool.state}]})


# --- setting a pool up ------------------------------------------------------------------------------------------


@transactional
def pool_create(*, contest_id: int, actor: User | None, name: str, rule: str, campaigns: Sequence[Any] = (),
                factor: Any = None, cap_per_pledge: Any = None, cap_per_campaign: Any = None,
                cap_per_campaign_percent: Any = None, cap_per_backer: Any = None, trigger_percent: Any = None,
                trigger_backers: Any = None, threshold: Any = None, qf_cap_per_campaign: Any = None,
                unit: int = 1) -> MatchingPool:
    """Open a matching pool of the contest, with no funder yet. ``rule``: ``match`` (a pledge is matched by
    ``min(pledge, cap_per_pledge) x factor``, within ``cap_per_campaign`` (won) and ``cap_per_campaign_percent``
    (of the target), ``cap_per_backer``, once a campaign reached ``trigger_percent`` of its target and
    ``trigger_backers`` backers), ``top_up`` (``threshold``: the percent of its target a campaign must reach by its
    deadline for the pool to pay the rest) or ``quadratic`` (``qf_cap_per_campaign``). A field the rule does not
    read is refused; ``campaigns`` (ids of the contest's campaigns) empty is every campaign; ``unit`` 1 or 10 won.
    Only for a contest with a funding phase, until that phase is over. ``actor`` None is the system (the demo).
    Raises ValidationFailed, NotFound, InvalidState, Forbidden."""
    if actor is not None:
        ACCESS.require(actor, "pool.write")
    name = _text(name, "name", 200)
    terms = _terms(rule, {"factor": factor, "cap_per_pledge": cap_per_pledge, "cap_per_campaign": cap_per_campaign,
                          "cap_per_campaign_percent": cap_per_campaign_percent, "cap_per_backer": cap_per_backer,
                          "trigger_percent": trigger_percent, "trigger_backers": trigger_backers,
                          "threshold": threshold, "qf_cap_per_campaign": qf_cap_per_campaign, "unit": unit})
    contest = lock_contest(contest_id) if isinstance(contest_id, int) and not isinstance(contest_id, bool) else None
    if contest is None:
        raise NotFound(_("No such contest."))
    _require_settable(contest, _("Opening a matching pool"))
    chosen = _campaigns(contest, campaigns)
    pool = MatchingPool.objects.create(contest=contest, name=name, **terms,
                                       created_by=actor if getattr(actor, "is_authenticated", False) else None)
    pool.campaigns.set(chosen)
    audit_record(actor=actor, action=POOL_CREATE, obj=pool,
                 after=snapshot(pool) | {"campaigns": [c.pk for c in chosen]})
    return pool


@transactional
def pool_update(*, pool_id: int, actor: User, name: Any = UNSET, rule: Any = UNSET, campaigns: Any = UNSET,
                factor: Any = UNSET, cap_per_pledge: Any = UNSET, cap_per_campaign: Any = UNSET,
                cap_per_campaign_percent: Any = UNSET, cap_per_backer: Any = UNSET, trigger_percent: Any = UNSET,
                trigger_backers: Any = UNSET, threshold: Any = UNSET, qf_cap_per_campaign: Any = UNSET,
                unit: Any = UNSET) -> MatchingPool:
    """Change a pool's name, rule, fields or campaigns (the fields given; None clears an optional one), checked
    together as ``pool_create`` checks them, while no match has been drawn from it and its contest's funding phase
    is not over. Raises ValidationFailed, NotFound, InvalidState, Forbidden."""
    ACCESS.require(actor, "pool.write")
    pool = _lock_pool(pool_id)
    _require_open(pool, _("Changing the pool"))
    _require_settable(pool.contest, _("Changing the pool"))
    if Match.objects.filter(pool=pool).exists():
        raise InvalidState(_("The pool's rule cannot change once a match has been drawn from it."),
                           fields={"matches": [_("the pool has drawn matches")]})
    current = {"factor": pool.factor, "trigger_percent": pool.trigger_percent,
               "trigger_backers": pool.trigger_backers, "cap_per_campaign_percent": pool.cap_per_campaign_percent,
               "threshold": pool.top_up_threshold_percent, "unit": pool.unit}
    for money in ("cap_per_pledge", "cap_per_campaign", "cap_per_backer", "qf_cap_per_campaign"):
        held = getattr(pool, money)
        current[money] = None if held is None else held.amount
    given = {"factor": factor, "cap_per_pledge": cap_per_pledge, "cap_per_campaign": cap_per_campaign,
             "cap_per_campaign_percent": cap_per_campaign_percent, "cap_per_backer": cap_per_backer,
             "trigger_percent": trigger_percent, "trigger_backers": trigger_backers, "threshold": threshold,
             "qf_cap_per_campaign": qf_cap_per_campaign, "unit": unit}
    new_rule = pool.rule if rule is UNSET else rule
    if new_rule != pool.rule:  # another rule: the old rule's fields do not carry over
        current = {"unit": pool.unit}
    merged = current | {key: value for key, value in given.items() if value is not UNSET}
    terms = _terms(new_rule, merged)
    before = snapshot(pool) | {"campaigns": sorted(pool.campaigns.values_list("pk", flat=True))}
    if name is not UNSET:
        pool.name = _text(name, "name", 200)
    for field, value in terms.items():
        setattr(pool, field, value)
    pool.save()
    if campaigns is not UNSET:
        pool.campaigns.set(_campaigns(pool.contest, campaigns))
    pool.refresh_from_db()
    audit_record(actor=actor, action=POOL_UPDATE, obj=pool, before=before,
                 after=snapshot(pool) | {"campaigns": sorted(pool.campaigns.values_list("pk", flat=True))})
    return pool


@transactional
def pool_funder_add(*, pool_id: int, institution_id: int, committed: Any, actor: User | None) -> PoolFunder:
    """Add an institution as a funder of the pool (after those it has, in that order), with what it committed
    (약정액; 0 allowed), and open its account in the contest's book (``pool:<pool>:funder:<institution>``, no
    overdraft). An institution funds a pool once. Raises ValidationFailed, NotFound, InvalidState, Forbidden."""
    if actor is not None:
        ACCESS.require(actor, "pool.fund")
    amount = won_input(committed, "committed", allow_zero=True)
    pool = _lock_pool(pool_id)
    _require_open(pool, _("Adding a funder"))
    institution = (Institution.objects.filter(pk=institution_id).first()
                   if isinstance(institution_id, int) and not isinstance(institution_id, bool) else None)
    if institution is None:
        raise fail("institution", _("No such institution."), _("must be an institution's id"))
    if PoolFunder.objects.filter(pool=pool, institution=institution).exists():
        raise fail("institution", _("This institution already funds the pool."), _("already a funder of the pool"))
    book = pool.contest.book
    account = chart.opened(book, chart.pool_funder_code(pool.pk, institution.pk), f"매칭 재원 {institution.name}",
                           "asset", no_overdraft=True)
    position = PoolFunder.objects.filter(pool=pool).count()
    funder = PoolFunder.objects.create(pool=pool, institution=institution, committed=Money(amount, KRW),
                                       position=position, account=account)
    audit_record(actor=actor, action=POOL_FUNDER, obj=funder, after=snapshot(funder))
    return funder


def _funding_replay(existing: PoolFunding, actor: Any, *, amount: Decimal, on: date) -> PoolFunding:
    if existing.created_by_id != getattr(actor, "pk", None):
        raise IdempotencyConflict(_("This idempotency key was already used by someone else; use a new one."),
                                  fields={KEY_FIELD: [_("already used by another user")]})
    if existing.amount.amount != amount or existing.received_on != on:
        raise IdempotencyConflict(_("This idempotency key was already used for a different request."),
                                  fields={KEY_FIELD: [_("already used with another amount or date")]})
    return existing


@transactional
def pool_fund(*, funder_id: int, amount: Any, received_on: date, actor: User | None, idempotency_key: str,
              today: date, memo: str = "") -> PoolFunding:
    """Money a funder paid into its pool on ``received_on`` (not in the future, within the back-dating window): its
    funder account up, its contribution to the pool (``pool:<pool>:contribution:<institution>``) up, in one balanced
    journal. The same caller, key and content give the first funding back. Not once the pool is settled. Raises
    ValidationFailed, NotFound, InvalidState, IdempotencyConflict, Forbidden."""
    if actor is not None:
        ACCESS.require(actor, "pool.fund")
    key = check_key(idempotency_key)
    value = won_input(amount, "amount")
    memo = memo.strip() if isinstance(memo, str) else ""
    if len(memo) > 300:
        raise fail("memo", _("Bad memo."), _("text of at most %(max)s characters") % {"max": 300})
    pool_id = (PoolFunder.objects.filter(pk=funder_id).values_list("pool_id", flat=True).first()
               if isinstance(funder_id, int) and not isinstance(funder_id, bool) else None)
    if pool_id is None:
        raise NotFound(_("No such pool funder."))
    pool = _lock_pool(pool_id)
    funder = PoolFunder.objects.select_related("institution", "account").get(pk=funder_id)
    existing = PoolFunding.objects.filter(funder=funder, idempotency_key=key).first()
    if existing is not None:
        return _funding_replay(existing, actor, amount=value, on=received_on)
    _require_open(pool, _("Paying into the pool"))
    check_money_date(received_on, field="received_on", today=today)
    book = pool.contest.book
    contribution = chart.opened(book, chart.pool_contribution_code(pool.pk, funder.institution_id),
                                f"매칭 출연 {funder.institution.name}", "equity")
    posted = journal_post(lines=[debit(funder.account, value), credit(contribution, value)], kind="pool.funding",
                          effective_date=received_on, idempotency_key=f"pool:{funder.pk}:funding:{digest(key)}",
                          actor=actor, memo=memo)
    if not posted.created:
        return _funding_replay(PoolFunding.objects.get(journal=posted.journal), actor, amount=value, on=received_on)
    funding = PoolFunding.objects.create(funder=funder, amount=Money(value, KRW), received_on=received_on,
                                         journal=posted.journal, memo=memo, idempotency_key=key,
                                         created_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit_record(actor=actor, action=POOL_FUNDING, obj=funding, after=snapshot(funding))
    return funding


# --- drawing from a pool ----------------------------------------------------------------------------------------


def _matched_account(campaign: Campaign) -> Account:
    """The campaign's matched account, opened on its first draw (under the campaign's lock)."""
    return chart.opened(campaign.contest.book, chart.campaign_matched_code(campaign.pk),
                        f"매칭 보유 {campaign.title}", "asset", no_overdraft=True)


def _lock_accounts(ids: Iterable[int]) -> dict[int, Account]:
    """The accounts, locked together in id order (the ledger's order), read after locking."""
    return {a.pk: a for a in Account.objects.select_for_update(no_key=True).filter(pk__in=sorted(set(ids)))
            .order_by("pk")}


def _post_draw(*, pool: MatchingPool, funders: Sequence[PoolFunder], shares: Sequence[tuple[int, Decimal]],
               accounts: dict[int, Account], matched: Account, campaign: Campaign, pledge: Pledge | None, kind: str,
               on_date: date, key: str, memo: str, key_is_new: bool = False) -> list[Match]:
    """Move ``shares`` (funder id, won) from the funders' accounts into the campaign's matched account: one journal,
    one Match per funder. ``accounts`` are locked."""
    by_id = {f.pk: f for f in funders}
    total = sum((share for _funder, share in shares), ZERO)
    lines: list[Line] = [debit(matched, total)]
    lines += [credit(by_id[funder_id].account_id, share) for funder_id, share in shares]
    posted = journal_post(lines=lines, kind=f"pool.{kind}", effective_date=on_date, idempotency_key=key, memo=memo,
                          locked=accounts, key_is_new=key_is_new)
    return Match.objects.bulk_create([
        Match(pool=pool, funder=by_id[funder_id], campaign=campaign, pledge=pledge, kind=kind,
              amount=Money(share, KRW), on_date=on_date, journal=posted.journal)
        for funder_id, share in shares])


def _draw(*, pool: MatchingPool, funders: Sequence[PoolFunder], accounts: dict[int, Account], matched: Account,
          amount: Decimal, campaign: Campaign, pledge: Pledge | None, kind: str, on_date: date, key: str,
          memo: str) -> list[Match]:
    """Take ``amount`` from the pool's funders (in proportion to what each has left, ``split_across_funders``) into
    the campaign's matched account (``_post_draw``). ``accounts`` are locked."""
    split = split_across_funders(amount, [(f.pk, accounts[f.account_id].balance.amount) for f in funders],
                                 Decimal(pool.unit))
    if not split.total:
        return []
    return _post_draw(pool=pool, funders=funders, shares=split.shares, accounts=accounts, matched=matched,
                      campaign=campaign, pledge=pledge, kind=kind, on_date=on_date, key=key, memo=memo)


def _available(funders: Sequence[PoolFunder], accounts: Mapping[int, Account]) -> Decimal:
    return sum((accounts[f.account_id].balance.amount for f in funders), ZERO)


def _add(counter_owner: Any, amount: Decimal) -> None:
    counter_owner.matched = Money(counter_owner.matched.amount + amount, KRW)


@dataclass(frozen=True)
class _Draw:
    pool: MatchingPool
    funders: Sequence[PoolFunder]
    shares: tuple[tuple[int, Decimal], ...]  # (funder id, won) of each funder that gives money
    total: Decimal


@dataclass(frozen=True)
class PledgeMatchPlan:
    """What a new pledge draws from each pool (``plan_pledge_match``), before the pledge row exists; written by
    ``write_pledge_match`` once it does. ``accounts`` are the draws' ledger accounts, locked."""

    draws: tuple[_Draw, ...]
    accounts: dict[int, Account]
    matched: Account | None  # the campaign's matched account (None: nothing drawn)

    @property
    def total(self) -> Decimal:
        return sum((d.total for d in self.draws), ZERO)


NO_MATCH = PledgeMatchPlan(draws=(), accounts={}, matched=None)


def _caps_need_history(pool: MatchingPool) -> bool:
    """Whether the pool's rule reads what the campaign or the backer got from it before (a cap per campaign or per
    backer); a pool without such a cap matches each pledge on its own."""
    return (pool.cap_per_campaign is not None or pool.cap_per_campaign_percent is not None
            or pool.cap_per_backer is not None)


def _lock_with_matched(book_id: int, campaign: Campaign, account_ids: Sequence[int]) -> tuple[dict[int, Account],
                                                                                              Account]:
    """The funders' accounts and the campaign's matched account, locked together in id order in one statement (the
    matched account found by its code); the matched account is opened on the campaign's first draw (a new row,
    locked after the others, as its id is the highest: the ledger's order holds)."""
    code = chart.campaign_matched_code(campaign.pk)
    rows = {a.pk: a for a in Account.objects.select_for_update(no_key=True)
            .filter(Q(pk__in=sorted(set(account_ids))) | Q(book_id=book_id, code=code)).order_by("pk")}
    matched = next((a for a in rows.values() if a.book_id == book_id and a.code == code), None)
    if matched is None:
        opened = _matched_account(campaign)
        matched = Account.objects.select_for_update(no_key=True).get(pk=opened.pk)
        rows[matched.pk] = matched
    return rows, matched


def plan_pledge_match(*, campaign: Campaign, book_id: int, backer_id: int, amount: Decimal) -> PledgeMatchPlan:
    """What a new pledge of ``amount`` by ``backer_id`` draws from every open ``match`` pool of the campaign's
    contest that applies to the campaign, in pool id order. Called inside the pledge's transaction, the campaign
    and the backer's total locked, the campaign's ``pledged`` and ``backers`` already counting the pledge; locks
    the pools' funders' accounts and the campaign's matched account (``book_id``: the contest's book).

    Each pool's match is ``core.engines.matching.pledge_match``: nothing before the campaign reached the pool's
    trigger (counting this pledge), then ``min(pledge, cap per pledge) x factor`` within what the campaign and this
    backer already got from this pool (their held and paid matches; read only when the pool caps them) and what
    the pool's funders hold (their accounts' balances, read under their locks), split across the funders in
    proportion to what each has left (``split_across_funders``). The pools' funders' accounts are their own, so
    the pools' draws do not depend on each other."""
    pools = [pool for pool in pools_for_campaign(campaign, PoolRule.MATCH)
             if pool.funders_in_order]  # type: ignore[attr-defined]
    if not pools:
        return NO_MATCH
    accounts, matched = _lock_with_matched(book_id, campaign, [f.account_id for pool in pools
                                                               for f in pool.funders_in_order])  # type: ignore
    history = [pool for pool in pools if _caps_need_history(pool)]
    so_far: dict[int, Mapping[str, Any]] = {row["pool_id"]: row for row in
              Match.objects.filter(pool__in=history, campaign=campaign, kind=Match.Kind.PLEDGE,
                                   state__in=(Match.State.HELD, Match.State.PAID))
              .values("pool_id").annotate(campaign_got=Sum("amount"),
                                          backer_got=Sum("amount", filter=Q(pledge__backer_id=backer_id)))} \
        if history else {}
    draws = []
    for pool in pools:
        funders = pool.funders_in_order  # type: ignore[attr-defined]
        got = so_far.get(pool.pk, {})
        match = pledge_match(
            pledge_rule(pool), pledge=amount, campaign_target=campaign.target.amount,
            campaign_matched_so_far=got.get("campaign_got") or ZERO,
            backer_matched_so_far=got.get("backer_got") or ZERO, pool_available=_available(funders, accounts),
            campaign_pledged_before=campaign.pledged.amount - amount, campaign_backers_after=campaign.backers)
        if not match:
            continue
        split = split_across_funders(match, [(f.pk, accounts[f.account_id].balance.amount) for f in funders],
                                     Decimal(pool.unit))
        if split.total:
            draws.append(_Draw(pool=pool, funders=funders, shares=tuple(split.shares), total=split.total))
    return PledgeMatchPlan(draws=tuple(draws), accounts=accounts, matched=matched) if draws else NO_MATCH


def write_pledge_match(*, plan: PledgeMatchPlan, pledge: Pledge, campaign: Campaign, on_date: date) -> list[Match]:
    """Post what ``plan_pledge_match`` planned for ``pledge`` (written in this transaction, after the plan): one
    journal per pool (``match:pledge:<pledge>:pool:<pool>``: the campaign's matched account up, the funders' down),
    one Match per funder. The counters (the pledge's, the campaign's and the backer's ``matched``) are the caller's
    to move by ``plan.total``. The journals' keys name the pledge just written: no journal can hold them yet."""
    written: list[Match] = []
    for draw in plan.draws:
        assert plan.matched is not None
        written += _post_draw(pool=draw.pool, funders=draw.funders, shares=draw.shares, accounts=plan.accounts,
                              matched=plan.matched, campaign=campaign, pledge=pledge, kind=Match.Kind.PLEDGE,
                              on_date=on_date, key=f"match:pledge:{pledge.pk}:pool:{draw.pool.pk}",
                              memo=f"매칭 {pledge.order_id}", key_is_new=True)
    return written


def match_pledge(*, pledge: Pledge, campaign: Campaign, backer_total: BackerTotal, on_date: date) -> list[Match]:
    """Match a pledge already written (``plan_pledge_match`` then ``write_pledge_match``), and move the pledge's,
    the campaign's and the backer's ``matched`` by what was drawn. Called inside the pledge's transaction: the
    campaign and the backer's total locked, the pledge written, and the campaign's ``pledged`` and ``backers``
    counting it. (The pledge service plans before it writes the pledge, so that the counters are written once.)
    Returns the matches written (none: nothing matched)."""
    plan = plan_pledge_match(campaign=campaign, book_id=campaign.contest.book_id, backer_id=pledge.backer_id,
                             amount=pledge.amount.amount)
    written = write_pledge_match(plan=plan, pledge=pledge, campaign=campaign, on_date=on_date)
    if plan.total:
        for owner in (pledge, campaign, backer_total):
            _add(owner, plan.total)
            owner.save(update_fields=["matched"])
    return written


def return_pledge_match(*, pledge: Pledge, campaign: Campaign, backer_total: BackerTotal, on_date: date,
                        reason: str) -> Decimal:
    """Give back every held match of a pledge that stopped being live (cancelled, declined out, refunded), each to
    the funder it came from: one journal per draw (``match-return:J<draw journal>``: the campaign's matched account
    down, the funders' accounts up), the matches ``returned``, and the pledge's, campaign's and backer's ``matched``
    down by it. Called inside the pledge's transaction, the campaign and the backer's total locked. Returns what
    went back (0: nothing was held). Matches already paid to the campaign stay paid."""
    held = list(Match.objects.select_for_update(no_key=True).filter(pledge=pledge, state=Match.State.HELD)
                .select_related("funder").order_by("pk"))
    if not held:
        return ZERO
    by_journal: dict[int, list[Match]] = defaultdict(list)
    for match in held:
        by_journal[match.journal_id].append(match)
    matched = chart.account(campaign.contest.book, chart.campaign_matched_code(campaign.pk))
    total = ZERO
    for journal_id, matches in by_journal.items():
        drawn = sum((m.amount.amount for m in matches), ZERO)
        lines = [credit(matched, drawn)] + [debit(m.funder.account_id, m.amount.amount) for m in matches]
        posted = journal_post(lines=lines, kind="pool.match_return", effective_date=on_date,
                              idempotency_key=f"match-return:J{journal_id}", memo=(reason or "")[:500])
        Match.objects.filter(pk__in=[m.pk for m in matches]).update(state=Match.State.RETURNED,
                                                                    returned_journal=posted.journal)
        for match in matches:
            match.state, match.returned_journal = Match.State.RETURNED, posted.journal
        total += drawn
    for owner in (pledge, campaign, backer_total):
        _add(owner, -total)
        owner.save(update_fields=["matched"])
    return total


def top_up_campaign(*, campaign: Campaign, on_date: date) -> list[Match]:
    """At a campaign's deadline (the campaign locked by the caller, before it decides success): each open ``top_up``
    pool that applies, in id order, pays the rest of the target when what counts toward it (pledged + matched) is
    at least the pool's threshold percent of the target and below it, as much as the pool holds
    (``core.engines.matching.top_up``), drawn from its funders in proportion (``match:top_up:<campaign>:pool:<pool>``,
    Match kind top_up). The campaign's ``matched`` grows by it (and so counts toward its target). A pool that
    already topped the campaign up does not again. Returns the matches written."""
    pools = [pool for pool in pools_for_campaign(campaign, PoolRule.TOP_UP)
             if pool.funders_in_order]  # type: ignore[attr-defined]
    if not pools:
        return []
    done = set(Match.objects.filter(pool__in=pools, campaign=campaign, kind=Match.Kind.TOP_UP)
               .values_list("pool_id", flat=True))
    pools = [pool for pool in pools if pool.pk not in done]
    if not pools:
        return []
    matched = _matched_account(campaign)
    accounts = _lock_accounts([matched.pk] + [f.account_id for pool in pools
                                              for f in pool.funders_in_order])  # type: ignore[attr-defined]
    written: list[Match] = []
    for pool in pools:
        funders = pool.funders_in_order  # type: ignore[attr-defined]
        assert pool.top_up_threshold_percent is not None  # the pool's constraint
        amount = top_up(counted=campaign.pledged.amount + campaign.matched.amount, target=campaign.target.amount,
                        threshold_percent=pool.top_up_threshold_percent,
                        pool_available=_available(funders, accounts), unit=Decimal(pool.unit))
        if not amount:
            continue
        drawn = _draw(pool=pool, funders=funders, accounts=accounts, matched=accounts[matched.pk], amount=amount,
                      campaign=campaign, pledge=None, kind=Match.Kind.TOP_UP, on_date=on_date,
                      key=f"match:top_up:{campaign.pk}:pool:{pool.pk}", memo=f"목표 채움 {campaign.title}"[:500])
        _add(campaign, sum((m.amount.amount for m in drawn), ZERO))
        written += drawn
    if written:
        campaign.save(update_fields=["matched"])
    return written


# --- quadratic funding --------------------------------------------------------------------------------------------


def pool_campaigns(pool: MatchingPool) -> list[Campaign]:
    """The campaigns a pool applies to: those it names, or every launched campaign of its contest, in id order."""
    named = list(pool.campaigns.order_by("pk"))
    if named:
        return named
    return list(Campaign.objects.filter(contest_id=pool.contest_id).exclude(state=Campaign.State.DRAFT).order_by("pk"))


def counts_for_quadratic(campaign: Campaign) -> bool:
    """A campaign shares a quadratic pool when it succeeded (all or nothing) or closed (keep it all)."""
    if campaign.mode == "kia":
        return campaign.state in CLOSED_CAMPAIGN
    return campaign.state in (Campaign.State.SUCCEEDED, Campaign.State.SETTLED)


@dataclass(frozen=True)
class QuadraticAllocation:
    pool: MatchingPool
    matches: list[Match]
    created: bool  # False: the pool had been allocated before; nothing changed


@transactional
def pool_allocate_quadratic(*, pool_id: int, on_date: date, actor: User | None = None) -> QuadraticAllocation:
    """Share a quadratic pool among its campaigns at the end of the funding phase (Gitcoin's linear QF,
    ``core.engines.matching.quadratic``): the pot is what its funders hold; each campaign that succeeded (all or
    nothing) or closed (keep it all) counts each backer's total of charged pledges; its match (at most
    ``qf_cap_per_campaign``, the excess shared again) is drawn from the funders in proportion to what each has left
    (Match kind quadratic, ``match:quadratic:<pool>:<campaign>``) and added to the campaign's ``matched``; what
    rounding and the cap leave stays in the pool. Only once every campaign of the pool has closed and has no pledge
    reserved or retrying (charges still to come), and none is settled yet; a second call changes nothing.
    ``actor`` None is beat. Raises NotFound, InvalidState, Forbidden."""
    if actor is not None:
        ACCESS.require(actor, "pool.write")
    peek = (MatchingPool.objects.filter(pk=pool_id).first()
            if isinstance(pool_id, int) and not isinstance(pool_id, bool) else None)
    if peek is None:
        raise NotFound(_("No such matching pool."))
    if peek.rule != PoolRule.QUADRATIC:
        raise InvalidState(_("Only a quadratic pool is shared by quadratic funding."),
                           fields={"rule": [_("is %(rule)s") % {"rule": peek.rule}]})
    ids = [c.pk for c in pool_campaigns(peek)]
    campaigns = list(Campaign.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk"))
    pool = _lock_pool(pool_id)
    existing = list(Match.objects.filter(pool=pool, kind=Match.Kind.QUADRATIC).order_by("pk"))
    if existing:
        return QuadraticAllocation(pool=pool, matches=existing, created=False)
    _require_open(pool, _("Sharing the pool"))
    still_live = [c for c in campaigns if c.state not in CLOSED_CAMPAIGN]
    if still_live:
        raise InvalidState(
            _("The pool is shared once every campaign has closed; still open: %(names)s.")
            % {"names": ", ".join(c.title for c in still_live)},
            fields={"campaigns": [_("campaign %(ids)s is %(state)s")
                                  % {"ids": ", ".join(str(c.pk) for c in still_live), "state": still_live[0].state}]})
    settled = [c for c in campaigns if c.state == Campaign.State.SETTLED]
    if settled:
        raise InvalidState(_("A campaign of the pool was settled before the pool was shared: %(names)s.")
                           % {"names": ", ".join(c.title for c in settled)},
                           fields={"campaigns": [_("campaign %(id)s is settled") % {"id": settled[0].pk}]})
    pending = sorted(set(Pledge.objects.filter(campaign__in=campaigns, state__in=UNSETTLED_PLEDGES)
                         .values_list("campaign_id", flat=True)))
    if pending:
        raise InvalidState(
            _("The pool is shared once every pledge of its campaigns is charged or let go; campaigns %(ids)s still "
              "have pledges reserved or retrying.") % {"ids": ", ".join(map(str, pending))},
            fields={"campaigns": [_("campaign %(ids)s has pledges reserved or retrying")
                                  % {"ids": ", ".join(map(str, pending))}]})
    sharing = [c for c in campaigns if counts_for_quadratic(c)]
    contributions: dict[int, dict[int, Decimal]] = {c.pk: {} for c in sharing}
    for row in (Pledge.objects.filter(campaign__in=sharing, state=Pledge.State.CHARGED)
                .values("campaign_id", "backer_id").annotate(total=Sum("amount"))):
        contributions[row["campaign_id"]][row["backer_id"]] = row["total"]
    funders = list(PoolFunder.objects.filter(pool=pool).order_by("position", "pk"))
    matched_accounts = {c.pk: _matched_account(c) for c in sharing}
    accounts = _lock_accounts([f.account_id for f in funders] + [a.pk for a in matched_accounts.values()])
    cap = None if pool.qf_cap_per_campaign is None else pool.qf_cap_per_campaign.amount
    result = quadratic(contributions, _available(funders, accounts), cap, Decimal(pool.unit))
    written: list[Match] = []
    for campaign in sharing:
        amount = result.matches.get(campaign.pk, ZERO)
        if not amount:
            continue
        drawn = _draw(pool=pool, funders=funders, accounts=accounts, matched=accounts[matched_accounts[campaign.pk].pk],
                      amount=amount, campaign=campaign, pledge=None, kind=Match.Kind.QUADRATIC, on_date=on_date,
                      key=f"match:quadratic:{pool.pk}:{campaign.pk}", memo=f"이차 매칭 {campaign.title}"[:500])
        _add(campaign, sum((m.amount.amount for m in drawn), ZERO))
        campaign.save(update_fields=["matched"])
        written += drawn
    audit_record(actor=actor, action=POOL_QUADRATIC, obj=pool,
                 after={"matches": {str(pk): str(amount) for pk, amount in result.matches.items()},
                        "leftover": str(result.leftover), "capped": sorted(result.capped)})
    return QuadraticAllocation(pool=pool, matches=written, created=True)


__all__ = [
    "NO_MATCH",
    "UNSET",
    "PledgeMatchPlan",
    "QuadraticAllocation",
    "counts_for_quadratic",
    "match_pledge",
    "plan_pledge_match",
    "pool_allocate_quadratic",
    "pool_campaigns",
    "pool_create",
    "pool_fund",
    "pool_funder_add",
    "pool_update",
    "return_pledge_match",
    "top_up_campaign",
    "write_pledge_match",
]
