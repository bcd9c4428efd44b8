"""A backer's own pledges: the list (newest first, its own only), a pledge's page with its payments and matches,
cancelling with a confirm step until the deadline, and the receipt of a charged pledge (asked for, then downloaded).
Another backer's pledge is 404; the pages are for backers only."""

from __future__ import annotations

import hashlib
import html
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile

from crowdfunding.models import Campaign, Pledge
from statements.models import Statement
from tests.factories import ManagerFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STATEMENTS_AUTO_RECEIPT = False


def test_a_backer_sees_its_own_pledges_newest_first_and_no_one_elses(world, client_as, payment_provider):
    first = world.pledge(payment_provider, world.bakery, world.backer, 10_000)
    second = world.pledge(payment_provider, world.workshop, world.backer, 20_000)
    theirs = world.pledge(payment_provider, world.workshop, world.other_backer, 30_000)
    client = client_as(world.backer)

    body = text(client.get("/my/pledges/"))
    assert body.index(f"/my/pledges/{second.pk}/") < body.index(f"/my/pledges/{first.pk}/")
    assert f"/my/pledges/{theirs.pk}/" not in body and "₩30,000" not in body
    assert f"/my/pledges/{first.pk}/cancel/" in body and f"/my/pledges/{second.pk}/cancel/" in body
    assert client.get(f"/my/pledges/{first.pk}/").status_code == 200
    for path in (f"/my/pledges/{theirs.pk}/", f"/my/pledges/{theirs.pk}/cancel/", "/my/pledges/999999/"):
        assert client.get(path).status_code == 404
    assert client.post(f"/my/pledges/{theirs.pk}/cancel/").status_code == 404
    assert Pledge.objects.get(pk=theirs.pk).state == Pledge.State.CHARGED


def test_the_pledges_pages_are_for_backers(world, client_as, payment_provider):
    made = world.pledge(payment_provider, world.bakery, world.backer, 10_000)
    response = client_as(None).get("/my/pledges/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    for user in (ManagerFactory(), MembershipFactory().user):
        assert client_as(user).get("/my/pledges/").status_code == 403
        assert client_as(user).get(f"/my/pledges/{made.pk}/cancel/").status_code == 403


def test_a_backer_cancels_after_a_confirm_step_and_a_charged_pledge_is_refunded(world, client_as, payment_provider):
    reserved = world.pledge(payment_provider, world.bakery, world.backer, 10_000)
    charged = world.pledge(payment_provider, world.workshop, world.backer, 20_000)
    client = client_as(world.backer)

    confirm = client.get(f"/my/pledges/{reserved.pk}/cancel/")
    assert confirm.status_code == 200 and "Nothing was charged yet" in text(confirm)
    assert Pledge.objects.get(pk=reserved.pk).state == Pledge.State.RESERVED  # the GET changed nothing
    response = client.post(f"/my/pledges/{reserved.pk}/cancel/")
    assert response.status_code == 303 and response["Location"] == f"/my/pledges/{reserved.pk}/"
    assert Pledge.objects.get(pk=reserved.pk).state == Pledge.State.CANCELLED
    assert "The pledge was cancelled." in text(client.get(response["Location"]))

    assert "refunded to the card" in text(client.get(f"/my/pledges/{charged.pk}/cancel/"))
    client.post(f"/my/pledges/{charged.pk}/cancel/")
    assert Pledge.objects.get(pk=charged.pk).state == Pledge.State.REFUNDED
    page = text(client.get(f"/my/pledges/{charged.pk}/"))
    assert f"/my/pledges/{charged.pk}/cancel/" not in page and "Refunded" in page


def test_no_cancel_after_the_deadline_and_a_forged_cancel_is_refused_naming_the_state(world, client_as,
                                                                                        payment_provider):
    made = world.pledge(payment_provider, world.bakery, world.backer, 10_000)
    Campaign.objects.filter(pk=world.bakery.pk).update(ends_on=world.today - timedelta(days=1))
    client = client_as(world.backer)
    assert f"/my/pledges/{made.pk}/cancel/" not in text(client.get(f"/my/pledges/{made.pk}/"))
    assert f"/my/pledges/{made.pk}/cancel/" not in text(client.get("/my/pledges/"))
    response = client.post(f"/my/pledges/{made.pk}/cancel/")
    assert response.status_code == 409 and "deadline has passed" in text(response)
    assert Pledge.objects.get(pk=made.pk).state == Pledge.State.RESERVED


def test_the_receipt_of_a_charged_pledge_is_asked_for_then_downloaded(world, client_as, payment_provider):
    reserved = world.pledge(payment_provider, world.bakery, world.backer, 10_000)
    charged = world.pledge(payment_provider, world.workshop, world.backer, 20_000)
    client = client_as(world.backer)
    assert 'id="receipt-request"' not in text(client.get(f"/my/pledges/{reserved.pk}/"))

    page = text(client.get(f"/my/pledges/{charged.pk}/"))
    assert 'id="receipt-request"' in page and "Charged" in page
    response = client.post("/statements/request/", {"kind": "pledge_receipt", "subject_id": charged.pk,
                                                     "next": f"/my/pledges/{charged.pk}/"})
    assert response.status_code == 303 and response["Location"] == f"/my/pledges/{charged.pk}/"
    statement = Statement.objects.get(kind="pledge_receipt", pledge=charged)
    pdf = b"%PDF-1.7 receipt"
    statement.file.save("receipt.pdf", ContentFile(pdf), save=False)
    statement.sha256, statement.state = hashlib.sha256(pdf).hexdigest(), Statement.State.READY
    statement.save()

    page = text(client.get(f"/my/pledges/{charged.pk}/"))
    assert f"/statements/{statement.pk}/download/" in page and 'id="receipt-request"' not in page
    download = client.get(f"/statements/{statement.pk}/download/")
    assert download.status_code == 200 and download.content == pdf
    assert client_as(world.other_backer).get(f"/statements/{statement.pk}/download/").status_code == 404
