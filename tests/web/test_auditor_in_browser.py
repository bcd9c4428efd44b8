"""An auditor in a real browser: every list of the console opens, passes axe-core and has no action button; the
ledger and the audit trail are verified from their page with one click each; a table downloads as XLSX."""

from __future__ import annotations

import openpyxl
import pytest

from core.models import VerificationRun
from tests.api.funds.world import FundsWorld
from tests.factories import AuditorFactory
from tests.funds.factories import member_of

pytestmark = pytest.mark.django_db(transaction=True)

LISTS = ("/console/", "/console/funds/", "/console/applications/", "/console/loans/", "/console/repayments/",
         "/console/write-offs/", "/console/statements/", "/console/downloads/", "/console/audit/",
         "/console/verification/")


def test_an_auditor_reads_every_list_verifies_the_books_and_downloads_a_table(site, asset_class_rules):
    world = FundsWorld(member_of())
    world.build("own_loan", "own_submitted", "pending_write_off")
    site.login_as(AuditorFactory())
    for path in LISTS:
        site.open(path)
        assert site.path == path
        site.assert_accessible()
        site.screenshot("auditor" + path.replace("/", "-").rstrip("-"))
        # Read-only: no link to an action page, no form that changes anything but the checks' own.
        assert not site.find_all("a[href$='/approve/'], a[href$='/reject/'], a[href$='/review/'], "
                                 "a[href$='/repay/'], a[href$='/disburse/'], a[href$='/reverse/']"), path

    site.open("/console/verification/")
    for kind in ("ledger", "audit"):
        site.find(f"form input[name=kind][value={kind}] ~ button").click()
        site.wait_visible(".messages .success")
    assert set(VerificationRun.objects.values_list("kind", "state")) == {("ledger", "passed"), ("audit", "passed")}
    site.open("/console/verification/")
    assert len(site.find_all(".panel .badge.state-passed")) == 2
    site.screenshot("auditor-verification-done")

    site.open("/console/repayments/")
    site.find(".downloads a[href*='_export=xlsx']").click()
    sheet = openpyxl.load_workbook(site.wait_for_download(".xlsx")).active
    assert sheet.max_row == 1 + 1  # the header and the member's one repayment
