"""A special guarantee's life through the pages, in a real browser, by the people who live it, each signing in
through the login form: an enterprise member applies for a guarantee and submits it; two managers recommend and
approve it (through the services: the console's pages are another test's); the partner bank's officer finds it on
the bank desk's start page, reports the loan made and a balance; the member sees the guarantee and pays its fee
with the late fee; the officer reports the default and claims. The refusals on the way: another bank's officer
forging a report gets 404, a member opening another enterprise's guarantee 404, the officer the portal 403. Every
page is checked with axe-core and saved as a screenshot at a desktop's width and, for the main pages, a phone's
(.artifacts/screenshots/)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from djmoney.money import Money
from selenium.webdriver.support.ui import Select

from guarantees import services
from guarantees.models import Claim, FeeBill, Guarantee, GuaranteeApplication
from tests.factories import BankOfficerFactory, InstitutionFactory, ManagerFactory
from tests.funds.factories import member_of
from tests.guarantees.factories import contribute, make_guarantee, make_program

pytestmark = pytest.mark.django_db(transaction=True)



def _check(site, name: str, *, phone: bool = False) -> None:
    site.check(f"guarantee-{name}", phone=phone)


def _status(site, path: str) -> int:
    """The status the page at ``path`` answers with (the browser shows the error page; its status is not on it)."""
    return site.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => done(r.status));
    """, path)


