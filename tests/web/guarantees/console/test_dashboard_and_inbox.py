"""The program's dashboard (guarantees by state, claims paid, recoveries, net loss, claim and recovery rates, interest
subsidies paid, fees by payer, links to the program's lists), a guarantee's fee bills, and the console's start page:
the special guarantees' inbox panel, with four eyes visible (what a manager prepared waits for another)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from guarantees import services
from guarantees.models import FeeBill
from tests.factories import BankOfficerFactory, ManagerFactory

from .helpers import ASKED_NOTE, FOUR_EYES_NOTE, PREPARED_NOTE, ko, text

pytestmark = pytest.mark.django_db

# The fee of a guarantee year on 20,000,000 (0.8 %, of which the city pays 0.5 %p; 10 won floor), 365 days:
# 20,000,000 x 0.008 = 160,000; the city 20,000,000 x 0.005 = 100,000; the enterprise 60,000. A year with a 29
# February (366 days): 160,438.36 -> 160,430; the city 100,273.97 -> 100,270; the enterprise 60,160.
FEES = {365: (160_000, 100_000, 60_000), 366: (160_430, 100_270, 60_160)}


def _executed(gw, start_on):
    """``gw.approved`` lent in full at 4.5 % on ``start_on`` through the bank's report: its first year is billed."""
    guarantee = gw.approved
    services.guarantee_execute(actor=BankOfficerFactory(institution=guarantee.bank), guarantee_id=guarantee.pk,
                               loan_amount=20_000_000, loan_rate="0.045", start_on=start_on,
                               idempotency_key="execute", today=gw.today, bank_reference="LN-7")
    guarantee.refresh_from_db()
    return guarantee


def test_a_guarantees_page_shows_its_fee_bills(gw, client_as, manager):
    guarantee = _executed(gw, gw.today - timedelta(days=10))
    bill = FeeBill.objects.get(guarantee=guarantee)
    fee, city, firm = FEES[bill.days]

    page = text(client_as(manager).get(reverse("web:guarantee", args=[guarantee.pk])))

    assert f"₩{fee:,}" in page and f"₩{city:,}" in page and f"₩{firm:,}" in page
    assert bill.due_on.isoformat() in page and "LN-7" in page


def test_the_program_dashboard_shows_states_claims_rates_subsidies_fees_and_links(gw, client_as, manager):
    # Last month's subsidy run over ``active`` (20,000,000 for the whole month), approved and paid.
    run = gw.prepared_run
    services.subsidy_run_approve(run_id=run.pk, actor=manager, today=gw.today, idempotency_key="pay-run")
    run.refresh_from_db()
    # A second guarantee lent 10 days ago, its first fee year billed; the enterprise pays its part.
    executed = _executed(gw, gw.today - timedelta(days=10))
    bill = FeeBill.objects.get(guarantee=executed)
    fee, city, firm = FEES[bill.days]
    services.fee_pay(bill_id=bill.pk, amount=firm, idempotency_key="fee", actor=manager, today=gw.today)
    # A third, defaulted and claimed (15,402,730 paid today), 1,000,000 of it recovered.
    claim = gw.paid_claim
    services.recovery_record(actor=manager, claim_id=claim.pk, amount=1_000_000, received_on=gw.today,
                             idempotency_key="rec", today=gw.today)

    page = text(client_as(manager).get(reverse("web:guarantee-program", args=[gw.program.pk])))

    # Guarantees by state: two active, one recovering (claimed, then partly recovered); links to each state's list.
    assert 'data-chart="chart-states"' in page
    assert f"₩{run.total.amount:,}" in page  # interest subsidies paid
    assert "₩15,402,730" in page and "₩1,000,000" in page and "₩14,402,730" in page  # paid, recovered, net loss
    # The loans ever made: 20,000,000 x 3 (all at 100 %) = 60,000,000. Claim rate 15,402,730 / 60,000,000 =
    # 0.256712 -> 25.67 %; recovery rate 1,000,000 / 15,402,730 = 0.064924 -> 6.49 %.
    assert "₩60,000,000" in page and "25.67%" in page and "6.49%" in page
    assert f"₩{city:,}" in page and f"₩{firm:,}" in page and f"₩{fee:,}" in page  # fees by payer
    for name in ("guarantee-applications", "guarantees", "subsidy-runs", "guarantee-claims"):
        assert f'{reverse(f"web:{name}")}?program={gw.program.pk}' in page, name
    assert f'{reverse("web:guarantees")}?program={gw.program.pk}&amp;state=recovering' in page
    assert f'{reverse("web:guarantees")}?program={gw.program.pk}&amp;state=claimed' not in page  # none


