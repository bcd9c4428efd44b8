"""Pledging through the pages: who may (a verified backer; a visitor is sent to sign in, an unverified backer to
verify, another role refused), the form's refusals beside the fields, the trip to the provider's payment page and
back (all or nothing: a card registered; keep it all: charged), a reload of the way back that pledges once, a
tampered or someone else's way back refused with nothing pledged, and a decline shown with the provider's message."""

from __future__ import annotations

import html
import urllib.parse

import pytest

from crowdfunding.models import Pledge
from tests.factories import ManagerFactory, MembershipFactory
from tests.payments import CARD_OK

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def checkout(client, campaign, **form) -> dict[str, str]:
    """POST the pledge form; the payment page's address, read into its parameters."""
    response = client.post(f"/campaigns/{campaign.pk}/pledge/", form)
    assert response.status_code == 303, text(response)
    target = urllib.parse.urlsplit(response["Location"])
    assert target.path == "/checkout"
    return {k: v[0] for k, v in urllib.parse.parse_qs(target.query).items()}


def pay(provider, page: dict[str, str], card: str = CARD_OK) -> str:
    """What the payment page does, then the way back it redirects to (a path with its query)."""
    if page["mode"] == "billing":
        answer = {"authKey": provider.register_card(customer_key=page["customer_key"], card=card),
                  "customerKey": page["customer_key"]}
    else:
        answer = {"paymentKey": provider.authorise(order_id=page["order_id"], amount=int(page["amount"]), card=card),
                  "orderId": page["order_id"], "amount": page["amount"]}
    back = urllib.parse.urlsplit(page["success_url"])
    return f"{back.path}?{back.query}&{urllib.parse.urlencode(answer)}"


def test_a_visitor_is_sent_to_sign_in_an_unverified_backer_to_verify_and_other_roles_refused(world, client_as):
    path = f"/campaigns/{world.bakery.pk}/pledge/"
    response = client_as(None).get(path)
    assert response.status_code == 302 and response["Location"] == f"/login/?next={urllib.parse.quote(path)}"
    login = client_as(None).get(response["Location"], follow=False)
    assert "Sign up as a backer" in text(login)

    unverified = client_as(world.unverified)
    response = unverified.get(path)
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    assert "Verify your email address before your first pledge" in text(unverified.get("/signup/sent/"))

    member = MembershipFactory().user
    for user in (ManagerFactory(), member):
        assert client_as(user).get(path).status_code == 403
        assert client_as(user).post(path, {"amount": "10,000"}).status_code == 403
    assert client_as(world.backer).get(path).status_code == 200
    assert client_as(world.backer).get(f"/campaigns/{world.draft.pk}/pledge/").status_code == 404


def test_the_form_refuses_beside_the_field_and_nothing_is_pledged(world, client_as):
    assert world.rewards
    client = client_as(world.backer)
    path = f"/campaigns/{world.bakery.pk}/pledge/"
    response = client.post(path, {"reward": str(world.rewards[0].pk), "amount": "20,000"})
    assert response.status_code == 400
    assert 'id="id_amount_error"' in text(response) and "at least the reward's price, 30,000원" in text(response)
    response = client.post(path, {"reward": str(world.rewards[1].pk), "amount": "100,000"})
    assert response.status_code == 409 and "sold out" in text(response)
    response = client.post(path, {"amount": "-5"})
    assert response.status_code == 400 and 'id="id_amount_error"' in text(response)
    response = client.post(path, {"amount": "500"})
    assert response.status_code == 400 and "at least 1,000원" in text(response)
    assert not Pledge.objects.exists()


def test_an_all_or_nothing_pledge_goes_through_the_payment_page_is_matched_and_a_reload_pledges_once(
        world, client_as, payment_provider):
    assert world.pool
    client = client_as(world.backer)
    page = checkout(client, world.bakery, reward=str(world.rewards[0].pk), amount="30,000")
    assert page["mode"] == "billing" and "amount" not in page and page["customer_key"]
    back = pay(payment_provider, page)
    response = client.get(back)
    assert response.status_code == 200, text(response)
    pledge = Pledge.objects.get()
    assert (pledge.state, pledge.amount.amount, pledge.reward, pledge.backer) == (
        Pledge.State.RESERVED, 30_000, world.rewards[0], world.backer)
    body = text(response)
    assert "₩30,000" in body and "registered, not charged" in body and f"/my/pledges/{pledge.pk}/" in body
    # matched 1:1 up to 20,000 won a pledge, from the two funders in proportion to what each holds (3:1)
    assert pledge.matched.amount == 20_000
    assert "대구신용보증재단" in body and "₩15,000" in body and "대구은행" in body and "₩5,000" in body

    again = client.get(back)  # a reload
    assert again.status_code == 200 and Pledge.objects.count() == 1
    world.bakery.refresh_from_db()
    assert world.bakery.pledged.amount == 30_000 and world.bakery.backers == 1


def test_a_keep_it_all_pledge_is_charged_on_the_way_back(world, client_as, payment_provider):
    client = client_as(world.backer)
    page = checkout(client, world.workshop, amount="25,000")
    assert page["mode"] == "payment" and page["amount"] == "25000" and page["order_id"].startswith("po-")
    back = pay(payment_provider, page)
    response = client.get(back)
    assert response.status_code == 200
    pledge = Pledge.objects.get()
    assert pledge.state == Pledge.State.CHARGED and pledge.order_id == page["order_id"]
    assert "Your card was charged" in text(response)
    assert client.get(back).status_code == 200 and Pledge.objects.count() == 1  # a reload charges nothing more


def test_a_tampered_or_someone_elses_way_back_is_refused_and_nothing_is_pledged(world, client_as,
                                                                                  payment_provider):
    client = client_as(world.backer)
    page = checkout(client, world.workshop, amount="25,000")
    back = pay(payment_provider, page)
    path, query = back.split("?", 1)
    params = urllib.parse.parse_qs(query)

    def attempt(user, **changes) -> int:
        changed = {k: v[0] for k, v in params.items()} | changes
        return client_as(user).get(f"{path}?{urllib.parse.urlencode(changed)}").status_code

    token = params["t"][0]
    assert attempt(world.backer, t=token[:-2] + ("AA" if not token.endswith("AA") else "BB")) == 400
    assert attempt(world.backer, amount="1000") == 400  # the page's amount is not the signed order's
    assert attempt(world.other_backer) == 400  # another backer's order
    other = f"/campaigns/{world.bakery.pk}/pledge/return/?{query}"
    assert client_as(world.backer).get(other).status_code == 400  # another campaign's
    assert not Pledge.objects.exists()
    assert attempt(world.backer) == 200 and Pledge.objects.count() == 1


def test_a_declined_card_shows_the_providers_message_and_a_way_back(world, client_as):
    client = client_as(world.backer)
    page = checkout(client, world.workshop, amount="10,000")
    fail = urllib.parse.urlsplit(page["fail_url"])
    response = client.get(f"{fail.path}?{fail.query}&" + urllib.parse.urlencode(
        {"code": "REJECT_CARD_COMPANY", "message": "카드사에서 결제를 거절했습니다.", "orderId": page["order_id"]}))
    assert response.status_code == 402
    body = text(response)
    assert "카드사에서 결제를 거절했습니다." in body and "REJECT_CARD_COMPANY" in body
    assert f'href="/campaigns/{world.workshop.pk}/pledge/"' in body
    assert not Pledge.objects.exists()
