"""Factories and builders for revolving-fund tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from enterprises.models import Enterprise, Institution
from funds import services
from funds.models import Fund, LoanProduct
from tests.factories import InstitutionFactory

ALL_KINDS = list(Enterprise.Kind.values)


def make_fund(*, capital: int = 600_000_000, exposure_limit: int = 50_000_000, code: str = "seongdong",
              kinds: list[str] | None = None) -> Fund:
    operator = InstitutionFactory(kind=Institution.Kind.INTERMEDIARY)
    fund = services.fund_create(
        actor=None, code=code, name="성동구 사회적경제활성화기금", operator=operator,
        exposure_limit=exposure_limit, eligible_kinds=kinds or ALL_KINDS,
    )
    if capital:
        services.contribution_record(
            actor=None, fund_id=fund.pk, source="municipality", amount=capital // 2, received_on=date(2026, 1, 2),
            idempotency_key="seed-municipality",
        )
        services.contribution_record(
            actor=None, fund_id=fund.pk, source="private", amount=capital - capital // 2,
            received_on=date(2026, 1, 2), idempotency_key="seed-private",
        )
    return fund


def make_product(fund: Fund, **overrides: Any) -> LoanProduct:
    data: dict[str, Any] = {
        "name": "사회적경제기업 운영자금",
        "annual_rate": Decimal("0.02000"),
        "term_months": 36,
        "grace_months": 6,
        "method": "equal_payment",
        "day_count": "monthly",
        "rounding_unit": 10,
        "rounding_mode": "floor",
        "min_amount": 1_000_000,
        "max_amount": 50_000_000,
    }
    tiers = overrides.pop("approval_tiers", [{"above_amount": 30_000_000, "approvers": 2}])
    data.update(overrides)
    return services.product_create(actor=None, fund_id=fund.pk, data=data, approval_tiers=tiers)
