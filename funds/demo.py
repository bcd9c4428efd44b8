"""Demo data of the revolving fund, loaded by ``manage.py load_demo`` (settings.DEMO_EXTENSIONS).

A Seongdong-style fund: 300,000,000 won from the district and 300,000,000 of private matching money, run by an
intermediary, lending up to 50,000,000 won per enterprise, with loans in every state the system has: repaid on
time (정상), late (연체), accelerated (기한이익상실), paid off (상환 완료), written off with a recovery (상각, 회수),
approved and not yet disbursed, and applications submitted and in draft.

Everything goes through the services, in the order it would have happened: the loans are disbursed in the past,
the fund's days are closed (``services.close_business``) up to the day before each repayment, the repayment is made
with that value date, and at the end the days are closed through yesterday so days past due and classes are
current. Dates are counted back from today, so the states come out the same whatever day the demo is loaded on.

Only members of an enterprise may apply for it, and the kernel's demo users are members of two enterprises, so
the other borrowers' representatives (대표) are added here as members, with the demo users' password.

Loaded once: if the fund exists, nothing is touched.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.utils import timezone

from enterprises.management.commands import load_demo as base
from enterprises.models import Enterprise, Institution, User

from . import services
from .models import BusinessDay, Fund, Loan

FUND_CODE = "seongdong-sef"
ONE_DAY = timedelta(days=1)

OPERATING, FACILITY, SHORT = "운영자금 대출", "시설자금 대출", "단기 운영자금 (만기일시)"

PRODUCTS: list[dict[str, Any]] = [
    {
        "name": OPERATING,
        "annual_rate": Decimal("0.02000"),
        "term_months": 36,
        "grace_months": 6,
        "method": "equal_payment",
        "day_count": "monthly",
        "rounding_unit": 10,
        "rounding_mode": "floor",
        "min_amount": 5_000_000,
        "max_amount": 50_000_000,
        "approval_tiers": [{"above_amount": 30_000_000, "approvers": 2}],
    },
    {
        "name": FACILITY,
        "annual_rate": Decimal("0.02500"),
        "term_months": 60,
        "grace_months": 12,
        "method": "equal_principal",
        "day_count": "actual_365",
        "rounding_unit": 10,
        "rounding_mode": "floor",
        "min_amount": 10_000_000,
        "max_amount": 50_000_000,
        "approval_tiers": [{"above_amount": 30_000_000, "approvers": 2}],
    },
    {
        "name": SHORT,
        "annual_rate": Decimal("0.03000"),
        "term_months": 12,
        "grace_months": 0,
        "method": "bullet",
        "day_count": "actual_365",
        "rounding_unit": 1,
        "rounding_mode": "floor",
        "min_amount": 1_000_000,
        "max_amount": 10_000_000,
        "approval_tiers": [],
    },
]

# The borrowers other than the kernel's two member enterprises, and who applies for each (its representative).
WANGSIMNI_CARE = base.business_number("206-81-5537")
EUNGBONG_RECYCLE = base.business_number("206-86-7402")
HAENGDANG_CLINIC = base.business_number("206-82-4458")
SEONGDONG_CLEAN = base.business_number("206-23-6819")
HANTTEUM_SHOES = base.business_number("206-86-9135")

APPLICANTS: list[tuple[str, str]] = [
    ("care.member", WANGSIMNI_CARE),
    ("recycle.member", EUNGBONG_RECYCLE),
    ("clinic.member", HAENGDANG_CLINIC),
    ("clean.member", SEONGDONG_CLEAN),
    ("shoes.member", HANTTEUM_SHOES),
]


PAYDAY = 25  # 매월 25일: every loan of the demo is disbursed on a 25th, so all its installments fall due on one


def shift(day: date, months: int) -> date:
    """``day`` moved by ``months`` (negative: back), on the same day of the month but at most the 28th."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


