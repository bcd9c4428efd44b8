"""The worlds of ``bench/final_hour.py``, built and checked inside the stack's Django (``manage.py shell``).

Not run by hand: ``final_hour.py`` calls ``Stack.manage("shell", "-c", ...)`` with ``run(<json>)``, which prints one
line ``WORLD <json>`` with the answer. Two commands:

- ``build``: a contest in its funding phase, made through the services day by day as the demo makes its contests
  (``crowdfunding.demo``'s helpers: the call, entries drafted and submitted, a screening round scored by three
  experts, the advance list prepared by manager.kim and confirmed by manager.lee, beat's phase moves), then a live
  all-or-nothing campaign per advanced entry (made and launched by the enterprise's member), a reward tier with a
  limited stock on the hot campaign, and one pledge-matching pool (factor 1, at most the smallest pledge matched per
  pledge) with two funders who paid in, feeding every campaign of the contest. ``backers``: that many citizens who
  sign up (``backer_signup``) and verify their email (``backer_verify_email``), all with one password.
- ``check``: after a run, what must hold for each contest named: the pool never negative and what its matches took
  equal to what its funders' accounts gave (funded - balance, the ledger), no reward oversold (claimed <= stock,
  claimed = the live pledges holding it), each campaign's pledged (and backers, and matched) equal to its live
  pledges (and its held matches, and its matched account in the ledger); and the figures of the run (pledges by
  state, matches, whether the pool ran dry and the reward sold out).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from crowdfunding import accounts as chart
from crowdfunding import demo, services
from crowdfunding.models import Campaign, Contest, Match, MatchingPool, Pledge, PoolFunder, PoolFunding, RewardTier
from enterprises.backers import backer_signup, backer_verify_email, verification_token
from enterprises.management.commands import load_demo as base
from enterprises.models import Institution, Province, User
from ledger.models import Account

LIVE = (Pledge.State.RESERVED, Pledge.State.CHARGED, Pledge.State.RETRYING)
HELD = (Match.State.HELD, Match.State.PAID)
BACKER_PASSWORD = "final-hour-backer-not-secret-7c2e"
HOT_INDEX = 1  # the demo's entry 1 is a reward campaign (entries 0, 4, 8, ... are donations)
FUNDERS = [("부산사회가치나눔재단", "503-82-1701"), ("동남권상생협력기금", "503-83-1702")]


def _won(value: Any) -> int:
    return int(getattr(value, "amount", value) or 0)


def build_world(*, code: str, name: str, campaigns: int, stock: int | None, pool: list[int], min_pledge: int,
                seed: int) -> dict[str, Any]:
    """One contest (``code``) in its funding phase, ``campaigns`` live campaigns of its advanced entries, the hot one
    (``campaigns[HOT_INDEX]``, or the only one) with a reward of ``stock`` at ``min_pledge``, and a matching pool
    with a funder per amount in ``pool``. Returns what the locust users need."""
    today = timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__in=["manager.kim", "manager.lee", "judge.choi",
                                                                        "coop.member"])}
    kim, lee, like = users["manager.kim"], users["manager.lee"], users["coop.member"]
    experts = [users["judge.choi"], *demo._judges(demo.EXPERTS[1:3], like)]
    host = Institution.objects.get(name=base.DAEGU)
    firms = demo._enterprises(campaigns, prefix="fh", province=Province.DAEGU, districts=demo.DISTRICTS, like=like)
    # Call 30 days, screening 20, funding 60 (demo._contest): the funding phase began 5 days ago.
    opens = today - timedelta(days=55)
    contest = demo._contest(kim, code=code, name=name, host=host, opens=opens, provinces=[Province.DAEGU])
    assert contest.funding_ends_on is not None
    days = demo.Days()
    demo._phases(days, contest)
    entries = demo._enter(days, contest, firms, opens + timedelta(days=1), [], target=10_000_000)
    marks = demo.Marks(seed)
    screening = demo._round(days, kim, contest, "screening", "mean", opens + timedelta(days=5),
                            [("서류심사 전문가 심사단", "expert", 100, experts)])
    demo._open(days, kim, screening, contest.call_closes_on + timedelta(days=1))
    demo._score(days, marks, screening, experts, demo._pool(contest, "screening"),
                contest.call_closes_on + timedelta(days=2))
    demo._advance(days, kim, lee, screening, contest.screening_ends_on - timedelta(days=4), top_n=campaigns)
    made: list[Campaign] = []

    def launch(day: date) -> None:
        for n, (_enterprise, member) in enumerate(firms):
            entry = entries[n]
            campaign = services.campaign_create(
                entry_id=entry.pk, actor=member, title=entry.title, story=f"{entry.summary}\n\n{entry.use_of_funds}",
                mode="aon", target=entry.target_amount.amount, min_pledge=min_pledge, max_per_backer=None,
                starts_on=contest.screening_ends_on + timedelta(days=1), ends_on=contest.funding_ends_on,
                on_date=day)
            if n == min(HOT_INDEX, campaigns - 1) and stock is not None:
                services.reward_create(campaign_id=campaign.pk, actor=member, on_date=day, title="감사 꾸러미",
                                       price=min_pledge, stock=stock, description="대표가 손으로 쓴 감사 카드와 제품")
            made.append(services.campaign_launch(campaign_id=campaign.pk, actor=member, on_date=day))
    days.on(contest.screening_ends_on - timedelta(days=1), launch)
    days.run()
    contest.refresh_from_db()
    assert contest.phase == "funding", contest.phase
    matching = services.pool_create(contest_id=contest.pk, actor=kim, name=f"{name} 매칭 펀드", rule="match",
                                    factor="1", cap_per_pledge=min_pledge)
    for (funder_name, number), amount in zip(FUNDERS, pool, strict=False):
        institution = demo._institution(funder_name, "public_institution", number, Province.DAEGU, "동구")
        funder = services.pool_funder_add(pool_id=matching.pk, institution_id=institution.pk, committed=amount,
                                          actor=kim)
        services.pool_fund(funder_id=funder.pk, amount=amount, received_on=today, actor=kim, today=today,
                           idempotency_key=f"final-hour-{code}-{funder.pk}", memo="마감 1시간 매칭 재원")
    hot = made[min(HOT_INDEX, len(made) - 1)]
    reward = RewardTier.objects.filter(campaign=hot).first()
    return {
        "contest": contest.pk, "code": code, "pool": matching.pk, "pool_won": sum(pool), "min_pledge": min_pledge,
        "hot": hot.pk, "others": [c.pk for c in made if c.pk != hot.pk],
        "reward": reward.pk if reward else None, "stock": stock, "today": today.isoformat(),
    }


def make_backers(count: int) -> list[dict[str, Any]]:
    """``count`` backers, each signed up and its email verified (in one transaction each: the verification email
    the outbox would send finds the address verified and sends nothing). Their user names and ids.

    They all have one password, hashed once: ``backer_signup`` would hash it again for each (PBKDF2, about 0.5-1 s of
    CPU here: minutes for 500), so its ``set_password`` is given the hash made once, as ``load_demo`` copies one
    hash to the demo's representatives. Everything else the sign-up does is done."""
    hashed = make_password(BACKER_PASSWORD)

    def set_password(user: User, raw_password: str | None) -> None:
        user.password, user._password = hashed, raw_password

    out = []
    with mock.patch.object(User, "set_password", set_password):
        for n in range(count):
            email = f"backer{n + 1:04d}@final-hour.example"
            with transaction.atomic():
                now = timezone.now()
                user = backer_signup(email=email, password=BACKER_PASSWORD, display_name=f"후원자{n + 1:04d}",
                                     as_of=now)
                backer_verify_email(token=verification_token(user, as_of=now), as_of=now)
            out.append({"username": user.username, "id": user.pk})
    return out


