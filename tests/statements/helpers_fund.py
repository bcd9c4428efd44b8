"""A small revolving-fund history for the fund and enterprise statements, made through the services: capital from
three sources, loans in two funds, repayments on time and late, a repayment reversed, default interest, a loan
written off (today: a write-off is dated the day it is approved) and a recovery on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from enterprises.models import Enterprise, User
from funds import services
from funds.models import Fund, Loan
from tests.factories import EnterpriseFactory, ManagerFactory
from tests.funds.factories import make_fund, make_loan, make_product, member_of, repay

SEED = date(2024, 1, 2)


@dataclass
class History:
    fund: Fund
    other_fund: Fund
    enterprise: Enterprise  # borrows from both funds
    member: User
    manager: User
    written_off: Loan  # another enterprise's, in ``fund``
    bullet: Loan  # the enterprise's, in ``fund``
    amortizing: Loan  # the enterprise's, in ``fund``
    elsewhere: Loan  # the enterprise's, in ``other_fund``
    today: date


def contribute(fund: Fund, source: str, amount: int, on: date) -> None:
    services.contribution_record(actor=None, fund_id=fund.pk, source=source, amount=amount, received_on=on,
                                 idempotency_key=f"{source}-{on}-{amount}", today=timezone.localdate())


def make_history() -> History:
    """In ``fund`` (capital 300M 지자체 + 200M 민간 on 2024-01-02, 10M 기타 on 2025-03-03):
    - W: 1,000,000 bullet over 3 months from 2024-01-10, never paid, written off today, 300,000 recovered today;
    - B: 12,000,000 bullet over 12 months at 3.65 % actual/365 from 2025-01-15, the first month's interest (37,200)
      paid on its due date 2025-02-15;
    - A: 1,200,000 equal principal over 12 months at 7 % from 2025-01-15; 50,000 paid on 2025-02-21 and reversed
      (a bounced transfer), 500,000 paid late on 2025-04-16 (default interest first).
    In ``other_fund`` (100M 지자체 on 2024-01-02): E: 5,000,000 bullet over 12 months from 2025-02-01.
    B, A and E are one enterprise's; days are closed through 2025-04-15."""
    manager = ManagerFactory()
    fund = make_fund(capital=0, code="seongdong")
    contribute(fund, "municipality", 300_000_000, SEED)
    contribute(fund, "private", 200_000_000, SEED)
    contribute(fund, "other", 10_000_000, date(2025, 3, 3))
    other_fund = make_fund(capital=0, code="daegu")
    other_fund.name = "대구 사회적경제기금"
    other_fund.save(update_fields=["name"])
    contribute(other_fund, "municipality", 100_000_000, SEED)

    def product(f: Fund, name: str, **terms: object):
        return make_product(f, name=name, rounding_unit=1, approval_tiers=[], **terms)

    short = product(fund, "단기 운영자금", method="bullet", grace_months=0, term_months=3,
                    annual_rate=Decimal("0.03650"), day_count="actual_365")
    bullet = product(fund, "만기일시 운영자금", method="bullet", grace_months=0, term_months=12,
                     annual_rate=Decimal("0.03650"), day_count="actual_365")
    amortizing = product(fund, "원금균등 시설자금", method="equal_principal", grace_months=0, term_months=12,
                         annual_rate=Decimal("0.07000"))
    elsewhere = product(other_fund, "대구 운영자금", method="bullet", grace_months=0, term_months=12,
                        annual_rate=Decimal("0.02000"))

    enterprise = EnterpriseFactory(name="성수동 협동조합 나눔")
    member = member_of(enterprise)
    w = make_loan(short, member=member_of(EnterpriseFactory(name="왕십리 마을기업")), amount=1_000_000,
                  disbursed_on=date(2024, 1, 10))
    b = make_loan(bullet, member=member, enterprise=enterprise, amount=12_000_000, disbursed_on=date(2025, 1, 15))
    a = make_loan(amortizing, member=member, enterprise=enterprise, amount=1_200_000,
                  disbursed_on=date(2025, 1, 15))
    e = make_loan(elsewhere, member=member, enterprise=enterprise, amount=5_000_000, disbursed_on=date(2025, 2, 1))

    services.close_business(through=date(2025, 2, 14), today=timezone.localdate())
    repay(b, 37_200, on_date=date(2025, 2, 15), manager=manager)
    services.close_business(through=date(2025, 2, 20), today=timezone.localdate())
    bounced = repay(a, 50_000, on_date=date(2025, 2, 21), manager=manager)
    services.close_business(through=date(2025, 3, 20), today=timezone.localdate())
    services.repayment_reverse(actor=manager, repayment_id=bounced.pk, reason="부도 이체")
    services.close_business(through=date(2025, 4, 15), today=timezone.localdate())
    repay(a, 500_000, on_date=date(2025, 4, 16), manager=manager)

    today = timezone.localdate()
    request = services.write_off_request(actor=manager, loan_id=w.pk, reason="회수 불능")
    services.write_off_approve(actor=ManagerFactory(), write_off_id=request.pk, reason="위원회 의결",
                               today=timezone.localdate())
    services.recovery_record(actor=manager, loan_id=w.pk, amount=300_000, idempotency_key="recovery-1",
                              received_on=today, today=timezone.localdate())
    for loan in (w, b, a, e):
        loan.refresh_from_db()
    return History(fund=fund, other_fund=other_fund, enterprise=enterprise, member=member, manager=manager,
                   written_off=w, bullet=b, amortizing=a, elsewhere=e, today=today)
