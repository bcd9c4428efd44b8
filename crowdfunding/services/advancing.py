"""Advancing (진출 명단): after a round closes, one manager prepares the list of entries that go on from its ranking
(the top N, or every entry at or above a cut: ``judging.select_advancing``), another confirms it (four eyes), and
the entries move: from the screening, ``advanced`` (서류 통과) or ``not_advanced``; from the final, ``selected``
(수상 선정) or ``not_advanced``. Each entry is told, with its rank (``EntryNotice``).

The list keeps a line for every entry of the round's pool, with its rank and combined score when it was prepared:
what the second manager confirms is what the first prepared. If an entry of the pool is no longer where the round
left it (withdrawn meanwhile), confirming is refused: the list is cancelled and prepared again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record, snapshot
from core.db import transactional
from core.engines import judging
from core.errors import InvalidState, NotFound
from enterprises.models import User

from ..access import ACCESS
from ..actions import ADVANCE_CANCEL, ADVANCE_CONFIRM, ADVANCE_PREPARE
from ..locks import lock_advance_list, lock_contest, lock_entries, lock_round
from ..models import AdvanceList, AdvanceListLine, Entry, EntryNotice, Round, RoundKind
from ..selectors.judging import round_ranking
from .common import fail, require_phase
from .judging import number_input

LIST_AUDITED = ["round", "state", "top_n", "cut", "prepared_by", "decided_by", "decided_at"]
CUT_PLACES = 4  # as the combined scores: judging.SCORE_PLACES


def _check_selection(top_n: Any, cut: Any) -> tuple[int | None, Decimal | None]:
    """Exactly one of ``top_n`` (a whole number from 1) and ``cut`` (a score from 0 to 100). Raises
    ValidationFailed naming them."""
    if (top_n is None) == (cut is None):
        rule = _("give exactly one of top_n and cut")
        raise fail("top_n", _("Advance either the top N or those at or above a cut: give exactly one."), rule)
    if top_n is not None:
        if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
            raise fail("top_n", _("Bad number of entries."), _("a whole number from 1"))
        return top_n, None
    return None, number_input(cut, "cut", places=CUT_PLACES, low=Decimal(0), high=Decimal(100))


def _live_list(judged: Round) -> AdvanceList | None:
    return AdvanceList.objects.filter(round=judged).exclude(state=AdvanceList.State.CANCELLED).first()


@transactional
def advance_prepare(*, actor: User, today: date, round_id: int, top_n: int | None = None,
                    cut: Any = None) -> AdvanceList:
    """Prepare the list of entries that go on from a closed round, while the contest is in the round's phase: the
    ranking (``selectors.judging.round_ranking``) as it is now, a line per entry of the pool with its rank, score and
    whether it advances (the top ``top_n`` ranked, or every ranked entry scoring at least ``cut``; an entry nobody
    scored never advances). One live list per round. Raises ValidationFailed, NotFound, InvalidState, Forbidden."""
    del today
    ACCESS.require(actor, "advance.prepare")
    top, bar = _check_selection(top_n, cut)
    contest_id = Round.objects.filter(pk=round_id).values_list("contest_id", flat=True).first()
    if contest_id is None:
        raise NotFound(_("No such judging round."))
    contest = lock_contest(contest_id)
    judged = lock_round(round_id)
    if judged.state != Round.State.CLOSED:
        raise InvalidState(_("The round must be closed before its advance list is prepared; its state is "
                             "%(state)s.") % {"state": judged.get_state_display()},
                           fields={"round": [_("is %(state)s, not closed") % {"state": judged.state}]})
    require_phase(contest, judged.kind, doing=_("Preparing the %(round)s round's advance list")
                  % {"round": judged.get_kind_display()})
    live = _live_list(judged)
    if live is not None:
        raise InvalidState(_("The round already has an advance list (#%(list)s, %(state)s); cancel it first.")
                           % {"list": live.pk, "state": live.get_state_display()},
                           fields={"round": [_("has a %(state)s advance list") % {"state": live.state}]})
    ranking = round_ranking(judged)
    advancing = set(judging.select_advancing(ranked=[row.ranked() for row in ranking], top_n=top, cut=bar))
    made = AdvanceList.objects.create(round=judged, top_n=top, cut=bar, prepared_by=actor)
    AdvanceListLine.objects.bulk_create([
        AdvanceListLine(advance_list=made, entry_id=row.entry_id, rank=row.rank, score=row.combined,
                        advances=row.entry_id in advancing)
        for row in ranking])
    audit_record(actor=actor, action=ADVANCE_PREPARE, obj=made,
                 after={**snapshot(made, LIST_AUDITED), "advancing": sorted(advancing),
                        "lines": len(ranking)})
    return made


def _notice(entry: Entry, line: AdvanceListLine, kind: str, ranked: int) -> EntryNotice:
    """What the entry's enterprise is told."""
    where = (_("ranked %(rank)s of %(count)s") % {"rank": line.rank, "count": ranked} if line.rank is not None
             else _("not ranked: no judge's score counted"))
    context = {"title": entry.title, "contest": entry.contest.name, "where": where}
    if kind == RoundKind.SCREENING:
        message = (_("%(title)s passed the document screening of %(contest)s (%(where)s).") if line.advances
                   else _("%(title)s did not pass the document screening of %(contest)s (%(where)s)."))
    else:
        message = (_("%(title)s was selected for an award in the final of %(contest)s (%(where)s).") if line.advances
                   else _("%(title)s was not selected for an award in the final of %(contest)s (%(where)s)."))
    return EntryNotice(entry=entry, kind=EntryNotice.Kind.ADVANCED if line.advances else EntryNotice.Kind.NOT_ADVANCED,
                       round_kind=kind, message=message % context)


