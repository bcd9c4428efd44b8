"""Helpers of the contests' page tests: what the database holds (to prove that a refusal wrote nothing), a page's
text, Korean messages, a form's errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape, unescape
from typing import Any

from django.utils import translation

from core.models import AuditEvent
from crowdfunding.models import (
    AdvanceList,
    Award,
    AwardTier,
    AwardTranche,
    Conflict,
    Contest,
    ContestPartner,
    Entry,
    JointFundContribution,
    PanelJudge,
    PhaseChange,
    Round,
    Score,
)
from ledger.models import Account, Journal

PREPARED_NOTE = "You prepared this; another manager must approve."
LIST_NOTE = "You prepared this list; another manager must confirm it (four eyes)."


def contests_state() -> dict[str, Any]:
    """Everything a contest page's action could write."""
    return {
        "counts": {model.__name__: model.objects.count() for model in (
            AuditEvent, Journal, Contest, ContestPartner, JointFundContribution, PhaseChange, Entry, Round,
            PanelJudge, Score, Conflict, AdvanceList, AwardTier, Award, AwardTranche)},
        "contests": sorted(Contest.objects.values_list("pk", "phase")),
        "partners": sorted(ContestPartner.objects.values_list("pk", "pledged")),
        "entries": sorted(Entry.objects.values_list("pk", "state")),
        "rounds": sorted(Round.objects.values_list("pk", "state")),
        "scores": sorted(Score.objects.values_list("pk", "total", "marks")),
        "lists": sorted(AdvanceList.objects.values_list("pk", "state", "decided_by_id")),
        "awards": sorted(Award.objects.values_list("pk", "state", "paid", "approved_by_id")),
        "tranches": sorted(AwardTranche.objects.values_list("pk", "state", "spent", "unspent")),
        "accounts": sorted(Account.objects.values_list("pk", "debit_total", "credit_total", "balance")),
    }


@contextmanager
def nothing_written() -> Iterator[None]:
    """Assert that the block leaves the database exactly as it found it."""
    before = contests_state()
    yield
    assert contests_state() == before, "a refused request wrote something"


def text(response: Any) -> str:
    return response.content.decode()


def ko(msgid: str, *, escaped: bool = True, **values: Any) -> str:
    """``msgid`` as the page prints it in Korean (the default language): HTML-escaped as a message from Python is;
    ``escaped=False`` as a template's ``{% translate %}`` writes it."""
    with translation.override("ko"):
        message = translation.gettext(msgid)
    message = message % values if values else message
    return escape(message) if escaped else message


def field_errors(response: Any) -> dict[str, list[str]]:
    """The errors of the page's form, by field ("__all__": those of no field)."""
    form = response.context["form"]
    if hasattr(form, "parts"):
        return {"__all__": list(form.non_field_errors()), **form.errors}
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def form_as_shown(page: str) -> dict[str, str]:
    """The fields of the page's forms as a browser would send them untouched: each input's value, each select's
    selected option (else its first), each textarea's text."""
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None or 'type="submit"' in tag or (('type="checkbox"' in tag) and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options) or re.search(r'<option value="([^"]*)"',
                                                                                          options)
        data[name] = unescape(chosen.group(1)) if chosen else ""
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = unescape(body.strip())
    data.pop("csrfmiddlewaretoken", None)
    return data