def test_an_auditor_reads_the_dashboard_without_the_prepare_button(gw, client_as, auditor):
    page = text(client_as(auditor).get(reverse("web:guarantee-program", args=[gw.program.pk])))
    assert reverse("web:subsidy-run-prepare") not in page
    assert f'{reverse("web:guarantee-claims")}?program={gw.program.pk}' in page


# --- the inbox panel ---------------------------------------------------------------------------------------------


def test_the_inbox_shows_a_manager_what_waits_for_him_and_what_he_prepared_waits_for_another(gw, client_as):
    submitted, recommended, run = gw.submitted, gw.recommended, gw.prepared_run
    requested, prepared = gw.requested_claim, None
    prepared_by_other = ManagerFactory()
    # A second defaulted guarantee's claim, prepared by another manager: to approve.
    from tests.guarantees.claim_factories import request_claim, set_defaulted
    from tests.guarantees.factories import make_guarantee

    second = make_guarantee(gw.program, amount=5_000_000)
    set_defaulted(second, defaulted_on=gw.today - timedelta(days=5), interest_paid_to=gw.today - timedelta(days=5))
    prepared = services.claim_prepare(actor=prepared_by_other, claim_id=request_claim(
        second, requested_on=gw.today, today=gw.today).pk, paid_on=gw.today, today=gw.today)

    home = text(client_as(gw.preparer).get("/console/"))  # gw.preparer recommended and prepared the run

    inbox = home[home.index('id="g-inbox-h"'):]
    assert f"/console/guarantee-applications/{submitted.pk}/" in inbox  # to recommend
    assert f"/console/guarantee-claims/{requested.pk}/" in inbox  # to prepare
    assert f"/console/guarantee-claims/{prepared.pk}/" in inbox  # to approve
    others = inbox[inbox.index('id="g-inbox-others-h"'):]
    assert f"/console/guarantee-applications/{recommended.pk}/" in others and ko(FOUR_EYES_NOTE) in others
    assert f"/console/subsidy-runs/{run.pk}/" in others and ko(PREPARED_NOTE) in others
    approve = inbox[inbox.index('id="g-inbox-approve-h"'):inbox.index('id="g-inbox-runs-h"')]
    assert f"GA{recommended.pk} " not in approve  # not his to approve

    theirs = text(client_as(ManagerFactory()).get("/console/"))
    theirs = theirs[theirs.index('id="g-inbox-h"'):]
    approve = theirs[theirs.index('id="g-inbox-approve-h"'):theirs.index('id="g-inbox-runs-h"')]
    assert f"/console/guarantee-applications/{recommended.pk}/" in approve
    runs = theirs[theirs.index('id="g-inbox-runs-h"'):theirs.index('id="g-inbox-claims-h"')]
    assert f"/console/subsidy-runs/{run.pk}/" in runs
    assert 'id="g-inbox-others-h"' not in theirs


def test_a_write_off_asked_for_waits_for_another_manager(gw, client_as, manager):
    claim = gw.write_off_asked  # asked by gw.preparer
    mine = text(client_as(gw.preparer).get("/console/"))
    assert ko(ASKED_NOTE) in mine[mine.index('id="g-inbox-others-h"'):]
    theirs = text(client_as(manager).get("/console/"))
    section = theirs[theirs.index('id="g-inbox-wo-h"'):]
    assert f"/console/guarantee-claims/{claim.pk}/" in section.split("</section>")[0]


def test_an_auditor_sees_every_queue_read_only(gw, client_as, auditor):
    recommended, run = gw.recommended, gw.prepared_run
    home = text(client_as(auditor).get("/console/"))
    inbox = home[home.index('id="g-inbox-h"'):]
    assert f"/console/guarantee-applications/{recommended.pk}/" in inbox
    assert f"/console/subsidy-runs/{run.pk}/" in inbox
    assert 'id="g-inbox-others-h"' not in inbox
    assert "/approve/" not in inbox


def test_the_menu_has_an_entry_for_each_list(client_as, manager):
    home = text(client_as(manager).get("/console/"))
    for path in ("/console/guarantee-applications/", "/console/guarantees/", "/console/subsidy-runs/",
                 "/console/guarantee-claims/"):
        assert f'href="{path}"' in home, path
