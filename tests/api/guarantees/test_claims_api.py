"""``/api/v1/guarantee-claims/``: a claim asked by the bank, prepared, approved with an Idempotency-Key, recovered
and written off, through the real URLs; bad input on every money endpoint. Every role on every operation is the role
matrix's (tests/api/test_roles_matrix.py)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from guarantees.models import Claim, Recovery
from ledger.models import Journal
from tests.factories import ManagerFactory
from tests.guarantees.claim_factories import officer_of, paid_claim, set_defaulted
from tests.guarantees.factories import contribute, make_guarantee, make_program

from ..helpers import assert_error

pytestmark = pytest.mark.django_db
CL = "/api/v1/guarantee-claims/"
EOK = 100_000_000


def client(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def post(user: Any, path: str, data: Any, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client(user).post(path, data=json.dumps(data), content_type="application/json", headers=headers)


@pytest.fixture
def defaulted(db) -> Any:
    """85 %: a 20,000,000 loan at 4.5 %, 12,000,000 left when it defaulted on 2026-05-11, interest paid up to
    2026-04-10 (the service tests' case, tests/guarantees/test_claims.py)."""
    program = make_program(guarantee_ratio=Decimal("0.85"))
    contribute(program, 10 * EOK)
    guarantee = make_guarantee(program, amount=20_000_000, loan_rate=Decimal("0.04500"), start_on=date(2026, 1, 20))
    return set_defaulted(guarantee, defaulted_on=date(2026, 5, 11), interest_paid_to=date(2026, 4, 10),
                         balance=12_000_000)


REQUEST = {"principal": "12000000", "interest": "119835", "costs": "300000", "requested_on": "2026-06-01"}


def test_a_claims_life_through_the_api(defaulted, manager, other_manager):
    officer = officer_of(defaulted)
    asked = post(officer, CL, {"guarantee": defaulted.pk, **REQUEST})
    assert asked.status_code == 201, asked.content
    claim_id = asked.json()["id"]
    assert asked.json()["state"] == "requested" and asked.json()["position"] is None

    prepared = post(manager, f"{CL}{claim_id}/prepare/", {"paid_on": "2026-06-30"})
    assert prepared.status_code == 200, prepared.content
    # 12,000,000 + 119,830 + 300,000 = 12,419,830; x 0.85 -> 10,556,850 (worked out in the service tests).
    assert prepared.json()["amount"] == "10556850" and prepared.json()["interest"] == "119830"

    missing_key = post(other_manager, f"{CL}{claim_id}/approve/", {"reason": "확인"})
    assert_error(missing_key, 400)
    paid = post(other_manager, f"{CL}{claim_id}/approve/", {"reason": "확인"}, key="pay-1")
    assert paid.status_code == 200, paid.content
    assert paid.json()["state"] == "paid" and paid.json()["guarantee_state"] == "claimed"
    assert paid.json()["recourse_principal"] == "10556850"
    replay = post(other_manager, f"{CL}{claim_id}/approve/", {"reason": "확인"}, key="pay-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert_error(post(other_manager, f"{CL}{claim_id}/approve/", {"reason": "확인"}, key="pay-2"), 409,
                 "invalid_state")
    assert Journal.objects.filter(kind="guarantee.claim").count() == 1

    recovered = post(manager, f"{CL}{claim_id}/recoveries/",
                     {"amount": "2000000", "received_on": "2026-07-30", "memo": "일부 상환"}, key="r-1")
    assert recovered.status_code == 201, recovered.content
    # 30 days of damages on 10,556,850 at 12 %: 104,122; the rest, 1,895,878, is principal.
    assert recovered.json()["allocation"] == {"costs": "0", "damages": "104122", "principal": "1895878"}

    listed = client(manager).get(f"{CL}{claim_id}/recoveries/")
    assert [row["amount"] for row in listed.json()] == ["2000000"]
    detail = client(officer).get(f"{CL}{claim_id}/")
    assert detail.status_code == 200
    position = detail.json()["position"]
    assert position["principal"] == "8660972" and position["costs"] == "0" and position["recovered"] == "2000000"
    assert int(position["total"]) == int(position["principal"]) + int(position["damages"])
    assert [row["id"] for row in detail.json()["recoveries"]] == [recovered.json()["id"]]

    asked_off = post(manager, f"{CL}{claim_id}/write-off/", {"reason": "폐업"})
    assert asked_off.status_code == 201, asked_off.content
    assert_error(post(manager, f"{CL}{claim_id}/write-off/approve/", {}), 409, "invalid_state")  # four eyes
    written = post(other_manager, f"{CL}{claim_id}/write-off/approve/", {"reason": "의결"})
    assert written.status_code == 200, written.content
    assert written.json()["state"] == "approved" and written.json()["amount"] == "8660972"
    assert client(manager).get(f"{CL}{claim_id}/").json()["guarantee_state"] == "written_off"
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "every account agrees" in out.getvalue()


def test_a_member_sees_its_own_enterprises_claims_and_a_bank_its_own_banks(defaulted, member):
    claim = paid_claim(defaulted, requested_on=date(2026, 6, 1), paid_on=date(2026, 6, 30), today=date(2026, 12, 1))
    mine = make_guarantee(defaulted.program, enterprise=member.memberships.get().enterprise, amount=10_000_000)
    set_defaulted(mine, defaulted_on=date(2026, 5, 11), interest_paid_to=date(2026, 4, 10))
    own = paid_claim(mine, requested_on=date(2026, 6, 1), paid_on=date(2026, 6, 30), today=date(2026, 12, 1))

    assert [row["id"] for row in client(member).get(CL).json()["results"]] == [own.pk]
    assert [row["id"] for row in client(officer_of(defaulted)).get(CL).json()["results"]] == [own.pk, claim.pk]
    assert_error(client(member).get(f"{CL}{claim.pk}/"), 404, "not_found")


@pytest.mark.parametrize(("field", "value"), [
    ("principal", "-1"), ("principal", "0"), ("principal", 1.5), ("principal", "1,000"), ("principal", "12000001"),
    ("interest", "-5"), ("costs", "3.5"), ("costs", {"amount": "1", "currency": "USD"}),
    ("requested_on", "2026-13-01"), ("requested_on", "2099-01-01"), ("requested_on", "2026-05-10"),
    ("guarantee", "x"), ("guarantee", 0),
])
def test_a_bad_claim_request_is_a_400_naming_the_field(defaulted, field, value):
    response = post(officer_of(defaulted), CL, {"guarantee": defaulted.pk, **REQUEST, field: value})
    body = assert_error(response, 400)
    assert field in body["fields"], body
    assert Claim.objects.count() == 0


@pytest.fixture
def asked(defaulted) -> Claim:
    officer = officer_of(defaulted)
    response = post(officer, CL, {"guarantee": defaulted.pk, **REQUEST})
    return Claim.objects.get(pk=response.json()["id"])


@pytest.mark.parametrize(("field", "value"), [
    ("paid_on", "2026-05-31"), ("paid_on", "2099-01-01"), ("paid_on", "30/06/2026"), ("costs", "300001"),
    ("costs", "-1"), ("costs", "1e3"),
])
def test_a_bad_preparation_is_a_400_naming_the_field(asked, manager, field, value):
    response = post(manager, f"{CL}{asked.pk}/prepare/", {"paid_on": "2026-06-30", field: value})
    body = assert_error(response, 400)
    assert field in body["fields"], body
    asked.refresh_from_db()
    assert asked.state == "requested"


def test_approving_with_a_bad_key_or_short_cash_writes_nothing(defaulted, manager, other_manager):
    program = make_program(code="poor", guarantee_ratio=Decimal("0.85"))
    contribute(program, 1_000_000)
    poor = make_guarantee(program, amount=20_000_000, loan_rate=Decimal("0.04500"), start_on=date(2026, 1, 20))
    set_defaulted(poor, defaulted_on=date(2026, 5, 11), interest_paid_to=date(2026, 4, 10), balance=12_000_000)
    claim_id = post(officer_of(poor), CL, {"guarantee": poor.pk, **REQUEST}).json()["id"]
    assert post(manager, f"{CL}{claim_id}/prepare/", {"paid_on": "2026-06-30"}).status_code == 200

    assert_error(post(other_manager, f"{CL}{claim_id}/approve/", {}, key="é"), 400)
    short = assert_error(post(other_manager, f"{CL}{claim_id}/approve/", {}, key="pay"), 422, "insufficient_funds")
    assert "1,000,000" in short["message"]
    assert Claim.objects.get(pk=claim_id).state == "prepared"
    assert Journal.objects.filter(kind="guarantee.claim").count() == 0


@pytest.fixture
def paid(defaulted) -> Claim:
    return paid_claim(defaulted, requested_on=date(2026, 6, 1), paid_on=date(2026, 6, 30), today=date(2026, 12, 1),
                      costs=300_000)


@pytest.mark.parametrize(("field", "value", "status"), [
    ("amount", "0", 400), ("amount", "-100", 400), ("amount", 100.5, 400), ("amount", "100.00", 400),
    ("amount", "1000000000000000000", 400), ("amount", {"amount": "100", "currency": "JPY"}, 400),
    ("received_on", "2026-06-29", 400), ("received_on", "2099-01-01", 400), ("received_on", "", 400),
    ("amount", "999999999999", 422),  # more than everything owed
])
def test_a_bad_recovery_is_refused_naming_the_field(paid, manager, field, value, status):
    data = {"amount": "100000", "received_on": "2026-07-30", field: value}
    body = assert_error(post(manager, f"{CL}{paid.pk}/recoveries/", data, key="r"), status)
    assert field in body["fields"], body
    assert Recovery.objects.count() == 0


def test_a_recovery_needs_a_key_and_a_key_reused_with_other_content_is_a_422(paid, manager):
    data = {"amount": "100000", "received_on": "2026-07-30"}
    assert_error(post(manager, f"{CL}{paid.pk}/recoveries/", data), 400)
    assert post(manager, f"{CL}{paid.pk}/recoveries/", data, key="r").status_code == 201
    assert_error(post(manager, f"{CL}{paid.pk}/recoveries/", {**data, "amount": "100001"}, key="r"), 422)
    assert Recovery.objects.count() == 1


def test_a_write_off_needs_a_reason(paid, manager):
    body = assert_error(post(manager, f"{CL}{paid.pk}/write-off/", {"reason": "  "}), 400)
    assert "reason" in body["fields"]
    assert_error(post(ManagerFactory(), f"{CL}{paid.pk}/write-off/approve/", {}), 409, "invalid_state")
