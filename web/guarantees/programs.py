"""The programs' pages in the console: the list, and each program's dashboard (특례보증 운용 현황) with its capacity
as a gauge. Every figure is read by a selector of ``guarantees.selectors``; each chart has a table with the same
numbers beside it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guarantees import selectors
from guarantees.access import ACCESS
from guarantees.models import ContributionSource, GuaranteeProgram
from web.common.pages import ObjectPage
from web.common.tables import ListPage

from .tables import ProgramTable


class ProgramList(ListPage):
    access, action = ACCESS, "program.read"
    title = _("Guarantee programs")
    intro = _("Each special guarantee program (특례보증): what was paid in, the capacity it gives (contributions less "
              "net losses, times the multiple) and how much of it is in use.")
    section = "guarantee-programs"
    table_class = ProgramTable
    export_name = "guarantee-programs"

    def rows(self) -> QuerySet[GuaranteeProgram]:
        return selectors.programs_all()


def gauge(position: selectors.ProgramPosition) -> dict[str, Any]:
    """Capacity used and available as a half doughnut (a gauge), drawn by app.js."""
    return {
        "type": "doughnut", "money": True,
        "data": {
            "labels": [gettext("Used"), gettext("Available")],
            "datasets": [{"label": gettext("Capacity"), "data": [int(position.used), int(position.available)],
                          "backgroundColor": ["#0b4f9c", "#d9e2ec"]}],
        },
        "options": {"rotation": -90, "circumference": 180, "cutout": "65%"},
    }


STATE_COLOURS = {"approved": "#9cb9dd", "active": "#0b4f9c", "repaid": "#1b6b3a", "defaulted": "#a4161a",
                 "claimed": "#8a5a00", "recovering": "#f2a900", "closed": "#5b6770", "written_off": "#4a0d0f",
                 "cancelled": "#d9e2ec"}


def states_chart(position: selectors.ProgramPosition) -> dict[str, Any]:
    """The program's guarantees by state (how many in each), as bars drawn by app.js."""
    figures = list(position.guarantees_by_state.values())
    return {
        "type": "bar",
        "data": {
            "labels": [figure.label for figure in figures],
            "datasets": [{"label": gettext("Guarantees"), "data": [figure.count for figure in figures],
                          "backgroundColor": [STATE_COLOURS.get(figure.state, "#0b4f9c") for figure in figures]}],
        },
        "options": {"plugins": {"legend": {"display": False}}, "indexAxis": "y"},
    }


class ProgramPage(ObjectPage):
    """A program's dashboard: contributions by source, capacity, used and available (a gauge), utilisation; its
    guarantees by state; claims paid, recoveries, net loss, the claim rate (대위변제율) and the recovery rate; the
    interest subsidies paid; links to its applications, guarantees, subsidy runs and claims."""

    access, action = ACCESS, "program.read"
    template_name = "web/guarantees/program.html"
    section = "guarantee-programs"
    context_object_name = "program"

    def visible(self) -> QuerySet[GuaranteeProgram]:
        return selectors.programs_all()

    buttons = ("application.read", "guarantee.read", "subsidy.read", "subsidy.prepare", "claim.read")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        program: GuaranteeProgram = self.get_object()  # type: ignore[assignment]
        context = super().get_context_data(**kwargs)
        position = selectors.program_position(program)
        context.update(
            title=program.name,
            position=position,
            claims=position.claims,
            fees=position.fees,
            contribution_rows=[(label, position.contributions_by_source[value])
                               for value, label in ContributionSource.choices],
            states=list(position.guarantees_by_state.values()),
            charts={"gauge": gauge(position), "states": states_chart(position)},
        )
        return context


def programs_panel(request: HttpRequest) -> dict[str, Any]:
    """A card per program with its capacity and use."""
    return {"positions": [selectors.program_position(program) for program in selectors.programs_all()[:6]]}