def payday_by(day: date) -> date:
    """The last payday on or before ``day``."""
    return day.replace(day=PAYDAY) if day.day >= PAYDAY else shift(day.replace(day=PAYDAY), -1)


@dataclass
class Story:
    """One loan's history: disbursed on ``disbursed_on``, its first ``paid`` installments paid in full on their due
    dates (the others missed), ``extra`` repayments: (installment number, days after its due date, amount or None
    for the payoff, idempotency key), and ``bounced``: an installment paid on its due date by a transfer that
    bounced, so the repayment was reversed (이체 반송) three days later."""

    applicant: str
    enterprise: str
    product: str
    amount: int
    purpose: str
    disbursed_on: date
    paid: int
    secured: int = 0
    extra: tuple[tuple[int, int, int | None, str], ...] = ()
    bounced: int = 0
    loan: Loan | None = None


def stories(today: date) -> dict[str, Story]:
    """The disbursed loans, their dates counted back from ``today``: the days past due of the loans in arrears
    are at least the ones aimed at (and less than a month more), whatever the day of loading."""
    yesterday = today - ONE_DAY
    last = payday_by(yesterday)  # the latest installment date that has passed
    # Late: a 12-month bullet loan whose maturity, 45 to 75 days ago, was not paid (요주의: 30-89 days): the
    # transfer on the day bounced.
    late_maturity = payday_by(yesterday - timedelta(days=44))
    # Accelerated: installments 10 and 11 missed, the first of them 100 to 130 days ago (고정/회수의문: from 90).
    accelerated_missed = payday_by(yesterday - timedelta(days=99))
    # Written off: installments 10 and 11 missed, the first of them 400 to 430 days ago (추정손실: from 365).
    lost_missed = payday_by(yesterday - timedelta(days=399))
    return {
        "coffee": Story(
            "coop.member", base.SEOULSOOP_COFFEE, OPERATING, 20_000_000, "원두 구매 및 운영자금",
            shift(last, -8), paid=8,
        ),
        "care": Story(
            "care.member", WANGSIMNI_CARE, FACILITY, 30_000_000, "방문요양 차량 구입 및 주간보호센터 리모델링",
            shift(last, -15), paid=15, secured=15_000_000,
            # 중도 일부상환: a 3,000,000 won prepayment ten days after the 13th installment.
            extra=((13, 10, 3_000_000, "demo-prepayment-1"),),
        ),
        "recycle": Story(
            "recycle.member", EUNGBONG_RECYCLE, SHORT, 8_000_000, "폐플라스틱 원료 매입 단기자금",
            shift(late_maturity, -12), paid=11, bounced=12,
        ),
        "clinic": Story(
            "clinic.member", HAENGDANG_CLINIC, OPERATING, 30_000_000, "의료소모품 구입 및 인건비 운영자금",
            shift(accelerated_missed, -10), paid=9, secured=10_000_000,
            # After acceleration, a part payment (일부 변제) 30 days after the second installment missed.
            extra=((11, 30, 500_000, "demo-part-payment-1"),),
        ),
        "clean": Story(
            "clean.member", SEONGDONG_CLEAN, FACILITY, 25_000_000, "친환경 청소장비 및 방역 차량 구입",
            shift(lost_missed, -10), paid=9,
        ),
        "shoes": Story(
            "shoes.member", HANTTEUM_SHOES, OPERATING, 15_000_000, "수제화 공방 가죽 원자재 구입",
            shift(last, -16), paid=10,
            # 중도상환: paid off twelve days after the 10th installment, with the amount payoff_quote gives.
            extra=((10, 12, None, "demo-payoff"),),
        ),
    }


def load_applicants(users: dict[str, User]) -> dict[str, User]:
    """The borrowers' representatives as members of their enterprises, with the demo users' password."""
    return base.representatives_as_members(APPLICANTS, like=users["coop.member"])


