"""Judging in the console: setting up a contest's round (its rubric and panels), each round's page (the rubric with
each criterion's weight and maximum, the panels with their judges and weights, the judging progress per panel, the
conflicts declared), seating judges, opening and closing the round (closing locks the scores), the ranking with each
panel's result (and its download), and the advance list: prepared from the ranking (top N or a cut) by one manager,
confirmed by another (four eyes: the preparer sees why not), or cancelled.

Every write is one service of ``crowdfunding.services``; every figure is read by ``crowdfunding.selectors``
(``round_ranking``, ``judging_progress``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_tables2 as tables
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.selectors import audit_events
from crowdfunding import selectors, services
from crowdfunding.access import ACCESS
from crowdfunding.models import AdvanceList, Contest, Panel, PanelJudge, Round, RoundKind
from enterprises.models import User
from enterprises.roles import Role
from web.common.forms import ReasonForm
from web.common.pages import ActionPage, ObjectPage
from web.common.tables import ListPage, Table

from . import console_forms as f
from .console_contests import ContestAction
from .console_links import advance_list_url, entry_url, round_url

# The standard rubric a new round starts from (the Daegu contest's): 사회적 가치 30, 사업성 25, 실현 가능성 25,
# 지역 연계 20; and its panels: one expert panel for a screening, experts 70 % and citizens 30 % for a final.
STANDARD_RUBRIC = [
    {"key": "social-value", "name": "사회적 가치", "weight": 30, "max_score": 30},
    {"key": "business", "name": "사업성", "weight": 25, "max_score": 25},
    {"key": "feasibility", "name": "실현 가능성", "weight": 25, "max_score": 25},
    {"key": "local", "name": "지역 연계", "weight": 20, "max_score": 20},
]
STANDARD_PANELS = {
    RoundKind.SCREENING: [{"name": "전문가 심사단", "kind": Panel.Kind.EXPERT, "weight": 100}],
    RoundKind.FINAL: [{"name": "전문가 심사단", "kind": Panel.Kind.EXPERT, "weight": 70},
                      {"name": "시민 심사단", "kind": Panel.Kind.CITIZEN, "weight": 30}],
}


def _number(value: Decimal) -> str:
    """A weight or a maximum as a person writes it: 30, 7.5 (no trailing zeros)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class RoundSetup(ContestAction):
    """Set up (or, while it is being set up, change) a contest's screening or final round: how its panels aggregate
    their judges' scores, its rubric and its panels with their weights."""

    action = "round.setup"
    title = _("Set up a judging round")
    intro = _("A criterion's weight is its share of the total (a score out of 100 whatever the weights add up to); "
              "its maximum is the highest mark a judge may give, in steps of 0.1. The panels' weights add up to 100; "
              "a final judged by several panels needs an expert panel (its score breaks ties). A round can be changed "
              "until it opens.")
    submit_label = _("Save the round")
    template_name = "web/crowdfunding/console/round_setup.html"

    def kind(self) -> str:
        asked = self.request.GET.get("kind") or self.request.POST.get("round-kind") or ""
        if asked in RoundKind.values:
            return asked
        contest: Contest = self.get_object()  # type: ignore[assignment]
        return RoundKind.FINAL if contest.phase in ("funding", "final") else RoundKind.SCREENING

    def get_form(self, data: Any = None) -> Any:
        contest: Contest = self.get_object()  # type: ignore[assignment]
        kind = self.kind()
        existing = Round.objects.filter(contest=contest, kind=kind).first()
        criteria: list[dict[str, Any]]
        panels: list[dict[str, Any]]
        if existing is not None:
            head = {"kind": kind, "aggregation": existing.aggregation}
            criteria = [{"key": c.key, "name": c.name, "weight": _number(c.weight), "max_score": _number(c.max_score),
                         "description": c.description} for c in existing.criteria.all()]
            panels = [{"name": p.name, "kind": p.kind, "weight": _number(p.weight)} for p in existing.panels.all()]
        else:
            head = {"kind": kind}
            criteria, panels = STANDARD_RUBRIC, STANDARD_PANELS[RoundKind(kind)]
        if data is not None:  # what was sent is what counts (an unchanged row of the initial one is no row)
            criteria, panels = [], []
        return f.Composite(
            round=f.RoundForm(data, initial=head, prefix="round"),
            criteria=f.CriteriaFormSet(data, initial=criteria, prefix="criteria"),
            panels=f.PanelsFormSet(data, initial=panels, prefix="panels"),
        )

    def perform(self, form: Any) -> Any:
        data = form.cleaned_data
        self.made = services.round_setup(
            actor=self.actor, today=self.today, contest_id=self.get_object().pk, kind=data["round"]["kind"],
            aggregation=data["round"]["aggregation"],
            criteria=[row for row in data["criteria"] if row],
            panels=[row for row in data["panels"] if row])
        return self.made

    def success_url(self) -> str:
        made = getattr(self, "made", None)
        return round_url(made) if made is not None else super().success_url()

    def success_message(self, result: Any) -> str:
        return gettext("The %(round)s round is set up; seat its judges, then open it.") % {
            "round": result.get_kind_display()}


