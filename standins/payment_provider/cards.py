"""The stand-in's cards: how a card number is checked, masked, and what each named test card does."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Behaviour(enum.Enum):
    OK = "ok"  # every authorisation and charge succeeds
    DECLINED_AT_CHECKOUT = "declined_at_checkout"  # the card company refuses it on the payment page
    INSUFFICIENT_BALANCE = "insufficient_balance"  # accepted at checkout (a billing key is issued); charges declined
    DECLINED_TWICE = "declined_twice"  # charges declined the first two times, then approved
    SLOW = "slow"  # charges complete, but the answer comes after the provider's slow delay
    UNAVAILABLE = "unavailable"  # charges are answered 503 and nothing happens


@dataclass(frozen=True)
class TestCard:
    number: str
    behaviour: Behaviour
    label: str  # Korean, shown on the payment page's help


TEST_CARDS: tuple[TestCard, ...] = (
    TestCard("4330123400000017", Behaviour.OK, "항상 승인"),
    TestCard("4330123400000025", Behaviour.DECLINED_AT_CHECKOUT, "결제창에서 카드사 거절"),
    TestCard("4330123400000033", Behaviour.INSUFFICIENT_BALANCE, "빌링키 발급 후 결제마다 잔액 부족"),
    TestCard("4330123400000041", Behaviour.DECLINED_TWICE, "처음 두 번 한도 초과, 세 번째부터 승인"),
    TestCard("4330123400000058", Behaviour.SLOW, "승인되지만 응답이 늦음 (시간 초과)"),
    TestCard("4330123400000066", Behaviour.UNAVAILABLE, "결제사 장애 (503)"),
)
BY_NUMBER = {card.number: card for card in TEST_CARDS}
# How many times a DECLINED_TWICE card is declined before it is approved.
DECLINES_BEFORE_APPROVAL = 2


def behaviour_of(number: str) -> Behaviour:
    """Any other valid card number behaves as the card that always succeeds."""
    card = BY_NUMBER.get(number)
    return card.behaviour if card else Behaviour.OK


def luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def normalise(number: str) -> str:
    return number.replace(" ", "").replace("-", "")


def mask(number: str) -> str:
    """The first six digits (the issuer) and the last four, as card slips print them."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
