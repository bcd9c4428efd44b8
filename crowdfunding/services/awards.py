"""Awards (시상) from the contest's joint fund, and the payment of their tranches.

- The award table (``award_table_set``): tiers of final ranks, each with an amount or a range the panel decides in.
- An award is prepared by one manager for a selected entry (``award_prepare``: its final rank from the confirmed final
  advance list, the tier covering it, an amount within the tier, a plan of at most six tranches) and approved by
  another (``award_approve``): the whole amount is reserved out of the joint fund's cash (Dr ``award:<id>:reserved``
  / Cr ``cash``), which never goes below zero (the ledger's no-overdraft check, under the cash account's lock).
- Tranches are paid in order (``tranche_pay``: Dr ``award:<id>:advance`` / Cr ``award:<id>:reserved``); how each
  was spent is reported and settled in ``crowdfunding.services.settlement``.
- An award is cancelled (``award_cancel``) while prepared, or approved with nothing paid (the reservation goes back
  to cash).

Journal keys are derived from the object and, for the writes a client retries (approve, pay, return), the SHA-256
of the client's key: the same manager with the same key gets the first result back. Rows are locked in the order
of ``crowdfunding.locks``: the contest's row (preparing: its phase), the entry, then the award and its tranche; the
joint fund's cash is locked by the ledger itself when a journal moves it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import Limit, check_money_date
from core.db import transactional
from core.errors import IdempotencyConflict, Ineligible, InsufficientFunds, InvalidState, NotFound
from core.inputs import KEY_FIELD, check_key, digest, require_reason
from core.money import KRW, format_won, won_input
from enterprises.models import User
from enterprises.roles import is_member
from ledger.models import Book, Journal
from ledger.services import credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import (
    AWARD_APPROVE,
    AWARD_CANCEL,
    AWARD_PREPARE,
    AWARD_TABLE,
    TRANCHE_PAY,
)
from ..locks import lock_award, lock_contest, lock_entry, lock_tranche
from ..models import (
    AdvanceList,
    AdvanceListLine,
    Award,
    AwardTier,
    AwardTranche,
    Contest,
    Entry,
    EntryNotice,
    Phase,
    RoundKind,
)
from .common import fail, require_phase

ZERO = Decimal(0)
MAX_TIERS = 50
MAX_RANK = 10_000  # the API's bound too (api.crowdfunding.serializers_awards)
MAX_TRANCHES = 6

TIER_AUDITED = ["name", "rank_from", "rank_to", "amount_min", "amount_max"]
AWARD_AUDITED = ["contest", "entry", "tier", "rank", "amount", "paid", "state", "prepared_by", "approved_by",
                 "approved_at", "reserve_journal"]
TRANCHE_AUDITED = ["award", "number", "amount", "state", "paid_on", "paid_by", "pay_journal", "reported_at", "spent",
                   "unspent", "settled_on", "settled_by", "returned_on", "return_journal"]

AState = Award.State
TState = AwardTranche.State
# A tranche whose money went out: paid, and (later) reported on, settled, closed.
PAID_OUT = (TState.PAID, TState.REPORTED, TState.SETTLED, TState.CLOSED)


def state_error(message: str, obj: Award | AwardTranche | Entry) -> InvalidState:
    """InvalidState (409) naming the object's state."""
    return InvalidState(message % {"state": obj.get_state_display()},
                        fields={"state": [_("is %(state)s") % {"state": obj.state}]})


def _journal_key(prefix: str, pk: int, what: str, client_key: str | None = None) -> str:
    key = f"{prefix}:{pk}:{what}"
    return f"{key}:{digest(client_key)}" if client_key is not None else key


def _award_key(award: Award, what: str, client_key: str | None = None) -> str:
    return _journal_key("contest-award", award.pk, what, client_key)


def tranche_key(tranche: AwardTranche, what: str, client_key: str | None = None) -> str:
    return _journal_key("contest-tranche", tranche.pk, what, client_key)


def replayed(journal_id: int | None, key: str) -> bool:
    """Whether the journal the object points at was posted with ``key`` (the first request of a retried one)."""
    return journal_id is not None and Journal.objects.filter(pk=journal_id, idempotency_key=key).exists()


def key_used_by_another(key: str) -> IdempotencyConflict:
    return IdempotencyConflict(_("This idempotency key was already used by someone else; use a new one."),
                               fields={KEY_FIELD: [_("already used by another user")]})


