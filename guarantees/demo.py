"""Demo data of the special guarantees, loaded by ``manage.py load_demo`` (settings.DEMO_EXTENSIONS).

A Daegu-style program (대구광역시 사회적경제기업 특례보증): the city pays 10억 into 대구신용보증재단, which
guarantees twelve times that in loans of one partner bank ((주)달빛은행, whose officer is ``bank.officer``), up to
30,000,000 won per enterprise, 100 % of each loan, for a fee of 0.8 % a year of which the city pays 0.5 %p; the city
also pays 2 %p of the interest for two years (이차보전), to the bank, out of a budget of its own.

Three Daegu enterprises, through their representatives, have guarantees in every state the system has:

- 동성로두레베이커리: a loan made 14 months ago, a year's grace then equal principal, its balance reported monthly
  since; the first fee year paid by the bakery and by the city, the second billed and not yet paid by the bakery
  (its late fee runs) — active. And a second application, approved last week, the loan not yet made.
- 칠성텃밭영농조합법인: a one-year bullet loan repaid early, three months ago, with the unused fee days refunded to
  the farm and the city (repaid); and an older loan that defaulted, whose claim was paid and whose 구상채권 was
  written off by two managers (written off).
- 달구벌공정여행: a loan that defaulted five months ago; the bank's claim prepared by one manager and paid by
  another, and part of the 구상채권 recovered since (recovering). A new application is submitted, waiting for review.

The interest subsidy runs of the last three months are prepared by one manager and approved (paid) by another.
Two more programs, with their real terms and money and no guarantee yet: Dalseo-gu's 2026 and Daegu's five-year one.

Everything goes through the services, each act on its own day (``today``), in the order it happened; dates are
counted back from today, so the states come out the same whatever day the demo is loaded on.

Loaded once: if the program exists, nothing is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from core.engines.schedules import add_months
from enterprises.management.commands import load_demo as base
from enterprises.models import Enterprise, Institution, User

from . import services
from .models import Claim, FeeBill, GuaranteeProgram

PROGRAM_CODE = "daegu-se-special-guarantee"
EOK = 100_000_000
ONE_DAY = timedelta(days=1)

BAKERY = base.business_number("503-86-1904")
FARM = base.business_number("504-81-7736")
TRAVEL = base.business_number("515-86-0528")

APPLICANTS: list[tuple[str, str]] = [
    ("bakery.member", BAKERY),
    ("farm.member", FARM),
    ("travel.member", TRAVEL),
]


def month_start(day: date, months: int = 0) -> date:
    """The first day of ``day``'s month, moved by ``months``."""
    return add_months(day.replace(day=1), months)


class Days:
    """Acts in date order: each is done on its own day, as it would have been."""

    def __init__(self) -> None:
        self.acts: list[tuple[date, int, Callable[[date], Any]]] = []

    def on(self, day: date, act: Callable[[date], Any]) -> None:
        self.acts.append((day, len(self.acts), act))

    def run(self) -> None:
        for day, _order, act in sorted(self.acts, key=lambda item: (item[0], item[1])):
            act(day)


