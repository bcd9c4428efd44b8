"""Where each contest object's page is in the console and at the judges' desk (models have no
``get_absolute_url``: an entry has a page in the console, one at the judges' desk and one in the portal)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse


def contest_url(contest: Any) -> str:
    return reverse("web:contest", args=[getattr(contest, "pk", contest)])


def entry_url(entry: Any) -> str:
    return reverse("web:contest-entry", args=[getattr(entry, "pk", entry)])


def round_url(judged: Any) -> str:
    return reverse("web:contest-round", args=[getattr(judged, "pk", judged)])


def ranking_url(judged: Any) -> str:
    return reverse("web:contest-round-ranking", args=[getattr(judged, "pk", judged)])


def advance_list_url(found: Any) -> str:
    return reverse("web:contest-advance-list", args=[getattr(found, "pk", found)])


def award_url(award: Any) -> str:
    return reverse("web:contest-award", args=[getattr(award, "pk", award)])


def entries_url(contest: Any = None, **filters: Any) -> str:
    """The console's entries, filtered (by contest, state...)."""
    query = {**({"contest": getattr(contest, "pk", contest)} if contest is not None else {}), **filters}
    return reverse("web:contest-entries") + (f"?{urlencode(query)}" if query else "")


# --- the judges' desk (/judge/) ------------------------------------------------------------------------------------


def judge_entry_url(entry: Any) -> str:
    return reverse("web:judge-entry", args=[getattr(entry, "pk", entry)])


def judge_round_url(judged: Any) -> str:
    return reverse("web:judge-round", args=[getattr(judged, "pk", judged)])
