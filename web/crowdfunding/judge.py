"""The judges' desk (/judge/): what a judge (an expert, or one of a hundred citizens on a phone) does in a contest.

- the queue: per open round it sits on, the entries it has still to score, those it scored (to change while the
  round is open), and those it may not score with the reason (its own enterprise, its institution's recommended
  entry, a conflict it declared);
- an entry: its summary and the rubric form, each criterion with its weight and maximum; the score is recorded by
  ``crowdfunding.services.score_record``, which refuses a recused judge (403, the reason shown) and locks the scores
  when the round closes (the form is shown read-only then);
- declaring a conflict of interest on an entry, with a reason;
- a round it sits on: the rubric, its own scores, and the ranking once the round has closed (before: the rule).

Blind judging: a judge sees only its own scores while a round is open. Anything a judge does not sit on is 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crowdfunding import selectors, services
from crowdfunding.access import ACCESS
from crowdfunding.models import PHASE_ORDER, Entry, PanelJudge, Round, Score
from web.common import menu
from web.common.pages import ActionPage, ObjectPage, Page

from .judge_forms import ConflictForm, ScoreForm, mark_field_name


def seat_for(judge: Any, entry: Entry) -> PanelJudge | None:
    """The judge's seat in the round that judges ``entry`` now: the round of the contest's current phase, else its
    latest round of the contest that judges the entry (as ``score_record`` finds it); None: the judge sits on no
    round that judges the entry."""
    seats = [seat for seat in selectors.seats_of(judge).filter(round__contest_id=entry.contest_id)
             .select_related("round", "panel")
             if Entry.objects.filter(pk=entry.pk).filter(selectors.pool_filter(seat.round.kind)).exists()]
    if not seats:
        return None
    current = [seat for seat in seats if seat.round.kind == entry.contest.phase]
    return current[0] if current else max(seats, key=lambda seat: PHASE_ORDER.index(seat.round.kind))


def scoring_state(judged: Round, phase: str) -> str:
    """``open`` (the judge may score), ``setup`` (not open yet) or ``locked`` (closed, or the contest moved past
    the round): the service's rule, said before the judge tries."""
    if judged.state == Round.State.OPEN and judged.kind == phase:
        return "open"
    if judged.state == Round.State.SETUP:
        return "setup"
    return "locked"


class JudgeHome(Page):
    """The judge's queue, per open round it sits on; and its rounds (a closed one's ranking)."""

    access, action = ACCESS, "score.record"
    area = menu.JUDGE
    template_name = "web/crowdfunding/judge/home.html"
    title = _("Entries to score")
    section = "judge-queue"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        judge = self.actor
        items = selectors.judge_queue(judge)
        seats = list(selectors.seats_of(judge).select_related("round__contest", "panel").order_by("-round_id"))
        scored = (Score.objects.filter(judge=judge, round__state=Round.State.OPEN).select_related("entry", "round")
                  .order_by("round_id", "entry__submitted_at", "entry_id"))
        rounds: dict[int, dict[str, Any]] = {}
        for seat in seats:
            rounds[seat.round_id] = {"round": seat.round, "panel": seat.panel, "todo": [], "recused": [], "done": []}
        for item in items:
            found = rounds.setdefault(item.round.pk, {"round": item.round, "panel": item.panel, "todo": [],
                                                      "recused": [], "done": []})
            (found["recused"] if item.recusal else found["todo"]).append(item)
        recused = {(row["round"].pk, item.entry.pk) for row in rounds.values() for item in row["recused"]}
        for score in scored:
            if score.round_id in rounds and (score.round_id, score.entry_id) not in recused:
                rounds[score.round_id]["done"].append(score)
        context["open_rounds"] = [row for row in rounds.values() if row["round"].state == Round.State.OPEN]
        context["other_rounds"] = [row for row in rounds.values() if row["round"].state != Round.State.OPEN]
        context["todo_count"] = sum(len(row["todo"]) for row in context["open_rounds"])
        return context


class JudgeEntryMixin:
    access = ACCESS
    area = menu.JUDGE
    section = "judge-queue"
    context_object_name = "entry"
    request: Any

    def visible(self) -> QuerySet[Entry]:
        return selectors.entries_visible_to(self.request.user).select_related("contest", "enterprise")

    def get_object(self) -> Any:
        """The entry, among those of the rounds the judge sits on; 404 otherwise (a member who is also a judge sees
        its own enterprise's entry in the portal, not here)."""
        entry = ObjectPage.get_object(self)  # type: ignore[arg-type]
        if not hasattr(self, "_seat"):
            found = seat_for(self.request.user, entry)  # type: ignore[arg-type]
            if found is None:
                raise Http404
            self._seat = found
        return entry

    def seat(self) -> PanelJudge:
        """The judge's seat in the round that judges the entry now."""
        self.get_object()
        return self._seat

    def success_url(self) -> str:
        return reverse("web:judge")


