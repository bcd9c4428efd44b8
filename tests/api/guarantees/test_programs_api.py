"""``/api/v1/guarantee-programs/``: opening programs, their position, and contributions with Idempotency-Key,
through the real URLs. Every role on every operation is the role matrix's (tests/api/test_roles_matrix.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from core.models import AuditEvent
from enterprises.models import Institution
from guarantees.models import GuaranteeProgram, ProgramContribution
from ledger.models import Journal
from tests.factories import InstitutionFactory
from tests.guarantees.factories import make_program

from ..helpers import assert_error

pytestmark = pytest.mark.django_db
GP = "/api/v1/guarantee-programs/"
EOK = 100_000_000


def client(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


@pytest.fixture
def foundation(db) -> Institution:
    return InstitutionFactory(kind=Institution.Kind.CREDIT_GUARANTEE_FOUNDATION)


def body(the_foundation: Institution, **overrides: Any) -> dict[str, Any]:
    bank = InstitutionFactory(kind=Institution.Kind.BANK)
    return {
        "code": "dalseo-2026", "name": "달서구 2026 사회적경제기업 특례보증", "year": 2026,
        "foundation": the_foundation.pk, "partner_banks": [bank.pk], "multiple": "12.00",
        "per_firm_limit": "30000000", "guarantee_ratio": "1.00", "fee_rate": "0.00800",
        "city_fee_rate": "0.00500", "subsidy_rate": "0.03000", "subsidy_months": 12, "subsidy_payee": "bank",
        "eligible_kinds": ["social", "cooperative"], "opens_on": "2026-01-01", "closes_on": "2026-12-31",
        **overrides,
    }


def post(user: Any, path: str, data: Any, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client(user).post(path, data=json.dumps(data), content_type="application/json", headers=headers)


def test_a_manager_opens_a_program_and_gets_its_position(manager, foundation):
    response = post(manager, GP, body(foundation))

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["program"]["code"] == "dalseo-2026"
    assert data["program"]["guarantee_ratio"] == "1.00"
    assert data["program"]["city_fee_rate"] == "0.00500"
    assert data["program"]["late_damages_rate"] == "0.12000"
    assert data["program"]["rounding_unit"] == 10 and data["program"]["rounding_mode"] == "floor"
    assert data["capacity"] == "0" and data["available"] == "0" and data["currency"] == "KRW"
    assert AuditEvent.objects.filter(action="guarantees.program.create", actor=manager).count() == 1


def test_the_position_after_the_district_and_bank_contributions_is_ninety_six_eok(manager, foundation):
    program_id = post(manager, GP, body(foundation)).json()["program"]["id"]
    contributions = f"{GP}{program_id}/contributions/"

    assert post(manager, contributions, {"source": "city", "amount": str(4 * EOK), "received_on": "2026-01-15"},
                key="district").status_code == 201
    assert post(manager, contributions, {"source": "bank", "amount": 4 * EOK, "received_on": "2026-01-20"},
                key="bank").status_code == 201
    position = client(manager).get(f"{GP}{program_id}/").json()

    assert position["contributions_by_source"] == {"city": str(4 * EOK), "bank": str(4 * EOK), "other": "0"}
    assert position["contributions"] == str(8 * EOK)
    assert position["net_losses"] == "0"
    assert position["capacity"] == str(96 * EOK)
    assert position["used"] == "0"
    assert position["available"] == str(96 * EOK)
    assert position["utilisation"] == "0.0000"
    listed = client(manager).get(contributions).json()
    assert [(c["source"], c["amount"]) for c in listed] == [("city", str(4 * EOK)), ("bank", str(4 * EOK))]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("guarantee_ratio", "1.10"),
        ("guarantee_ratio", "0"),
        ("guarantee_ratio", "0.855"),
        ("multiple", "0"),
        ("multiple", "-12"),
        ("fee_rate", "0.25000"),
        ("city_fee_rate", "0.00900"),  # above the 0.8 % fee
        ("eligible_kinds", ["charity"]),
        ("eligible_kinds", []),
        ("rounding_unit", 5),
        ("subsidy_payee", "city"),
        ("year", 1999),
        ("closes_on", "2025-12-31"),
        ("opens_on", "2026/01/01"),
    ],
)
def test_bad_terms_are_a_400_naming_the_field_and_write_nothing(manager, foundation, field, value):
    response = post(manager, GP, body(foundation, **{field: value}))

    error = assert_error(response, 400)
    assert field in {name.split(".")[0] for name in error["fields"]}, error  # a list's item is "field.index"
    assert GuaranteeProgram.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_a_foundation_that_is_not_a_credit_guarantee_foundation_is_a_400(manager, foundation):
    municipality = InstitutionFactory(kind=Institution.Kind.MUNICIPALITY)

    error = assert_error(post(manager, GP, body(foundation, foundation=municipality.pk)), 400)

    assert "foundation" in error["fields"]


def test_a_replayed_contribution_returns_the_first_and_other_content_is_a_conflict(manager):
    program = make_program()
    path = f"{GP}{program.pk}/contributions/"
    data = {"source": "city", "amount": str(10 * EOK), "received_on": "2026-01-15"}

    first = post(manager, path, data, key="k1")
    again = post(manager, path, data, key="k1")
    other = post(manager, path, {**data, "amount": str(5 * EOK)}, key="k1")

    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert_error(other, 422)
    assert ProgramContribution.objects.count() == 1
    assert Journal.objects.filter(book=program.book).count() == 1


def test_a_contribution_needs_an_idempotency_key(manager):
    program = make_program()

    response = post(manager, f"{GP}{program.pk}/contributions/",
                    {"source": "city", "amount": "1000000", "received_on": "2026-01-15"})

    assert_error(response, 400)
    assert ProgramContribution.objects.count() == 0


BAD_AMOUNTS = [
    pytest.param("-1000", id="negative"),
    pytest.param(-1000, id="negative-integer"),
    pytest.param("0", id="zero"),
    pytest.param("1000.5", id="fractional"),
    pytest.param(1000.5, id="float"),
    pytest.param({"amount": "1000", "currency": "USD"}, id="dollars"),
    pytest.param({"amount": "1000", "currency": "JPY"}, id="yen"),
    pytest.param("1e7", id="exponent"),
    pytest.param("10,000,000", id="grouped"),
    pytest.param(None, id="null"),
]


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_a_bad_contribution_amount_is_a_400_naming_it_and_writes_nothing(manager, amount):
    program = make_program()

    response = post(manager, f"{GP}{program.pk}/contributions/",
                    {"source": "city", "amount": amount, "received_on": "2026-01-15"}, key="bad")

    error = assert_error(response, 400)
    assert "amount" in error["fields"]
    assert ProgramContribution.objects.count() == 0
    assert Journal.objects.count() == 0


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_a_bad_per_firm_limit_is_a_400_naming_it(manager, foundation, amount):
    error = assert_error(post(manager, GP, body(foundation, per_firm_limit=amount)), 400)

    assert "per_firm_limit" in error["fields"]
    assert GuaranteeProgram.objects.count() == 0


def test_an_unknown_source_is_a_400_naming_it(manager):
    program = make_program()

    error = assert_error(post(manager, f"{GP}{program.pk}/contributions/",
                              {"source": "municipality", "amount": "1000", "received_on": "2026-01-15"}, key="s"),
                         400)

    assert "source" in error["fields"]
