"""Every console page of the special guarantees opens on the demo's data (``load_demo``: a program with guarantees in
every state, fees paid, refunded and due, paid subsidy runs, claims recovering and written off), for a manager and
for an auditor, and each list downloads."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from guarantees.models import Claim, Guarantee, GuaranteeApplication, GuaranteeProgram, SubsidyRun

pytestmark = pytest.mark.django_db

LISTS = ("guarantee-applications", "guarantees", "subsidy-runs", "guarantee-claims", "guarantee-programs")


def test_every_page_opens_on_the_demo_for_a_manager_and_an_auditor(client_as, manager, auditor, settings):
    settings.DEMO_EXTENSIONS = ["guarantees.demo.load"]  # the guarantees' pages: their demo only
    call_command("load_demo", password="pw-demo-1", stdout=StringIO())
    pages = ["/console/", *(reverse(f"web:{name}") for name in LISTS)]
    pages += [reverse("web:guarantee-program", args=[pk])
              for pk in GuaranteeProgram.objects.values_list("pk", flat=True)]
    pages += [reverse("web:guarantee-application", args=[pk])
              for pk in GuaranteeApplication.objects.values_list("pk", flat=True)]
    pages += [reverse("web:guarantee", args=[pk]) for pk in Guarantee.objects.values_list("pk", flat=True)]
    pages += [reverse("web:subsidy-run", args=[pk]) for pk in SubsidyRun.objects.values_list("pk", flat=True)]
    pages += [reverse("web:subsidy-run-payment-file", args=[pk])
              for pk in SubsidyRun.objects.values_list("pk", flat=True)]
    pages += [reverse("web:guarantee-claim", args=[pk]) for pk in Claim.objects.values_list("pk", flat=True)]
    assert len(pages) > 15
    for user in (manager, auditor):
        client = client_as(user)
        wrong = [(path, status) for path in pages if (status := client.get(path).status_code) != 200]
        assert not wrong, wrong
        for name in LISTS:
            assert client.get(reverse(f"web:{name}"), {"_export": "xlsx"}).status_code == 200, name