def _int_input(value: Any, field: str, *, low: int = 1, high: int = MAX_RANK) -> int:
    """A whole number from ``low`` to ``high`` (an int, or ASCII digits). Raises ValidationFailed naming ``field``."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(field, _("Bad number for %(field)s.") % {"field": field}, _("a whole number"))
    if not low <= value <= high:
        raise fail(field, _("%(field)s is out of range.") % {"field": field},
                   _("from %(low)s to %(high)s") % {"low": low, "high": high})
    return value


def book_of(award: Award) -> Book:
    return Contest.objects.select_related("book").get(pk=award.contest_id).book


# --- the award table ---------------------------------------------------------------------------------------------


def _check_tiers(tiers: Sequence[Any]) -> list[dict[str, Any]]:
    """The tiers as plain values, checked one by one, then together: contiguous ranks from 1, none overlapping."""
    if not isinstance(tiers, list | tuple):
        raise fail("tiers", _("The award table is a list of tiers."), _("a list of tiers"))
    if len(tiers) > MAX_TIERS:
        raise fail("tiers", _("An award table has at most %(max)s tiers.") % {"max": MAX_TIERS},
                   _("at most %(max)s tiers") % {"max": MAX_TIERS})
    checked: list[dict[str, Any]] = []
    for index, tier in enumerate(tiers):
        at = f"tiers[{index}]"
        if not isinstance(tier, dict):
            raise fail(at, _("A tier has a name, ranks and amounts."), _("an object"))
        name = str(tier.get("name") or "").strip()
        if not name or len(name) > 100:
            raise fail(f"{at}.name", _("A tier needs a name."), _("1 to 100 characters"))
        rank_from = _int_input(tier.get("rank_from"), f"{at}.rank_from")
        rank_to = _int_input(tier.get("rank_to"), f"{at}.rank_to")
        if rank_to < rank_from:
            raise fail(f"{at}.rank_to", _("A tier's last rank comes before its first."),
                       _("at least rank_from (%(rank)s)") % {"rank": rank_from})
        amount_min = won_input(tier.get("amount_min"), f"{at}.amount_min")
        amount_max = won_input(tier.get("amount_max"), f"{at}.amount_max")
        if amount_max < amount_min:
            raise fail(f"{at}.amount_max", _("A tier's largest amount is below its smallest."),
                       _("at least amount_min (%(amount)s)") % {"amount": format_won(amount_min)})
        checked.append({"index": index, "name": name, "rank_from": rank_from, "rank_to": rank_to,
                        "amount_min": amount_min, "amount_max": amount_max})
    expected = 1
    for tier in sorted(checked, key=lambda t: (t["rank_from"], t["index"])):
        if tier["rank_from"] != expected:
            rule = (_("must be 1: the table starts at the first rank") if expected == 1 else
                    _("must be %(rank)s, right after the tier before (no gap, no overlap)") % {"rank": expected})
            raise fail(f"tiers[{tier['index']}].rank_from",
                       _("The tiers' ranks must run from 1 without gaps or overlaps."), rule)
        expected = int(tier["rank_to"]) + 1
    return sorted(checked, key=lambda t: t["rank_from"])


@transactional
def award_table_set(*, actor: User, today: date, contest_id: int, tiers: Sequence[Any]) -> list[AwardTier]:
    """A manager replaces the contest's award table (시상 기준): tiers of final ranks (contiguous from 1, not
    overlapping), each with an amount range in whole won (equal ends: a fixed amount). Only while no award was
    prepared under the table (a cancelled award too: the tiers are its record), and not once the contest is closed.
    Raises Forbidden, NotFound, InvalidState, ValidationFailed."""
    del today  # no rule reads it; the signature is every service's
    ACCESS.require(actor, "award.table")
    checked = _check_tiers(tiers)
    contest = lock_contest(contest_id)
    require_phase(contest, *[phase for phase in Phase.values if phase != Phase.CLOSED],
                  doing=_("Changing the award table"))
    prepared = Award.objects.filter(contest=contest).count()
    if prepared:
        raise InvalidState(
            _("%(count)s award(s) were already prepared under this award table; it can no longer be changed.")
            % {"count": prepared},
            fields={"tiers": [_("fixed once an award is prepared")]},
        )
    before = [snapshot(tier, TIER_AUDITED) for tier in AwardTier.objects.filter(contest=contest)]
    AwardTier.objects.filter(contest=contest).delete()
    AwardTier.objects.bulk_create([
        AwardTier(contest=contest, name=tier["name"], rank_from=tier["rank_from"], rank_to=tier["rank_to"],
                  amount_min=Money(tier["amount_min"], KRW), amount_max=Money(tier["amount_max"], KRW))
        for tier in checked])
    made = list(AwardTier.objects.filter(contest=contest).order_by("rank_from"))
    audit_record(actor=actor, action=AWARD_TABLE, obj=contest, before={"tiers": before},
                 after={"tiers": [snapshot(tier, TIER_AUDITED) for tier in made]})
    return made


# --- awards ------------------------------------------------------------------------------------------------------


def _final_rank(contest: Contest, entry: Entry) -> int:
    """The entry's rank on the contest's confirmed final advance list. Raises InvalidState, Ineligible."""
    final_list = AdvanceList.objects.filter(round__contest=contest, round__kind=RoundKind.FINAL,
                                            state=AdvanceList.State.CONFIRMED).first()
    if final_list is None:
        raise InvalidState(_("The final's advance list is not confirmed yet; awards follow its ranking."),
                           fields={"entry": [_("no confirmed final ranking")]})
    rank = AdvanceListLine.objects.filter(advance_list=final_list, entry=entry).values_list("rank", flat=True).first()
    if rank is None:
        raise Ineligible(_("The entry has no rank on the final's advance list."),
                         fields={"entry": [_("not ranked in the final")]})
    return int(rank)


def _check_tranches(tranches: Sequence[Any] | None, amount: Decimal) -> list[Decimal]:
    if tranches is None:
        return [amount]
    if not isinstance(tranches, list | tuple) or not tranches:
        raise fail("tranches", _("The tranches are a list of amounts."), _("a list of 1 to %(max)s amounts")
                   % {"max": MAX_TRANCHES})
    if len(tranches) > MAX_TRANCHES:
        raise fail("tranches", _("An award is paid in at most %(max)s tranches.") % {"max": MAX_TRANCHES},
                   _("at most %(max)s tranches") % {"max": MAX_TRANCHES})
    amounts = [won_input(value, f"tranches[{index}]") for index, value in enumerate(tranches)]
    total = sum(amounts, ZERO)
    if total != amount:
        raise fail("tranches", _("The tranches add up to %(total)s, not the award's %(amount)s.")
                   % {"total": format_won(total), "amount": format_won(amount)},
                   _("must add up to the amount, %(amount)s") % {"amount": format_won(amount)})
    return amounts


@transactional
def award_prepare(*, actor: User, today: date, entry_id: int, amount: Any,
                  tranches: Sequence[Any] | None = None) -> Award:
    """A manager prepares the award of a selected entry, in the final (once its advance list is confirmed) or the
    awards phase: its final rank from the confirmed final advance list, the tier of the award table covering that
    rank, an amount within the tier's range, and the tranches it is paid in (at most six, adding up to the amount;
    by default one). One live award per entry. Another manager approves it. Raises Forbidden, NotFound,
    InvalidState, Ineligible, ValidationFailed."""
    del today  # no rule reads it; the signature is every service's
    ACCESS.require(actor, "award.prepare")
    value = won_input(amount, "amount")
    planned = _check_tranches(tranches, value)
    contest_id = Entry.objects.filter(pk=entry_id).values_list("contest_id", flat=True).first()
    if contest_id is None:
        raise NotFound(_("No such contest entry."))
    contest = lock_contest(contest_id)
    entry = lock_entry(entry_id)
    require_phase(contest, Phase.FINAL, Phase.AWARDS, doing=_("Preparing an award"))
    if entry.state != Entry.State.SELECTED:
        raise state_error(_("Only an entry selected in the final can be awarded; this one's state is %(state)s."),
                           entry)
    live = Award.objects.filter(entry=entry).exclude(state=AState.CANCELLED).first()
    if live is not None:
        raise InvalidState(_("This entry already has an award (#%(award)s, %(state)s).")
                           % {"award": live.pk, "state": live.get_state_display()},
                           fields={"entry": [_("already awarded")]})
    rank = _final_rank(contest, entry)
    tier = AwardTier.objects.filter(contest=contest, rank_from__lte=rank, rank_to__gte=rank).first()
    if tier is None:
        raise Ineligible(_("Rank %(rank)s has no award in the contest's award table.") % {"rank": rank},
                         fields={"entry": [_("rank %(rank)s has no award") % {"rank": rank}]})
    low, high = tier.amount_min.amount, tier.amount_max.amount
    if not low <= value <= high:
        rule = (_("must be %(low)s (%(tier)s)") if low == high else _("from %(low)s to %(high)s (%(tier)s)")) % {
            "low": format_won(low), "high": format_won(high), "tier": tier.name}
        raise fail("amount", _("The amount is outside the range of the tier for rank %(rank)s.") % {"rank": rank},
                   rule)
    award = Award.objects.create(contest=contest, entry=entry, tier=tier, rank=rank, amount=Money(value, KRW),
                                 prepared_by=actor)
    AwardTranche.objects.bulk_create([AwardTranche(award=award, number=number, amount=Money(part, KRW))
                                      for number, part in enumerate(planned, start=1)])
    audit_record(actor=actor, action=AWARD_PREPARE, obj=award,
                 after={**snapshot(award, AWARD_AUDITED), "tranches": [str(part) for part in planned]})
    return award


@transactional
def award_approve(*, actor: User, today: date, award_id: int, idempotency_key: str) -> tuple[Award, bool]:
    """A manager other than the one who prepared it (four eyes), and who does not act for the entry's enterprise,
    approves a prepared award in the final or awards phase: the whole amount is reserved out of the joint fund's
    cash, never more than it holds. The entry is told. Returns the award and whether it was approved now (the same
    manager and key give the first approval back). Raises Forbidden, NotFound, InvalidState, ValidationFailed,
    InsufficientFunds."""
    ACCESS.require(actor, "award.approve")
    key = check_key(idempotency_key)
    award = lock_award(award_id)
    journal_key = _award_key(award, "reserve", key)
    if award.state in (AState.APPROVED, AState.SETTLED) and replayed(award.reserve_journal_id, journal_key):
        if award.approved_by_id != actor.pk:
            raise key_used_by_another(key)
        return award, False
    if award.state != AState.PREPARED:
        raise state_error(_("Only a prepared award can be approved; this one's state is %(state)s."), award)
    if award.prepared_by_id == actor.pk:
        raise InvalidState(_("The manager who prepared an award may not approve it (four eyes)."),
                           fields={"approved_by": [_("four eyes: not the manager who prepared it")]})
    entry = Entry.objects.select_related("enterprise").get(pk=award.entry_id)
    if is_member(actor, entry.enterprise_id):
        raise InvalidState(_("You act for this enterprise, so you may not approve its award."),
                           fields={"approved_by": [_("acts for the awarded enterprise")]})
    # The phase is read, not locked: it only moves on, and the contest's row is no part of what an approval writes
    # (two approvals race only for the joint fund's cash, which the ledger locks).
    contest = Contest.objects.select_related("book").get(pk=award.contest_id)
    require_phase(contest, Phase.FINAL, Phase.AWARDS, doing=_("Approving an award"))
    amount = award.amount.amount
    book = contest.book
    reserved, _advance = chart.award_accounts(book, award.pk)
    cash = chart.account(book, chart.CASH)
    try:
        posted = journal_post(
            lines=[debit(reserved, amount), credit(cash, amount)], kind="contest.award_reserve",
            effective_date=today, idempotency_key=journal_key, actor=actor,
            memo=f"시상금 유보 #{award.pk} {entry.enterprise.name}"[:500],
        )
    except InsufficientFunds:
        holds = format_won(chart.account(book, chart.CASH).balance.amount)
        raise InsufficientFunds(
            _("The joint fund holds %(cash)s; the award of %(amount)s cannot be reserved out of it.")
            % {"cash": holds, "amount": format_won(amount)},
            fields={"amount": [_("exceeds what the joint fund holds, %(cash)s") % {"cash": holds}]},
        ) from None
    before = snapshot(award, AWARD_AUDITED)
    award.state = AState.APPROVED
    award.approved_by, award.approved_at = actor, timezone.now()
    award.reserve_journal = posted.journal
    award.save(update_fields=["state", "approved_by", "approved_at", "reserve_journal"])
    EntryNotice.objects.create(
        entry=entry, kind=EntryNotice.Kind.AWARDED, round_kind=RoundKind.FINAL,
        message=_("Your entry is awarded %(amount)s (%(tier)s, rank %(rank)s in the final), paid in %(count)s "
                  "tranche(s).") % {"amount": format_won(amount), "tier": award.tier.name, "rank": award.rank,
                                    "count": award.tranches.count()},
    )
    audit_record(actor=actor, action=AWARD_APPROVE, obj=award, before=before, after=snapshot(award, AWARD_AUDITED))
    return award, True


@transactional
def award_cancel(*, actor: User, today: date, award_id: int, reason: str) -> Award:
    """A manager cancels an award, with a reason: a prepared one (nothing moves), or an approved one of which
    nothing was paid (its reservation goes back to the joint fund's cash). The entry may then be awarded again.
    Raises Forbidden, NotFound, InvalidState, ValidationFailed."""
    ACCESS.require(actor, "award.cancel")
    reason = require_reason(reason)
    award = lock_award(award_id)
    if award.state not in (AState.PREPARED, AState.APPROVED):
        raise state_error(_("Only a prepared or approved award can be cancelled; this one's state is %(state)s."),
                           award)
    if award.paid.amount > 0:
        raise InvalidState(_("%(paid)s of this award was paid already; it can no longer be cancelled.")
                           % {"paid": format_won(award.paid.amount)},
                           fields={"paid": [_("must be nothing paid")]})
    before = snapshot(award, AWARD_AUDITED)
    released = None
    if award.state == AState.APPROVED:
        book = book_of(award)
        reserved, _advance = chart.award_accounts(book, award.pk)
        amount = award.amount.amount
        released = journal_post(
            lines=[debit(chart.account(book, chart.CASH), amount), credit(reserved, amount)],
            kind="contest.award_release", effective_date=today, idempotency_key=_award_key(award, "release"),
            actor=actor, memo=f"시상 취소 #{award.pk}"[:500],
        ).journal
    award.state = AState.CANCELLED
    award.save(update_fields=["state"])
    audit_record(actor=actor, action=AWARD_CANCEL, obj=award, reason=reason, before=before,
                 after={**snapshot(award, AWARD_AUDITED), "release_journal": released.pk if released else None})
    return award


# --- tranches ----------------------------------------------------------------------------------------------------


def close_award_if_done(award: Award) -> None:
    """The award is settled when every one of its tranches is closed."""
    if not AwardTranche.objects.filter(award=award).exclude(state=TState.CLOSED).exists():
        award.state = AState.SETTLED
        award.save(update_fields=["state"])


@transactional
def tranche_pay(*, actor: User, today: date, tranche_id: int, paid_on: date,
                idempotency_key: str) -> tuple[AwardTranche, bool]:
    """A manager pays a planned tranche of an approved award on ``paid_on`` (not before the award's approval nor
    the tranche before; a date that moves money), tranches in order (the one before must be paid): out of the
    award's reservation into its advance. Returns the tranche and whether it was paid now (the same manager and key
    give the first payment back). Raises Forbidden, NotFound, InvalidState, ValidationFailed, IdempotencyConflict."""
    ACCESS.require(actor, "tranche.pay")
    key = check_key(idempotency_key)
    award, tranche = lock_tranche(tranche_id)
    journal_key = tranche_key(tranche, "pay", key)
    if tranche.state != TState.PLANNED and replayed(tranche.pay_journal_id, journal_key):
        if tranche.paid_by_id != actor.pk:
            raise key_used_by_another(key)
        if tranche.paid_on != paid_on:
            raise IdempotencyConflict(_("This idempotency key was already used for a different request."),
                                      fields={KEY_FIELD: [_("already used with another payment date")]})
        return tranche, False
    if award.state != AState.APPROVED:
        raise state_error(_("Tranches are paid only on an approved award; this one's state is %(state)s."), award)
    if tranche.state != TState.PLANNED:
        raise state_error(_("This tranche was paid already; its state is %(state)s."), tranche)
    assert award.reserve_journal is not None  # set with the approved state (award_approve)
    approved_on = award.reserve_journal.effective_date
    limits = [Limit(approved_on, _("the award's approval"))]
    if tranche.number > 1:
        previous = AwardTranche.objects.get(award=award, number=tranche.number - 1)
        if previous.state not in PAID_OUT:
            raise InvalidState(_("Tranches are paid in order: tranche %(number)s is not paid yet.")
                               % {"number": previous.number},
                               fields={"number": [_("tranche %(number)s must be paid first")
                                                  % {"number": previous.number}]})
        assert previous.paid_on is not None
        limits.append(Limit(previous.paid_on, _("the payment of tranche %(number)s") % {"number": previous.number}))
    check_money_date(paid_on, field="paid_on", today=today, not_before=limits)
    book = book_of(award)
    reserved, advance = chart.award_accounts(book, award.pk)
    amount = tranche.amount.amount
    posted = journal_post(
        lines=[debit(advance, amount), credit(reserved, amount)], kind="contest.tranche_pay",
        effective_date=paid_on, idempotency_key=journal_key, actor=actor,
        memo=f"시상금 지급 #{award.pk} {tranche.number}차"[:500],
    )
    before = snapshot(tranche, TRANCHE_AUDITED)
    tranche.state = TState.PAID
    tranche.paid_on, tranche.paid_by, tranche.pay_journal = paid_on, actor, posted.journal
    tranche.save(update_fields=["state", "paid_on", "paid_by", "pay_journal"])
    award.paid = Money(award.paid.amount + amount, KRW)
    award.save(update_fields=["paid"])
    audit_record(actor=actor, action=TRANCHE_PAY, obj=tranche, before=before,
                 after={**snapshot(tranche, TRANCHE_AUDITED), "award_paid": award.paid.amount})
    return tranche, True
