"""Where each special-guarantee object's page is (models have no ``get_absolute_url``: one object has a page in
each area that shows it)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse


def program_url(program: Any) -> str:
    return reverse("web:guarantee-program", args=[program.pk])
