"""Every loan-servicing endpoint, tried by every role, with a real signed JWT.

Same rules as tests/funds/test_roles_matrix.py: one row per request, one column per role. ``{own_*}`` objects belong
to the member's enterprise, ``{other_*}`` to an enterprise the member does not act for, ``{missing}`` does not
exist. A refusal uses the common error body and writes nothing (no audit event, journal, repayment, transaction,
write-off, recovery, business day, changed balance or idempotency key); a read writes nothing either; a change that
succeeds is audited under the caller's name.

Who may do what: a member of the borrower repays (value date today) and reads its own enterprise's loans'
repayments, payoff, transactions and recoveries; staff (manager, auditor, admin) read everything; managers (admin
counts as one) repay on a borrower's behalf, reverse repayments, ask for, approve and reject write-offs and record
recoveries; the auditor changes nothing; judge, evaluator and a user with no role are refused (403), anonymous
callers are not authenticated (401).

The world is built lazily, object by object, as each request's path needs it: a loan classed 추정손실 (estimated
loss) takes a disbursement more than a year ago and a close of business catching up every day since.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

import pytest
from django.utils import timezone

from core.audit import audit_seal
from core.models import AuditEvent
from funds import services
from funds.models import Fund, Loan, LoanProduct, Repayment, WriteOff
from ledger.models import Journal
from tests.factories import EnterpriseFactory, ManagerFactory

from .factories import FUND_OPENED_ON, make_fund, make_loan, make_product, member_of
from .helpers import assert_error, months_before, world_state

ROLES = ("anonymous", "plain_user", "judge", "evaluator", "member", "manager", "auditor", "admin_user")

L, R, W = "/api/v1/loans/", "/api/v1/repayments/", "/api/v1/write-offs/"

STAFF_READ = (401, 403, 403, 403, 403, 200, 200, 200)
STAFF_MISSING = (401, 403, 403, 403, 403, 404, 404, 404)
OWN_READ = (401, 403, 403, 403, 200, 200, 200, 200)
OTHERS_READ = (401, 403, 403, 403, 404, 200, 200, 200)
MISSING_READ = (401, 403, 403, 403, 404, 404, 404, 404)
OWN_CONFLICT = (401, 403, 403, 403, 409, 409, 409, 409)
REPAY_OWN = (401, 403, 403, 403, 201, 201, 403, 201)
REPAY_OTHERS = (401, 403, 403, 403, 404, 201, 403, 201)
REPAY_MISSING = (401, 403, 403, 403, 404, 404, 403, 404)
REPAY_CONFLICT = (401, 403, 403, 403, 409, 409, 403, 409)
MANAGERS_CREATE = (401, 403, 403, 403, 403, 201, 403, 201)
MANAGERS_ACT = (401, 403, 403, 403, 403, 200, 403, 200)
MANAGERS_MISSING = (401, 403, 403, 403, 403, 404, 403, 404)
MANAGERS_CONFLICT = (401, 403, 403, 403, 403, 409, 403, 409)
NOBODY = (401, 405, 405, 405, 405, 405, 405, 405)

BODIES: dict[str, dict[str, Any]] = {
    "repay": {"amount": "10000"},
    "reason": {"reason": "부도 이체"},
    "approve": {"reason": "위원회 의결"},
    "write-off": {"reason": "회수 불능: 폐업"},
    "recover": {"amount": "100000", "memo": "경매 배당금"},
}

# fmt: off
MATRIX: dict[str, tuple[str, str, tuple[int, ...], str | None]] = {
    # case                        method    path                                   statuses by role (ROLES)
    "own repayments":            ("GET",    L + "{own_loan}/repayments/",          OWN_READ,          None),
    "other repayments":          ("GET",    L + "{other_loan}/repayments/",        OTHERS_READ,       None),
    "missing loan repayments":   ("GET",    L + "{missing}/repayments/",           MISSING_READ,      None),
    "own repay":                 ("POST",   L + "{own_loan}/repayments/",          REPAY_OWN,         "repay"),
    "other repay":               ("POST",   L + "{other_loan}/repayments/",        REPAY_OTHERS,      "repay"),
    "missing repay":             ("POST",   L + "{missing}/repayments/",           REPAY_MISSING,     "repay"),
    "paid-off repay":            ("POST",   L + "{own_paid_off}/repayments/",      REPAY_CONFLICT,    "repay"),
    "repayments put":            ("PUT",    L + "{own_loan}/repayments/",          NOBODY,            "repay"),
    "own payoff":                ("GET",    L + "{own_loan}/payoff/",              OWN_READ,          None),
    "other payoff":              ("GET",    L + "{other_loan}/payoff/",            OTHERS_READ,       None),
    "missing payoff":            ("GET",    L + "{missing}/payoff/",               MISSING_READ,      None),
    "written-off payoff":        ("GET",    L + "{own_written_off}/payoff/",       OWN_CONFLICT,      None),
    "payoff post":               ("POST",   L + "{own_loan}/payoff/",              NOBODY,            None),
    "own transactions":          ("GET",    L + "{own_loan}/transactions/",        OWN_READ,          None),
    "other transactions":        ("GET",    L + "{other_loan}/transactions/",      OTHERS_READ,       None),
    "missing transactions":      ("GET",    L + "{missing}/transactions/",         MISSING_READ,      None),
    "own write-off":             ("POST",   L + "{own_doomed}/write-off/",         MANAGERS_CREATE,   "write-off"),
    "other write-off":           ("POST",   L + "{other_doomed}/write-off/",       MANAGERS_CREATE,   "write-off"),
    "sound loan write-off":      ("POST",   L + "{own_loan}/write-off/",           MANAGERS_CONFLICT, "write-off"),
    "missing write-off":         ("POST",   L + "{missing}/write-off/",            MANAGERS_MISSING,  "write-off"),
    "write-off get":             ("GET",    L + "{own_doomed}/write-off/",         NOBODY,            None),
    "own recoveries":            ("GET",    L + "{own_written_off}/recoveries/",   OWN_READ,          None),
    "other recoveries":          ("GET",    L + "{other_written_off}/recoveries/", OTHERS_READ,       None),
    "missing recoveries":        ("GET",    L + "{missing}/recoveries/",           MISSING_READ,      None),
    "own recover":               ("POST",   L + "{own_written_off}/recoveries/",   MANAGERS_CREATE,   "recover"),
    "other recover":             ("POST",   L + "{other_written_off}/recoveries/", MANAGERS_CREATE,   "recover"),
    "missing recover":           ("POST",   L + "{missing}/recoveries/",           MANAGERS_MISSING,  "recover"),
    "active loan recover":       ("POST",   L + "{own_loan}/recoveries/",          MANAGERS_CONFLICT, "recover"),
    "repayment list":            ("GET",    R,                                     OWN_READ,          None),
    "own repayment":             ("GET",    R + "{own_repayment}/",                OWN_READ,          None),
    "other repayment":           ("GET",    R + "{other_repayment}/",              OTHERS_READ,       None),
    "missing repayment":         ("GET",    R + "{missing}/",                      MISSING_READ,      None),
    "repayment create":          ("POST",   R,                                     NOBODY,            "repay"),
    "repayment delete":          ("DELETE", R + "{own_repayment}/",                NOBODY,            None),
    "repayment patch":           ("PATCH",  R + "{own_repayment}/",                NOBODY,            "repay"),
    "own reverse":               ("POST",   R + "{own_repayment}/reverse/",        MANAGERS_ACT,      "reason"),
    "other reverse":             ("POST",   R + "{other_repayment}/reverse/",      MANAGERS_ACT,      "reason"),
    "missing reverse":           ("POST",   R + "{missing}/reverse/",              MANAGERS_MISSING,  "reason"),
    "earlier repayment reverse": ("POST",   R + "{own_earlier_repayment}/reverse/", MANAGERS_CONFLICT, "reason"),
    "write-off list":            ("GET",    W,                                     STAFF_READ,        None),
    "pending write-off":         ("GET",    W + "{pending_write_off}/",            STAFF_READ,        None),
    "approved write-off":        ("GET",    W + "{approved_write_off}/",           STAFF_READ,        None),
    "missing write-off get":     ("GET",    W + "{missing}/",                      STAFF_MISSING,     None),
    "write-off approve":         ("POST",   W + "{pending_write_off}/approve/",    MANAGERS_ACT,      "approve"),
    "write-off reject":          ("POST",   W + "{pending_write_off}/reject/",     MANAGERS_ACT,      "reason"),
    "missing approve":           ("POST",   W + "{missing}/approve/",              MANAGERS_MISSING,  "approve"),
    "missing reject":            ("POST",   W + "{missing}/reject/",               MANAGERS_MISSING,  "reason"),
    "decided approve":           ("POST",   W + "{approved_write_off}/approve/",   MANAGERS_CONFLICT, "approve"),
    "decided reject":            ("POST",   W + "{approved_write_off}/reject/",    MANAGERS_CONFLICT, "reason"),
    "write-off create":          ("POST",   W,                                     NOBODY,            "write-off"),
    "write-off delete":          ("DELETE", W + "{pending_write_off}/",            NOBODY,            None),
}
# fmt: on

NEEDS_KEY = {"own repay", "other repay", "missing repay", "paid-off repay", "repayments put", "own recover",
             "other recover", "missing recover", "active loan recover"}
ERROR_CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed",
               409: "invalid_state"}
CASES = [
    pytest.param(case, role, MATRIX[case][2][i], id=f"{case}-{role}") for case in MATRIX for i, role in enumerate(ROLES)
]


def test_the_matrix_has_a_status_for_every_role() -> None:
    assert all(len(statuses) == len(ROLES) for _, _, statuses, _ in MATRIX.values())


class World:
    """The objects of the matrix, each built the first time a request's path names it.

    Active loans are in one fund, disbursed ten days ago: ``own_loan`` (the member's enterprise) and ``other_loan``
    (another enterprise), each with a repayment of today by a teller who is none of the roles. Loans in 추정손실 are
    in a second fund (so their default does not bar the enterprises from borrowing from the first): 1,000,000 won
    bullet loans of one month, disbursed 14 months ago and closed through yesterday (about 396 days past due).
    Write-offs are asked for by a requester and approved by a decider, managers who are none of the roles."""

    def __init__(self, member: Any) -> None:
        self.member = member
        self.today = timezone.localdate()
        self.yesterday = self.today - timedelta(days=1)
        self.teller = ManagerFactory()
        self.requester = ManagerFactory()
        self.decider = ManagerFactory()

    @cached_property
    def own(self) -> Any:
        return self.member.memberships.get().enterprise

    @cached_property
    def other(self) -> Any:
        return EnterpriseFactory()

    @cached_property
    def other_member(self) -> Any:
        return member_of(self.other)

    @cached_property
    def fund(self) -> Fund:
        return make_fund(exposure_limit=200_000_000, capital_on=FUND_OPENED_ON)

    @cached_property
    def product(self) -> LoanProduct:
        """Equal principal over 12 months at 7 %, monthly day count, 1 won floor, one approver."""
        return make_product(self.fund, method="equal_principal", grace_months=0, term_months=12,
                            annual_rate=Decimal("0.07000"), rounding_unit=1, approval_tiers=[])

    @cached_property
    def bad_fund(self) -> Fund:
        return make_fund(code="bad-debts", exposure_limit=200_000_000, capital_on=FUND_OPENED_ON)

    @cached_property
    def bullet(self) -> LoanProduct:
        return make_product(self.bad_fund, method="bullet", grace_months=0, term_months=1,
                            annual_rate=Decimal("0.03650"), day_count="actual_365", rounding_unit=1, approval_tiers=[])

    def _active(self, member: Any) -> Loan:
        return make_loan(self.product, member=member, amount=10_000_000, disbursed_on=self.today - timedelta(days=10))

    def _repay(self, loan: Loan, amount: int, key: str) -> Repayment:
        return services.repayment_make(actor=self.teller, loan_id=loan.pk, amount=amount, idempotency_key=key, today=timezone.localdate())[0]

    def _doomed(self, member: Any) -> Loan:
        loan = make_loan(self.bullet, member=member, amount=1_000_000, disbursed_on=months_before(self.today, 14))
        # Closing yesterday catches up every loan not yet closed through it, whatever was closed before.
        services.close_days(self.yesterday, self.yesterday)
        loan.refresh_from_db()
        assert loan.state == Loan.State.ACTIVE and loan.asset_class == "estimated_loss", loan.asset_class
        return loan

    def _written_off(self, member: Any) -> tuple[Loan, WriteOff]:
        loan = self._doomed(member)
        write_off = services.write_off_request(actor=self.requester, loan_id=loan.pk, reason="회수 불능")
        write_off = services.write_off_approve(actor=self.decider, write_off_id=write_off.pk, reason="의결", today=timezone.localdate())
        loan.refresh_from_db()
        assert loan.state == Loan.State.WRITTEN_OFF
        return loan, write_off

    @cached_property
    def own_loan(self) -> Loan:
        loan = self._active(self.member)
        self._repay(loan, 50_000, "teller-own")
        return loan

    @cached_property
    def other_loan(self) -> Loan:
        loan = self._active(self.other_member)
        self._repay(loan, 50_000, "teller-other")
        return loan

    @cached_property
    def own_repayment(self) -> Repayment:
        return Repayment.objects.get(loan=self.own_loan, idempotency_key="teller-own")

    @cached_property
    def other_repayment(self) -> Repayment:
        return Repayment.objects.get(loan=self.other_loan, idempotency_key="teller-other")

    @cached_property
    def own_earlier_repayment(self) -> Repayment:
        """A repayment of the member's that is no longer the latest on its loan: it cannot be reversed."""
        self._repay(self.own_loan, 20_000, "teller-own-2")
        return self.own_repayment

    @cached_property
    def own_paid_off(self) -> Loan:
        loan = self._active(self.member)
        quote = services.payoff_quote(loan_id=loan.pk, on=self.today, today=timezone.localdate())
        self._repay(loan, int(quote.payoff), "teller-payoff")
        loan.refresh_from_db()
        assert loan.state == Loan.State.PAID_OFF
        return loan

    @cached_property
    def own_doomed(self) -> Loan:
        return self._doomed(self.member)

    @cached_property
    def other_doomed(self) -> Loan:
        return self._doomed(self.other_member)

    @cached_property
    def pending_write_off(self) -> WriteOff:
        loan = self._doomed(self.member)
        return services.write_off_request(actor=self.requester, loan_id=loan.pk, reason="회수 불능")

    @cached_property
    def _own_written_off(self) -> tuple[Loan, WriteOff]:
        return self._written_off(self.member)

    @cached_property
    def own_written_off(self) -> Loan:
        return self._own_written_off[0]

    @cached_property
    def approved_write_off(self) -> WriteOff:
        return self._own_written_off[1]

    @cached_property
    def other_written_off(self) -> Loan:
        return self._written_off(self.other_member)[0]

    def ids(self, path: str) -> dict[str, int]:
        """The ids the path names (building those objects), and ``missing``: an id no object of any kind has."""
        names = [name for name in re.findall(r"{(\w+)}", path) if name != "missing"]
        ids = {name: getattr(self, name).pk for name in names}
        highest = max(model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                      for model in (Loan, Repayment, WriteOff))
        return {**ids, "missing": 10_000 + highest}


@pytest.fixture
def world(member) -> World:
    return World(member)


def _call(client: Any, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]) -> Any:
    return client.generic(method, path, data=None if body is None else json.dumps(body),
                          content_type="application/json", headers=headers)


