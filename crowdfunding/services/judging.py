"""Judging rounds (심사): a round's rubric and panels set up by a manager, judges seated on the panels, the round
opened in its contest phase and closed by a manager; judges declare conflicts (이해충돌 신고) and score entries.

- ``round_setup`` creates a contest's round of a kind (screening: 서류심사, final: 본선) or, while it is being set
  up, replaces its rubric and panels (a panel kept by name keeps its judges). The rubric is checked by
  ``judging.check_rubric``; the panels' weights add up to 100; a final judged by several panels has an expert panel
  (its score breaks ties). Allowed until the contest is past the round's phase.
- ``panel_judges_assign`` seats users holding the judge role on a panel, one panel per round per judge, while the
  round is being set up or open (citizen judges may join late).
- ``round_open``: only in the contest's phase of the round, with a rubric and every panel seated.
- ``round_close``: the scores are locked, and the ranking opens to the round's judges.
- ``conflict_declare`` and ``score_record`` find the judge's seat in the round of the contest's current phase that
  judges the entry (no seat: not found); a score needs that round open (409 otherwise: "scores are locked" once it
  closed) and no recusal (``selectors.judging.recusal``: 403 ``recused`` naming the reason). Marks are checked per
  criterion (every criterion, 0 to its maximum, in steps of 0.1) and totalled by ``judging.weighted_total``.

Every score and conflict write holds the round's row (``crowdfunding.locks``), so none slips past its closing.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record, snapshot
from core.db import transactional
from core.engines import judging
from core.errors import InvalidState, NotFound, Recused, ValidationFailed
from core.inputs import require_reason
from enterprises.models import User
from enterprises.roles import Role, has_role

from ..access import ACCESS
from ..actions import CONFLICT_DECLARE, ROUND_CLOSE, ROUND_JUDGES, ROUND_OPEN, ROUND_SETUP, SCORE_RECORD
from ..locks import lock_contest, lock_round
from ..models import Aggregation, Conflict, Criterion, Entry, Panel, PanelJudge, Round, RoundKind, Score
from ..selectors.judging import recusal
from ..selectors.visibility import pool_filter
from .common import fail, phase_index, require_phase

HUNDRED = Decimal(100)
MAX_CRITERIA = 20
MAX_PANELS = 10
MAX_WEIGHT = Decimal("9999.99")  # the column's range
MAX_MAX_SCORE = Decimal("1000.0")
MARK_STEP = Decimal("0.1")  # judges score in steps of 0.1
KEY = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
MAX_COMMENT = 2000
MAX_REASON = 500

SETUP_AUDITED = ["contest", "kind", "aggregation", "state"]
SCORE_AUDITED = ["round", "panel", "entry", "judge", "marks", "total", "comment"]


def number_input(value: Any, field: str, *, places: int, low: Decimal, high: Decimal,
                 low_open: bool = False) -> Decimal:
    """``value`` (a Decimal, an int or a decimal string; never a float) as a Decimal with at most ``places``
    decimals, from ``low`` (excluded with ``low_open``) to ``high``. Raises ValidationFailed naming ``field``."""
    number = Decimal("NaN")
    if isinstance(value, Decimal | int | str) and not isinstance(value, bool):
        with contextlib.suppress(InvalidOperation, ValueError):
            number = Decimal(value.strip() if isinstance(value, str) else value)
    if not number.is_finite() or number != number.quantize(Decimal(1).scaleb(-places)):
        raise fail(field, _("Bad number for %(field)s.") % {"field": field},
                   _("a decimal number with at most %(places)s decimals") % {"places": places})
    if number < low or (low_open and number == low) or number > high:
        rule = (_("more than %(low)s and at most %(high)s") if low_open else _("from %(low)s to %(high)s")) % {
            "low": low, "high": high}
        raise fail(field, _("%(field)s is out of range.") % {"field": field}, rule)
    return number


def _text(value: Any, field: str, *, max_length: int, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise fail(field, _("%(field)s is required.") % {"field": field}, _("a text of 1 to %(max)s characters")
                   % {"max": max_length})
    text = value.strip()
    if len(text) > max_length:
        raise fail(field, _("%(field)s is too long.") % {"field": field}, _("at most %(max)s characters")
                   % {"max": max_length})
    return text


def _items(value: Any, field: str, *, most: int) -> list[Mapping[str, Any]]:
    if not isinstance(value, list | tuple) or not value:
        raise fail(field, _("At least one is required."), _("a list of 1 to %(max)s items") % {"max": most})
    if len(value) > most:
        raise fail(field, _("Too many."), _("at most %(max)s items") % {"max": most})
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise fail(f"{field}[{index}]", _("Each item must be an object."), _("an object"))
    return list(value)


def _check_criteria(criteria: Any) -> list[dict[str, Any]]:
    """The rubric as rows to create. Raises ValidationFailed naming ``criteria[i].<name>``."""
    checked: list[dict[str, Any]] = []
    for index, item in enumerate(_items(criteria, "criteria", most=MAX_CRITERIA)):
        name = f"criteria[{index}]"
        key = _text(item.get("key"), f"{name}.key", max_length=40)
        if not KEY.match(key):
            raise fail(f"{name}.key", _("Bad criterion key."),
                       _("lower-case letters and digits, joined by single hyphens or underscores"))
        if any(row["key"] == key for row in checked):
            raise fail(f"{name}.key", _("Two criteria have the key %(key)s.") % {"key": key},
                       _("unique within the rubric"))
        checked.append({
            "key": key,
            "name": _text(item.get("name"), f"{name}.name", max_length=100),
            "description": _text(item.get("description"), f"{name}.description", max_length=500, required=False),
            "weight": number_input(item.get("weight"), f"{name}.weight", places=2, low=Decimal(0), high=MAX_WEIGHT,
                                   low_open=True),
            "max_score": number_input(item.get("max_score"), f"{name}.max_score", places=1, low=Decimal(0),
                                      high=MAX_MAX_SCORE, low_open=True),
            "position": index,
        })
    try:
        judging.check_rubric([judging.Criterion(key=row["key"], weight=row["weight"], max_score=row["max_score"])
                              for row in checked])
    except ValueError as error:
        raise fail("criteria", _("The rubric is not valid."), str(error)) from error
    return checked


def _check_panels(panels: Any, kind: str) -> list[dict[str, Any]]:
    """The panels as rows to create: names unique, kinds known, weights above 0 adding up to 100, and a final judged
    by several panels has an expert one. Raises ValidationFailed naming ``panels[i].<name>`` or ``panels``."""
    checked: list[dict[str, Any]] = []
    for index, item in enumerate(_items(panels, "panels", most=MAX_PANELS)):
        name = f"panels[{index}]"
        panel_name = _text(item.get("name"), f"{name}.name", max_length=100)
        if any(row["name"] == panel_name for row in checked):
            raise fail(f"{name}.name", _("Two panels are named %(name)s.") % {"name": panel_name},
                       _("unique within the round"))
        panel_kind = item.get("kind")
        if panel_kind not in Panel.Kind.values:
            raise fail(f"{name}.kind", _("Unknown panel kind."),
                       _("must be one of %(values)s") % {"values": ", ".join(Panel.Kind.values)})
        checked.append({"name": panel_name, "kind": panel_kind,
                        "weight": number_input(item.get("weight"), f"{name}.weight", places=2, low=Decimal(0),
                                               high=HUNDRED, low_open=True)})
    total = sum((row["weight"] for row in checked), Decimal(0))
    if total != HUNDRED:
        raise fail("panels", _("The panels' weights add up to %(total)s, not 100.") % {"total": total},
                   _("the weights must add up to 100 (they add up to %(total)s)") % {"total": total})
    if kind == RoundKind.FINAL and len(checked) > 1 and not any(row["kind"] == Panel.Kind.EXPERT for row in checked):
        raise fail("panels", _("A final judged by several panels needs an expert panel: its score breaks ties."),
                   _("at least one panel of kind expert"))
    return checked


def _round_rubric(judged: Round) -> dict[str, Any]:
    return {
        **snapshot(judged, SETUP_AUDITED),
        "criteria": [{"key": c.key, "name": c.name, "weight": str(c.weight), "max_score": str(c.max_score)}
                     for c in Criterion.objects.filter(round=judged).order_by("position", "pk")],
        "panels": [{"name": p.name, "kind": p.kind, "weight": str(p.weight)}
                   for p in Panel.objects.filter(round=judged).order_by("pk")],
    }


@transactional
def round_setup(*, actor: User | None, today: date, contest_id: int, kind: str, aggregation: str,
                criteria: Sequence[Mapping[str, Any]], panels: Sequence[Mapping[str, Any]]) -> Round:
    """Create the contest's round of ``kind`` with its rubric (``criteria``: {key, name, weight, max_score,
    description?}) and ``panels`` ({name, kind, weight}), or replace them while the round is being set up (a panel
    whose name is kept keeps its judges; the others go, with their seats). Allowed until the contest is past the
    round's phase. Raises ValidationFailed, NotFound, InvalidState, Forbidden."""
    del today  # no rule reads it yet; the signature is every service's
    if actor is not None:  # None: the system (the demo loader)
        ACCESS.require(actor, "round.setup")
    if kind not in RoundKind.values:
        raise fail("kind", _("Unknown round."),
                   _("must be one of %(values)s") % {"values": ", ".join(RoundKind.values)})
    if aggregation not in Aggregation.values:
        raise fail("aggregation", _("Unknown aggregation."),
                   _("must be one of %(values)s") % {"values": ", ".join(Aggregation.values)})
    rubric = _check_criteria(criteria)
    seats = _check_panels(panels, kind)
    contest = lock_contest(contest_id)
    if phase_index(contest.phase) > phase_index(kind):
        raise InvalidState(
            _("The contest is past its %(round)s phase; its round can no longer be set up.")
            % {"round": RoundKind(kind).label},
            fields={"phase": [_("is %(phase)s") % {"phase": contest.phase}]})
    found = Round.objects.filter(contest=contest, kind=kind).values_list("pk", flat=True).first()
    judged = lock_round(found) if found else None
    before = None
    if judged is None:
        judged = Round.objects.create(contest=contest, kind=kind, aggregation=aggregation)
    else:
        if judged.state != Round.State.SETUP:
            raise InvalidState(_("The round's state is %(state)s: its rubric and panels can no longer change.")
                               % {"state": judged.get_state_display()},
                               fields={"state": [_("is %(state)s") % {"state": judged.state}]})
        before = _round_rubric(judged)
        judged.aggregation = aggregation
        judged.save(update_fields=["aggregation"])
        Criterion.objects.filter(round=judged).delete()
        Panel.objects.filter(round=judged).exclude(name__in=[row["name"] for row in seats]).delete()
    Criterion.objects.bulk_create([Criterion(round=judged, **row) for row in rubric])
    kept = {panel.name: panel for panel in Panel.objects.filter(round=judged)}
    for row in seats:
        panel = kept.get(row["name"])
        if panel is None:
            Panel.objects.create(round=judged, **row)
        elif (panel.kind, panel.weight) != (row["kind"], row["weight"]):
            panel.kind, panel.weight = row["kind"], row["weight"]
            panel.save(update_fields=["kind", "weight"])
    audit_record(actor=actor, action=ROUND_SETUP, obj=judged, before=before, after=_round_rubric(judged))
    return judged


