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