@pytest.mark.parametrize(("case", "role", "expected"), CASES)
def test_role_matrix(request, bearer_client, world, case, role, expected):
    method, path, _statuses, body_name = MATRIX[case]
    user = None if role == "anonymous" else request.getfixturevalue(role)
    url = path.format(**world.ids(path))
    world.own  # noqa: B018 - the member's enterprise is named in the 404 check below
    world.other  # noqa: B018
    headers = {"Idempotency-Key": f"matrix-{case}"} if case in NEEDS_KEY else {}
    before = world_state()

    response = _call(bearer_client(user), method, url, BODIES.get(body_name or ""), headers)

    assert response.status_code == expected, response.content[:400]
    if expected >= 400:
        assert_error(response, expected, ERROR_CODES[expected])
        assert world_state() == before, "a refused request wrote something"
        if expected == 404:
            assert world.other.name not in response.content.decode()
            assert world.own.name not in response.content.decode()
    elif method == "GET":
        assert world_state() == before, "a read wrote something"
    else:
        # Sealed as the request's commit would have: sequence numbers are dense from 1 and follow the order the
        # events were written, so the new events are those numbered above the old count.
        audit_seal()
        new_events = AuditEvent.objects.filter(seq__gt=before["counts"]["AuditEvent"])
        assert new_events.exists(), "a successful change must be audited"
        assert {event.actor for event in new_events} == {user}