@transactional
def advance_confirm(*, actor: User, today: date, list_id: int) -> AdvanceList:
    """Another manager confirms a prepared list (four eyes: whoever prepared it cannot), while the contest is in the
    round's phase: the entries that advance move to ``advanced`` (screening) or ``selected`` (final), the others to
    ``not_advanced`` (eliminated in this round), and each is told with its rank. Raises NotFound, InvalidState,
    Forbidden."""
    del today
    ACCESS.require(actor, "advance.confirm")
    found = AdvanceList.objects.filter(pk=list_id).values_list("round_id", "round__contest_id").first()
    if found is None:
        raise NotFound(_("No such advance list."))
    round_id, contest_id = found
    contest = lock_contest(contest_id)
    judged = lock_round(round_id)
    lines = list(AdvanceListLine.objects.filter(advance_list_id=list_id).order_by("pk"))
    entries = {entry.pk: entry for entry in lock_entries(line.entry_id for line in lines)}
    advance_list = lock_advance_list(list_id)
    if advance_list.state != AdvanceList.State.PREPARED:
        raise InvalidState(_("Only a prepared advance list can be confirmed; this one's state is %(state)s.")
                           % {"state": advance_list.get_state_display()},
                           fields={"state": [_("is %(state)s") % {"state": advance_list.state}]})
    if advance_list.prepared_by_id == actor.pk:
        raise InvalidState(_("Four eyes: whoever prepared the list cannot confirm it."),
                           fields={"prepared_by": [_("another manager must confirm it (four eyes)")]})
    require_phase(contest, judged.kind, doing=_("Confirming the %(round)s round's advance list")
                  % {"round": judged.get_kind_display()})
    expected = Entry.State.SUBMITTED if judged.kind == RoundKind.SCREENING else Entry.State.ADVANCED
    moved = [str(entry.pk) for entry in entries.values() if entry.state != expected]
    if moved:
        raise InvalidState(_("Entries %(ids)s are no longer where the round left them; cancel this list and prepare "
                             "it again.") % {"ids": ", ".join(moved)},
                           fields={"lines": [_("entries %(ids)s are no longer %(state)s")
                                             % {"ids": ", ".join(moved), "state": expected}]})
    winners = [line.entry_id for line in lines if line.advances]
    losers = [line.entry_id for line in lines if not line.advances]
    go_on = Entry.State.ADVANCED if judged.kind == RoundKind.SCREENING else Entry.State.SELECTED
    Entry.objects.filter(pk__in=winners).update(state=go_on, updated_at=timezone.now())
    Entry.objects.filter(pk__in=losers).update(state=Entry.State.NOT_ADVANCED, eliminated_in=judged.kind,
                                               updated_at=timezone.now())
    ranked = sum(1 for line in lines if line.rank is not None)
    for entry in entries.values():
        entry.contest = contest
    EntryNotice.objects.bulk_create([_notice(entries[line.entry_id], line, judged.kind, ranked) for line in lines])
    before = snapshot(advance_list, LIST_AUDITED)
    advance_list.state = AdvanceList.State.CONFIRMED
    advance_list.decided_by, advance_list.decided_at = actor, timezone.now()
    advance_list.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(actor=actor, action=ADVANCE_CONFIRM, obj=advance_list, before=before,
                 after={**snapshot(advance_list, LIST_AUDITED), "advanced": winners, "not_advanced": losers,
                        "to_state": go_on})
    return advance_list


@transactional
def advance_cancel(*, actor: User, today: date, list_id: int, reason: str = "") -> AdvanceList:
    """A manager cancels a prepared list (any manager, its preparer too), so that another can be prepared. Raises
    NotFound, InvalidState, Forbidden."""
    del today
    ACCESS.require(actor, "advance.prepare")
    advance_list = lock_advance_list(list_id)
    if advance_list.state != AdvanceList.State.PREPARED:
        raise InvalidState(_("Only a prepared advance list can be cancelled; this one's state is %(state)s.")
                           % {"state": advance_list.get_state_display()},
                           fields={"state": [_("is %(state)s") % {"state": advance_list.state}]})
    before = snapshot(advance_list, LIST_AUDITED)
    advance_list.state, advance_list.decided_at = AdvanceList.State.CANCELLED, timezone.now()
    advance_list.save(update_fields=["state", "decided_at"])
    audit_record(actor=actor, action=ADVANCE_CANCEL, obj=advance_list, before=before,
                 after=snapshot(advance_list, LIST_AUDITED), reason=(reason or "").strip())
    return advance_list
