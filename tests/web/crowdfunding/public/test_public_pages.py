"""The public campaign pages without a login: the contests in their funding phase, a contest's campaigns with their
figures, a campaign with its rewards (stock, sold out) and the matching offer while the pool lasts, or why there is
none. Only public fields: no backer's name or email on any of them."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest

from crowdfunding.models import Campaign
from crowdfunding.selectors.public import OfferState, matching_offer
from tests.crowdfunding.factories import ContestFactory
from tests.factories import ManagerFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_anyone_sees_the_contests_in_funding_and_their_launched_campaigns(world, client_as, payment_provider):
    bakery, workshop, draft = world.bakery, world.workshop, world.draft
    ContestFactory(code="still-calling", name="아직 공모 중인 대회", phase="call")
    world.pledge(payment_provider, bakery, world.backer, 50_000)
    anonymous = client_as(None)

    contests = text(anonymous.get("/contests/"))
    assert world.contest.name in contests and "아직 공모 중인 대회" not in contests
    assert "2 campaigns" in contests  # the draft is not counted

    page = anonymous.get(f"/contests/{world.contest.code}/")
    assert page.status_code == 200
    body = text(page)
    assert bakery.title in body and workshop.title in body and draft.title not in body
    assert "빵나눔 협동조합" in body and "₩50,000" in body and "₩10,000,000" in body
    bakery.refresh_from_db()
    assert bakery.backers == 1
    for secret in (world.backer.display_name, world.backer.email, "minji"):
        assert secret not in body
    assert anonymous.get("/contests/still-calling/").status_code == 404
    assert anonymous.get("/contests/no-such-contest/").status_code == 404


def test_a_campaign_page_shows_its_figures_rewards_and_stock_to_anyone(world, client_as, payment_provider):
    assert world.rewards
    world.pledge(payment_provider, world.bakery, world.backer, 30_000, reward=world.rewards[0])
    body = text(client_as(None).get(f"/campaigns/{world.bakery.pk}/"))
    assert "나눔 빵 꾸러미" in body and "₩30,000" in body and "49 of 50 left" in body
    assert "제빵 체험 교실" in body and "Sold out" in body
    assert f"/campaigns/{world.bakery.pk}/pledge/?reward={world.rewards[0].pk}" in body
    assert f"/campaigns/{world.bakery.pk}/pledge/?reward={world.rewards[1].pk}" not in body  # sold out
    assert "Days left" in body and "20" in body  # its last day is 20 days from today
    assert world.backer.display_name not in body and world.backer.email not in body
    assert f'href="/campaigns/{world.bakery.pk}/pledge/"' in body


def test_a_draft_or_unknown_campaign_is_not_found_for_anyone_but_its_pages_are_public(world, client_as):
    for user in (None, world.backer, ManagerFactory()):
        client = client_as(user)
        assert client.get(f"/campaigns/{world.draft.pk}/").status_code == 404
        assert client.get("/campaigns/999999/").status_code == 404
        assert client.get(f"/campaigns/{world.bakery.pk}/").status_code == 200


def test_the_matching_offer_doubles_a_typical_pledge_while_the_pool_lasts(world, client_as):
    assert world.pool
    offer = matching_offer(world.bakery)
    assert (offer.state, offer.pledge, offer.match, offer.total) == (
        OfferState.OFFERED, Decimal(10_000), Decimal(10_000), Decimal(20_000))
    body = text(client_as(None).get(f"/campaigns/{world.bakery.pk}/"))
    assert "your ₩10,000 becomes ₩20,000" in body and "대구 매칭 펀드" in body


def test_the_offer_says_when_the_pool_is_used_up_and_when_its_trigger_is_not_reached(world, client_as):
    from tests.crowdfunding.campaign_factories import pool

    exhausted = pool(world.contest, funders=(0,), name="빈 매칭 펀드")
    exhausted.campaigns.add(world.bakery)
    assert matching_offer(world.bakery).state == OfferState.EXHAUSTED
    body = text(client_as(None).get(f"/campaigns/{world.bakery.pk}/"))
    assert "used up" in body and "becomes" not in body

    waiting = pool(world.contest, funders=(1_000_000,), name="조건부 매칭 펀드", trigger_percent=30,
                   trigger_backers=5)
    waiting.campaigns.add(world.workshop)
    offer = matching_offer(world.workshop)
    assert offer.state == OfferState.NOT_TRIGGERED and offer.trigger.backers == 5
    body = text(client_as(None).get(f"/campaigns/{world.workshop.pk}/"))
    assert "Matching starts once this campaign reaches 30% of its target and 5 backers" in body
    assert "becomes" not in body


def test_no_offer_without_a_pool_nor_on_a_campaign_that_ended(world, client_as):
    assert matching_offer(world.bakery).state == OfferState.NONE
    assert world.pool
    Campaign.objects.filter(pk=world.workshop.pk).update(state=Campaign.State.FAILED)
    world.workshop.refresh_from_db()
    assert matching_offer(world.workshop).state == OfferState.NONE
    body = text(client_as(None).get(f"/campaigns/{world.workshop.pk}/"))
    assert 'id="offer"' not in body and 'id="pledge"' not in body and "takes no more pledges" in body
