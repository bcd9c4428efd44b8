"""Demo data of the revolving fund, loaded by ``manage.py load_demo`` (settings.DEMO_EXTENSIONS).

A Seongdong-style fund: 300,000,000 won from the district and 300,000,000 of private matching money, run by an
intermediary, lending up to 50,000,000 won per enterprise. Loaded once: if the fund exists, nothing is touched.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from enterprises.management.commands import load_demo as base
from enterprises.models import Enterprise, Institution, User

from . import services
from .models import Fund

FUND_CODE = "seongdong-sef"

PRODUCTS: list[dict[str, Any]] = [
    {
        "name": "운영자금 대출",
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
        "name": "시설자금 대출",
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
        "name": "단기 운영자금 (만기일시)",
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


def load(users: dict[str, User]) -> list[str]:
    """Create the fund, its capital, products, and applications and loans in the states the system has."""
    if Fund.objects.filter(code=FUND_CODE).exists():
        return [f"fund          already there: {FUND_CODE}"]
    institutions = {i.name: i for i in Institution.objects.all()}
    enterprises = {e.business_number: e for e in Enterprise.objects.all()}
    kim, lee = users["manager.kim"], users["manager.lee"]
    coop, village = users["coop.member"], users["village.member"]
    fund = services.fund_create(
        actor=kim,
        code=FUND_CODE,
        name="성동구 사회적경제활성화기금",
        operator=institutions[base.INTERMEDIARY],
        exposure_limit=50_000_000,
        eligible_kinds=list(Enterprise.Kind.values),
    )
    services.contribution_record(
        actor=kim, fund_id=fund.pk, source="municipality", amount=300_000_000, received_on=date(2025, 3, 3),
        contributor=institutions[base.SEONGDONG], idempotency_key="demo-district", memo="성동구 출연금",
    )
    services.contribution_record(
        actor=kim, fund_id=fund.pk, source="private", amount=300_000_000, received_on=date(2025, 3, 20),
        contributor=institutions[base.BANK], idempotency_key="demo-private", memo="민간 매칭 출연금",
    )
    products = {}
    for spec in PRODUCTS:
        data = {k: v for k, v in spec.items() if k != "approval_tiers"}
        products[spec["name"]] = services.product_create(
            actor=kim, fund_id=fund.pk, data=data, approval_tiers=spec["approval_tiers"]
        )
    operating, facility, short = (products[p["name"]] for p in PRODUCTS)
    coffee, bapsang = enterprises[base.SEOULSOOP_COFFEE], enterprises[base.OKSU_MAEUL_BAPSANG]

    def apply(actor: User, enterprise: Enterprise, product: Any, amount: int, purpose: str) -> Any:
        return services.application_create(
            actor=actor, product_id=product.pk, enterprise_id=enterprise.pk, amount=amount, purpose=purpose
        )

    def approve(application: Any) -> Any:
        services.application_submit(actor=application.created_by, application_id=application.pk)
        services.application_review(actor=kim, application_id=application.pk, recommend=True,
                                    reason="사업계획과 상환능력 양호")
        services.application_approve(actor=lee, application_id=application.pk, reason="운용위원회 의결")
        application.refresh_from_db()
        return application.loan

    # An active loan: the coffee cooperative's operating money, disbursed in March.
    loan = approve(apply(coop, coffee, operating, 20_000_000, "원두 구매 및 운영자금"))
    services.loan_disburse(actor=lee, loan_id=loan.pk, on_date=date(2026, 3, 16))
    # Approved, waiting to be disbursed: the village kitchen's facility loan.
    approve(apply(village, bapsang, facility, 15_000_000, "공동 주방 설비 교체"))
    # Submitted, waiting for review.
    submitted = apply(village, bapsang, operating, 10_000_000, "식자재 공동구매 운영자금")
    services.application_submit(actor=village, application_id=submitted.pk)
    # A draft the cooperative has not sent yet.
    apply(coop, coffee, short, 5_000_000, "추석 성수기 단기 운영자금")
    return [
        f"fund          created: {fund.name} (capital 600,000,000원, {len(PRODUCTS)} products, "
        "1 active loan, 1 approved loan, 1 submitted and 1 draft application)"
    ]