# --- what the matrix cannot say in a status ---------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_the_manager_who_asked_for_a_write_off_cannot_decide_it(bearer_client, world, decision):
    write_off = world.pending_write_off
    before = world_state()

    response = bearer_client(world.requester).post(
        f"{W}{write_off.pk}/{decision}/", {"reason": "제가 결정합니다"}, format="json"
    )

    body = assert_error(response, 403, "permission_denied")
    assert "다른 담당자" in body["message"], body  # another manager must decide
    assert world_state() == before
    assert WriteOff.objects.get(pk=write_off.pk).state == WriteOff.State.REQUESTED


def test_a_write_off_asked_for_through_the_api_cannot_be_approved_by_the_same_manager_but_by_another(
    bearer_client, world, manager, other_manager
):
    loan = world.own_doomed
    asked = bearer_client(manager).post(f"{L}{loan.pk}/write-off/", {"reason": "회수 불능"}, format="json")
    assert asked.status_code == 201, asked.content
    write_off_id = asked.json()["id"]
    assert asked.json()["state"] == "requested"
    assert asked.json()["requested_by"] == manager.pk

    before = world_state()
    assert_error(bearer_client(manager).post(f"{W}{write_off_id}/approve/", {}, format="json"), 403,
                 "permission_denied")
    assert world_state() == before

    approved = bearer_client(other_manager).post(f"{W}{write_off_id}/approve/", {"reason": "의결"}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    assert approved.json()["decided_by"] == other_manager.pk
    assert approved.json()["principal"] == "1000000"
    loan.refresh_from_db()
    assert loan.state == Loan.State.WRITTEN_OFF and loan.written_off_on == world.today


def test_a_second_write_off_request_while_one_waits_is_refused(bearer_client, world, manager):
    loan = WriteOff.objects.get(pk=world.pending_write_off.pk).loan
    before = world_state()

    response = bearer_client(manager).post(f"{L}{loan.pk}/write-off/", {"reason": "다시"}, format="json")

    assert_error(response, 409, "invalid_state")
    assert world_state() == before


@pytest.mark.parametrize("what", ["request", "reject"])
def test_a_write_off_request_or_rejection_without_a_reason_names_the_reason(bearer_client, world, manager, what):
    url = (f"{L}{world.own_doomed.pk}/write-off/" if what == "request"
           else f"{W}{world.pending_write_off.pk}/reject/")
    before = world_state()

    response = bearer_client(manager).post(url, {}, format="json")

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"reason"}
    assert world_state() == before


