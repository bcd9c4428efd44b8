"""Where each special-guarantee object's page is (models have no ``get_absolute_url``: one object has a page in
each area that shows it)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse


def program_url(program: Any) -> str:
    return reverse("web:guarantee-program", args=[program.pk])


# --- the bank desk (/bank/) and the enterprise portal (/my/) -------------------------------------------------------


def bank_guarantee_url(guarantee: Any) -> str:
    return reverse("web:bank-guarantee", args=[guarantee.pk])


def bank_subsidy_run_url(run: Any) -> str:
    return reverse("web:bank-subsidy-run", args=[run.pk])


def my_guarantee_url(guarantee: Any) -> str:
    return reverse("web:my-guarantee", args=[guarantee.pk])


def my_guarantee_application_url(application: Any) -> str:
    return reverse("web:my-guarantee-application", args=[application.pk])


# --- the console's applications, guarantees, subsidy runs and claims (web.guarantees.console_urls) -----------------


def application_url(application: Any) -> str:
    return reverse("web:guarantee-application", args=[application.pk])


def guarantee_url(guarantee: Any) -> str:
    return reverse("web:guarantee", args=[guarantee.pk])


def subsidy_run_url(run: Any) -> str:
    return reverse("web:subsidy-run", args=[run.pk])


def claim_url(claim: Any) -> str:
    return reverse("web:guarantee-claim", args=[claim.pk])
