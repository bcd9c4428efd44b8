"""The start pages (the console's and the portal's) are made of panels the domain sub-packages add: the fund's
inbox and dashboards now, each later instrument its own. A panel is shown to the roles its access action allows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from enterprises.access import Access


@dataclass(frozen=True)
class Panel:
    area: str  # menu.CONSOLE or menu.PORTAL
    name: str
    template: str
    context: Callable[[HttpRequest], dict[str, Any]]  # reads (selectors only) what the panel shows
    access: Access
    action: str
    order: int = 100


_PANELS: dict[tuple[str, str], Panel] = {}


def add(*panels: Panel) -> None:
    for panel in panels:
        _PANELS[(panel.area, panel.name)] = panel


def rendered(request: HttpRequest, area: str) -> list[dict[str, Any]]:
    """The panels of ``area`` the user may see, in order, each with its template and its context."""
    found = sorted((p for p in _PANELS.values() if p.area == area and p.access.allows(request.user, p.action)),
                   key=lambda p: (p.order, p.name))
    return [{"name": p.name, "template": p.template, "context": p.context(request)} for p in found]
