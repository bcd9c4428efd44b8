"""The demo's funding phase (펀딩 단계): **대구 사회적경제 크라우드펀딩 2026 하반기**, a contest of its own in the
middle of its funding phase today (대구 2026 is past its own: it is in its final), loaded by ``crowdfunding.demo.load``.

Eight Daegu enterprises entered; three experts screened them and six advanced. Their campaigns, 25 days into the
60-day funding phase:

- three campaigns live: an all-or-nothing one whose reward (5 tumblers) sold out, matched by a pledge-matching
  pool; a keep-it-all one (charged at once; one backer had its pledge refunded); one with small pledges;
- one all-or-nothing campaign that ended 12 days ago, succeeded, was charged (a card declined twice and charged on its
  third day, a card declined four times whose pledge was cancelled) and settled;
- one all-or-nothing campaign that ended 12 days ago short of its target: failed, every reservation released;
- one campaign still a draft;
- three pools: pledge matching (1:1 up to 50,000 won a pledge) funded by the city and a bank, a top-up pool (70 %),
  and a quadratic pool over the live campaigns, whose preview (``/api/v1/contests/{id}/matching-preview/``) shows
  what each would get today.

Twenty backers (시민 후원자, Korean names) signed up with the demo password, their addresses verified; their user
name is their email address (``BACKERS``). Every pledge goes through ``pledge_create`` and the payment provider's
stand-in, its card registered or its payment authorised on the stand-in's test checkout. ``load`` starts the stand-in
itself when none answers at PAYMENTS_PROVIDER_URL (``provider_running``), with its state in
``var/payment-provider.json``, the file ``make demo`` starts it with again beside runserver: the billing keys made
here are charged when the live campaigns succeed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import subprocess
import sys
import time as timer
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from enterprises.models import Enterprise, Institution, Province, User
from enterprises.roles import Role

from . import services
from .models import Campaign, CampaignMode, Contest, Entry
from .services.funding import funding_run
from .services.pledges import pledge_cancel, pledge_create

logger = logging.getLogger(__name__)

DAEGU_FUNDING = "daegu-social-crowdfunding-2026-h2"
STATE_FILE = Path(settings.BASE_DIR) / "var" / "payment-provider.json"

# The stand-in's test cards (standins/payment_provider/README.md).
CARD_OK = "4330123400000017"
CARD_INSUFFICIENT = "4330123400000033"  # every charge declined: the pledge is cancelled after the 4th attempt
CARD_DECLINED_TWICE = "4330123400000041"  # declined twice, then approved

# Demo citizens who back campaigns: (user name part of the email, family name, given name).
BACKERS: list[tuple[str, str, str]] = [
    ("jiwoo.han", "한", "지우"), ("minseo.oh", "오", "민서"), ("doyun.lim", "임", "도윤"),
    ("seoyeon.bae", "배", "서연"), ("hajun.jung", "정", "하준"), ("eunji.kwon", "권", "은지"),
    ("siwoo.moon", "문", "시우"), ("yuna.song", "송", "유나"), ("jiho.yang", "양", "지호"),
    ("sua.hwang", "황", "수아"), ("geonwoo.ahn", "안", "건우"), ("chaewon.jo", "조", "채원"),
    ("junseo.baek", "백", "준서"), ("dain.yoo", "유", "다인"), ("hyunwoo.nam", "남", "현우"),
    ("seoa.noh", "노", "서아"), ("minjun.ha", "하", "민준"), ("jiyu.jeon", "전", "지유"),
    ("eunwoo.ko", "고", "은우"), ("yerin.shin", "신", "예린"),
]


def backer_email(name: str) -> str:
    return f"{name}@example.com"


# --- the stand-in ---------------------------------------------------------------------------------------------------


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:  # noqa: S310 (the configured URL)
            return bool(response.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def provider_running() -> Iterator[None]:
    """The payment provider's stand-in for the time the demo loads: the one answering at PAYMENTS_PROVIDER_URL, or
    one started here on that port (a subprocess, stopped afterwards) with its state in ``STATE_FILE``, begun afresh:
    the state belongs to the demo database being loaded (an old file's order ids would clash with the new pledges')."""
    url = settings.PAYMENTS_PROVIDER_URL
    if _answers(url):
        yield
        return
    address = urllib.parse.urlsplit(url)
    STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    STATE_FILE.unlink(missing_ok=True)
    process = subprocess.Popen(  # noqa: S603 (our own module, fixed arguments)
        [sys.executable, "-m", "standins.payment_provider", "--host", address.hostname or "127.0.0.1",
         "--port", str(address.port or 80), "--webhook-url", "", "--secret-key", settings.PAYMENTS_SECRET_KEY,
         "--client-key", settings.PAYMENTS_CLIENT_KEY, "--webhook-secret", settings.PAYMENTS_WEBHOOK_SECRET,
         "--state-file", str(STATE_FILE)],
        cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = timer.monotonic() + 20
        while not _answers(url):
            if process.poll() is not None or timer.monotonic() > deadline:
                raise RuntimeError(f"the payment provider's stand-in did not start on {url}")
            timer.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)


def _checkout(body: dict[str, Any]) -> dict[str, Any]:
    """What the stand-in's payment page does when the backer submits its card (``POST /v1/test/checkout``)."""
    key = base64.b64encode(f"{settings.PAYMENTS_CLIENT_KEY}:".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 (the configured URL)
        f"{settings.PAYMENTS_PROVIDER_URL}/v1/test/checkout", method="POST",
        data=json.dumps({**body, "cardExpiry": "12/39", "birthDate": "900101"}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Basic {key}"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return dict(json.loads(response.read()))


# --- people ---------------------------------------------------------------------------------------------------------


def backers(like: User, verified_on: date) -> list[User]:
    """The demo's backers (the backer role, email verified), with the demo users' password (``like``'s hash)."""
    group, _created = Group.objects.get_or_create(name=Role.BACKER)
    made = []
    for name, last, first in BACKERS:
        email = backer_email(name)
        user = User.objects.filter(username=email).first()
        if user is None:
            user = User.objects.create(username=email, email=email, last_name=last, first_name=first,
                                       display_name=f"{last}{first}", password=like.password)
        if user.email_verified_at is None:
            user.email_verified_at = _moment(verified_on)
            user.save(update_fields=["email_verified_at"])
        user.groups.add(group)
        made.append(user)
    return made


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


# --- pledges --------------------------------------------------------------------------------------------------------


class Pledger:
    """Pledges through the real service and the stand-in's checkout, each with its own idempotency key."""

    def __init__(self) -> None:
        self.count = 0

    def pledge(self, campaign: Campaign, backer: User, amount: int, day: date, *, reward: int | None = None,
               card: str = CARD_OK) -> Any:
        self.count += 1
        tag = f"demo-{campaign.pk}-{self.count}"
        if campaign.mode == CampaignMode.AON:
            page = _checkout({"mode": "billing", "customerKey": f"demo-backer-{backer.pk}", "cardNumber": card})
            payment = {"auth_key": page["authKey"], "customer_key": page["customerKey"]}
        else:
            page = _checkout({"mode": "payment", "amount": amount, "orderId": tag, "orderName": campaign.title[:100],
                              "cardNumber": card})
            payment = {"payment_key": page["paymentKey"], "order_id": tag}
        pledge, _made = pledge_create(campaign_id=campaign.pk, actor=backer, amount=amount, reward_id=reward,
                                      payment=payment, idempotency_key=tag, on_date=day)
        return pledge


# --- the contest ----------------------------------------------------------------------------------------------------


def load(today: date, kim: User, lee: User, partners: list[Institution], experts: list[User],
         firms: list[tuple[Enterprise, User]], like: User) -> list[str]:
    """The contest in its funding phase (see the module). Returns the lines ``load_demo`` prints."""
    from . import demo

    # Funding runs from 25 days ago to 34 days from now: the call opened 25 + 20 + 30 days ago.
    opens = today - timedelta(days=75)
    contest = demo._contest(kim, code=DAEGU_FUNDING, name="대구 사회적경제 크라우드펀딩 2026 하반기", host=partners[0],
                            opens=opens, provinces=[Province.DAEGU],
                            description="펀딩 성공 시 참여기관 매칭펀드가 시민 후원금만큼 더해집니다.")
    assert contest.funding_ends_on is not None
    days = demo.Days()
    demo._money(days, kim, contest, [(partners[0], 50_000_000), (partners[1], 0)], opens - timedelta(days=10))
    demo._phases(days, contest)
    entrants = firms[:8]
    entries = demo._enter(days, contest, entrants, opens + timedelta(days=1), [], target=2_000_000)
    marks = demo.Marks(2126)
    screening = demo._round(days, kim, contest, "screening", "mean", opens + timedelta(days=5),
                            [("서류심사 전문가 심사단", "expert", 100, experts)])
    demo._open(days, kim, screening, contest.call_closes_on + timedelta(days=1))
    demo._score(days, marks, screening, experts, demo._pool(contest, "screening"),
                contest.call_closes_on + timedelta(days=3))
    demo._advance(days, kim, lee, screening, contest.screening_ends_on - timedelta(days=4), top_n=6)
    start = contest.screening_ends_on + timedelta(days=1)  # the funding phase's first day (beat moved it)
    ended = today - timedelta(days=12)  # the deadline of the campaigns that closed
    ends = today + timedelta(days=20)  # the live campaigns'
    people = backers(like, start - timedelta(days=3))
    box: dict[str, Any] = {}
    pledger = Pledger()
    members = {enterprise.pk: member for enterprise, member in entrants}

    def launch(day: date) -> None:
        advanced = sorted(Entry.objects.filter(contest=contest, state=Entry.State.ADVANCED), key=lambda e: e.pk)
        rewarding = [e for e in advanced if e.campaign_type == "reward"]
        order = [rewarding[0], *[e for e in advanced if e is not rewarding[0]]]
        plans = [  # key, mode, target, ends_on, reward (title, price, stock) or None, launched
            ("sold_out", "aon", 3_000_000, ends, ("업사이클 텀블러", 30_000, 5), True),
            ("kia", "kia", 1_500_000, ends, None, True),
            ("succeeded", "aon", 2_000_000, ended, None, True),
            ("failed", "aon", 5_000_000, ended, None, True),
            ("live", "aon", 2_000_000, ends, None, True),
            ("draft", "aon", 2_500_000, ends, None, False),
        ]
        for entry, (key, mode, target, last, reward, launched) in zip(order, plans, strict=False):
            member = members[entry.enterprise_id]
            campaign = services.campaign_create(
                entry_id=entry.pk, actor=member, on_date=day, title=entry.title, mode=mode, target=target,
                story=f"{entry.summary}\n\n시민 여러분의 후원이 모이면 참여기관의 매칭펀드가 더해집니다.",
                min_pledge=10_000, max_per_backer=1_000_000, starts_on=start, ends_on=last)
            if reward is not None and entry.campaign_type == "reward":
                title, price, stock = reward
                box["reward"] = services.reward_create(campaign_id=campaign.pk, actor=member, on_date=day,
                                                       title=title, price=price, stock=stock,
                                                       description="폐현수막 포장에 담아 보내 드립니다.")
            if launched:
                campaign = services.campaign_launch(campaign_id=campaign.pk, actor=member, on_date=day)
            box[key] = campaign
        match = services.pool_create(contest_id=contest.pk, actor=kim, name="대구시·대구미래은행 1:1 매칭펀드",
                                     rule="match", campaigns=[box["sold_out"].pk, box["succeeded"].pk],
                                     factor=1, cap_per_pledge=50_000, cap_per_campaign_percent=30)
        top_up = services.pool_create(contest_id=contest.pk, actor=kim, name="사회적경제지원센터 목표 달성 지원",
                                      rule="top_up", campaigns=[box["succeeded"].pk, box["failed"].pk], threshold=70)
        quadratic = services.pool_create(contest_id=contest.pk, actor=kim, name="시민 참여 제곱 매칭 (QF)",
                                         rule="quadratic", qf_cap_per_campaign=1_500_000,
                                         campaigns=[box["sold_out"].pk, box["kia"].pk, box["live"].pk])
        for pool, funders in ((match, [(partners[0], 2_000_000), (partners[-2], 1_000_000)]),
                              (top_up, [(partners[2], 1_000_000)]),
                              (quadratic, [(partners[3], 2_000_000), (partners[-1], 1_000_000)])):
            for institution, amount in funders:
                funder = services.pool_funder_add(pool_id=pool.pk, institution_id=institution.pk, committed=amount,
                                                  actor=kim)
                services.pool_fund(funder_id=funder.pk, amount=amount, received_on=day, actor=kim, today=day,
                                   idempotency_key=f"demo-pool-{pool.pk}-{institution.pk}",
                                   memo=f"{institution.name} 매칭펀드 출연")

    days.on(start, launch)

    def back(day: date, key: str, backer: int, amount: int, *, card: str = CARD_OK, reward: bool = False) -> None:
        box.setdefault("pledges", {})[(key, backer)] = pledger.pledge(
            box[key], people[backer], amount, day, card=card, reward=box["reward"].pk if reward else None)

    # The campaign that succeeded: 2,200,000 won of 2,000,000 live at its deadline, one pledge cancelled before it.
    for n, (amount, card) in enumerate([(300_000, CARD_OK), (250_000, CARD_OK), (200_000, CARD_OK),
                                        (500_000, CARD_DECLINED_TWICE), (150_000, CARD_OK), (400_000, CARD_OK),
                                        (100_000, CARD_INSUFFICIENT), (300_000, CARD_OK), (100_000, CARD_OK)]):
        days.on(start + timedelta(days=1 + n), partial(back, key="succeeded", backer=n, amount=amount, card=card))
    days.on(ended - timedelta(days=1), lambda day: pledge_cancel(
        pledge_id=box["pledges"][("succeeded", 8)].pk, actor=people[8], on_date=day))
    # The one that failed: 800,000 won of 5,000,000.
    for n in range(4):
        days.on(start + timedelta(days=2 + 2 * n), partial(back, key="failed", backer=10 + n, amount=200_000))
    # Live: the reward sells out to five backers; the keep-it-all campaign's pledges are charged at once (one is
    # refunded at its backer's request); a third campaign gathers small pledges.
    for n in range(5):
        days.on(start + timedelta(days=3 + 3 * n),
                partial(back, key="sold_out", backer=n, amount=50_000, reward=True))
    for n, amount in enumerate([200_000, 150_000, 300_000, 100_000]):
        days.on(start + timedelta(days=6 + 4 * n), partial(back, key="sold_out", backer=12 + n, amount=amount))
    for n, amount in enumerate([100_000, 50_000, 200_000, 30_000, 70_000, 150_000]):
        # Backer 8 asks for its refund later.
        days.on(start + timedelta(days=2 + 3 * n), partial(back, key="kia", backer=5 + n, amount=amount))
    days.on(today - timedelta(days=2), lambda day: pledge_cancel(
        pledge_id=box["pledges"][("kia", 8)].pk, actor=people[8], on_date=day))
    for n, amount in enumerate([10_000, 20_000, 10_000, 50_000, 30_000, 10_000, 20_000]):
        days.on(start + timedelta(days=4 + 2 * n), partial(back, key="live", backer=13 + n, amount=amount))
    # Beat's daily funding run after the deadline: the close, the charges and their retries, the settlement.
    for after in range(1, 5):
        days.on(ended + timedelta(days=after), lambda day: funding_run(on_date=day))
    with provider_running():
        days.run()
    del entries
    campaigns = Campaign.objects.filter(contest=contest)
    states = ", ".join(f"{state} {campaigns.filter(state=state).count()}" for state in
                       ("live", "settled", "failed", "draft"))
    return [f"crowdfunding  {contest.name}: funding phase, campaigns {states}; "
            f"{pledger.count} pledges through the payment stand-in; 3 matching pools",
            f"backers       {len(people)} citizens (e.g. {backer_email(BACKERS[0][0])}), email verified, the demo "
            f"password"]


def contest() -> Contest | None:
    return Contest.objects.filter(code=DAEGU_FUNDING).first()