@transactional
def panel_judges_assign(*, actor: User | None, today: date, panel_id: int, judges: Sequence[User]) -> list[PanelJudge]:
    """Seat ``judges`` (each holding the judge role) on the panel, while its round is being set up or open. A judge
    already on this panel stays; one on another panel of the round is refused (a judge sits on one panel per
    round). Returns the seats of ``judges``, in their order. Raises ValidationFailed, NotFound, InvalidState,
    Forbidden."""
    del today
    if actor is not None:  # None: the system (the demo loader)
        ACCESS.require(actor, "round.setup")
    people = list({judge.pk: judge for judge in judges}.values())
    if not people:
        raise fail("judges", _("Name at least one judge."), _("at least one user"))
    not_judges = [str(judge.pk) for judge in people if not has_role(judge, Role.JUDGE)]
    if not_judges:
        raise fail("judges", _("Only users holding the judge role can sit on a panel."),
                   _("users %(ids)s do not hold the judge role") % {"ids": ", ".join(not_judges)})
    round_id = Panel.objects.filter(pk=panel_id).values_list("round_id", flat=True).first()
    if round_id is None:
        raise NotFound(_("No such panel."))
    judged = lock_round(round_id)
    panel = Panel.objects.get(pk=panel_id)
    if judged.state not in (Round.State.SETUP, Round.State.OPEN):
        raise InvalidState(_("The round's state is %(state)s: no judge can join it now.")
                           % {"state": judged.get_state_display()},
                           fields={"state": [_("is %(state)s") % {"state": judged.state}]})
    ids = [judge.pk for judge in people]
    seated = {seat.judge_id: seat for seat in PanelJudge.objects.filter(round=judged, judge_id__in=ids)}
    elsewhere = [str(judge_id) for judge_id, seat in seated.items() if seat.panel_id != panel.pk]
    if elsewhere:
        raise InvalidState(_("A judge sits on one panel of a round; some already sit on another panel of this one."),
                           fields={"judges": [_("users %(ids)s sit on another panel of this round")
                                              % {"ids": ", ".join(elsewhere)}]})
    added = [PanelJudge(panel=panel, round=judged, judge=judge) for judge in people if judge.pk not in seated]
    PanelJudge.objects.bulk_create(added)
    if added:
        audit_record(actor=actor, action=ROUND_JUDGES, obj=panel,
                     after={"round": judged.pk, "added": [seat.judge_id for seat in added]})
    found = {seat.judge_id: seat for seat in PanelJudge.objects.filter(panel=panel, judge_id__in=ids)}
    return [found[judge.pk] for judge in people]


