"""Where each object's page is: the console's for staff, the portal's for the enterprise's members. Models have no
``get_absolute_url`` because one object has a page in each area."""

from __future__ import annotations

from typing import Any

from django.urls import reverse


def loan_url(loan: Any, area: str = "console") -> str:
    return reverse("web:loan" if area == "console" else "web:my-loan", args=[loan.pk])


def application_url(application: Any, area: str = "console") -> str:
    return reverse("web:application" if area == "console" else "web:my-application", args=[application.pk])