def _drained(contest_id: int, *, quiet_seconds: float = 6.0, timeout: float = 180.0) -> None:
    """Wait until no pledge of the contest has been written for ``quiet_seconds``: locust stops its users, but
    gunicorn still serves the requests queued before (under a saturating load, up to a minute of them), so the
    database keeps moving for a while after the run."""
    started = time.monotonic()
    last, since = -1, time.monotonic()
    while time.monotonic() - started < timeout:
        count = Pledge.objects.filter(campaign__contest_id=contest_id).count()
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet_seconds:
            return
        time.sleep(1.0)


def check_world(contest_id: int) -> dict[str, Any]:
    """What must hold after a run, and the run's figures, for one contest, once the web has served what was queued
    (``_drained``), read in one snapshot (REPEATABLE READ on PostgreSQL: the counters, the matches and the ledger
    as of one instant, even if a late request commits meanwhile). ``problems`` lists what does not hold."""
    _drained(contest_id)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _check_world(contest_id)


def _check_world(contest_id: int) -> dict[str, Any]:
    problems: list[str] = []
    campaigns = list(Campaign.objects.filter(contest_id=contest_id).order_by("pk"))
    ids = [c.pk for c in campaigns]
    live_sum: dict[int, int] = defaultdict(int)
    live_backers: dict[int, set[int]] = defaultdict(set)
    states: dict[str, int] = defaultdict(int)
    with_reward: dict[int, int] = defaultdict(int)
    for campaign_id, backer_id, amount, state, reward_id in Pledge.objects.filter(campaign_id__in=ids).values_list(
            "campaign_id", "backer_id", "amount", "state", "reward_id"):
        states[state] += 1
        if state in LIVE:
            live_sum[campaign_id] += _won(amount)
            live_backers[campaign_id].add(backer_id)
            if reward_id is not None:
                with_reward[reward_id] += 1
    held_by_campaign: dict[int, int] = defaultdict(int)
    matched_pledges = set()
    for campaign_id, pledge_id, amount in Match.objects.filter(campaign_id__in=ids, state__in=HELD).values_list(
            "campaign_id", "pledge_id", "amount"):
        held_by_campaign[campaign_id] += _won(amount)
        matched_pledges.add(pledge_id)
    book_id = Contest.objects.filter(pk=contest_id).values_list("book_id", flat=True).get()
    matched_accounts = {a.code: _won(a.balance) for a in Account.objects.filter(
        book_id=book_id, code__in=[chart.campaign_matched_code(pk) for pk in ids])}
    per_campaign = {}
    for c in campaigns:
        pledged, matched = _won(c.pledged), _won(c.matched)
        in_ledger = matched_accounts.get(chart.campaign_matched_code(c.pk), 0)
        per_campaign[c.pk] = {"pledged": pledged, "backers": c.backers, "matched": matched,
                              "live_pledges_sum": live_sum[c.pk]}
        if pledged != live_sum[c.pk]:
            problems.append(f"campaign {c.pk}: pledged {pledged} != its live pledges' sum {live_sum[c.pk]}")
        if c.backers != len(live_backers[c.pk]):
            problems.append(f"campaign {c.pk}: backers {c.backers} != {len(live_backers[c.pk])} with live pledges")
        if not matched == held_by_campaign[c.pk] == in_ledger:
            problems.append(f"campaign {c.pk}: matched {matched}, its held matches {held_by_campaign[c.pk]}, its "
                            f"matched account {in_ledger}: not all equal")
    rewards = []
    for reward in RewardTier.objects.filter(campaign_id__in=ids).order_by("pk"):
        holding = with_reward[reward.pk]
        rewards.append({"id": reward.pk, "stock": reward.stock, "claimed": reward.claimed, "live_pledges": holding,
                        "sold_out": reward.stock is not None and reward.claimed >= reward.stock})
        if reward.stock is not None and reward.claimed > reward.stock:
            problems.append(f"reward {reward.pk} oversold: claimed {reward.claimed} > stock {reward.stock}")
        if reward.claimed != holding:
            problems.append(f"reward {reward.pk}: claimed {reward.claimed} != {holding} live pledges holding it")
    pools = []
    for pool in MatchingPool.objects.filter(contest_id=contest_id).order_by("pk"):
        funders = []
        for funder in PoolFunder.objects.filter(pool=pool).select_related("account").order_by("position", "pk"):
            funded = sum(_won(v) for v in PoolFunding.objects.filter(funder=funder).values_list("amount", flat=True))
            balance = _won(funder.account.balance)
            drawn = sum(_won(v) for v in Match.objects.filter(funder=funder, state__in=HELD)
                        .values_list("amount", flat=True))
            funders.append({"funder": funder.pk, "funded": funded, "balance": balance, "matches": drawn})
            if balance < 0:
                problems.append(f"pool {pool.pk} funder {funder.pk}: balance {balance} < 0")
            if funded - balance != drawn:
                problems.append(f"pool {pool.pk} funder {funder.pk}: gave {funded - balance} in the ledger, its "
                                f"matches hold {drawn}")
        per_match = Decimal(_won(pool.cap_per_pledge)) * pool.factor if pool.cap_per_pledge is not None else None
        left = sum(f["balance"] for f in funders)
        pools.append({"id": pool.pk, "funders": funders, "left": left,
                      "dry": per_match is not None and left < per_match})
    return {
        "contest": contest_id, "pledges": dict(states), "live_pledges": sum(states[s] for s in LIVE),
        "matched_pledges": len(matched_pledges), "campaigns": per_campaign, "rewards": rewards, "pools": pools,
        "problems": problems,
    }


def run(request_json: str) -> None:
    """The command in ``request_json``; its answer printed as one ``WORLD <json>`` line."""
    request = json.loads(request_json)
    if request["command"] == "build":
        answer: Any = {"worlds": {label: build_world(**spec) for label, spec in request["worlds"].items()},
                       "backers": make_backers(request["backers"]), "password": BACKER_PASSWORD}
    elif request["command"] == "check":
        answer = {label: check_world(contest_id) for label, contest_id in request["contests"].items()}
    else:
        raise ValueError(f"unknown command {request['command']!r}")
    print("WORLD " + json.dumps(answer, ensure_ascii=False, default=str))