@transactional
def round_open(*, actor: User | None, today: date, round_id: int) -> Round:
    """Set up -> open: judges may score. Only while the contest is in the round's phase (a screening round in
    ``screening``, a final in ``final``), with a rubric and a judge on every panel. Raises NotFound, InvalidState,
    Forbidden."""
    del today
    if actor is not None:  # None: the system (the demo loader)
        ACCESS.require(actor, "round.setup")
    contest_id = Round.objects.filter(pk=round_id).values_list("contest_id", flat=True).first()
    if contest_id is None:
        raise NotFound(_("No such judging round."))
    contest = lock_contest(contest_id)
    judged = lock_round(round_id)
    if judged.state != Round.State.SETUP:
        raise InvalidState(_("Only a round being set up can be opened; this one's state is %(state)s.")
                           % {"state": judged.get_state_display()},
                           fields={"state": [_("is %(state)s") % {"state": judged.state}]})
    require_phase(contest, judged.kind, doing=_("Opening the %(round)s round") % {"round": judged.get_kind_display()})
    if not Criterion.objects.filter(round=judged).exists():
        raise InvalidState(_("The round has no rubric yet."), fields={"criteria": [_("at least one criterion")]})
    panels = list(Panel.objects.filter(round=judged).annotate(seated=Count("judges")).order_by("pk"))
    if not panels:
        raise InvalidState(_("The round has no panel yet."), fields={"panels": [_("at least one panel")]})
    empty = [panel.name for panel in panels if not panel.seated]
    if empty:
        raise InvalidState(_("Every panel needs a judge before the round opens: %(panels)s has none.")
                           % {"panels": ", ".join(empty)}, fields={"panels": [_("a judge on every panel")]})
    before = snapshot(judged, ["state", "opened_at"])
    judged.state, judged.opened_at = Round.State.OPEN, timezone.now()
    judged.save(update_fields=["state", "opened_at"])
    audit_record(actor=actor, action=ROUND_OPEN, obj=judged, before=before,
                 after=snapshot(judged, ["state", "opened_at"]))
    return judged


