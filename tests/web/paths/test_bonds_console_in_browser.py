"""The social impact bonds in the staff console, clicked through in a real browser by the managers who do the work:

- manager Kim prepared the draft: his inbox says another manager must sign it, the contract shows no sign button
  and a forged signature of his is refused (409); manager Lee signs it from her inbox, then calls capital (a call
  beyond the commitments is refused beside the amount first), and the dashboard shows the call's lines;
- on a contract in service whose interim results are confirmed, Kim prepares the interim outcome payment from the
  dashboard and may not approve it (a forged approval: 409); Lee approves and pays it from her inbox;
- an investor reads its investment's figures (paid in, distributed, multiple, IRR) after the contract's whole life,
  asks for its investment statement on the investment's page and downloads the PDF (the one stored, by its
  SHA-256), and sees it on its start page; another institution's investor gets 404 for the investment and the PDF.

Every page on the way is checked with axe-core and saved as a screenshot (.artifacts/screenshots/)."""

from __future__ import annotations

import hashlib

import pytest

from bonds.models import CapitalCall, Contract, OutcomePayment
from enterprises.models import Institution
from statements.models import Statement
from tests.bonds.factories import call_and_pay, make_world, record_and_confirm, sign_and_start, whole_life
from tests.factories import InstitutionFactory, InvestorFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_signs_a_contract_another_prepared_and_calls_capital(site):
    world = make_world()
    kim, lee, contract = world.kim, world.lee, world.contract
    page = f"/console/bonds/{contract.pk}/"

    site.login(kim)
    site.wait_path("/console/")
    assert site.find("#b-inbox-others-h").is_displayed()
    site.check("bonds-01-inbox-kim", phone=True)
    site.open(page)
    assert not site.find_all(f"a[href='{page}sign/']")
    assert site.find(".actions .note").is_displayed()
    site.check("bonds-02-draft-kim")
    assert site.forged_post(f"{page}sign/", "signed_on=2026-01-01") == 409
    assert Contract.objects.get(pk=contract.pk).state == Contract.State.DRAFT
    site.log_out()

    site.login(lee)
    site.wait_path("/console/")
    site.find(f"#b-inbox-sign-h ~ ul a[href='{page}']").click()
    site.wait_path(page)
    site.find(f"a[href='{page}sign/']").click()
    site.wait_path(f"{page}sign/")
    site.check("bonds-03-sign")
    site.submit()
    site.wait_path(page)
    assert Contract.objects.get(pk=contract.pk).state == Contract.State.SIGNED

    site.find(f"a[href='{page}capital-calls/new/']").click()
    site.wait_path(f"{page}capital-calls/new/")
    site.type("#id_amount", "2,000,000,000")  # more than the 11.1억 committed: refused beside the field
    site.submit()
    site.wait_visible("#id_amount ~ .errors, .field .errors, .form-errors")
    site.check("bonds-04-call-refused")
    assert not CapitalCall.objects.exists()
    site.type("#id_amount", "600,000,000")
    site.submit()
    site.wait_path(page)
    call = CapitalCall.objects.get()
    assert call.amount.amount == 600_000_000 and call.lines.count() == 3
    assert site.find_all(f"a[href='/console/bond-call-lines/{call.lines.first().pk}/paid/']")
    site.check("bonds-05-dashboard", phone=True)


def test_a_manager_prepares_an_outcome_payment_and_another_approves_it(site):
    world = make_world(interim_percent=30)
    sign_and_start(world)
    call_and_pay(world)
    record_and_confirm(world, world.interim, engaged=60, improved=31, beyond=4)
    page = f"/console/bonds/{world.contract.pk}/"

    site.login(world.kim)
    site.open(page)
    site.wait_until(lambda d: d.find_elements("css selector", "figure.bond-chart svg path"), message="chart drawn")
    site.check("bonds-06-dashboard-interim")
    site.find(f"a[href='/console/bond-points/{world.interim.pk}/prepare-payment/']").click()
    site.wait_path(f"/console/bond-points/{world.interim.pk}/prepare-payment/")
    site.check("bonds-07-prepare")
    site.submit()
    site.wait_path(page)
    payment = OutcomePayment.objects.get()
    assert payment.state == OutcomePayment.State.PREPARED and payment.amount.amount > 0
    approve = f"/console/bond-payments/{payment.pk}/approve/"
    assert not site.find_all(f"a[href='{approve}']")
    site.open(approve)
    assert site.find("p.note").is_displayed()
    assert site.forged_post(approve, "idempotency_key=forged-kim") == 409
    site.log_out()

    site.login(world.lee)
    site.wait_path("/console/")
    site.find(f"#b-inbox-approve-h ~ ul a[href='{approve}']").click()
    site.wait_path(approve)
    site.check("bonds-08-approve")
    site.submit()
    site.wait_path(page)
    payment.refresh_from_db()
    assert payment.state == OutcomePayment.State.PAID and payment.approved_by == world.lee
    site.check("bonds-09-paid")


def test_an_investor_reads_its_figures_and_not_another_institutions(site):
    world = make_world(interim_percent=30)
    whole_life(world)
    investment = world.investments[0]
    investment.refresh_from_db()
    path = f"/investor/investments/{investment.pk}/"

    site.login(world.investor_users[0])
    site.wait_path("/investor/")
    site.check("bonds-10-investor-home")
    site.find(f"a[href='{path}']").click()
    site.wait_path(path)
    assert site.find("#paid-in").text == "₩500,000,000"
    assert site.find("#multiple").text.endswith("x") and site.find("#irr").text.endswith("%")
    site.check("bonds-11-investment", phone=True)

    # Its investment statement: asked for on the page, rendered at once (no broker), downloaded.
    assert not site.find_all("table.statements a.download")
    site.find("#statement-request button[type=submit]").click()
    site.wait_visible(".messages .success")
    site.wait_path(path)
    link = site.wait_visible("table.statements a.download", timeout=60)
    statement = Statement.objects.get(kind=Statement.Kind.BOND_INVESTOR, bond_investment=investment)
    assert statement.state == Statement.State.READY
    site.check("bonds-12-investment-statement", phone=True)
    download = link.get_attribute("href")
    link.click()
    assert hashlib.sha256(site.wait_for_download(".pdf").read_bytes()).hexdigest() == statement.sha256
    site.open("/investor/")
    assert site.find(f"#st-{statement.pk} a.download").get_attribute("href") == download
    site.check("bonds-13-investor-home-statement")
    site.log_out()

    stranger = InvestorFactory(institution=InstitutionFactory(kind=Institution.Kind.INVESTOR))
    site.login(stranger)
    site.open(path)
    assert "404" in site.driver.title or site.find_all("main h1")
    assert not site.find_all("#paid-in")
    assert site.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => done(r.status));
    """, download) == 404
    site.open("/investor/")
    assert not site.find_all(f"#st-{statement.pk}")
