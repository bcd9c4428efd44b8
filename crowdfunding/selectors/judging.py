"""Reads of the judging: who is recused from which entry and why, a round's ranking, a judge's queue, a round's
progress, the scores a user may see, and the round whose ranking a user may see.

Recusal (회피) is computed when it is asked for, never stored: a judge may not score an entry, and any score it gave
does not count, when

- ``own_enterprise``: it is a member of the entry's enterprise (``Membership``);
- ``recommending_partner``: it works for the entry's recommending partner (``judge.institution_id ==
  entry.partner_id``);
- ``declared``: it declared a conflict on the entry (``Conflict``), in any round of the contest: a conflict of
  interest is with the entry, so one declared in the screening also holds in the final.

When several hold, the first of these is named. A ranking is computed from the scores as they are now: a membership
recorded after a round closed takes that judge's score of that entry out of the round's ranking (a confirmed advance
list keeps the ranks and scores it was prepared with).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.engines import judging
from core.errors import Forbidden, NotFound
from enterprises.models import Membership, User
from enterprises.roles import STAFF_READERS, has_role

from ..models import Conflict, Contest, Entry, Panel, PanelJudge, Round, RoundKind, Score
from .visibility import pool_filter, round_pool, seats_of

OWN_ENTERPRISE = "own_enterprise"
RECOMMENDING_PARTNER = "recommending_partner"
DECLARED = "declared"
RECUSAL_CODES = (OWN_ENTERPRISE, RECOMMENDING_PARTNER, DECLARED)  # in the order they are named when several hold

JudgeEntry = tuple[int, int]  # (judge id, entry id)


@dataclass(frozen=True)
class Recusal:
    """Why a judge may not score an entry: a stable ``code`` (one of ``RECUSAL_CODES``) and the ``reason`` in
    words."""

    code: str
    reason: str


def _own_enterprise() -> Recusal:
    return Recusal(OWN_ENTERPRISE, _("member of the entry's enterprise"))


def _recommending_partner() -> Recusal:
    return Recusal(RECOMMENDING_PARTNER, _("works for the entry's recommending partner"))


def _declared(reason: str) -> Recusal:
    return Recusal(DECLARED, _("declared a conflict: %(reason)s") % {"reason": reason})


def recusal(judge: Any, entry: Entry) -> Recusal | None:
    """Why ``judge`` may not score ``entry`` (the first rule that holds), or None."""
    if Membership.objects.filter(user_id=judge.pk, enterprise_id=entry.enterprise_id).exists():
        return _own_enterprise()
    if entry.partner_id is not None and getattr(judge, "institution_id", None) == entry.partner_id:
        return _recommending_partner()
    declared = (Conflict.objects.filter(judge_id=judge.pk, entry_id=entry.pk).order_by("declared_at", "pk")
                .values_list("reason", flat=True).first())
    if declared is not None:
        return _declared(declared)
    return None


def recusal_reason(judge: Any, entry: Entry) -> str | None:
    """Why ``judge`` may not score ``entry``, in words, or None (see ``recusal`` for the stable code)."""
    found = recusal(judge, entry)
    return found.reason if found else None


def recusals(judges: dict[int, int | None], entries: Sequence[Entry],
             declared_by: datetime | None = None) -> dict[JudgeEntry, Recusal]:
    """Every recused (judge, entry) pair among ``judges`` (judge id -> its institution id) and ``entries``, with the
    first rule that holds. With ``declared_by`` (a closed round's closing time), only the conflicts declared by then:
    a conflict declared in a later round does not rewrite a closed round's ranking. Two queries, however many judges
    and entries."""
    if not judges or not entries:
        return {}
    found: dict[JudgeEntry, Recusal] = {}
    entry_ids = [entry.pk for entry in entries]
    # Declared conflicts first, so that a rule named earlier overwrites them (the earliest declaration's reason).
    conflicts = Conflict.objects.filter(judge_id__in=list(judges), entry_id__in=entry_ids)
    if declared_by is not None:
        conflicts = conflicts.filter(declared_at__lte=declared_by)
    declared = conflicts.order_by("-declared_at", "-pk").values_list("judge_id", "entry_id", "reason")
    for judge_id, entry_id, reason in declared:
        found[(judge_id, entry_id)] = _declared(reason)
    by_partner: dict[int, list[int]] = defaultdict(list)
    for judge_id, institution_id in judges.items():
        if institution_id is not None:
            by_partner[institution_id].append(judge_id)
    for entry in entries:
        for judge_id in by_partner.get(entry.partner_id or 0, ()):
            found[(judge_id, entry.pk)] = _recommending_partner()
    by_enterprise: dict[int, list[int]] = defaultdict(list)
    for entry in entries:
        by_enterprise[entry.enterprise_id].append(entry.pk)
    members = Membership.objects.filter(user_id__in=list(judges), enterprise_id__in=list(by_enterprise)).values_list(
        "user_id", "enterprise_id")
    for judge_id, enterprise_id in members:
        for entry_id in by_enterprise[enterprise_id]:
            found[(judge_id, entry_id)] = _own_enterprise()
    return found


def _institutions(judge_ids: Iterable[int]) -> dict[int, int | None]:
    return dict(User.objects.filter(pk__in=set(judge_ids)).values_list("pk", "institution_id"))


# --- the ranking ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelScore:
    """One panel's result for an entry: the aggregated score (None: no judge of the panel counted) and how many
    judges' scores counted."""

    panel_id: int
    name: str
    kind: str
    weight: Decimal
    score: Decimal | None
    judges: int


@dataclass(frozen=True)
class RankingRow:
    """An entry in a round's ranking: each panel's result, the combined score (panel weights), the expert panels'
    score (the tie-break), the rank (None: nobody's score counted), whether the tie-break decided its place, and
    whether every panel has a result for it."""

    entry_id: int
    title: str
    enterprise_id: int
    enterprise_name: str
    submitted_at: datetime | None
    panels: tuple[PanelScore, ...]
    combined: Decimal | None
    expert: Decimal | None
    rank: int | None
    tie_broken: bool
    complete: bool

    def ranked(self) -> judging.Ranked:
        """The row as the engine's ``Ranked`` (for ``judging.select_advancing``)."""
        return judging.Ranked(entry=self.entry_id, rank=self.rank, score=self.combined, expert_score=self.expert,
                              tie_broken=self.tie_broken)


def round_ranking(judged: Round) -> list[RankingRow]:
    """The round's ranking, best first, then the entries nobody's score counted for. The pool is
    ``visibility.round_pool``; every score of the round counts except the recused pairs' (``recusals``, computed
    now); each panel aggregates by the round's method (``judging.aggregate_panel``); the panels combine by weight
    (``judging.combine_panels``); ``judging.rank`` orders them, ties broken by the expert panels' score, then the
    earlier submission, then the smaller id (``judging.TIE_BREAK``). Six queries, however many entries."""
    pool = list(round_pool(judged).select_related("enterprise"))
    panels = list(Panel.objects.filter(round=judged).order_by("pk"))
    entry_ids = {entry.pk for entry in pool}
    scores = [row for row in Score.objects.filter(round=judged).values_list("judge_id", "entry_id", "panel_id",
                                                                             "total")
              if row[1] in entry_ids]
    closed_at = judged.closed_at if judged.state == Round.State.CLOSED else None
    excluded = recusals(_institutions(row[0] for row in scores), pool, declared_by=closed_at)
    by_panel: dict[int, dict[JudgeEntry, Decimal]] = {panel.pk: {} for panel in panels}
    for judge_id, entry_id, panel_id, total in scores:
        by_panel.setdefault(panel_id, {})[(judge_id, entry_id)] = total
    results = {panel.pk: judging.aggregate_panel(scores=by_panel[panel.pk], method=judged.aggregation,
                                                 excluded=excluded.keys())
               for panel in panels}
    weights = {panel.pk: panel.weight for panel in panels}
    combined = judging.combine_panels(results=results, weights=weights) if panels else {}
    experts = [panel.pk for panel in panels if panel.kind == Panel.Kind.EXPERT]
    expert = (judging.combine_panels(results={pk: results[pk] for pk in experts},
                                     weights={pk: weights[pk] for pk in experts}) if experts else {})
    ranked = judging.rank(rows=[
        judging.RankInput(entry=entry.pk, score=combined[entry.pk].score if entry.pk in combined else None,
                          expert_score=expert[entry.pk].score if entry.pk in expert else None,
                          entered_at=entry.submitted_at, entry_order=entry.pk)
        for entry in pool])
    entries = {entry.pk: entry for entry in pool}
    rows = []
    for place in ranked:
        entry = entries[place.entry]
        cells = tuple(
            PanelScore(panel_id=panel.pk, name=panel.name, kind=panel.kind, weight=panel.weight,
                       score=results[panel.pk][entry.pk].score if entry.pk in results[panel.pk] else None,
                       judges=results[panel.pk][entry.pk].judges if entry.pk in results[panel.pk] else 0)
            for panel in panels)
        rows.append(RankingRow(
            entry_id=entry.pk, title=entry.title, enterprise_id=entry.enterprise_id,
            enterprise_name=entry.enterprise.name, submitted_at=entry.submitted_at, panels=cells,
            combined=place.score, expert=place.expert_score, rank=place.rank, tie_broken=place.tie_broken,
            complete=combined[entry.pk].complete if entry.pk in combined else False))
    return rows


def ranking_round_for(user: Any, contest_id: int, kind: str) -> Round:
    """The round of ``kind`` of the contest whose ranking ``user`` asks for: staff, any; a judge, a round it sits on
    once it has closed (before: Forbidden naming the rule; a round it does not sit on: NotFound, as is a contest or
    round that does not exist)."""
    judged = Round.objects.filter(contest_id=contest_id, kind=kind).select_related("contest").first()
    if judged is None:
        if not Contest.objects.filter(pk=contest_id).exists():
            raise NotFound(_("No such contest."))
        raise NotFound(_("The contest has no %(round)s round.") % {"round": RoundKind(kind).label})
    if has_role(user, *STAFF_READERS):
        return judged
    if not seats_of(user).filter(round=judged).exists():
        raise NotFound(_("No such judging round."))
    if judged.state != Round.State.CLOSED:
        raise Forbidden(_("A judge sees the round's ranking once the round has closed."),
                        fields={"round": [_("the ranking opens to its judges when the round closes")]})
    return judged


# --- a judge's queue and a round's progress ------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    """An entry a judge has still to score in an open round (``recusal`` None), or one it may not score (with why)."""

    round: Round
    panel: Panel
    entry: Entry
    recusal: Recusal | None


def judge_queue(judge: Any) -> list[QueueItem]:
    """Per open round ``judge`` sits on (oldest first), the entries of its pool it has not scored and is not recused
    from, in the order they were submitted; then those it is recused from, flagged with the reason (scored or
    not). A query per round, and three more."""
    seats = list(seats_of(judge).filter(round__state=Round.State.OPEN).select_related("round__contest", "panel")
                 .order_by("round_id"))
    if not seats:
        return []
    scored = set(Score.objects.filter(judge_id=judge.pk, round_id__in=[seat.round_id for seat in seats])
                 .values_list("round_id", "entry_id"))
    pools = {seat.round_id: list(round_pool(seat.round).select_related("enterprise")) for seat in seats}
    recused = recusals({judge.pk: judge.institution_id}, [entry for pool in pools.values() for entry in pool])
    items: list[QueueItem] = []
    for seat in seats:
        pool = pools[seat.round_id]
        items += [QueueItem(seat.round, seat.panel, entry, None) for entry in pool
                  if (judge.pk, entry.pk) not in recused and (seat.round_id, entry.pk) not in scored]
        items += [QueueItem(seat.round, seat.panel, entry, recused[(judge.pk, entry.pk)]) for entry in pool
                  if (judge.pk, entry.pk) in recused]
    return items


@dataclass(frozen=True)
class PanelProgress:
    """How far a panel's judging has come: its judges, the scores recorded that count, the scores expected (every
    judge on every entry of the pool it is not recused from), and the recused (judge, entry) pairs."""

    panel_id: int
    name: str
    kind: str
    weight: Decimal
    judges: int
    recorded: int
    expected: int
    recused: int


def judging_progress(judged: Round) -> list[PanelProgress]:
    """Per panel of the round (in the order they were made): judges, scores recorded, scores expected. Five
    queries."""
    panels = list(Panel.objects.filter(round=judged).order_by("pk"))
    seats = list(PanelJudge.objects.filter(round=judged).values_list("panel_id", "judge_id", "judge__institution_id"))
    pool = list(round_pool(judged))
    recused = recusals({judge_id: institution_id for _panel, judge_id, institution_id in seats}, pool)
    entry_ids = {entry.pk for entry in pool}
    recorded: dict[int, int] = defaultdict(int)
    for panel_id, judge_id, entry_id in Score.objects.filter(round=judged).values_list("panel_id", "judge_id",
                                                                                       "entry_id"):
        if entry_id in entry_ids and (judge_id, entry_id) not in recused:
            recorded[panel_id] += 1
    progress = []
    for panel in panels:
        judges = [judge_id for panel_id, judge_id, _institution in seats if panel_id == panel.pk]
        out = sum(1 for judge_id in judges for entry_id in entry_ids if (judge_id, entry_id) in recused)
        progress.append(PanelProgress(panel_id=panel.pk, name=panel.name, kind=panel.kind, weight=panel.weight,
                                      judges=len(judges), recorded=recorded[panel.pk],
                                      expected=len(judges) * len(entry_ids) - out, recused=out))
    return progress


# --- the scores a user sees ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisibleScore:
    """A score as a user may see it, with whether it counts (None) or why not."""

    score: Score
    recusal: Recusal | None


def scores_visible_to(user: Any, entry: Entry) -> list[VisibleScore]:
    """The scores of ``entry`` ``user`` may see (the entry itself must be visible to it: the caller's check). Staff:
    every score, of every round. A judge, in each round it sits on that judges the entry: while the round is not
    closed, only its own score (blind); after, every score of the round."""
    scores = Score.objects.filter(entry=entry).select_related("round", "panel", "judge").order_by("round_id", "pk")
    if not has_role(user, *STAFF_READERS):
        rounds = [seat.round for seat in seats_of(user).filter(round__contest_id=entry.contest_id)
                  .select_related("round")
                  if Entry.objects.filter(pk=entry.pk).filter(pool_filter(seat.round.kind)).exists()]
        closed = [judged.pk for judged in rounds if judged.state == Round.State.CLOSED]
        open_ = [judged.pk for judged in rounds if judged.state != Round.State.CLOSED]
        scores = scores.filter(round_id__in=closed) | scores.filter(round_id__in=open_, judge_id=user.pk)
    found = list(scores)
    recused = recusals({score.judge_id: score.judge.institution_id for score in found}, [entry])
    return [VisibleScore(score, recused.get((score.judge_id, entry.pk))) for score in found]