@transactional
def round_close(*, actor: User, today: date, round_id: int) -> Round:
    """Open -> closed (심사 마감): the scores are locked, and the round's judges may see its ranking. Raises
    NotFound, InvalidState, Forbidden."""
    del today
    ACCESS.require(actor, "round.close")
    judged = lock_round(round_id)
    if judged.state != Round.State.OPEN:
        raise InvalidState(_("Only an open round can be closed; this one's state is %(state)s.")
                           % {"state": judged.get_state_display()},
                           fields={"state": [_("is %(state)s") % {"state": judged.state}]})
    audited = ["state", "closed_at", "closed_by"]
    before = snapshot(judged, audited)
    judged.state, judged.closed_at, judged.closed_by = Round.State.CLOSED, timezone.now(), actor
    judged.save(update_fields=audited)
    audit_record(actor=actor, action=ROUND_CLOSE, obj=judged, before=before, after=snapshot(judged, audited))
    return judged


# --- what a judge does ---------------------------------------------------------------------------------------------


def _entry(entry_id: int) -> Entry:
    entry = Entry.objects.select_related("contest").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("No such contest entry."))
    return entry


def _seat(judge: User, entry: Entry) -> PanelJudge:
    """The judge's seat in the round that judges ``entry`` now: the round of the contest's current phase, else its
    latest round of the contest that judges the entry. NotFound unless the judge sits on a round that judges it (the
    entry looks like one that does not exist)."""
    seats = [seat for seat in PanelJudge.objects.filter(judge=judge, round__contest_id=entry.contest_id)
             .select_related("round", "panel")
             if Entry.objects.filter(pk=entry.pk).filter(pool_filter(seat.round.kind)).exists()]
    if not seats:
        raise NotFound(_("No such contest entry."))
    current = [seat for seat in seats if seat.round.kind == entry.contest.phase]
    return current[0] if current else max(seats, key=lambda seat: phase_index(seat.round.kind))