# --- a round's page ----------------------------------------------------------------------------------------------


class RoundMixin:
    access = ACCESS
    section = "contests"
    context_object_name = "round"
    request: Any

    def visible(self) -> QuerySet[Round]:
        return selectors.rounds_visible_to(self.request.user).select_related("contest", "closed_by")


def judges_by_panel(judged: Round) -> dict[int, list[Any]]:
    seats: dict[int, list[Any]] = {}
    for seat in PanelJudge.objects.filter(round=judged).select_related("judge").order_by("judge__username"):
        seats.setdefault(seat.panel_id, []).append(seat.judge)
    return seats


class RoundPage(RoundMixin, ObjectPage):
    """A round: its rubric, its panels with their weights and judges, how far each panel has come (scores recorded
    of those expected), the conflicts judges declared, its advance list, the audit trail."""

    template_name = "web/crowdfunding/console/round.html"
    action = "round.read"
    buttons = ("round.setup", "round.close", "ranking.read", "advance.read", "advance.prepare", "entry.read",
               "contest.read")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        judged: Round = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        criteria = list(judged.criteria.all())
        seats = judges_by_panel(judged)
        progress = {row.panel_id: row for row in selectors.judging_progress(judged)}
        panels = list(judged.panels.all())
        for panel in panels:
            panel.seated = seats.get(panel.pk, [])  # type: ignore[attr-defined]
            panel.progress = progress.get(panel.pk)  # type: ignore[attr-defined]
        context.update(
            title=gettext("%(round)s · %(contest)s") % {"round": judged.get_kind_display(),
                                                        "contest": judged.contest.name},
            criteria=criteria,
            weights=sum((c.weight for c in criteria), Decimal(0)),
            panels=panels,
            pool_size=selectors.round_pool(judged).count(),
            conflicts=list(judged.conflicts.select_related("judge", "entry").order_by("declared_at")),
            lists=list(judged.advance_lists.select_related("prepared_by", "decided_by").order_by("-prepared_at")),
            live_list=judged.advance_lists.exclude(state=AdvanceList.State.CANCELLED).first(),
            events=list(audit_events(object_type="crowdfunding.round", object_id=str(judged.pk))[:30]),
        )
        return context


class RoundAction(RoundMixin, ActionPage):
    template_name = "web/crowdfunding/console/round_action.html"

    def success_url(self) -> str:
        return round_url(self.get_object())


class RoundJudges(RoundAction):
    action = "round.setup"
    title = _("Seat judges on a panel")
    intro = _("Users who hold the judge role; a judge sits on one panel of a round. Judges may join while the round "
              "is being set up or open (citizen judges may join late).")
    submit_label = _("Seat the judges")
    form_class = f.JudgesForm

    def get_form_kwargs(self) -> dict[str, Any]:
        judged: Round = self.get_object()  # type: ignore[assignment]
        return {**super().get_form_kwargs(), "panels": judged.panels.all(),
                "judges": User.objects.filter(groups__name=Role.JUDGE).order_by("username")}

    def initial(self) -> dict[str, Any]:
        panel = self.request.GET.get("panel", "")
        return {"panel": panel} if panel.isdigit() else {}

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.panel_judges_assign(actor=self.actor, today=self.today, panel_id=data["panel"].pk,
                                            judges=list(data["judges"]))

    def success_message(self, result: Any) -> str:
        return gettext("%(n)s judge(s) sit on the panel.") % {"n": len(result)}


class RoundOpen(RoundAction):
    action = "round.setup"
    title = _("Open the round for scoring")
    intro = _("The judges may score from now on. Only while the contest is in the round's phase, with a rubric and a "
              "judge on every panel.")
    submit_label = _("Open the round")
    form_class = f.ConfirmForm

    def perform(self, form: forms.Form) -> Any:
        return services.round_open(actor=self.actor, today=self.today, round_id=self.get_object().pk)

    def success_message(self, result: Any) -> str:
        return gettext("The %(round)s round is open for scoring.") % {"round": result.get_kind_display()}


