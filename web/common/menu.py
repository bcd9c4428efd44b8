"""The menus: each domain sub-package of ``web`` adds its entries when its urls are loaded; a user sees the entries
its role may open (the access tables decide, as for every page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from enterprises.access import Access

CONSOLE = "console"  # /console/: fund managers, auditors, admins
PORTAL = "my"  # /my/: enterprise members
BANK = "bank"  # /bank/: partner banks' officers
JUDGE = "judge"  # /judge/: contest judges (experts and citizens), the entries they score
BACKER = "backer"  # /my/pledges/: citizens who back campaigns (후원자), their own pledges
EVALUATOR = "evaluator"  # /evaluator/: an evaluator institution's users (성과평가기관), the results they verify
INVESTOR = "investor"  # /investor/: an investing institution's users (투자자), their investments


@dataclass(frozen=True)
class Entry:
    area: str
    section: str  # matched against a page's ``section`` to mark the current entry
    label: Any
    url_name: str
    access: Access
    action: str
    order: int = 100


_ENTRIES: dict[tuple[str, str], Entry] = {}


def add(*entries: Entry) -> None:
    for entry in entries:
        _ENTRIES[(entry.area, entry.section)] = entry


def visible(user: Any, area: str) -> list[dict[str, Any]]:
    """The entries of ``area`` that ``user`` may open, in order, each with its URL."""
    found = [e for e in _ENTRIES.values() if e.area == area and e.access.allows(user, e.action)]
    return [{"section": e.section, "label": e.label, "url": reverse(e.url_name)}
            for e in sorted(found, key=lambda e: (e.order, e.section))]