def _scoring_closed(judged: Round) -> InvalidState:
    name = {"round": judged.get_kind_display()}
    if judged.state == Round.State.CLOSED:
        return InvalidState(_("Scores are locked: the %(round)s round has closed.") % name,
                            fields={"round": [_("closed: scores are locked")]})
    if judged.state == Round.State.SETUP:
        return InvalidState(_("The %(round)s round is not open for scoring yet.") % name,
                            fields={"round": [_("not open yet")]})
    return InvalidState(_("Scores are locked: the contest has moved past the %(round)s round.") % name,
                        fields={"round": [_("not the contest's current round")]})


def _check_marks(marks: Any, criteria: list[Criterion]) -> dict[str, Decimal]:
    """A mark for every criterion (no other key), each from 0 to the criterion's maximum in steps of 0.1. Raises
    ValidationFailed naming ``marks.<key>`` (or ``marks``)."""
    if not isinstance(marks, Mapping):
        raise fail("marks", _("Marks must be an object: criterion key -> mark."),
                   _("an object of criterion key -> mark"))
    known = {criterion.key for criterion in criteria}
    unknown = sorted(str(key) for key in marks if key not in known)
    if unknown:
        raise fail(f"marks.{unknown[0]}", _("No such criterion in this round's rubric: %(keys)s.")
                   % {"keys": ", ".join(unknown)}, _("not a criterion of the rubric (%(keys)s)")
                   % {"keys": ", ".join(sorted(known))})
    checked: dict[str, Decimal] = {}
    for criterion in criteria:
        field = f"marks.{criterion.key}"
        if criterion.key not in marks:
            raise fail(field, _("Every criterion needs a mark; %(name)s has none.") % {"name": criterion.name},
                       _("required"))
        try:
            mark = number_input(marks[criterion.key], field, places=1, low=Decimal(0), high=criterion.max_score)
        except ValidationFailed as error:
            raise fail(field, error.message, _("from 0 to %(max)s, in steps of 0.1") % {"max": criterion.max_score}) \
                from error
        checked[criterion.key] = mark.quantize(MARK_STEP)
    return checked


