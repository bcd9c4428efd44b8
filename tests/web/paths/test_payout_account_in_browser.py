"""The enterprise's payout account (정산 계좌) in a real browser: the member of an enterprise whose campaign settled
signs in through the login form, finds on "Campaigns" that no account is given yet, opens the form (a bad account
number refused beside the field first), picks the bank by its Korean name and saves; its campaigns page then shows
the account. A manager opens the contest's settlements, sees the account beside the enterprise, and downloads the
payout file, which names the account instead of 계좌 미등록. Every page is checked with axe-core and saved as a
screenshot (.artifacts/screenshots/payout-account-*)."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import Select

from crowdfunding.models import PayoutAccount
from tests.factories import ManagerFactory
from tests.web.crowdfunding.funding_world import FundingWorld

pytestmark = pytest.mark.django_db(transaction=True)


def _check(site, name: str, *, phone: bool = False) -> None:
    site.check(f"payout-account-{name}", phone=phone)


def test_a_member_gives_its_payout_account_and_the_payout_file_then_names_it(site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fw = FundingWorld()
    settlement = fw.own_settled
    contest_id = settlement.campaign.contest_id
    form_path = f"/my/enterprises/{fw.enterprise.pk}/payout-account/"

    site.login(fw.member)
    site.open("/my/campaigns/")
    section = site.find(f"#payout-account-{fw.enterprise.pk}").text
    assert "아직 등록되지 않음" in section
    _check(site, "01-campaigns-without", phone=True)
    site.find(f"a[href='{form_path}']").click()
    site.wait_path(form_path)
    bank = Select(site.find("#id_bank"))
    assert "신한은행" in " ".join(option.text for option in bank.options)
    bank.select_by_value("088")
    site.type("#id_account_number", "110-123")
    site.type("#id_holder", "동네 빵집 협동조합")
    site.submit()
    site.wait_visible("#id_account_number_error")
    assert not PayoutAccount.objects.exists()
    _check(site, "02-refused", phone=True)
    site.type("#id_account_number", "110-123-456789")
    site.submit()
    site.wait_path("/my/campaigns/")
    assert "110123456789" in site.find(f"#payout-account-{fw.enterprise.pk}").text
    account = PayoutAccount.objects.get(enterprise=fw.enterprise)
    assert (account.bank, account.account_number, account.updated_by) == ("088", "110123456789", fw.member)
    _check(site, "03-campaigns-with", phone=True)
    site.log_out()

    site.login(ManagerFactory(username="manager.payout"))
    settlements = f"/console/contests/{contest_id}/settlements/"
    site.open(settlements)
    assert "110123456789" in site.find(f"#payout-account-{fw.enterprise.pk}").text
    _check(site, "04-settlements")
    site.find(f"a[href='/console/contests/{contest_id}/payout-file/?format=csv']").click()
    body = site.wait_for_download(".csv").read_bytes().decode("utf-8-sig")
    assert "110123456789" in body and "계좌 미등록" not in body
    site.find(f"a[href='/console/enterprises/{fw.enterprise.pk}/payout-account/?contest={contest_id}']").click()
    site.wait_path(f"/console/enterprises/{fw.enterprise.pk}/payout-account/")
    _check(site, "05-console-form")