def test_a_guarantee_from_application_to_claim_through_the_pages(site):
    today = timezone.localdate()
    program = make_program(opens_on=today - timedelta(days=90), closes_on=today + timedelta(days=90))
    contribute(program, 1_000_000_000)
    bank = program.partner_banks.get()
    bank.name = "대구은행"
    bank.save()
    officer = BankOfficerFactory(username="bank.officer", institution=bank)
    member = member_of()
    enterprise = member.memberships.get().enterprise
    # Another enterprise's guarantee at another bank: neither the member's nor the officer's.
    other_bank = InstitutionFactory(kind=bank.Kind.BANK, name="다른은행")
    program.partner_banks.add(other_bank)
    elsewhere = make_guarantee(program, bank=other_bank, amount=10_000_000)

    # The member applies for a guarantee on a 20,000,000 won loan from the bank, and submits it.
    site.login(member)
    site.wait_path("/my/")
    _check(site, "01-portal", phone=True)
    site.find("#my-guarantees-h ~ .actions a[href='/my/guarantee-applications/new/']").click()
    site.wait_path("/my/guarantee-applications/new/")
    Select(site.find("#id_bank")).select_by_value(str(bank.pk))
    site.type("#id_amount", "20,000,000")
    Select(site.find("#id_repayment_method")).select_by_value("equal_principal")
    site.find("#id_purpose").send_keys("돌봄 서비스 운영자금")
    _check(site, "02-apply", phone=True)
    site.submit()
    site.wait_until(lambda d: site.path != "/my/guarantee-applications/new/", message="the draft was not saved")
    application = GuaranteeApplication.objects.get(enterprise=enterprise)
    site.wait_path(f"/my/guarantee-applications/{application.pk}/")
    site.find(f"form[action='/my/guarantee-applications/{application.pk}/submit/'] button").click()
    site.wait_visible(".messages .success")
    application.refresh_from_db()
    assert application.state == GuaranteeApplication.State.SUBMITTED and application.grace_months == 12
    _check(site, "03-submitted", phone=True)
    site.log_out()

    # One manager recommends, another approves (four eyes), through the services.
    services.application_recommend(actor=ManagerFactory(), application_id=application.pk, recommend=True,
                                   reason="운영 실적 양호")
    services.application_approve(actor=ManagerFactory(), application_id=application.pk, reason="승인")
    guarantee = Guarantee.objects.get(application=application)

    # The officer finds it waiting on the bank desk and reports the loan made, then a balance.
    site.login(officer)
    site.wait_path("/bank/")
    _check(site, "04-bank-desk", phone=True)
    site.find(f"#bank-waiting-h ~ ul a[href='/bank/guarantees/{guarantee.pk}/execute/']").click()
    site.wait_path(f"/bank/guarantees/{guarantee.pk}/execute/")
    assert site.find("#id_loan_amount").get_attribute("value") == "20,000,000"
    site.type("#id_loan_rate", "4.5")
    site.type("#id_bank_reference", "501-23-456789")
    _check(site, "05-loan-made", phone=True)
    site.submit()
    site.wait_path(f"/bank/guarantees/{guarantee.pk}/")
    site.wait_visible(".messages .success")
    guarantee.refresh_from_db()
    assert guarantee.state == Guarantee.State.ACTIVE and guarantee.bank_reference == "501-23-456789"
    site.find(f"a[href='/bank/guarantees/{guarantee.pk}/report/']").click()
    site.wait_path(f"/bank/guarantees/{guarantee.pk}/report/")
    site.type("#id_balance", "25,000,000")  # more than the loan: the rule comes back beside the field
    site.submit()
    site.wait_visible("#id_balance_error")
    _check(site, "06-balance-refused")
    site.type("#id_balance", "19,500,000")
    site.submit()
    site.wait_path(f"/bank/guarantees/{guarantee.pk}/")
    guarantee.refresh_from_db()
    assert guarantee.balance == Money(19_500_000, "KRW")
    _check(site, "07-bank-guarantee", phone=True)
    site.open("/bank/guarantees/")
    _check(site, "08-bank-guarantees", phone=True)
    # Another bank's guarantee is not found, shown or forged.
    site.open(f"/bank/guarantees/{elsewhere.pk}/")
    assert not site.find_all("#terms-h")  # the error page, not the guarantee
    _check(site, "08-bank-not-found")
    assert _status(site, f"/bank/guarantees/{elsewhere.pk}/") == 404
    site.open(f"/bank/guarantees/{guarantee.pk}/report/")
    status = site.forged_post(f"/bank/guarantees/{elsewhere.pk}/report/",
                          f"on_date={today.isoformat()}&balance=1&idempotency_key=web-forged")
    assert status == 404
    # The portal is not the officer's.
    assert _status(site, "/my/") == 403
    site.log_out()

    # The member sees the guarantee and pays its fee (billed when the loan was made).
    site.login(member)
    site.wait_path("/my/")
    bill = FeeBill.objects.get(guarantee=guarantee)
    site.find(f"#my-guarantees-h ~ .table-wrap a[href='/my/guarantees/{guarantee.pk}/']").click()
    site.wait_path(f"/my/guarantees/{guarantee.pk}/")
    assert "₩19,500,000" in site.find("main").text
    _check(site, "09-my-guarantee", phone=True)
    site.find(f"a[href='/my/guarantee-fees/{bill.pk}/pay/']").click()
    site.wait_path(f"/my/guarantee-fees/{bill.pk}/pay/")
    due = site.find("#id_amount").get_attribute("value")
    assert due == f"{int(bill.enterprise_share.amount):,}"  # due today: no late fee yet
    _check(site, "10-pay-fee", phone=True)
    site.submit()
    site.wait_path(f"/my/guarantees/{guarantee.pk}/")
    site.wait_visible(".messages .success")
    bill.refresh_from_db()
    assert bill.firm_outstanding == 0
    assert not site.find_all(f"a[href='/my/guarantee-fees/{bill.pk}/pay/']")
    _check(site, "11-fee-paid")
    site.open(f"/my/guarantees/{elsewhere.pk}/")  # another enterprise's: not found
    assert not site.find_all("#fees-h")
    assert _status(site, f"/my/guarantees/{elsewhere.pk}/") == 404
    site.log_out()

    # The loan defaults; the officer reports it and claims.
    site.login(officer)
    site.wait_path("/bank/")
    site.open(f"/bank/guarantees/{guarantee.pk}/")
    site.find(f"a[href='/bank/guarantees/{guarantee.pk}/default/']").click()
    site.wait_path(f"/bank/guarantees/{guarantee.pk}/default/")
    assert site.find("#id_balance").get_attribute("value") == "19,500,000"
    _check(site, "12-default")
    site.submit()
    site.wait_path(f"/bank/guarantees/{guarantee.pk}/")
    guarantee.refresh_from_db()
    assert guarantee.state == Guarantee.State.DEFAULTED
    site.open("/bank/")
    site.find(f"#bank-defaulted-h ~ ul a[href='/bank/guarantees/{guarantee.pk}/claim/']").click()
    site.wait_path(f"/bank/guarantees/{guarantee.pk}/claim/")
    site.type("#id_interest", "80,000")
    site.type("#id_costs", "150,000")
    _check(site, "13-claim", phone=True)
    site.submit()
    site.wait_path(f"/bank/guarantees/{guarantee.pk}/")
    claim = Claim.objects.get(guarantee=guarantee)
    assert claim.state == Claim.State.REQUESTED and claim.requested_principal == Money(19_500_000, "KRW")
    assert claim.requested_costs == Money(150_000, "KRW")
    _check(site, "14-claimed", phone=True)
    site.open("/bank/")
    assert site.find_all(f"#bank-claims-h ~ ul a[href='/bank/guarantees/{guarantee.pk}/']")
    _check(site, "15-bank-desk-claims")
    site.open("/bank/claims/")
    _check(site, "16-bank-claims")


def test_the_bank_reads_its_interest_subsidies_and_downloads_its_payment_file(site):
    from openpyxl import load_workbook

    from tests.web.guarantees.desk import Desk, subsidy_runs

    desk = Desk()
    mine, others = subsidy_runs(desk)
    own_line = mine.lines.get(bank=desk.bank)
    site.login_as(desk.officer)
    site.open("/bank/subsidy-runs/")
    assert not site.find_all(f"a[href='/bank/subsidy-runs/{others.pk}/']")  # another bank's lines only
    _check(site, "20-bank-subsidy-runs", phone=True)
    site.find(f"a[href='/bank/subsidy-runs/{mine.pk}/']").click()
    site.wait_path(f"/bank/subsidy-runs/{mine.pk}/")
    assert f"G{own_line.guarantee_id}" in site.find("#table").text
    _check(site, "21-bank-subsidy-run", phone=True)
    site.find(f"a[href='/bank/subsidy-runs/{mine.pk}/payment-file/?format=xlsx']").click()
    sheet = load_workbook(site.wait_for_download(".xlsx")).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert f"G{own_line.guarantee_id}" in cells and int(own_line.amount.amount) in cells