class Timeline:
    """Events in date order. Before each, the fund's days are closed through the day before it."""

    def __init__(self) -> None:
        self.events: list[tuple[date, int, Callable[[], None]]] = []
        self.order = itertools.count()
        self.closed: date | None = None

    def at(self, day: date, action: Callable[[], None]) -> None:
        heapq.heappush(self.events, (day, next(self.order), action))

    def close_through(self, day: date) -> None:
        if self.closed is None or day > self.closed:
            services.close_business(through=day, today=day + ONE_DAY)  # just after midnight, as the nightly run
            self.closed = day

    def run(self) -> None:
        while self.events:
            day, _order, action = heapq.heappop(self.events)
            if self.closed is not None:  # nothing to close before the first disbursement
                self.close_through(day - ONE_DAY)
            action()
            if self.closed is None:
                self.closed = day - ONE_DAY


def load(users: dict[str, User]) -> list[str]:
    """Create the fund, its capital, products, and applications and loans in the states the system has."""
    enterprises = {e.business_number: e for e in Enterprise.objects.all()}
    members = {**users, **load_applicants(users)}
    if Fund.objects.filter(code=FUND_CODE).exists():
        return [f"fund          already there: {FUND_CODE}"]
    today = timezone.localdate()
    yesterday = today - ONE_DAY
    plan = stories(today)
    start = min(story.disbursed_on for story in plan.values())
    closed = BusinessDay.objects.filter(date__gte=start).order_by("-date").values_list("date", flat=True).first()
    if closed is not None:
        # Loans cannot be given a history in days already closed.
        return [f"fund          not loaded: business days are closed through {closed}, after {start}"]

    institutions = {i.name: i for i in Institution.objects.all()}
    kim, lee = users["manager.kim"], users["manager.lee"]
    # Each event is recorded on its own day (``today``), as it would have been: the fund opened two months before
    # its first loan, the capital came in that month.
    opened = shift(start, -2).replace(day=1)
    fund = services.fund_create(
        actor=kim,
        code=FUND_CODE,
        name="성동구 사회적경제활성화기금",
        operator=institutions[base.INTERMEDIARY],
        exposure_limit=50_000_000,
        eligible_kinds=list(Enterprise.Kind.values),
        opened_on=opened,
        today=opened,
    )
    for day, source, contributor, key, memo in (
        (opened.replace(day=3), "municipality", base.SEONGDONG, "demo-district", "성동구 출연금"),
        (opened.replace(day=20), "private", base.BANK, "demo-private", "민간 매칭 출연금"),
    ):
        services.contribution_record(
            actor=kim, fund_id=fund.pk, source=source, amount=300_000_000, received_on=day, today=day,
            contributor=institutions[contributor], idempotency_key=key, memo=memo,
        )
    products = {}
    for spec in PRODUCTS:
        data = {k: v for k, v in spec.items() if k != "approval_tiers"}
        products[spec["name"]] = services.product_create(
            actor=kim, fund_id=fund.pk, data=data, approval_tiers=spec["approval_tiers"]
        )

    def apply(applicant: str, number: str, product: str, amount: int, purpose: str) -> Any:
        return services.application_create(
            actor=members[applicant], product_id=products[product].pk, enterprise_id=enterprises[number].pk,
            amount=amount, purpose=purpose,
        )

    def approve(application: Any) -> Loan:
        services.application_submit(actor=application.created_by, application_id=application.pk)
        services.application_review(actor=kim, application_id=application.pk, recommend=True,
                                    reason="사업계획과 상환능력 양호")
        services.application_approve(actor=lee, application_id=application.pk, reason="기금운용위원회 의결")
        application.refresh_from_db()
        return application.loan

    # Every application is decided first: an enterprise with a loan in default could not apply any more.
    for story in sorted(plan.values(), key=lambda s: s.disbursed_on):
        story.loan = approve(apply(story.applicant, story.enterprise, story.product, story.amount, story.purpose))
    # Approved, waiting to be disbursed: the village kitchen's facility loan.
    approve(apply("village.member", base.OKSU_MAEUL_BAPSANG, FACILITY, 15_000_000, "공동 주방 설비 교체"))
    # Submitted, waiting for review.
    submitted = apply("village.member", base.OKSU_MAEUL_BAPSANG, OPERATING, 10_000_000, "식자재 공동구매 운영자금")
    services.application_submit(actor=members["village.member"], application_id=submitted.pk)
    # A draft the cooperative has not sent yet.
    apply("coop.member", base.SEOULSOOP_COFFEE, SHORT, 5_000_000, "추석 성수기 단기 운영자금")

    timeline = Timeline()

    def pay(loan: Loan, number: int) -> None:
        inst = loan.installments.filter(number=number).first()
        if inst is None:  # taken off the end by a prepayment
            return
        owed = (inst.principal_due.amount - inst.principal_paid.amount
                + inst.interest_due.amount - inst.interest_paid.amount)
        if owed > 0:
            services.repayment_make(actor=kim, loan_id=loan.pk, amount=owed, idempotency_key=f"demo-{number:02d}",
                                     value_date=inst.due_on, today=inst.due_on)

    def pay_extra(loan: Loan, on: date, amount: Decimal | int | None, key: str) -> None:
        if amount is None:
            amount = services.payoff_quote(loan_id=loan.pk, on=on, today=on).payoff
        services.repayment_make(actor=kim, loan_id=loan.pk, amount=amount, idempotency_key=key, value_date=on,
                                 today=on)

    def bounce(loan: Loan, number: int) -> None:
        repayment = loan.repayments.get(idempotency_key=f"demo-{number:02d}")
        services.repayment_reverse(actor=lee, repayment_id=repayment.pk, reason="이체 반송 (출금계좌 잔액 부족)")

    def disburse(story: Story) -> None:
        assert story.loan is not None
        loan = services.loan_disburse(actor=lee, loan_id=story.loan.pk, on_date=story.disbursed_on,
                                      secured_amount=story.secured or None, today=story.disbursed_on)
        due = dict(loan.installments.values_list("number", "due_on"))
        for number in range(1, story.paid + 1):
            if due[number] <= yesterday:
                timeline.at(due[number], partial(pay, loan, number))
        for number, days, amount, key in story.extra:
            on = due[number] + timedelta(days=days)
            if on <= yesterday:
                timeline.at(on, partial(pay_extra, loan, on, amount, key))
        if story.bounced and due[story.bounced] + timedelta(days=3) <= yesterday:
            timeline.at(due[story.bounced], partial(pay, loan, story.bounced))
            timeline.at(due[story.bounced] + timedelta(days=3), partial(bounce, loan, story.bounced))

    for story in plan.values():
        timeline.at(story.disbursed_on, partial(disburse, story))
    timeline.run()
    timeline.close_through(yesterday)

    # The cleaning enterprise's loan, 추정손실 by now: written off by two managers, then something recovered.
    lost = plan["clean"].loan
    assert lost is not None
    write_off = services.write_off_request(actor=kim, loan_id=lost.pk,
                                            reason="폐업으로 상환능력 상실, 연체 1년 이상 (추정손실)")
    services.write_off_approve(actor=lee, write_off_id=write_off.pk, today=today, reason="기금운용위원회 상각 의결")
    # Received today, the day of the write-off.
    services.recovery_record(actor=kim, loan_id=lost.pk, amount=2_500_000, idempotency_key="demo-recovery-1",
                             today=today, memo="폐업 후 청소장비 매각대금 회수")
    return [
        f"fund          created: {fund.name} (capital 600,000,000원, {len(PRODUCTS)} products; loans: "
        "2 current, 1 late, 1 accelerated, 1 paid off, 1 written off with a recovery, 1 approved and not yet "
        "disbursed; 1 submitted and 1 draft application)",
        f"applicants    {len(APPLICANTS)} enterprise representatives with the demo password: "
        + ", ".join(username for username, _number in APPLICANTS),
    ]
