"""The awards' endpoints through the real URLs: the award table, ``/api/v1/contest-awards/`` and
``/api/v1/award-tranches/``, an award's life (prepared, approved with an Idempotency-Key, paid, spending uploaded as
multipart, reported, settled, the unspent money returned), the refusals' shapes, and every role on every operation
(members of another enterprise: 404; the auditor reads and changes nothing)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from crowdfunding import accounts as chart
from crowdfunding import services
from crowdfunding.models import Award, AwardTier, AwardTranche, SpendingItem
from ledger.models import Account, Journal
from tests.crowdfunding.award_helpers import TABLE, final_decided, member_of, pdf, set_table
from tests.crowdfunding.factories import ContestFactory, fund
from tests.factories import (
    AuditorFactory,
    BankOfficerFactory,
    EvaluatorFactory,
    JudgeFactory,
    ManagerFactory,
    UserFactory,
)

from ..helpers import assert_error

pytestmark = pytest.mark.django_db
M = 1_000_000
AW = "/api/v1/contest-awards/"
TR = "/api/v1/award-tranches/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def client(user: Any) -> APIClient:
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


def post(user: Any, path: str, data: Any = None, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client(user).post(path, data=json.dumps(data or {}), content_type="application/json", headers=headers)


def upload(user: Any, tranche_id: int, evidence: Any = None, **fields: Any) -> Any:
    today = timezone.localdate().isoformat()
    body = {"amount": "1500000", "category": "materials", "description": "원재료 구입", "spent_on": today,
            "evidence": evidence if evidence is not None else pdf(), **fields}
    return client(user).post(f"{TR}{tranche_id}/spending/", data=body, format="multipart")


# --- an award's life --------------------------------------------------------------------------------------------


@pytest.fixture
def decided(db):
    final = final_decided(count=3)
    set_table(final.contest)
    fund(final.contest, 50 * M)
    return final


def test_an_awards_life_through_the_api(decided, manager, other_manager):
    today = timezone.localdate().isoformat()
    entry = decided.entry(2)
    member = member_of(entry)

    prepared = post(manager, AW, {"entry": entry.pk, "amount": "24000000", "tranches": ["16000000", 8_000_000]})
    assert prepared.status_code == 201, prepared.content
    body = prepared.json()
    award_id = body["id"]
    assert (body["state"], body["rank"], body["tier_name"], body["amount"]) == ("prepared", 2, "최우수상", "24000000")
    assert [(t["number"], t["amount"], t["state"]) for t in body["tranches"]] == [(1, "16000000", "planned"),
                                                                                  (2, "8000000", "planned")]

    assert_error(post(other_manager, f"{AW}{award_id}/approve/"), 400)  # no Idempotency-Key
    four_eyes = assert_error(post(manager, f"{AW}{award_id}/approve/", key="ok-1"), 409, "invalid_state")
    assert "approved_by" in four_eyes["fields"]
    approved = post(other_manager, f"{AW}{award_id}/approve/", key="ok-1")
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    assert approved.json()["figures"]["reserved"] == "24000000"
    replay = post(other_manager, f"{AW}{award_id}/approve/", key="ok-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert Journal.objects.filter(kind="contest.award_reserve").count() == 1

    first, second = (t["id"] for t in approved.json()["tranches"])
    order = assert_error(post(manager, f"{TR}{second}/pay/", {"paid_on": today}, key="pay-2"), 409, "invalid_state")
    assert "number" in order["fields"]
    paid = post(manager, f"{TR}{first}/pay/", {"paid_on": today}, key="pay-1")
    assert paid.status_code == 200, paid.content
    assert paid.json()["state"] == "paid" and paid.json()["paid_on"] == today

    receipt = pdf(body=b"invoice 2026-001")
    added = upload(member, first, receipt, amount="12000000")
    assert added.status_code == 201, added.content
    receipt.seek(0)
    assert added.json()["evidence_sha256"] == hashlib.sha256(receipt.read()).hexdigest()
    assert added.json()["evidence_name"].endswith(".pdf") and added.json()["amount"] == "12000000"
    listed = client(member).get(f"{TR}{first}/spending/")
    assert listed.status_code == 200 and [line["amount"] for line in listed.json()] == ["12000000"]

    reported = post(member, f"{TR}{first}/report/")
    assert reported.status_code == 200 and reported.json()["state"] == "reported"
    assert reported.json()["spending_total"] == "12000000"

    settled = post(other_manager, f"{TR}{first}/settle/", {"accepted": "11000000"})
    assert settled.status_code == 200, settled.content
    assert (settled.json()["state"], settled.json()["spent"], settled.json()["unspent"]) == ("settled", "11000000",
                                                                                           "5000000")
    returned = post(manager, f"{TR}{first}/return/", {"returned_on": today}, key="back-1")
    assert returned.status_code == 200, returned.content
    assert returned.json()["state"] == "closed" and returned.json()["returned_on"] == today

    award = client(member).get(f"{AW}{award_id}/").json()
    assert award["figures"] == {"approved": "24000000", "paid": "16000000", "reserved": "8000000",
                                "spent": "11000000", "returned": "5000000", "due_back": "0", "advance": "0"}
    # 50,000,000 - 24,000,000 reserved + 5,000,000 returned.
    cash = Account.objects.get(book=decided.contest.book, code=chart.CASH)
    assert cash.balance.amount == 31 * M


def test_the_award_table_through_the_api(manager, member):
    contest = ContestFactory(phase="final")
    path = f"/api/v1/contests/{contest.pk}/award-table/"

    put = client(manager).put(path, data=json.dumps({"tiers": TABLE}), content_type="application/json")
    assert put.status_code == 200, put.content
    assert put.json()["fixed"] is False
    assert [(t["name"], t["rank_from"], t["amount_max"]) for t in put.json()["tiers"]] == [
        ("대상", 1, "30000000"), ("최우수상", 2, "25000000"), ("우수상", 4, "15000000")]
    read = client(member).get(path)
    assert read.status_code == 200 and read.json() == put.json()

    gap = [TABLE[0], {**TABLE[2], "rank_from": 3}, TABLE[1]]  # 2-3 and 3-6 overlap
    body = assert_error(client(manager).put(path, data=json.dumps({"tiers": gap}), content_type="application/json"),
                        400, "validation_error")
    assert set(body["fields"]) == {"tiers[1].rank_from"}
    body = assert_error(client(manager).put(path, data=json.dumps({"tiers": [{**TABLE[0], "amount_min": 1.5}]}),
                                            content_type="application/json"), 400)
    assert set(body["fields"]) == {"tiers.0.amount_min"}  # DRF's name of a list's item (api.common.errors)
    assert_error(client(manager).get("/api/v1/contests/999999/award-table/"), 404)
    assert_error(client(manager).put("/api/v1/contests/999999/award-table/", data=json.dumps({"tiers": TABLE}),
                                     content_type="application/json"), 404)


def test_the_refusals_of_awards_name_the_field_and_the_rule(decided, manager, other_manager):
    over = assert_error(post(manager, AW, {"entry": decided.entry(2).pk, "amount": "26000000"}), 400)
    assert set(over["fields"]) == {"amount"}
    sums = assert_error(post(manager, AW, {"entry": decided.entry(2).pk, "amount": "24000000",
                                           "tranches": ["20000000"]}), 400)
    assert set(sums["fields"]) == {"tranches"}
    assert_error(post(manager, AW, {"entry": 999999, "amount": "24000000"}), 404)

    big = post(manager, AW, {"entry": decided.entry(1).pk, "amount": "30000000"}).json()
    post(other_manager, f"{AW}{big['id']}/approve/", key="k-1")  # 20,000,000 left
    second = post(manager, AW, {"entry": decided.entry(2).pk, "amount": "25000000"}).json()
    short = assert_error(post(other_manager, f"{AW}{second['id']}/approve/", key="k-2"), 422, "insufficient_funds")
    assert "20,000,000" in short["message"] and set(short["fields"]) == {"amount"}
    again = assert_error(post(manager, AW, {"entry": decided.entry(1).pk, "amount": "30000000"}), 409)
    assert "entry" in again["fields"]
    no_reason = assert_error(post(manager, f"{AW}{second['id']}/cancel/", {}), 400)
    assert set(no_reason["fields"]) == {"reason"}


def test_spending_is_uploaded_as_multipart_and_judged_by_its_content(decided, manager):
    entry = decided.entry(3)
    member = member_of(entry)
    award = post(manager, AW, {"entry": entry.pk, "amount": "20000000"}).json()
    post(ManagerFactory(), f"{AW}{award['id']}/approve/", key="a")
    tranche = award["tranches"][0]["id"]
    post(manager, f"{TR}{tranche}/pay/", {"paid_on": timezone.localdate().isoformat()}, key="p")

    disguised = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    body = assert_error(upload(member, tranche, disguised), 400, "validation_error")
    assert set(body["fields"]) == {"evidence"}
    missing = assert_error(client(member).post(f"{TR}{tranche}/spending/", data={"amount": "1000"},
                                               format="multipart"), 400)
    assert {"evidence", "category", "description", "spent_on"} <= set(missing["fields"])
    as_json = client(member).post(f"{TR}{tranche}/spending/", data=json.dumps({"amount": "1000"}),
                                  content_type="application/json")
    assert_error(as_json, 415, "unsupported_media_type")
    fraction = assert_error(upload(member, tranche, amount="1000.5"), 400)
    assert set(fraction["fields"]) == {"amount"}

    added = upload(member, tranche, SimpleUploadedFile("사진.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 40))
    assert added.status_code == 201, added.content
    line = added.json()["id"]
    removed = client(member).delete(f"{TR}{tranche}/spending/{line}/")
    assert removed.status_code == 204
    assert not SpendingItem.objects.filter(pk=line).exists()
    assert_error(client(member).delete(f"{TR}{tranche}/spending/{line}/"), 404)


# --- every role on every operation ------------------------------------------------------------------------------


@dataclass
class World:
    """A contest in its awards phase with 100,000,000 in its fund and the standard table:
    award A (first place, 30,000,000 in two tranches, approved, tranche 1 paid with a spending line, tranche 2
    planned), award B (second place, prepared), award C (third place, 20,000,000, its tranche reported),
    award D (fourth place, 10,000,000, its tranche settled with 4,000,000 due back), the fifth place not yet
    awarded; and another contest with no award table yet."""

    empty_contest: int
    entry5: int
    a: int
    a1: int
    a2: int
    line: int
    b: int
    c1: int
    d1: int
    member_a: Any
    member_b: Any


@pytest.fixture
def world(db) -> World:
    today = timezone.localdate()
    final = final_decided(count=5)
    set_table(final.contest)
    fund(final.contest, 100 * M)
    preparer, approver = ManagerFactory(), ManagerFactory()

    def award(rank: int, amount: int, tranches: list[int] | None = None, approve: bool = True) -> Award:
        made = services.award_prepare(actor=preparer, today=today, entry_id=final.entry(rank).pk, amount=amount,
                                      tranches=tranches)
        if approve:
            made, _created = services.award_approve(actor=approver, today=today, award_id=made.pk,
                                                    idempotency_key=f"w-{rank}")
        return made

    def paid(made: Award) -> tuple[AwardTranche, Any]:
        tranche = made.tranches.get(number=1)
        services.tranche_pay(actor=preparer, today=today, tranche_id=tranche.pk, paid_on=today,
                             idempotency_key=f"wp-{tranche.pk}")
        return tranche, member_of(made.entry)

    def spent(tranche: AwardTranche, member: Any, amount: int) -> SpendingItem:
        return services.spending_add(actor=member, today=today, tranche_id=tranche.pk, amount=amount,
                                     category="equipment", description="장비", spent_on=today, evidence=pdf())

    a = award(1, 30 * M, [20 * M, 10 * M])
    a1, member_a = paid(a)
    line = spent(a1, member_a, 5 * M)
    b = award(2, 20 * M, approve=False)
    c = award(3, 20 * M)
    c1, member_c = paid(c)
    spent(c1, member_c, 20 * M)
    services.tranche_report(actor=member_c, today=today, tranche_id=c1.pk)
    d = award(4, 10 * M)
    d1, member_d = paid(d)
    spent(d1, member_d, 6 * M)
    services.tranche_report(actor=member_d, today=today, tranche_id=d1.pk)
    services.tranche_settle(actor=approver, today=today, tranche_id=d1.pk)
    return World(empty_contest=ContestFactory(phase="call").pk, entry5=final.entry(5).pk, a=a.pk, a1=a1.pk,
                 a2=a.tranches.get(number=2).pk, line=line.pk, b=b.pk, c1=c1.pk, d1=d1.pk, member_a=member_a,
                 member_b=member_of(b.entry))


ROLES = ["manager", "admin", "auditor", "judge", "evaluator", "bank_officer", "member", "other_member", "plain",
         "anonymous"]
STAFF = {"manager": 200, "admin": 200, "auditor": 200}
MANAGERS = {"manager": 200, "admin": 200}


def expect(allowed: dict[str, int], *, other_member: int = 403) -> dict[str, int]:
    """Every role's status: ``allowed``'s, 404 or 403 for a member of another enterprise, 401 signed out, else
    403."""
    return {role: allowed.get(role, 401 if role == "anonymous" else other_member if role == "other_member" else 403)
            for role in ROLES}


def _table(world: World) -> str:
    return f"/api/v1/contests/{world.empty_contest}/award-table/"


OPERATIONS: dict[str, tuple[str, Any, Any, bool, dict[str, int]]] = {
    # name: (method, path(world), body(world), needs an Idempotency-Key, role -> status); "member" is a member of
    # the enterprise whose award the operation is on, "other_member" a member of another awarded enterprise.
    "award table read": ("get", _table, None, False,
                         {role: 401 if role == "anonymous" else 200 for role in ROLES}),
    "award table replace": ("put", _table, lambda w: {"tiers": TABLE}, False, expect(MANAGERS)),
    "awards list": ("get", lambda w: AW, None, False, expect({**STAFF, "member": 200}, other_member=200)),
    "award read": ("get", lambda w: f"{AW}{w.a}/", None, False, expect({**STAFF, "member": 200}, other_member=404)),
    "award prepare": ("post", lambda w: AW, lambda w: {"entry": w.entry5, "amount": "12000000"}, False,
                      expect({"manager": 201, "admin": 201})),
    "award approve": ("post", lambda w: f"{AW}{w.b}/approve/", None, True, expect(MANAGERS)),
    "award cancel": ("post", lambda w: f"{AW}{w.b}/cancel/", lambda w: {"reason": "재심사"}, False, expect(MANAGERS)),
    "tranche read": ("get", lambda w: f"{TR}{w.a1}/", None, False, expect({**STAFF, "member": 200},
                                                                            other_member=404)),
    "tranche pay": ("post", lambda w: f"{TR}{w.a2}/pay/", lambda w: {"paid_on": timezone.localdate().isoformat()},
                    True, expect(MANAGERS)),
    "spending list": ("get", lambda w: f"{TR}{w.a1}/spending/", None, False, expect({**STAFF, "member": 200},
                                                                                     other_member=404)),
    "spending add": ("upload", lambda w: w.a1, None, False, expect({"member": 201}, other_member=404)),
    "spending remove": ("delete", lambda w: f"{TR}{w.a1}/spending/{w.line}/", None, False,
                        expect({"member": 204}, other_member=404)),
    "tranche report": ("post", lambda w: f"{TR}{w.a1}/report/", None, False, expect({"member": 200},
                                                                                  other_member=404)),
    "tranche settle": ("post", lambda w: f"{TR}{w.c1}/settle/", None, False, expect(MANAGERS)),
    "tranche return": ("post", lambda w: f"{TR}{w.d1}/return/",
                       lambda w: {"returned_on": timezone.localdate().isoformat()}, True, expect(MANAGERS)),
}


def user_for(role: str, world: World) -> Any:
    return {
        "manager": ManagerFactory, "admin": lambda: UserFactory(is_superuser=True, is_staff=True),
        "auditor": AuditorFactory, "judge": JudgeFactory, "evaluator": EvaluatorFactory,
        "bank_officer": BankOfficerFactory, "member": lambda: world.member_a, "other_member": lambda: world.member_b,
        "plain": UserFactory, "anonymous": lambda: None,
    }[role]()


def snapshot() -> tuple[Any, ...]:
    """What the operations change: journals, spending lines, the award table, awards' and tranches' states."""
    return (Journal.objects.count(), SpendingItem.objects.count(),
            list(AwardTier.objects.order_by("pk").values_list("pk", "rank_from")),
            list(Award.objects.order_by("pk").values_list("state", "paid")),
            list(AwardTranche.objects.order_by("pk").values_list("state", flat=True)))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_every_role_on_every_awards_operation(world, name, role):
    method, path, body, keyed, statuses = OPERATIONS[name]
    user = user_for(role, world)
    if name.startswith(("award approve", "award cancel")) and role in ("member", "other_member"):
        user = world.member_b if role == "member" else world.member_a
    before = snapshot()

    if method == "upload":
        response = upload(user, path(world))
    else:
        headers = {"Idempotency-Key": f"matrix-{name}-{role}"} if keyed else {}
        data = json.dumps(body(world)) if body else None
        response = getattr(client(user), method)(path(world), data=data, content_type="application/json",
                                                 headers=headers)

    assert response.status_code == statuses[role], (name, role, response.status_code, response.content[:300])
    after = snapshot()
    if response.status_code >= 400 or method == "get":
        assert after == before, (name, role)  # a refusal, or a read, changes nothing
    else:
        assert after != before, (name, role)