def test_a_reversal_without_a_reason_names_the_reason(bearer_client, world, manager):
    repayment = world.own_repayment
    before = world_state()

    response = bearer_client(manager).post(f"{R}{repayment.pk}/reverse/", {"reason": " "}, format="json")

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"reason"}
    assert world_state() == before


def test_a_member_lists_only_its_own_enterprises_repayments(bearer_client, world, member):
    own, other = world.own_repayment, world.other_repayment

    rows = bearer_client(member).get(R).json()["results"]

    assert [row["id"] for row in rows] == [own.pk]
    assert other.pk not in {row["id"] for row in rows}


@pytest.mark.parametrize("role", ["manager", "auditor", "admin_user"])
def test_staff_list_every_repayment_and_write_off(request, bearer_client, world, role):
    world.own_repayment, world.other_repayment, world.pending_write_off  # noqa: B018
    client = bearer_client(request.getfixturevalue(role))

    assert client.get(R).json()["count"] == Repayment.objects.count() == 2
    assert client.get(W).json()["count"] == WriteOff.objects.count() == 1


def test_another_enterprises_loan_looks_exactly_like_one_that_does_not_exist_on_every_servicing_path(
    bearer_client, world, member
):
    client = bearer_client(member)
    ids = world.ids("{other_written_off}{other_repayment}")
    theirs_loan, theirs_repayment, missing = ids["other_written_off"], ids["other_repayment"], ids["missing"]
    pairs = [
        ("get", f"{L}{theirs_loan}/repayments/", f"{L}{missing}/repayments/", {}),
        ("get", f"{L}{theirs_loan}/payoff/", f"{L}{missing}/payoff/", {}),
        ("get", f"{L}{theirs_loan}/transactions/", f"{L}{missing}/transactions/", {}),
        ("get", f"{L}{theirs_loan}/recoveries/", f"{L}{missing}/recoveries/", {}),
        ("get", f"{R}{theirs_repayment}/", f"{R}{missing}/", {}),
        ("post", f"{L}{theirs_loan}/repayments/", f"{L}{missing}/repayments/", {"Idempotency-Key": "peek"}),
    ]
    before = world_state()
    for method, theirs_path, missing_path, headers in pairs:
        theirs = getattr(client, method)(theirs_path, {"amount": "1000"} if method == "post" else None,
                                         format="json", headers=headers)
        nobodys = getattr(client, method)(missing_path, {"amount": "1000"} if method == "post" else None,
                                          format="json", headers=headers)
        assert theirs.status_code == nobodys.status_code == 404, (theirs_path, theirs.content)
        assert theirs.json() == nobodys.json()
    assert world_state() == before


