"""What guarantees stood behind on past days (``guarantees.selectors.history``), rebuilt from their histories as the
services wrote them: approval, the bank's execution and reports, full repayment, default, the claim's payment,
cancellation. Rebuilt for the last day, a program's sum is its ``committed`` counter."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from guarantees import services
from guarantees.models import Guarantee
from guarantees.selectors import guaranteed_paths, loan_paths, used_on
from tests.factories import BankOfficerFactory, ManagerFactory

from .claim_factories import paid_claim
from .factories import contribute, make_guarantee, make_program

pytestmark = pytest.mark.django_db
KST = ZoneInfo("Asia/Seoul")


def approved_on(guarantee: Guarantee, day: date) -> Guarantee:
    Guarantee.objects.filter(pk=guarantee.pk).update(approved_at=datetime(day.year, day.month, day.day, 9,
                                                                          tzinfo=KST))
    return Guarantee.objects.get(pk=guarantee.pk)


def test_a_guarantee_holds_its_approved_share_then_the_loan_share_then_nothing_once_repaid():
    """85 % of 10,000,000 approved on 2026-03-02 (8,500,000); lent 9,000,001 on 2026-03-10 (7,650,000.85 ->
    7,650,000); 3,000,001 repaid on 2026-05-20 (6,000,000 left: 5,100,000); repaid in full on 2026-06-15."""
    program = make_program(guarantee_ratio=Decimal("0.85"))
    guarantee = approved_on(make_guarantee(program, amount=10_000_000, state="approved"), date(2026, 3, 2))
    officer = BankOfficerFactory(institution=guarantee.bank)
    services.guarantee_execute(actor=officer, guarantee_id=guarantee.pk, loan_amount=9_000_001, loan_rate="0.05",
                               start_on=date(2026, 3, 10), idempotency_key="lent", today=date(2026, 3, 10))
    services.guarantee_report(actor=officer, guarantee_id=guarantee.pk, on_date=date(2026, 5, 20),
                              repaid=3_000_001, idempotency_key="r1", today=date(2026, 5, 20))
    services.guarantee_repay(actor=officer, guarantee_id=guarantee.pk, on_date=date(2026, 6, 15),
                             idempotency_key="done", today=date(2026, 6, 15))

    path = guaranteed_paths(Guarantee.objects.filter(pk=guarantee.pk))[guarantee.pk]
    assert path.steps == [(date(2026, 3, 2), 8_500_000), (date(2026, 3, 10), 7_650_000),
                          (date(2026, 5, 20), 5_100_000), (date(2026, 6, 15), 0)]
    assert [path.on(day) for day in (date(2026, 3, 1), date(2026, 3, 9), date(2026, 5, 19), date(2026, 6, 14),
                                     date(2026, 12, 31))] == [0, 8_500_000, 7_650_000, 5_100_000, 0]
    loan = loan_paths([guarantee])[guarantee.pk]
    assert [loan.on(day) for day in (date(2026, 3, 9), date(2026, 3, 10), date(2026, 5, 20), date(2026, 6, 15))] == [
        None, 9_000_001, 6_000_000, 0]


def test_a_defaulted_guarantee_holds_its_share_until_the_claim_is_paid():
    program = make_program()
    contribute(program, 100_000_000)
    guarantee = make_guarantee(program, amount=20_000_000, start_on=date(2026, 2, 2))
    officer = BankOfficerFactory(institution=guarantee.bank)
    services.guarantee_default(actor=officer, guarantee_id=guarantee.pk, on_date=date(2026, 4, 20),
                               balance=18_000_000, interest_paid_to=date(2026, 4, 2), idempotency_key="d",
                               today=date(2026, 4, 20))
    paid_claim(Guarantee.objects.get(pk=guarantee.pk), requested_on=date(2026, 4, 25), paid_on=date(2026, 5, 6),
               today=date(2026, 5, 6), officer=officer)
    path = guaranteed_paths([Guarantee.objects.get(pk=guarantee.pk)])[guarantee.pk]
    assert path.steps == [(date(2026, 2, 2), 20_000_000), (date(2026, 4, 20), 18_000_000), (date(2026, 5, 6), 0)]
    assert path.on(date(2026, 5, 5)) == 18_000_000


def test_a_cancelled_guarantee_holds_nothing_from_the_day_it_was_cancelled():
    program = make_program()
    guarantee = approved_on(make_guarantee(program, amount=7_000_000, state="approved"), date(2026, 3, 2))
    services.guarantee_cancel(actor=ManagerFactory(), guarantee_id=guarantee.pk, reason="은행 대출 불가",
                              today=date(2026, 4, 1))
    path = guaranteed_paths([Guarantee.objects.get(pk=guarantee.pk)])[guarantee.pk]
    assert path.steps == [(date(2026, 3, 2), 7_000_000), (date(2026, 4, 1), 0)]


def test_of_one_days_reports_the_last_stands_and_a_loan_made_before_its_approval_counts_from_the_loan():
    program = make_program()
    guarantee = make_guarantee(program, amount=10_000_000, start_on=date(2026, 3, 2))  # approved now, lent in March
    officer = BankOfficerFactory(institution=guarantee.bank)
    for key, repaid in (("a", 1_000_000), ("b", 2_000_000)):
        services.guarantee_report(actor=officer, guarantee_id=guarantee.pk, on_date=date(2026, 4, 1), repaid=repaid,
                                  idempotency_key=key, today=date(2026, 4, 1))
    path = guaranteed_paths([guarantee])[guarantee.pk]
    assert path.steps == [(date(2026, 3, 2), 10_000_000), (date(2026, 4, 1), 7_000_000)]


def test_the_program_rebuilt_on_its_last_day_is_its_committed_counter():
    program = make_program(guarantee_ratio=Decimal("0.90"))
    first = make_guarantee(program, amount=10_000_001, start_on=date(2026, 2, 2))  # 9,000,000.9 -> 9,000,000
    second = approved_on(make_guarantee(program, amount=3_333_333, state="approved"), date(2026, 3, 3))
    third = make_guarantee(program, amount=5_000_000, start_on=date(2026, 3, 16))
    officer = BankOfficerFactory(institution=first.bank)
    services.guarantee_report(actor=officer, guarantee_id=first.pk, on_date=date(2026, 4, 30), balance=8_888_887,
                              idempotency_key="b", today=date(2026, 4, 30))
    services.guarantee_repay(actor=officer, guarantee_id=third.pk, on_date=date(2026, 5, 31), idempotency_key="r",
                             today=date(2026, 5, 31))
    program.refresh_from_db()
    paths = guaranteed_paths(Guarantee.objects.filter(program=program))
    days = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)]
    used = used_on(paths.values(), [*days, date.today() + timedelta(days=1)])
    # 2,999,999.7 -> 2,999,999 for the approved; 4,500,000 for the third; 8,888,887 x 0.9 = 7,999,998.3 -> 7,999,998
    assert [used[day] for day in days] == [0, 9_000_000, 9_000_000 + 2_999_999 + 4_500_000,
                                           7_999_998 + 2_999_999 + 4_500_000, 7_999_998 + 2_999_999]
    assert used[date.today() + timedelta(days=1)] == program.committed.amount == sum(
        g.guaranteed.amount for g in (Guarantee.objects.get(pk=pk) for pk in (first.pk, second.pk, third.pk)))