@transactional
def score_record(*, actor: User, today: date, entry_id: int, marks: Mapping[str, Any],
                 comment: str = "") -> tuple[Score, bool]:
    """The judge's score of an entry in the round that judges it now (open; its rubric's marks, totalled out of 100
    by ``judging.weighted_total``). Scoring again while the round is open replaces the marks. Returns the score and
    whether it is new. Raises NotFound (no seat on a round that judges the entry), InvalidState (the round not
    open: "scores are locked" once it closed), Recused (a conflict of interest, naming it), ValidationFailed (the
    marks, naming ``marks.<key>``), Forbidden."""
    del today
    ACCESS.require(actor, "score.record")
    text = _text(comment, "comment", max_length=MAX_COMMENT, required=False)
    entry = _entry(entry_id)
    seat = _seat(actor, entry)
    judged = lock_round(seat.round_id)
    if judged.state != Round.State.OPEN or judged.kind != entry.contest.phase:
        raise _scoring_closed(judged)
    found = recusal(actor, entry)
    if found is not None:
        raise Recused(_("You may not score this entry: %(reason)s.") % {"reason": found.reason},
                      fields={"entry": [found.reason]})
    criteria = list(Criterion.objects.filter(round=judged).order_by("position", "pk"))
    checked = _check_marks(marks, criteria)
    total = judging.weighted_total(
        criteria=[judging.Criterion(key=c.key, weight=c.weight, max_score=c.max_score) for c in criteria],
        marks=checked)
    stored = {key: str(mark) for key, mark in checked.items()}
    score = Score.objects.filter(round=judged, entry=entry, judge=actor).first()
    if score is None:
        score = Score.objects.create(round=judged, panel_id=seat.panel_id, entry=entry, judge=actor, marks=stored,
                                     total=total, comment=text)
        audit_record(actor=actor, action=SCORE_RECORD, obj=score, after=snapshot(score, SCORE_AUDITED))
        return score, True
    before = snapshot(score, SCORE_AUDITED)
    score.marks, score.total, score.comment = stored, total, text
    score.save(update_fields=["marks", "total", "comment", "updated_at"])
    audit_record(actor=actor, action=SCORE_RECORD, obj=score, before=before, after=snapshot(score, SCORE_AUDITED))
    return score, False


@transactional
def conflict_declare(*, actor: User, today: date, entry_id: int, reason: str) -> tuple[Conflict, bool]:
    """The judge declares a conflict of interest (이해충돌 신고) on an entry of the round that judges it now, while
    the round is being set up or open: it may not score the entry, and a score it gave stops counting. Declaring it
    again changes nothing (the first reason stays). Returns the conflict and whether it is new. Raises NotFound,
    InvalidState, ValidationFailed, Forbidden."""
    del today
    ACCESS.require(actor, "conflict.declare")
    text = require_reason(reason)
    if len(text) > MAX_REASON:
        raise fail("reason", _("The reason is too long."), _("at most %(max)s characters") % {"max": MAX_REASON})
    entry = _entry(entry_id)
    seat = _seat(actor, entry)
    judged = lock_round(seat.round_id)
    existing = Conflict.objects.filter(round=judged, entry=entry, judge=actor).first()
    if existing is not None:
        return existing, False
    if judged.state == Round.State.CLOSED:
        raise InvalidState(_("The %(round)s round has closed: its scores and conflicts are locked.")
                           % {"round": judged.get_kind_display()}, fields={"round": [_("closed: scores are locked")]})
    conflict = Conflict.objects.create(round=judged, entry=entry, judge=actor, reason=text)
    audit_record(actor=actor, action=CONFLICT_DECLARE, obj=conflict, reason=text,
                 after=snapshot(conflict, ["round", "entry", "judge", "reason"]))
    return conflict, True
