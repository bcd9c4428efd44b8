"""Helpers of the console's special-guarantee page tests: what the database holds (to prove that a refusal wrote
nothing), a page's text, Korean messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from typing import Any

from django.utils import translation

from core.models import AuditEvent
from guarantees.models import (
    Claim,
    Guarantee,
    GuaranteeApplication,
    GuaranteeBalance,
    GuaranteeProgram,
    RecourseWriteOff,
    Recovery,
    SubsidyLine,
    SubsidyRun,
)
from ledger.models import Account, Entry, Journal
from statements.models import Statement

FOUR_EYES_NOTE = "You recommended this; another manager must approve."
PREPARED_NOTE = "You prepared this; another manager must approve."
ASKED_NOTE = "You asked for this write-off; another manager must approve."


def guarantees_state() -> dict[str, Any]:
    """Everything a guarantee page's action could write."""
    return {
        "counts": {model.__name__: model.objects.count() for model in (
            AuditEvent, Journal, Entry, GuaranteeApplication, Guarantee, GuaranteeBalance, SubsidyRun, SubsidyLine,
            Claim, Recovery, RecourseWriteOff, Statement)},
        "applications": sorted(GuaranteeApplication.objects.values_list("pk", "state", "recommended_by_id",
                                                                        "decided_by_id")),
        "guarantees": sorted(Guarantee.objects.values_list("pk", "state", "guaranteed", "closed_on")),
        "programs": sorted(GuaranteeProgram.objects.values_list("pk", "committed")),
        "runs": sorted(SubsidyRun.objects.values_list("pk", "state", "approved_by_id", "journal_id")),
        "claims": sorted(Claim.objects.values_list("pk", "state", "amount", "paid_on", "prepared_by_id",
                                                   "recourse_principal", "written_off_on")),
        "write_offs": sorted(RecourseWriteOff.objects.values_list("pk", "state", "approved_by_id")),
        "accounts": sorted(Account.objects.values_list("pk", "debit_total", "credit_total", "balance")),
    }


@contextmanager
def nothing_written() -> Iterator[None]:
    """Assert that the block leaves the database exactly as it found it."""
    before = guarantees_state()
    yield
    assert guarantees_state() == before, "a refused request wrote something"


def text(response: Any) -> str:
    return response.content.decode()


def ko(msgid: str) -> str:
    """``msgid`` as the page prints it in Korean (the default language), HTML-escaped."""
    with translation.override("ko"):
        return escape(translation.gettext(msgid))


def field_errors(response: Any) -> dict[str, list[str]]:
    """The errors of the page's form, by field ("__all__": those of no field)."""
    return {name: [str(e) for e in errors] for name, errors in response.context["form"].errors.items()}
