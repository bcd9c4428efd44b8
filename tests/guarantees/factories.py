"""Programs for the special-guarantee tests: the Dalseong-gun 2026 program's own terms (10억 from the county, 12x,
3천만 per firm, 0.8 %, 2 %p for 2 years), opened by the system."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from enterprises.models import Enterprise, Institution
from guarantees import services
from guarantees.models import GuaranteeProgram
from tests.factories import InstitutionFactory

RECEIVED_ON = date(2026, 1, 15)


def program_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "dalseong-2026",
        "name": "달성군 2026 사회적경제기업 특례보증",
        "year": 2026,
        "foundation": InstitutionFactory(kind=Institution.Kind.CREDIT_GUARANTEE_FOUNDATION),
        "partner_banks": [InstitutionFactory(kind=Institution.Kind.BANK)],
        "multiple": Decimal(12),
        "per_firm_limit": 30_000_000,
        "guarantee_ratio": Decimal("1.00"),
        "fee_rate": Decimal("0.00800"),
        "city_fee_rate": Decimal("0.00500"),
        "subsidy_rate": Decimal("0.02000"),
        "subsidy_months": 24,
        "opens_on": date(2026, 1, 1),
        "closes_on": date(2026, 12, 31),
        "eligible_kinds": list(Enterprise.Kind.values),
    }
    return {**data, **overrides}


def make_program(**overrides: Any) -> GuaranteeProgram:
    return services.program_create(actor=None, today=timezone.localdate(), **program_data(**overrides))


def contribute(program: GuaranteeProgram, amount: int, *, source: str = "city", key: str = "seed",
               actor: Any = None) -> Any:
    return services.contribution_record(actor=actor, program_id=program.pk, source=source, amount=amount,
                                        received_on=RECEIVED_ON, idempotency_key=key, today=timezone.localdate())


def make_guarantee(program: GuaranteeProgram | None = None, *, enterprise: Enterprise | None = None,
                   bank: Institution | None = None, amount: int = 30_000_000, state: str = "active",
                   loan_rate: Decimal = Decimal("0.05000"), start_on: date = date(2026, 3, 2),
                   term_months: int = 60, repayment_method: str = "equal_principal", grace_months: int = 12,
                   approver: Any = None) -> Any:
    """A guarantee written straight to the database, in ``state`` ("approved" or "active"), as if applied for,
    recommended, approved and (when active) lent on the full amount at ``loan_rate`` from ``start_on``; the program's
    capacity in use moves with it. For tests of what comes after (fees, subsidies, claims); the services that make
    guarantees have their own tests."""
    from django.db.models import F
    from djmoney.money import Money

    from guarantees.models import Guarantee, GuaranteeApplication, GuaranteeBalance
    from tests.factories import EnterpriseFactory, ManagerFactory, MembershipFactory

    program = program or make_program()
    owner: Any = enterprise or EnterpriseFactory()
    lender: Any = bank or program.partner_banks.first()
    approver = approver or ManagerFactory()
    member: Any = MembershipFactory(enterprise=owner).user
    recommender: Any = ManagerFactory()
    now = timezone.now()
    application = GuaranteeApplication.objects.create(
        program=program, enterprise=owner, bank=lender, amount=Money(amount, "KRW"), term_months=term_months,
        repayment_method=repayment_method, grace_months=grace_months, purpose="운영자금",
        state=GuaranteeApplication.State.APPROVED, created_by=member, submitted_at=now,
        recommended_by=recommender, recommend_reason="추천", recommended_at=now, decided_by=approver,
        decided_at=now)
    guaranteed = (Decimal(amount) * program.guarantee_ratio).to_integral_value(rounding="ROUND_FLOOR")
    guarantee = Guarantee.objects.create(
        application=application, program=program, enterprise=owner, bank=lender, ratio=program.guarantee_ratio,
        approved_amount=Money(amount, "KRW"), guaranteed=Money(guaranteed, "KRW"), term_months=term_months,
        repayment_method=repayment_method, grace_months=grace_months, approved_by=approver, approved_at=now)
    if state == "active":
        from core.engines.schedules import add_months

        Guarantee.objects.filter(pk=guarantee.pk).update(
            state="active", loan_amount=Money(amount, "KRW"), loan_rate=loan_rate, start_on=start_on,
            maturity_on=add_months(start_on, term_months), balance=Money(amount, "KRW"), balance_on=start_on,
            interest_paid_to=start_on)
        GuaranteeBalance.objects.create(guarantee=guarantee, kind="execution", on_date=start_on,
                                        balance=Money(amount, "KRW"), idempotency_key="execution")
        guarantee.refresh_from_db()
    elif state != "approved":
        raise ValueError("make_guarantee makes approved or active guarantees")
    GuaranteeProgram.objects.filter(pk=program.pk).update(committed=F("committed") + guaranteed)
    return guarantee