class RoundClose(RoundAction):
    action = "round.close"
    title = _("Close the round (심사 마감)")
    intro = _("The scores are locked from then on, and the round's judges may see its ranking. This cannot be "
              "undone.")
    submit_label = _("Close the round")
    danger = True
    form_class = f.ConfirmForm

    def perform(self, form: forms.Form) -> Any:
        return services.round_close(actor=self.actor, today=self.today, round_id=self.get_object().pk)

    def success_message(self, result: Any) -> str:
        return gettext("The %(round)s round is closed: its scores are locked.") % {"round": result.get_kind_display()}


# --- the ranking -------------------------------------------------------------------------------------------------


class ScoreColumn(tables.Column):
    """A score out of 100 (four decimals), right-aligned; the number in a download."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        kwargs.setdefault("default", "-")
        super().__init__(*args, **kwargs)

    def render(self, value: Any) -> str:
        return f"{value:.4f}" if value is not None and value != "" else "-"

    def value(self, value: Any) -> Any:
        return value if value is not None else ""


class RankingTable(Table):
    rank = tables.Column(verbose_name=_("Rank"), attrs={"td": {"class": "num"}, "th": {"class": "num"}},
                         default="-")
    entry = tables.Column(verbose_name=_("Entry"), linkify=lambda record: entry_url(record["entry_id"]))
    enterprise = tables.Column(verbose_name=_("Enterprise"))
    combined = ScoreColumn(verbose_name=_("Combined score"))
    expert = ScoreColumn(verbose_name=_("Expert score (tie-break)"))
    tie_broken = tables.Column(verbose_name=_("Tie broken"))
    complete = tables.Column(verbose_name=_("Every panel scored"))

    class Meta(Table.Meta):
        orderable = False
        fields = ("rank", "entry", "enterprise")
        sequence = ("rank", "entry", "enterprise", "...", "combined", "expert", "tie_broken", "complete")


def ranking_rows(judged: Round) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
    """The round's ranking as rows for the table, and a column per panel (its result and how many judges counted)."""
    ranking = selectors.round_ranking(judged)
    yes, no = gettext("yes"), gettext("no")
    rows, columns = [], []
    panels = ranking[0].panels if ranking else ()
    for panel in panels:
        columns.append((f"panel_{panel.panel_id}", ScoreColumn(
            verbose_name=gettext("%(panel)s (%(weight)s%%)") % {"panel": panel.name,
                                                                "weight": _number(panel.weight)})))
        columns.append((f"judges_{panel.panel_id}", tables.Column(
            verbose_name=gettext("%(panel)s: judges counted") % {"panel": panel.name},
            attrs={"td": {"class": "num"}, "th": {"class": "num"}})))
    for row in ranking:
        cells: dict[str, Any] = {
            "entry_id": row.entry_id, "rank": row.rank, "entry": row.title, "enterprise": row.enterprise_name,
            "combined": row.combined, "expert": row.expert, "tie_broken": yes if row.tie_broken else "",
            "complete": yes if row.complete else no}
        for cell in row.panels:
            cells[f"panel_{cell.panel_id}"] = cell.score
            cells[f"judges_{cell.panel_id}"] = cell.judges
        rows.append(cells)
    return rows, columns


class RankingPage(RoundMixin, ObjectPage, ListPage):
    """The round's ranking: per entry each panel's result and how many judges counted, the combined score by panel
    weight, the expert score that breaks ties, the rank; with its download. Computed from the scores as they are
    (recused judges' scores excluded); final once the round is closed."""

    template_name = "web/crowdfunding/console/ranking.html"
    action = "ranking.read"
    buttons = ("advance.prepare", "advance.read")
    table_class = RankingTable
    table_pagination = False  # type: ignore[assignment]

    @property
    def export_name(self) -> str:  # type: ignore[override]
        judged: Round = self.get_object()  # type: ignore[assignment]
        return f"ranking-{judged.contest.code}-{judged.kind}"

    def rows(self) -> Any:
        if not hasattr(self, "_rows"):
            self._rows, self._columns = ranking_rows(self.get_object())  # type: ignore[arg-type]
        return self._rows

    def get_table_kwargs(self) -> dict[str, Any]:
        self.rows()
        return {"extra_columns": self._columns}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        judged: Round = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        context.update(
            title=gettext("Ranking: %(round)s · %(contest)s") % {"round": judged.get_kind_display(),
                                                                "contest": judged.contest.name},
            live_list=judged.advance_lists.exclude(state=AdvanceList.State.CANCELLED).first(),
            tie_break=gettext("higher expert panel score, then earlier entry"),
        )
        return context