def test_a_members_repayment_is_allocated_and_shown_to_it(bearer_client, world, member):
    loan = world.own_loan

    response = bearer_client(member).post(
        f"{L}{loan.pk}/repayments/", {"amount": "10000"}, format="json", headers={"Idempotency-Key": "m-1"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["loan"] == loan.pk and body["amount"] == "10000" and body["value_date"] == world.today.isoformat()
    allocation = body["allocation"]
    assert sum(int(v) for v in allocation.values()) == 10_000
    assert Journal.objects.get(pk=body["journal"]).kind == "loan.repayment"
    mine = bearer_client(member).get(f"{L}{loan.pk}/repayments/").json()
    assert [row["id"] for row in mine][-1] == body["id"]


def test_an_auditor_reads_every_servicing_view_of_any_loan(bearer_client, world, auditor):
    client = bearer_client(auditor)
    paths = [
        f"{L}{world.own_loan.pk}/repayments/", f"{L}{world.other_loan.pk}/payoff/",
        f"{L}{world.other_loan.pk}/transactions/", f"{L}{world.other_written_off.pk}/recoveries/",
        f"{R}{world.other_repayment.pk}/", f"{W}{world.approved_write_off.pk}/", R, W,
    ]
    before = world_state()

    assert [client.get(path).status_code for path in paths] == [200] * len(paths)
    assert world_state() == before
