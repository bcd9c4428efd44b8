"""The public campaign pages and pledging, in a real browser on a phone-sized window (390x844), as a citizen lives
it: browses the contests, a contest's campaigns and a campaign (its matching offer: "your 10,000 won becomes 20,000
won"), tries to pledge and is sent to sign in, signs up (the backers' pages), verifies its address by the mailed
link, pledges with a reward through the payment stand-in's page (all or nothing: the card registered), sees the
match, cancels after a confirm step, pledges to a keep-it-all campaign (charged), asks for its receipt and downloads
it. The refusals: another backer's pledge is 404, a backer whose address is not verified is sent to verify. Every
page of ours is checked with axe-core and saved as a screenshot (.artifacts/screenshots/campaign-public-*)."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core import mail

from crowdfunding.models import Pledge
from statements.models import Statement
from tests.payments import CARD_OK
from tests.web.browser import PHONE
from tests.web.crowdfunding.public.world import PublicWorld

pytestmark = pytest.mark.django_db(transaction=True)


def _check(site, name: str) -> None:
    site.check(f"campaign-public-{name}")


def _status(site, path: str) -> int:
    return site.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => done(r.status));
    """, path)


def _pay_on_the_providers_page(site, card: str = CARD_OK) -> None:
    site.wait_visible("#card_number")
    site.screenshot(f"campaign-public-provider-{site.find('button.pay').text}")
    site.type("#card_number", card)
    site.type("#card_expiry", "12/39")
    site.type("#birth_date", "900101")
    site.find("button.pay").click()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STATEMENTS_AUTO_RECEIPT = False


def test_a_citizen_signs_up_pledges_sees_the_match_cancels_and_downloads_a_receipt(site, payment_provider):
    world = PublicWorld()
    bakery, workshop, reward = world.bakery, world.workshop, world.rewards[0]
    assert world.pool
    site.driver.set_window_size(*PHONE)

    site.open("/contests/")
    _check(site, "01-contests")
    site.find(f"a[href='/contests/{world.contest.code}/']").click()
    site.wait_path(f"/contests/{world.contest.code}/")
    assert bakery.title in site.find("#campaigns").text
    _check(site, "02-contest")
    site.find(f"a[href='/campaigns/{bakery.pk}/']").click()
    site.wait_path(f"/campaigns/{bakery.pk}/")
    assert "20,000" in site.find("#offer").text and "품절" in site.find("#rewards").text  # sold out
    _check(site, "03-campaign")

    site.find("#pledge").click()
    site.wait_path("/login/")
    _check(site, "04-sign-in-first")
    site.find("a[href='/signup/']").click()
    site.wait_path("/signup/")
    site.type("#id_email", "sora.park@example.kr")
    site.type("#id_display_name", "박소라")
    site.type("#id_password", "dongne-bread-2026")
    site.find("form button[type=submit]").click()
    site.wait_path("/signup/sent/")
    _check(site, "05-check-your-email")
    token = re.search(r"/verify-email/([^/\s]+)/", mail.outbox[-1].body).group(1)
    site.open(f"/verify-email/{token}/")
    _check(site, "06-verified")

    site.open(f"/campaigns/{bakery.pk}/pledge/?reward={reward.pk}")
    _check(site, "07-pledge-form")
    site.find("form.pledge-form button[type=submit]").click()
    _pay_on_the_providers_page(site)
    site.wait_path(f"/campaigns/{bakery.pk}/pledge/return/")
    pledge = Pledge.objects.get(backer__email="sora.park@example.kr")
    assert pledge.state == Pledge.State.RESERVED and pledge.reward == reward
    assert "30,000" in site.find("#result").text and "20,000" in site.find("#matched").text
    assert pledge.matched.amount == 20_000  # 1:1 up to 20,000 won a pledge
    _check(site, "08-pledged")
    site.driver.refresh()  # a reload pledges nothing more
    site.wait_visible("#result")
    assert Pledge.objects.filter(backer=pledge.backer).count() == 1

    site.find(f"a[href='/my/pledges/{pledge.pk}/']").click()
    site.wait_path(f"/my/pledges/{pledge.pk}/")
    _check(site, "09-my-pledge")
    site.find("#cancel").click()
    site.wait_path(f"/my/pledges/{pledge.pk}/cancel/")
    _check(site, "10-cancel-confirm")
    site.submit()
    site.wait_path(f"/my/pledges/{pledge.pk}/")
    site.wait_visible(".messages .success")
    pledge.refresh_from_db()
    assert pledge.state == Pledge.State.CANCELLED and pledge.matched.amount == 0
    _check(site, "11-cancelled")

    site.open(f"/campaigns/{workshop.pk}/pledge/")
    site.type("#id_amount", "25,000")
    site.find("form.pledge-form button[type=submit]").click()
    _pay_on_the_providers_page(site)
    site.wait_path(f"/campaigns/{workshop.pk}/pledge/return/")
    charged = Pledge.objects.get(campaign=workshop)
    assert charged.state == Pledge.State.CHARGED
    _check(site, "12-charged")
    site.open("/my/pledges/")
    _check(site, "13-my-pledges")
    site.open(f"/my/pledges/{charged.pk}/")
    site.find("#receipt-request").click()
    site.wait_visible(".messages .success")
    statement = Statement.objects.get(kind="pledge_receipt", pledge=charged)  # rendered at once (no broker)
    assert statement.state == Statement.State.READY
    site.open(f"/my/pledges/{charged.pk}/")
    _check(site, "14-receipt-ready")
    site.find("#receipt-download").click()
    assert hashlib.sha256(site.wait_for_download(".pdf").read_bytes()).hexdigest() == statement.sha256

    # Another backer's pledge is not found.
    theirs = world.pledge(payment_provider, workshop, world.other_backer, 10_000)
    site.open(f"/my/pledges/{theirs.pk}/")
    assert _status(site, f"/my/pledges/{theirs.pk}/") == 404
    _check(site, "15-not-found")


def test_a_backer_whose_address_is_not_verified_is_sent_to_verify(site):
    world = PublicWorld()
    site.driver.set_window_size(*PHONE)
    site.login(world.unverified)
    site.open(f"/campaigns/{world.bakery.pk}/pledge/")
    site.wait_path("/signup/sent/")
    assert site.find(".messages .warning").text
    _check(site, "16-verify-first")
