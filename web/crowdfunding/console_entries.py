"""Contest entries (참가 신청) in the console: the list with its filters (contest, state, campaign type, a title or an
enterprise) and its download, and each entry's page as staff see it: the project, its enterprise and team, its
state and what it was told, every score it got in each round (staff see them all, blind or not), the conflicts
judges declared on it, its place on the advance lists, its award, and the audit trail."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.selectors import audit_events
from crowdfunding import selectors
from crowdfunding.access import ACCESS
from crowdfunding.models import AdvanceListLine, Award, Conflict, Entry
from enterprises.validators import format_business_number
from web.common.pages import ObjectPage
from web.common.tables import ListPage

from .console_filters import EntryFilter
from .console_tables import EntryTable

OBJECT_TYPE = "crowdfunding.entry"


class EntryList(ListPage):
    access, action = ACCESS, "entry.read"
    title = _("Contest entries")
    intro = _("Every enterprise's entry (참가 신청) in every contest, as staff see them. Filter by contest and state; "
              "the download holds every row the filters select.")
    section = "contest-entries"
    table_class = EntryTable
    filterset_class = EntryFilter
    export_name = "contest-entries"

    def rows(self) -> QuerySet[Entry]:
        return selectors.entries_visible_to(self.request.user).select_related("enterprise", "contest", "partner")


def scores_by_round(user: Any, entry: Entry) -> list[dict[str, Any]]:
    """Every score of the entry ``user`` may see (``selectors.scores_visible_to``: staff, all of them), by round
    (screening first), each with its judge, panel, marks in the rubric's order and, when it does not count, why (the
    judge is recused); and the conflicts declared on it."""
    rounds: dict[int, dict[str, Any]] = {}

    def of(judged: Any) -> dict[str, Any]:
        if judged.pk not in rounds:
            rounds[judged.pk] = {"round": judged, "criteria": list(judged.criteria.all()), "scores": [],
                                 "conflicts": []}
        return rounds[judged.pk]

    for visible in selectors.scores_visible_to(user, entry):
        found = of(visible.score.round)
        found["scores"].append({"score": visible.score, "recusal": visible.recusal,
                                "marks": [visible.score.marks.get(c.key) for c in found["criteria"]]})
    for conflict in Conflict.objects.filter(entry=entry).select_related("judge", "round").order_by("declared_at"):
        of(conflict.round)["conflicts"].append(conflict)
    return sorted(rounds.values(), key=lambda r: r["round"].kind != "screening")


class EntryPage(ObjectPage):
    """An entry as staff see it."""

    access, action = ACCESS, "entry.read"
    template_name = "web/crowdfunding/console/entry.html"
    section = "contest-entries"
    context_object_name = "entry"
    buttons = ("contest.read", "award.read", "award.prepare", "score.read")

    def visible(self) -> QuerySet[Entry]:
        return selectors.entries_visible_to(self.request.user).select_related(
            "enterprise", "contest", "partner", "created_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        entry: Entry = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        awards = list(Award.objects.filter(entry=entry).select_related("tier").order_by("-pk"))
        context.update(
            title=gettext("Entry E%(id)s · %(title)s") % {"id": entry.pk, "title": entry.title},
            business_number=format_business_number(entry.enterprise.business_number),
            notices=list(entry.notices.all()),
            rounds=scores_by_round(self.request.user, entry),
            lines=list(AdvanceListLine.objects.filter(entry=entry).select_related("advance_list__round")
                       .order_by("advance_list__prepared_at")),
            awards=awards,
            live_award=next((a for a in awards if a.state != Award.State.CANCELLED), None),
            events=list(audit_events(object_type=OBJECT_TYPE, object_id=str(entry.pk))[:30]),
        )
        return context
