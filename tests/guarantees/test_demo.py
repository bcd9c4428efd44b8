"""The guarantees' demo (``guarantees.demo``, loaded by ``load_demo``): a Daegu-style program with the bank
officer's bank, guarantees in every state the issue names, fees paid, refunded and due, paid subsidy runs, and a
ledger that verifies; loading again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from guarantees import selectors
from guarantees.models import Claim, FeeBill, FeeRefund, Guarantee, GuaranteeApplication, GuaranteeProgram, SubsidyRun
from ledger.models import Journal

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEMO_EXTENSIONS = ["guarantees.demo.load"]  # the other instruments' demos have their own tests
    call_command("load_demo", password="pw-demo-1", stdout=StringIO())
    return GuaranteeProgram.objects.get(code="daegu-se-special-guarantee")


def test_the_demo_has_a_guarantee_in_every_state_the_issue_names(demo):
    states = set(Guarantee.objects.filter(program=demo).values_list("state", flat=True))
    assert {"active", "approved", "repaid", "recovering", "written_off"} <= states
    assert demo.partner_banks.get().staff.filter(username="bank.officer").exists()
    assert GuaranteeApplication.objects.filter(program=demo, state="submitted").exists()
    # Repaid early, with the unused fee days refunded to the city and to the enterprise.
    repaid = Guarantee.objects.get(program=demo, state="repaid")
    assert {refund.payer for refund in FeeRefund.objects.filter(bill__guarantee=repaid)} == {"city", "firm"}
    # Defaulted and claimed: one claim partly recovered, one written off.
    recovering = Claim.objects.get(guarantee__state="recovering")
    assert recovering.recoveries.count() > 0 and recovering.recourse_principal.amount > 0
    assert Claim.objects.get(guarantee__state="written_off").written_off_on is not None
    # Fees: the active guarantee's second year billed and not yet paid by the enterprise.
    assert FeeBill.objects.filter(guarantee__state="active", year=2, firm_paid=0).exists()
    # Interest subsidies: runs prepared by one manager and paid on another's approval.
    runs = SubsidyRun.objects.filter(program=demo, state="paid")
    assert runs.count() == 3
    assert all(run.prepared_by_id != run.approved_by_id for run in runs)


def test_the_demos_position_agrees_with_its_book_and_the_ledger_verifies(demo):
    position = selectors.program_position(demo)
    assert position.capacity == (position.contributions - position.net_losses) * demo.multiple
    assert position.used == sum(g.guaranteed.amount for g in Guarantee.objects.filter(program=demo))
    assert position.claims is not None and position.claims.claims_count == 2
    assert position.subsidies_paid == sum(run.total.amount for run in SubsidyRun.objects.filter(state="paid"))
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "every account agrees" in out.getvalue()


def test_loading_the_demo_again_changes_nothing(demo):
    journals = Journal.objects.count()
    out = StringIO()
    call_command("load_demo", password="pw-demo-1", stdout=out)
    assert Journal.objects.count() == journals
    assert "already there: daegu-se-special-guarantee" in out.getvalue()