# --- advance lists -----------------------------------------------------------------------------------------------


class AdvancePrepare(RoundAction):
    action = "advance.prepare"
    title = _("Prepare the advance list")
    intro = _("The entries that go on from this round, taken from its ranking as it is now: the top N, or every "
              "ranked entry at or above a combined score. Another fund manager confirms the list; confirming it "
              "moves the entries on and tells each enterprise.")
    submit_label = _("Prepare the list")
    form_class = f.AdvancePrepareForm
    made: AdvanceList | None = None

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        self.made = services.advance_prepare(actor=self.actor, today=self.today, round_id=self.get_object().pk,
                                             top_n=data["top_n"], cut=data["cut"])
        return self.made

    def success_url(self) -> str:
        return advance_list_url(self.made) if self.made is not None else super().success_url()

    def success_message(self, result: Any) -> str:
        going = result.lines.filter(advances=True).count()
        return gettext("The list was prepared: %(n)s entries go on. Another fund manager must confirm it.") % {
            "n": going}


class AdvanceListMixin:
    access = ACCESS
    section = "contests"
    context_object_name = "advance_list"
    request: Any

    def visible(self) -> QuerySet[AdvanceList]:
        return (AdvanceList.objects.filter(round__in=selectors.rounds_visible_to(self.request.user))
                .select_related("round__contest", "prepared_by", "decided_by"))


def is_preparer(found: AdvanceList, user: Any) -> bool:
    return found.prepared_by_id == getattr(user, "pk", None)


class AdvanceListPage(AdvanceListMixin, ObjectPage):
    """An advance list: how it was drawn (top N or the cut), who prepared and who confirmed it, and its lines: each
    entry's rank and combined score and whether it goes on."""

    template_name = "web/crowdfunding/console/advance_list.html"
    action = "advance.read"
    buttons = ("advance.confirm", "advance.prepare", "ranking.read", "entry.read")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        found: AdvanceList = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        lines = list(found.lines.select_related("entry__enterprise"))
        context.update(
            title=gettext("Advance list: %(round)s · %(contest)s") % {"round": found.round.get_kind_display(),
                                                                     "contest": found.round.contest.name},
            lines=lines,
            going=sum(1 for line in lines if line.advances),
            is_preparer=is_preparer(found, self.request.user),
            events=list(audit_events(object_type="crowdfunding.advancelist", object_id=str(found.pk))[:20]),
        )
        return context


class AdvanceAction(AdvanceListMixin, ActionPage):
    template_name = "web/crowdfunding/console/advance_action.html"
    form_class = f.ConfirmForm

    def success_url(self) -> str:
        return advance_list_url(self.get_object())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found: AdvanceList = self.get_object()  # type: ignore[assignment]
        lines = list(found.lines.all())
        context.update(is_preparer=is_preparer(found, self.request.user), going=sum(1 for x in lines if x.advances),
                       staying=sum(1 for x in lines if not x.advances))
        return context


class AdvanceConfirm(AdvanceAction):
    action = "advance.confirm"
    title = _("Confirm the advance list")
    intro = _("The entries on the list go on (screening: to the next phase; final: selected for an award), the "
              "others are not advanced; each enterprise is told, with its rank. This cannot be undone.")
    submit_label = _("Confirm the list")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found: AdvanceList = self.get_object()  # type: ignore[assignment]
        context["blocked"] = found.state == AdvanceList.State.PREPARED and context["is_preparer"]
        return context

    def perform(self, form: forms.Form) -> Any:
        return services.advance_confirm(actor=self.actor, today=self.today, list_id=self.get_object().pk)

    def success_message(self, result: Any) -> str:
        return gettext("The advance list is confirmed; the enterprises were told.")


class AdvanceCancel(AdvanceAction):
    action = "advance.prepare"
    title = _("Cancel the advance list")
    intro = _("A prepared list is set aside (nothing moves) so that another can be prepared from the ranking.")
    submit_label = _("Cancel the list")
    danger = True
    form_class = ReasonForm  # type: ignore[assignment]

    def perform(self, form: forms.Form) -> Any:
        return services.advance_cancel(actor=self.actor, today=self.today, list_id=self.get_object().pk,
                                       reason=form.cleaned_data.get("reason", ""))

    def success_url(self) -> str:
        return round_url(self.get_object().round_id)  # type: ignore[attr-defined]

    def success_message(self, result: Any) -> str:
        return gettext("The advance list was cancelled; another can be prepared.")

