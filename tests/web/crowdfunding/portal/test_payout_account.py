"""The enterprise's payout account (정산 계좌) in the pages, through Django's test client: a member gives and
changes it from its campaigns page (a bad account number refused beside the field, nothing written); a manager sets
it from the console's settlements page, which shows whether each enterprise has one and leads back to itself; the
payout file then names the account instead of 계좌 미등록. Another enterprise's member gets 404, other roles 403,
and an auditor reads the settlements page without the link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEvent
from crowdfunding.models import PayoutAccount
from tests.factories import AuditorFactory, BackerFactory, JudgeFactory, ManagerFactory, UserFactory
from tests.web.crowdfunding.funding_world import FundingWorld

from .world import in_english, text

pytestmark = pytest.mark.django_db

FORM = {"bank": "088", "account_number": "110-123-456789", "holder": "동네 빵집 협동조합"}


@pytest.fixture
def fw() -> FundingWorld:
    return FundingWorld()


def _portal(fw: FundingWorld) -> str:
    return reverse("web:my-payout-account", args=[fw.enterprise.pk])


def _console(fw: FundingWorld, contest_id: int | None = None) -> str:
    url = reverse("web:enterprise-payout-account", args=[fw.enterprise.pk])
    return f"{url}?contest={contest_id}" if contest_id else url


def test_a_member_gives_then_changes_its_payout_account_from_its_campaigns_page(fw, client_as):
    client = client_as(fw.member)
    listing = client.get(reverse("web:my-campaigns"))
    assert listing.status_code == 200
    assert _portal(fw) in text(listing) and "아직 등록되지 않음" in text(listing) and "정산 계좌 등록" in text(listing)
    form = client.get(_portal(fw))
    assert form.status_code == 200 and "신한은행" in text(form) and "정산 계좌" in text(form)

    response = client.post(_portal(fw), FORM)
    assert response.status_code == 303 and response["Location"] == reverse("web:my-campaigns")
    account = PayoutAccount.objects.get(enterprise=fw.enterprise)
    assert (account.bank, account.account_number, account.holder, account.updated_by) == (
        "088", "110123456789", "동네 빵집 협동조합", fw.member)
    listing = text(client.get(reverse("web:my-campaigns")))
    assert "110123456789" in listing and "정산 계좌 변경" in listing

    assert client.post(_portal(fw), {**FORM, "bank": "090", "account_number": "3333-01-2345678"}).status_code == 303
    account.refresh_from_db()
    assert (account.bank, account.account_number) == ("090", "3333012345678")
    assert AuditEvent.objects.filter(action="crowdfunding.payout.account", actor=fw.member).count() == 2


@pytest.mark.parametrize(("change", "field"), [({"account_number": "12-34"}, "account_number"),
                                               ({"bank": "999"}, "bank"), ({"holder": ""}, "holder")])
def test_a_bad_account_is_refused_beside_its_field_and_nothing_is_written(fw, client_as, change, field):
    client = in_english(client_as(fw.member))
    response = client.post(_portal(fw), {**FORM, **change})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not PayoutAccount.objects.exists()
    assert not AuditEvent.objects.filter(action="crowdfunding.payout.account").exists()


def test_another_enterprises_member_finds_no_such_page_and_other_roles_are_refused(fw, client_as):
    other = client_as(fw.other_member)
    assert other.get(_portal(fw)).status_code == 404
    assert other.post(_portal(fw), FORM).status_code == 404
    for user in (ManagerFactory(), AuditorFactory(), JudgeFactory(), BackerFactory(), UserFactory()):
        assert client_as(user).get(_portal(fw)).status_code == 403
        assert client_as(user).post(_portal(fw), FORM).status_code == 403
    for user in (AuditorFactory(), fw.member, JudgeFactory()):
        assert client_as(user).post(_console(fw), FORM).status_code == 403
    assert client_as(None).get(_portal(fw)).status_code == 302
    assert not PayoutAccount.objects.exists()


def test_a_manager_sets_it_from_the_settlements_page_and_the_payout_file_then_names_it(fw, client_as):
    settlement = fw.own_settled
    contest = settlement.campaign.contest
    client = client_as(ManagerFactory())
    page = reverse("web:contest-settlements", args=[contest.pk])
    shown = text(client.get(page))
    assert _console(fw, contest.pk).replace("&", "&") in shown and "정산 계좌 등록" in shown
    before = client.get(reverse("web:contest-payout-file", args=[contest.pk]) + "?format=csv")
    assert "계좌 미등록" in before.content.decode("utf-8-sig")

    form = client.get(_console(fw, contest.pk))
    assert form.status_code == 200 and fw.enterprise.name in text(form)
    response = client.post(_console(fw, contest.pk), FORM)
    assert response.status_code == 303 and response["Location"] == page
    shown = text(client.get(page))
    assert "110123456789" in shown and "정산 계좌 변경" in shown
    after = client.get(reverse("web:contest-payout-file", args=[contest.pk]) + "?format=csv").content
    assert "110123456789" in after.decode("utf-8-sig") and "계좌 미등록" not in after.decode("utf-8-sig")

    # Without a contest to go back to (or a made-up one), the form leads to the contests.
    assert client.post(_console(fw), FORM)["Location"] == reverse("web:contests")
    assert client.post(f"{_console(fw)}?contest=//evil.example", FORM)["Location"] == reverse("web:contests")


def test_an_auditor_reads_the_settlements_page_without_the_link(fw, client_as):
    contest = fw.own_settled.campaign.contest
    shown = text(client_as(AuditorFactory()).get(reverse("web:contest-settlements", args=[contest.pk])))
    assert fw.enterprise.name in shown and "정산 계좌" in shown
    assert reverse("web:enterprise-payout-account", args=[fw.enterprise.pk]) not in shown