def load(users: dict[str, User]) -> list[str]:
    """Create the program, its money, and guarantees in every state."""
    members = {**users, **base.representatives_as_members(APPLICANTS, like=users["coop.member"])}
    if GuaranteeProgram.objects.filter(code=PROGRAM_CODE).exists():
        return [f"guarantees    already there: {PROGRAM_CODE}"]
    today = timezone.localdate()
    kim, lee, officer = users["manager.kim"], users["manager.lee"], users["bank.officer"]
    institutions = {i.name: i for i in Institution.objects.all()}
    enterprises = {e.business_number: e for e in Enterprise.objects.filter(business_number__in=[BAKERY, FARM, TRAVEL])}
    bank = institutions[base.BANK]

    opened = month_start(today, -17)
    program = services.program_create(
        actor=kim, today=opened, code=PROGRAM_CODE, name="대구광역시 사회적경제기업 특례보증",
        year=opened.year, foundation=institutions[base.DAEGU_GUARANTEE], partner_banks=[bank],
        multiple=12, per_firm_limit=30_000_000, guarantee_ratio="1.00", fee_rate="0.00800",
        city_fee_rate="0.00500", subsidy_rate="0.02000", subsidy_months=24, subsidy_payee="bank",
        late_damages_rate="0.12000", opens_on=opened, closes_on=add_months(opened, 24) - ONE_DAY,
        eligible_kinds=list(Enterprise.Kind.values),
    )
    days = Days()
    received = opened + timedelta(days=9)
    days.on(received, lambda day: services.contribution_record(
        actor=kim, program_id=program.pk, source="city", amount=10 * EOK, received_on=day, today=day,
        contributor=institutions[base.DAEGU], idempotency_key="demo-city", memo="대구광역시 출연금"))
    days.on(received, lambda day: services.subsidy_budget_record(
        actor=kim, program_id=program.pk, amount=30_000_000, received_on=day, today=day,
        idempotency_key="demo-subsidy-budget", memo="이차보전 예산 (본예산)"))

    def guarantee(applicant: str, number: str, amount: int, *, term: int, method: str, grace: int, purpose: str,
                  applied: date, lent: date | None, rate: str = "0.04500") -> Any:
        """Applied on ``applied``, recommended by Kim and approved by Lee two and four days later, and lent by the
        bank on ``lent``. Returns a box the later acts read the guarantee from."""
        box: dict[str, Any] = {}

        def apply(day: date) -> None:
            application = services.application_create(
                actor=members[applicant], today=day, program_id=program.pk, enterprise_id=enterprises[number].pk,
                bank_id=bank.pk, amount=amount, term_months=term, repayment_method=method, grace_months=grace,
                purpose=purpose)
            services.application_submit(actor=members[applicant], application_id=application.pk, today=day)
            box["application"] = application

        def recommend(day: date) -> None:
            services.application_recommend(actor=kim, application_id=box["application"].pk, recommend=True,
                                           reason="보증 심사 결과 적격 (신용등급, 매출 추이 양호)")

        def approve(day: date) -> None:
            services.application_approve(actor=lee, application_id=box["application"].pk,
                                         reason="특례보증 심의위원회 승인")
            box["application"].refresh_from_db()
            box["guarantee"] = box["application"].guarantee

        def lend(day: date) -> None:
            services.guarantee_execute(actor=officer, guarantee_id=box["guarantee"].pk, loan_amount=amount,
                                       loan_rate=rate, start_on=day, today=day,
                                       bank_reference=f"DB-{day:%y%m}-{amount // 10**6:03d}",
                                       idempotency_key=f"demo-lend-{box['guarantee'].pk}")

        days.on(applied, apply)
        days.on(applied + timedelta(days=2), recommend)
        days.on(applied + timedelta(days=4), approve)
        if lent is not None:
            days.on(lent, lend)
        return box

    def report(box: dict[str, Any], day: date, balance: int) -> None:
        days.on(day, lambda d: services.guarantee_report(
            actor=officer, guarantee_id=box["guarantee"].pk, on_date=d, balance=balance, today=d,
            idempotency_key=f"demo-balance-{d.isoformat()}"))

    def pay_fees(box: dict[str, Any], day: date, year: int) -> None:
        def pay(d: date) -> None:
            bill = FeeBill.objects.get(guarantee=box["guarantee"], year=year)
            services.fee_pay(actor=kim, bill_id=bill.pk, amount=bill.enterprise_share.amount, today=d, paid_on=d,
                             idempotency_key=f"demo-fee-{bill.pk}")
        days.on(day, pay)

    # 동성로두레베이커리: lent 14 months ago (a year's grace, then 48 monthly principal parts of 416,666 won).
    bakery_lent = month_start(today, -14) + timedelta(days=4)
    bakery = guarantee("bakery.member", BAKERY, 20_000_000, term=60, method="equal_principal", grace=12,
                       purpose="제빵 설비 교체 및 원재료 구입 운영자금", applied=bakery_lent - timedelta(days=20),
                       lent=bakery_lent)
    pay_fees(bakery, bakery_lent, year=1)
    balance = 20_000_000
    for month in (13, 14):
        due = add_months(bakery_lent, month)
        if due < today:
            balance -= 416_666
            report(bakery, due, balance)

    # 칠성텃밭영농조합법인: an older loan that defaulted and was written off; a bullet loan repaid early.
    farm_old_lent = month_start(today, -16) + timedelta(days=11)
    farm_old = guarantee("farm.member", FARM, 10_000_000, term=24, method="equal_principal", grace=12,
                         purpose="비닐하우스 신축 시설자금", applied=farm_old_lent - timedelta(days=15),
                         lent=farm_old_lent)
    farm_default = add_months(farm_old_lent, 7)
    days.on(farm_default, lambda d: services.guarantee_default(
        actor=officer, guarantee_id=farm_old["guarantee"].pk, on_date=d, balance=10_000_000,
        interest_paid_to=add_months(farm_old_lent, 6), today=d, idempotency_key="demo-default-farm"))
    claim_days = {"requested": farm_default + timedelta(days=20), "prepared": farm_default + timedelta(days=27),
                  "paid": farm_default + timedelta(days=30)}
    farm_claim: dict[str, Claim] = {}

    def claim(box: dict[str, Any], holder: dict[str, Claim], when: dict[str, date], costs: int) -> None:
        days.on(when["requested"], lambda d: holder.update(claim=services.claim_request(
            actor=officer, guarantee_id=box["guarantee"].pk, principal=box["guarantee"].balance.amount,
            interest=0, costs=costs, requested_on=d, today=d)))
        days.on(when["prepared"], lambda d: services.claim_prepare(
            actor=kim, claim_id=holder["claim"].pk, paid_on=when["paid"], today=d))
        days.on(when["paid"], lambda d: services.claim_approve(
            actor=lee, claim_id=holder["claim"].pk, today=d, idempotency_key=f"demo-claim-{holder['claim'].pk}",
            reason="대위변제 심의 의결"))

    def refresh(box: dict[str, Any]) -> Callable[[date], None]:
        return lambda d: box["guarantee"].refresh_from_db()

    days.on(claim_days["requested"], refresh(farm_old))
    claim(farm_old, farm_claim, claim_days, costs=120_000)
    write_off_asked = today - timedelta(days=40)
    days.on(write_off_asked, lambda d: services.recourse_write_off_request(
        actor=kim, claim_id=farm_claim["claim"].pk, today=d, reason="폐업 및 재산조사 결과 회수 불능"))
    days.on(write_off_asked + timedelta(days=5), lambda d: services.recourse_write_off_approve(
        actor=lee, claim_id=farm_claim["claim"].pk, today=d, reason="구상채권 상각 심의 의결"))

    farm_lent = month_start(today, -10) + timedelta(days=2)
    farm = guarantee("farm.member", FARM, 10_000_000, term=12, method="bullet", grace=0,
                     purpose="모종 및 퇴비 구입 단기 운영자금", applied=farm_lent - timedelta(days=12), lent=farm_lent)
    pay_fees(farm, farm_lent, year=1)
    farm_repaid = today - timedelta(days=90)
    days.on(farm_repaid, lambda d: services.guarantee_repay(
        actor=officer, guarantee_id=farm["guarantee"].pk, on_date=d, today=d, idempotency_key="demo-repaid-farm"))

    # 달구벌공정여행: defaulted five months ago; the claim paid; part of the 구상채권 recovered since.
    travel_lent = month_start(today, -13) + timedelta(days=7)
    travel = guarantee("travel.member", TRAVEL, 15_000_000, term=60, method="equal_principal", grace=12,
                       purpose="여행 상품 개발 및 홍보 운영자금", applied=travel_lent - timedelta(days=18),
                       lent=travel_lent)
    pay_fees(travel, travel_lent + timedelta(days=12), year=1)  # twelve days late: a late fee
    travel_default = today - timedelta(days=150)
    days.on(travel_default, lambda d: services.guarantee_default(
        actor=officer, guarantee_id=travel["guarantee"].pk, on_date=d, balance=15_000_000,
        interest_paid_to=d - timedelta(days=31), today=d, idempotency_key="demo-default-travel"))
    travel_claim: dict[str, Claim] = {}
    travel_days = {"requested": travel_default + timedelta(days=14), "prepared": travel_default + timedelta(days=21),
                   "paid": travel_default + timedelta(days=25)}
    days.on(travel_days["requested"], refresh(travel))
    claim(travel, travel_claim, travel_days, costs=85_000)
    def recover(amount: int, key: str) -> Callable[[date], Any]:
        return lambda d: services.recovery_record(
            actor=kim, claim_id=travel_claim["claim"].pk, amount=amount, received_on=d, today=d,
            memo="대표자 분할 변제", idempotency_key=key)

    days.on(today - timedelta(days=60), recover(2_000_000, "demo-recovery-travel-1"))
    days.on(today - timedelta(days=20), recover(1_500_000, "demo-recovery-travel-2"))

    # The city's share of every fee billed so far, in one batch a month ago.
    days.on(today - timedelta(days=30), lambda d: services.fee_city_pay(
        actor=lee, program_id=program.pk, paid_on=d, today=d, due_by=d, idempotency_key="demo-city-fees",
        memo="보증료 지원금 (지자체 부담분) 일괄 납부"))

    # The bakery's second guarantee: approved last week, the loan not yet made; the travel agency applies again.
    guarantee("bakery.member", BAKERY, 5_000_000, term=12, method="bullet", grace=0,
              purpose="명절 성수기 원재료 구입", applied=today - timedelta(days=11), lent=None)
    days.on(today - timedelta(days=3), lambda d: services.application_submit(
        actor=members["travel.member"], today=d, application_id=services.application_create(
            actor=members["travel.member"], today=d, program_id=program.pk, enterprise_id=enterprises[TRAVEL].pk,
            bank_id=bank.pk, amount=8_000_000, term_months=12, repayment_method="bullet", grace_months=0,
            purpose="재기 지원 운영자금").pk))

    days.run()

    # Two more programs with their real terms, their money paid in and no guarantee yet: Dalseo-gu's (구청 4억 and a
    # bank's 4억, 12 x = 96억, 100 %, 0.8 %, 3.0 %p for a year) and Daegu's social-economy program (5천만 per firm,
    # 100 %, 0.5 %).
    for code, name, limit, fee, city_fee, subsidy, months, sources in (
        ("dalseo-2026", "달서구 2026 사회적경제기업 특례보증", 30_000_000, "0.00800", "0.00500", "0.03000", 12,
         (("city", base.DAEGU, 4 * EOK), ("bank", base.BANK, 4 * EOK))),
        ("daegu-se-2026", "대구광역시 사회적경제기업 특례보증 (5년)", 50_000_000, "0.00500", "0.00500", "0", 0,
         (("city", base.DAEGU, 5 * EOK),)),
    ):
        other = services.program_create(
            actor=kim, today=today, code=code, name=name, year=today.year,
            foundation=institutions[base.DAEGU_GUARANTEE], partner_banks=[bank], multiple=12, per_firm_limit=limit,
            guarantee_ratio="1.00", fee_rate=fee, city_fee_rate=city_fee, subsidy_rate=subsidy,
            subsidy_months=months, opens_on=month_start(today), closes_on=add_months(month_start(today), 12) - ONE_DAY,
            eligible_kinds=list(Enterprise.Kind.values))
        for source, contributor, amount in sources:
            services.contribution_record(
                actor=kim, program_id=other.pk, source=source, amount=amount, received_on=today, today=today,
                contributor=institutions[contributor], idempotency_key=f"demo-{code}-{source}")

    # Fees of the guarantee years begun since (the bakery's second year): as beat bills them each night.
    services.fees_bill_due(today=today)
    # The subsidy runs of the last three months: prepared by Kim, approved (paid) by Lee.
    for back in (3, 2, 1):
        start = month_start(today, -back)
        run, _new = services.subsidy_run_prepare(program_id=program.pk, period_start=start, actor=kim, today=today)
        services.subsidy_run_approve(run_id=run.pk, actor=lee, today=today,
                                     idempotency_key=f"demo-subsidy-{start:%Y-%m}")
    return [
        f"guarantees    created: {program.name} (10억 from the city, capacity 120억; guarantees active, approved, "
        "repaid early with a fee refund, defaulted and claimed with recoveries, written off; one application "
        "submitted; three interest subsidy runs paid); 달서구 (구청 4억 + bank 4억: 96억) and 대구 (5억: 60억) "
        "programs, open",
        f"members       {len(APPLICANTS)} Daegu enterprise representatives: "
        + ", ".join(username for username, _number in APPLICANTS),
    ]