class JudgeEntry(JudgeEntryMixin, ActionPage):
    """An entry to score: its summary, then the rubric form (GET shows it, POST records the score)."""

    action = "score.record"
    template_name = "web/crowdfunding/judge/entry.html"
    title = _("Score the entry")
    submit_label = _("Save the score")

    def criteria(self) -> list[Any]:
        if not hasattr(self, "_criteria"):
            self._criteria = list(self.seat().round.criteria.all())
        return self._criteria

    def own_score(self) -> Score | None:
        seat = self.seat()
        return Score.objects.filter(round_id=seat.round_id, entry=self.get_object(), judge=self.actor).first()

    def state(self) -> str:
        entry: Entry = self.get_object()
        return scoring_state(self.seat().round, entry.contest.phase)

    def initial(self) -> dict[str, Any]:
        score = self.own_score()
        if score is None:
            return {}
        return {**{mark_field_name(c): score.marks.get(c.key) for c in self.criteria()}, "comment": score.comment}

    def get_form(self, data: Any = None) -> forms.Form:
        return ScoreForm(data, criteria=self.criteria(), locked=self.state() != "open", initial=self.initial())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        entry: Entry = self.get_object()
        seat = self.seat()
        context = super().get_context_data(**kwargs)
        recusal = selectors.recusal(self.actor, entry)
        context.update(
            title=entry.title,
            seat=seat,
            judged=seat.round,
            scoring=self.state(),
            recusal=recusal,
            score=self.own_score(),
            blocked=recusal is not None or self.state() != "open",
            conflict_url=reverse("web:judge-entry-conflict", args=[entry.pk]),
        )
        return context

    def perform(self, form: forms.Form) -> Any:
        assert isinstance(form, ScoreForm)
        return services.score_record(actor=self.actor, today=self.today, entry_id=self.get_object().pk,
                                     marks=form.marks(), comment=form.cleaned_data["comment"])

    def success_message(self, result: Any) -> str:
        score, created = result
        if created:
            return gettext("Your score of %(title)s was recorded: %(total)s out of 100.") % {
                "title": score.entry.title, "total": f"{score.total:.2f}"}
        return gettext("Your score of %(title)s was changed: %(total)s out of 100.") % {
            "title": score.entry.title, "total": f"{score.total:.2f}"}


class JudgeConflict(JudgeEntryMixin, ActionPage):
    """Declare a conflict of interest on an entry (이해충돌 신고): the judge may not score it, and any score it gave
    stops counting."""

    action = "conflict.declare"
    template_name = "web/crowdfunding/judge/conflict.html"
    title = _("Declare a conflict of interest")
    intro = _("You will not score this entry, and a score you gave it no longer counts. Declare it when you cannot "
              "judge the entry fairly.")
    submit_label = _("Declare the conflict")
    danger = True
    form_class = ConflictForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["judged"] = self.seat().round
        context["back_url"] = reverse("web:judge-entry", args=[self.get_object().pk])
        return context

    def perform(self, form: forms.Form) -> Any:
        return services.conflict_declare(actor=self.actor, today=self.today, entry_id=self.get_object().pk,
                                         reason=form.cleaned_data["reason"])

    def success_message(self, result: Any) -> str:
        return gettext("Your conflict of interest was recorded; you will not score this entry.")


class JudgeRound(ObjectPage):
    """A round the judge sits on: its rubric, the judge's own scores, and (once the round has closed) the ranking
    with each panel's result."""

    access, action = ACCESS, "ranking.read"
    area = menu.JUDGE
    section = "judge-queue"
    template_name = "web/crowdfunding/judge/round.html"
    context_object_name = "judged"

    def visible(self) -> QuerySet[Round]:
        return Round.objects.filter(pk__in=selectors.seats_of(self.request.user).values("round_id")).select_related(
            "contest")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        judged: Round = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        closed = judged.state == Round.State.CLOSED
        context.update(
            title=gettext("%(round)s · %(contest)s") % {"round": judged.get_kind_display(),
                                                        "contest": judged.contest.name},
            criteria=list(judged.criteria.all()),
            seat=selectors.seats_of(self.request.user).filter(round=judged).select_related("panel").first(),
            scores=list(Score.objects.filter(round=judged, judge=self.actor).select_related("entry")
                        .order_by("entry__submitted_at", "entry_id")),
            closed=closed,
            ranking=selectors.round_ranking(judged) if closed else None,
        )
        return context
