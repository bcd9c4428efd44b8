"""Where each contest object's page is in the enterprise portal (``/my/``). Models have no ``get_absolute_url``: one
object has a page in each area that shows it (the console's links are the console's)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse


def my_contest_url(contest: Any) -> str:
    return reverse("web:my-contest", args=[contest.pk])


def my_entry_url(entry: Any) -> str:
    return reverse("web:my-contest-entry", args=[entry.pk])


def my_tranche_url(tranche: Any) -> str:
    return reverse("web:my-award-tranche", args=[tranche.pk])
