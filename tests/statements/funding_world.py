"""A contest's funding phase, finished, made as rows (the services that make them are tested on their own), with
every movement of money posted to the contest's book the way the chart (``crowdfunding.accounts``) says, so that the
statements' figures reconcile. The figures, worked by hand:

Pools (funded 2026-04-01): 매칭 펀드 (rule match) by 대구광역시 600,000 and 대구은행 400,000, each match split 60:40;
목표 채움 펀드 (top-up) by 대구광역시 100,000; 이차 매칭 펀드 (quadratic) by 대구신용보증재단 200,000.

Campaign A, 동네 빵집 나눔 (enterprise A, all or nothing, target 1,000,000, 2026-04-21 to 2026-06-20):
- p1 backer 1, 300,000, reward 빵 꾸러미: matched 100,000 (60,000 + 40,000), charged 2026-06-21.
- p2 backer 2, 200,000, no reward: matched 100,000 (60,000 + 40,000), charged 2026-06-21.
- p3 backer 3, 100,000: matched 50,000 (30,000 + 20,000), charged 2026-06-21, refunded 2026-06-22 (the card
  company cancelled it): its match returned.
- p4 backer 1, 50,000: matched 50,000 (30,000 + 20,000), declined 2026-06-21..24 (4 attempts), cancelled: its
  match returned.
- p5 backer 4, 20,000: cancelled by the backer 2026-05-02, before the deadline (never matched, never charged).
At the deadline: pledged (live) 650,000 + matched 300,000 = 950,000, 95 % of the target: the top-up pays the rest,
50,000; the quadratic round gives A 120,000.
Settlement 2026-06-25: charged 600,000 (p1 + p2 + p3), failed 50,000 (p4), refunded 100,000 (p3); fees on what was
kept (600,000 - 100,000 = 500,000): platform 5 % 25,000, payment 2.5 % 12,500; pledge matches kept 200,000, top-up
50,000, quadratic 120,000; net payout 600,000 - 100,000 - 25,000 - 12,500 + 200,000 + 50,000 + 120,000 = 832,500,
paid out 2026-06-26. By state: charged 2 / 500,000; cancelled 2 / 70,000; refunded 1 / 100,000.

Campaign B, 마을 돌봄 식당 (enterprise B, keep it all, target 500,000): pb1 backer 2, 200,000, charged at once
2026-05-10, matched 50,000 (30,000 + 20,000); quadratic 80,000. Settlement 2026-06-25: charged 200,000, platform
10,000, payment 5,000, net 200,000 - 15,000 + 50,000 + 80,000 = 315,000, not paid out yet.

The pools (settled 2026-06-27): 대구광역시 in 매칭 펀드 paid 600,000, kept by matches 60,000 + 60,000 (A) +
30,000 (B) = 150,000 (A's returned 60,000 came back to it), 450,000 returned to it, nothing left; 대구은행 400,000,
100,000 used, 300,000 returned; 목표 채움 펀드 100,000, 50,000 used, 50,000 returned; 이차 매칭 펀드 200,000, all
used (120,000 + 80,000).

The journals: a pool funding Dr funder / Cr pool contribution; a match Dr campaign matched / Cr funder; a match
returned is its reversal; a charge Dr provider receivable / Cr campaign pledges; a refund its reversal; a
settlement Dr campaign pledges (charged - refunded); Cr platform fees, Cr provider receivable (the payment fee
the provider keeps), Cr campaign payable; and for the matching kept Dr pool contribution / Cr
campaign payable; a payout Dr campaign payable / Cr provider receivable and campaign matched; a pool return Dr pool
contribution / Cr funder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from crowdfunding import accounts as chart
from crowdfunding.models import (
    Campaign,
    CampaignSettlement,
    Contest,
    Match,
    MatchingPool,
    Pledge,
    PledgePayment,
    PoolFunder,
    PoolReturn,
    RewardTier,
)
from enterprises.models import Institution
from ledger.models import Account, Journal
from ledger.services import Line, credit, debit, journal_post, journal_reverse
from tests.crowdfunding.campaign_factories import add_funder, campaign
from tests.crowdfunding.factories import ContestFactory
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory

ENDS = date(2026, 6, 20)
CHARGED_ON = date(2026, 6, 21)
SETTLED_ON = date(2026, 6, 25)
PAID_OUT_ON = date(2026, 6, 26)
POOLS_SETTLED_ON = date(2026, 6, 27)


@dataclass
class FundingWorld:
    contest: Contest
    a: Campaign
    b: Campaign
    member_a: Any
    member_b: Any
    backers: list[Any]  # backer 1..4
    pledges: dict[str, Pledge]  # p1..p5, pb1
    match_pool: MatchingPool
    top_up_pool: MatchingPool
    quadratic_pool: MatchingPool
    city: PoolFunder  # 대구광역시 in 매칭 펀드
    bank: PoolFunder  # 대구은행 in 매칭 펀드
    city_top_up: PoolFunder
    foundation: PoolFunder  # 대구신용보증재단 in 이차 매칭 펀드
    settlements: dict[str, CampaignSettlement] = field(default_factory=dict)


class _Book:
    def __init__(self, contest: Contest) -> None:
        self.book = contest.book
        self.n = 0

    def account(self, code: str, name: str, type: str, no_overdraft: bool = False) -> Account:
        return chart.opened(self.book, code, name, type, no_overdraft=no_overdraft)

    def post(self, kind: str, on: date, lines: list[Line]) -> Journal:
        self.n += 1
        return journal_post(lines=lines, kind=kind, effective_date=on,
                            idempotency_key=f"funding-world:{self.book.pk}:{self.n}").journal


def _pledge(c: Campaign, backer: Any, amount: int, order: str, state: str, **fields: Any) -> Pledge:
    return Pledge.objects.create(campaign=c, backer=backer, amount=amount, state=state, order_id=order,
                                 idempotency_key=f"key-{order}", card_masked="4330-12**-****-7788", **fields)


def _match(book: _Book, pool: MatchingPool, funder: PoolFunder, c: Campaign, amount: int, on: date,
           pledge: Pledge | None = None, kind: str = "pledge") -> Match:
    matched = book.account(chart.campaign_matched_code(c.pk), f"매칭 보유 {c.title}", "asset", True)
    journal = book.post("match.draw", on, [debit(matched, amount), credit(funder.account, amount)])
    return Match.objects.create(pool=pool, funder=funder, campaign=c, pledge=pledge, kind=kind, amount=amount,
                                on_date=on, journal=journal)


def _return_match(match: Match, on: date) -> None:
    reversal = journal_reverse(journal_id=match.journal_id, effective_date=on, reason="후원 취소로 매칭 반환",
                               idempotency_key=f"return-{match.pk}").journal
    match.state, match.returned_journal = Match.State.RETURNED, reversal
    match.save()


def _charge(book: _Book, pledge: Pledge, on: date) -> Journal:
    c = pledge.campaign
    receivable = book.account(chart.PROVIDER_RECEIVABLE, "결제대행사 미수금", "asset")
    pledges = book.account(chart.campaign_pledges_code(c.pk), f"후원금 예수금 {c.title}", "liability")
    journal = book.post("pledge.charge", on, [debit(receivable, pledge.amount.amount),
                                              credit(pledges, pledge.amount.amount)])
    PledgePayment.objects.create(pledge=pledge, kind="charge", amount=pledge.amount.amount, on_date=on,
                                 provider_key=f"pay_{pledge.order_id}")
    pledge.state, pledge.charged_on, pledge.payment_key = Pledge.State.CHARGED, on, f"pay_{pledge.order_id}"
    pledge.charge_attempts += 1
    pledge.save()
    return journal


def _settle(book: _Book, c: Campaign, *, pledged: int, charged: int, failed: int, refunded: int, platform: int,
            payment: int, matches: list[tuple[PoolFunder, int]], matched: int, top_up: int, quadratic: int,
            net: int, paid_out: bool) -> CampaignSettlement:
    kept = charged - refunded
    payable = book.account(chart.campaign_payable_code(c.pk), f"정산 지급 예정 {c.title}", "liability")
    lines = [debit(chart.account(book.book, chart.campaign_pledges_code(c.pk)), kept),
             credit(book.account(chart.PLATFORM_FEES, "플랫폼 수수료", "income"), platform),
             credit(chart.account(book.book, chart.PROVIDER_RECEIVABLE), payment),
             credit(payable, kept - platform - payment)]
    for funder, amount in matches:
        lines.append(debit(chart.account(book.book, chart.pool_contribution_code(funder.pool_id,
                                                                                 funder.institution_id)), amount))
        lines.append(credit(payable, amount))
    journal = book.post("campaign.settle", SETTLED_ON, lines)
    Match.objects.filter(campaign=c, state=Match.State.HELD).update(state=Match.State.PAID)
    settlement = CampaignSettlement.objects.create(
        campaign=c, succeeded=True, pledged=pledged, charged=charged, failed=failed, refunded=refunded,
        platform_fee=platform, payment_fee=payment, matched=matched, top_up=top_up, quadratic=quadratic,
        net_payout=net, settled_on=SETTLED_ON, journal=journal)
    if paid_out:
        held = chart.account(book.book, chart.campaign_matched_code(c.pk))
        settlement.payout_journal = book.post("campaign.payout", PAID_OUT_ON, [
            debit(payable, net), credit(chart.account(book.book, chart.PROVIDER_RECEIVABLE), kept - platform - payment),
            credit(held, matched + top_up + quadratic)])
        settlement.paid_out_on = PAID_OUT_ON
        settlement.save()
    c.state = Campaign.State.SETTLED
    c.save()
    return settlement


def _pool_return(book: _Book, funder: PoolFunder, amount: int) -> PoolReturn:
    contribution = chart.account(book.book, chart.pool_contribution_code(funder.pool_id, funder.institution_id))
    journal = book.post("pool.return", POOLS_SETTLED_ON, [debit(contribution, amount),
                                                          credit(funder.account, amount)])
    return PoolReturn.objects.create(funder=funder, amount=amount, on_date=POOLS_SETTLED_ON, journal=journal)


def build() -> FundingWorld:
    contest = ContestFactory(code="daegu-funding", name="대구 소셜 크라우드펀딩 대회 2026", phase="final",
                             host=InstitutionFactory(name="대구광역시청", kind=Institution.Kind.MUNICIPALITY))
    a = campaign(contest, title="동네 빵집 나눔", target=1_000_000, mode="aon", entry__title="동네 빵집 나눔")
    b = campaign(contest, title="마을 돌봄 식당", target=500_000, mode="kia", entry__title="마을 돌봄 식당")
    member_a = MembershipFactory(enterprise=a.enterprise).user
    member_b = MembershipFactory(enterprise=b.enterprise).user
    backers = [UserFactory(display_name=name) for name in ("김민지", "이서준", "박하은", "최도윤")]
    book = _Book(contest)

    city = InstitutionFactory(name="대구광역시", kind=Institution.Kind.MUNICIPALITY)
    bank_inst = InstitutionFactory(name="대구은행", kind=Institution.Kind.BANK)
    foundation_inst = InstitutionFactory(name="대구신용보증재단", kind=Institution.Kind.PUBLIC_INSTITUTION)
    match_pool = MatchingPool.objects.create(contest=contest, name="매칭 펀드", rule="match")
    city_f = add_funder(match_pool, 600_000, institution=city, position=0)
    bank_f = add_funder(match_pool, 400_000, institution=bank_inst, position=1)
    top_up_pool = MatchingPool.objects.create(contest=contest, name="목표 채움 펀드", rule="top_up",
                                              top_up_threshold_percent=Decimal(90))
    city_top = add_funder(top_up_pool, 100_000, institution=city)
    quadratic_pool = MatchingPool.objects.create(contest=contest, name="이차 매칭 펀드", rule="quadratic")
    foundation = add_funder(quadratic_pool, 200_000, institution=foundation_inst)

    reward = RewardTier.objects.create(campaign=a, title="빵 꾸러미", price=30_000, stock=100, claimed=1)
    p1 = _pledge(a, backers[0], 300_000, "ORD-A-0001", "reserved", reward=reward)
    p2 = _pledge(a, backers[1], 200_000, "ORD-A-0002", "reserved")
    p3 = _pledge(a, backers[2], 100_000, "ORD-A-0003", "reserved")
    p4 = _pledge(a, backers[0], 50_000, "ORD-A-0004", "reserved")
    p5 = _pledge(a, backers[3], 20_000, "ORD-A-0005", "cancelled", cancelled_on=date(2026, 5, 2),
                 cancel_reason="후원자 취소")
    pb1 = _pledge(b, backers[1], 200_000, "ORD-B-0001", "reserved")
    for p in (p1, p2, p3, p4, p5):
        PledgePayment.objects.create(pledge=p, kind="billing_key", on_date=date(2026, 5, 1))
    PledgePayment.objects.create(pledge=p5, kind="billing_key_deleted", on_date=date(2026, 5, 2))

    on = date(2026, 5, 1)
    for p, share in ((p1, 100_000), (p2, 100_000), (p3, 50_000), (p4, 50_000)):
        _match(book, match_pool, city_f, a, share * 6 // 10, on, p)
        _match(book, match_pool, bank_f, a, share * 4 // 10, on, p)
    _charge(book, pb1, date(2026, 5, 10))
    _match(book, match_pool, city_f, b, 30_000, date(2026, 5, 10), pb1)
    _match(book, match_pool, bank_f, b, 20_000, date(2026, 5, 10), pb1)
    _match(book, top_up_pool, city_top, a, 50_000, ENDS, kind="top_up")
    _match(book, quadratic_pool, foundation, a, 120_000, ENDS, kind="quadratic")
    _match(book, quadratic_pool, foundation, b, 80_000, ENDS, kind="quadratic")

    charges = {p.pk: _charge(book, p, CHARGED_ON) for p in (p1, p2, p3)}
    journal_reverse(journal_id=charges[p3.pk].pk, effective_date=date(2026, 6, 22), reason="카드사 결제 취소",
                    idempotency_key="refund-p3")
    PledgePayment.objects.create(pledge=p3, kind="refund", amount=100_000, on_date=date(2026, 6, 22),
                                 provider_key="pay_ORD-A-0003")
    p3.state, p3.cancelled_on, p3.cancel_reason = Pledge.State.REFUNDED, date(2026, 6, 22), "카드사 결제 취소"
    p3.save()
    for day in range(21, 25):
        PledgePayment.objects.create(pledge=p4, kind="decline", on_date=date(2026, 6, day), code="REJECT_CARD",
                                     message="한도 초과")
    PledgePayment.objects.create(pledge=p4, kind="billing_key_deleted", on_date=date(2026, 6, 24))
    p4.state, p4.charge_attempts, p4.cancelled_on = Pledge.State.CANCELLED, 4, date(2026, 6, 24)
    p4.cancel_reason = "결제 4회 거절"
    p4.save()
    for match in Match.objects.filter(pledge__in=[p3, p4]):
        _return_match(match, date(2026, 6, 24))

    settlements = {
        "a": _settle(book, a, pledged=650_000, charged=600_000, failed=50_000, refunded=100_000, platform=25_000,
                     payment=12_500, matches=[(city_f, 120_000), (bank_f, 80_000), (city_top, 50_000),
                                              (foundation, 120_000)],
                     matched=200_000, top_up=50_000, quadratic=120_000, net=832_500, paid_out=True),
        "b": _settle(book, b, pledged=200_000, charged=200_000, failed=0, refunded=0, platform=10_000,
                     payment=5_000, matches=[(city_f, 30_000), (bank_f, 20_000), (foundation, 80_000)],
                     matched=50_000, top_up=0, quadratic=80_000, net=315_000, paid_out=False),
    }
    for funder, amount in ((city_f, 450_000), (bank_f, 300_000), (city_top, 50_000)):
        _pool_return(book, funder, amount)
    for pool in (match_pool, top_up_pool, quadratic_pool):
        pool.state, pool.settled_on = MatchingPool.State.SETTLED, POOLS_SETTLED_ON
        pool.save()
    for c, pledged, matched, backers_count in ((a, 650_000, 370_000, 2), (b, 200_000, 130_000, 1)):
        Campaign.objects.filter(pk=c.pk).update(pledged=pledged, charged=pledged if c is b else 500_000,
                                                matched=matched, backers=backers_count)
        c.refresh_from_db()
    pledges = {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5, "pb1": pb1}
    for p in pledges.values():
        p.refresh_from_db()
    return FundingWorld(contest=contest, a=a, b=b, member_a=member_a, member_b=member_b, backers=backers,
                        pledges=pledges, match_pool=match_pool, top_up_pool=top_up_pool,
                        quadratic_pool=quadratic_pool, city=city_f, bank=bank_f, city_top_up=city_top,
                        foundation=foundation, settlements=settlements)
