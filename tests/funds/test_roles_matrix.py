"""Every revolving-fund endpoint, tried by every role, with a real signed JWT.

The table is the specification: one row per request, one column per role. ``{own_*}`` objects belong to the
member's enterprise, ``{other_*}`` to an enterprise the member does not act for, ``{missing}`` does not exist.
A refusal uses the common error body and writes nothing (no audit event, no journal, no state change, no
idempotency key kept); a change that succeeds is audited under the caller's name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from core.audit import audit_seal
from core.models import AuditEvent
from enterprises.models import Enterprise
from funds.models import Fund, Loan, LoanApplication, LoanProduct
from ledger.models import Journal
from tests.factories import EnterpriseFactory, ManagerFactory

from .factories import make_application, make_fund, make_loan, make_product, member_of
from .helpers import assert_error, world_state

ROLES = ("anonymous", "plain_user", "judge", "evaluator", "member", "manager", "auditor", "admin_user")

F, P, A, L = "/api/v1/funds/", "/api/v1/loan-products/", "/api/v1/loan-applications/", "/api/v1/loans/"
KEY = {"Idempotency-Key": "matrix-key-1"}

SIGNED_IN = (401, 200, 200, 200, 200, 200, 200, 200)
STAFF_READ = (401, 403, 403, 403, 403, 200, 200, 200)
STAFF_MISSING = (401, 403, 403, 403, 403, 404, 404, 404)
MANAGERS_CREATE = (401, 403, 403, 403, 403, 201, 403, 201)
MANAGERS_ACT = (401, 403, 403, 403, 403, 200, 403, 200)
MANAGERS_MISSING = (401, 403, 403, 403, 403, 404, 403, 404)
OWN_READ = (401, 403, 403, 403, 200, 200, 200, 200)
OTHERS_READ = (401, 403, 403, 403, 404, 200, 200, 200)
MISSING_READ = (401, 403, 403, 403, 404, 404, 404, 404)
MEMBER_ACTS = (401, 403, 403, 403, 200, 403, 403, 403)
MEMBER_404 = (401, 403, 403, 403, 404, 403, 403, 403)
MEMBER_CREATES = (401, 403, 403, 403, 201, 403, 403, 403)
SIGNED_IN_404 = (401, 404, 404, 404, 404, 404, 404, 404)
NOBODY = (401, 405, 405, 405, 405, 405, 405, 405)


def _bodies(w: World) -> dict[str, dict[str, Any]]:
    return {
        "fund": {
            "code": "new-fund", "name": "중구 사회적경제기금", "operator": w.fund.operator_id,
            "exposure_limit": "30000000", "eligible_kinds": ["social", "cooperative"],
        },
        "contribution": {"source": "private", "amount": "1000000", "received_on": "2026-03-02", "memo": "민간 매칭"},
        "product": {
            "fund": w.fund.pk, "name": "창업 자금", "annual_rate": "0.02500", "term_months": 24, "grace_months": 0,
            "method": "equal_principal", "min_amount": "1000000", "max_amount": "30000000",
            "approval_tiers": [{"above_amount": "20000000", "approvers": 2}],
        },
        "quote": {"principal": "10000000", "disbursed_on": "2026-03-31"},
        "application": {"product": w.product.pk, "enterprise": w.own.pk, "amount": "10000000", "purpose": "운영자금"},
        "patch": {"amount": "12000000", "purpose": "설비 구입"},
        "review": {"decision": "recommend", "reason": "사업성 양호"},
        "approve": {"reason": "승인"},
        "reject": {"reason": "상환 계획 미흡"},
        "withdraw": {"reason": "사정 변경"},
        "disburse": {"disbursed_on": "2026-03-31"},
    }


# fmt: off
MATRIX: dict[str, tuple[str, str, tuple[int, ...], str | None]] = {
    # case                    method    path                               anon plain judge eval memb mgr audit admin
    "fund list":             ("GET",    F,                                 STAFF_READ,      None),
    "fund summary":          ("GET",    F + "{fund}/",                     STAFF_READ,      None),
    "missing fund":          ("GET",    F + "{missing}/",                  STAFF_MISSING,   None),
    "fund create":           ("POST",   F,                                 MANAGERS_CREATE, "fund"),
    "fund delete":           ("DELETE", F + "{fund}/",                     NOBODY,          None),
    "contribution list":     ("GET",    F + "{fund}/contributions/",       STAFF_READ,      None),
    "contribution record":   ("POST",   F + "{fund}/contributions/",       MANAGERS_CREATE, "contribution"),
    "missing fund contrib.": ("POST",   F + "{missing}/contributions/",    MANAGERS_MISSING, "contribution"),
    "product list":          ("GET",    P,                                 SIGNED_IN,       None),
    "product detail":        ("GET",    P + "{product}/",                  SIGNED_IN,       None),
    "missing product":       ("GET",    P + "{missing}/",                  SIGNED_IN_404,   None),
    "product create":        ("POST",   P,                                 MANAGERS_CREATE, "product"),
    "quote":                 ("POST",   P + "{product}/quote/",            SIGNED_IN,       "quote"),
    "missing product quote": ("POST",   P + "{missing}/quote/",            SIGNED_IN_404,   "quote"),
    "application list":      ("GET",    A,                                 OWN_READ,        None),
    "own application":       ("GET",    A + "{own_draft}/",                OWN_READ,        None),
    "other application":     ("GET",    A + "{other_draft}/",              OTHERS_READ,     None),
    "missing application":   ("GET",    A + "{missing}/",                  MISSING_READ,    None),
    "application create":    ("POST",   A,                                 MEMBER_CREATES,  "application"),
    "own draft edit":        ("PATCH",  A + "{own_draft}/",                MEMBER_ACTS,     "patch"),
    "other draft edit":      ("PATCH",  A + "{other_draft}/",              MEMBER_404,      "patch"),
    "application put":       ("PUT",    A + "{own_draft}/",                NOBODY,          "application"),
    "application delete":    ("DELETE", A + "{own_draft}/",                NOBODY,          None),
    "own submit":            ("POST",   A + "{own_draft}/submit/",         MEMBER_ACTS,     None),
    "other submit":          ("POST",   A + "{other_draft}/submit/",       MEMBER_404,      None),
    "missing submit":        ("POST",   A + "{missing}/submit/",           MEMBER_404,      None),
    "own withdraw":          ("POST",   A + "{own_submitted}/withdraw/",   MEMBER_ACTS,     "withdraw"),
    "other withdraw":        ("POST",   A + "{other_submitted}/withdraw/", MEMBER_404,      "withdraw"),
    "review":                ("POST",   A + "{own_submitted}/review/",     MANAGERS_ACT,    "review"),
    "missing review":        ("POST",   A + "{missing}/review/",           MANAGERS_MISSING, "review"),
    "approve":               ("POST",   A + "{own_recommended}/approve/",  MANAGERS_ACT,    "approve"),
    "reject":                ("POST",   A + "{own_recommended}/reject/",   MANAGERS_ACT,    "reject"),
    "loan list":             ("GET",    L,                                 OWN_READ,        None),
    "own loan":              ("GET",    L + "{own_loan}/",                 OWN_READ,        None),
    "other loan":            ("GET",    L + "{other_loan}/",               OTHERS_READ,     None),
    "missing loan":          ("GET",    L + "{missing}/",                  MISSING_READ,    None),
    "own schedule":          ("GET",    L + "{own_loan}/schedule/",        OWN_READ,        None),
    "other schedule":        ("GET",    L + "{other_loan}/schedule/",      OTHERS_READ,     None),
    "own disburse":          ("POST",   L + "{own_loan}/disburse/",        MANAGERS_ACT,    "disburse"),
    "other disburse":        ("POST",   L + "{other_loan}/disburse/",      MANAGERS_ACT,    "disburse"),
    "missing disburse":      ("POST",   L + "{missing}/disburse/",         MANAGERS_MISSING, "disburse"),
    "loan delete":           ("DELETE", L + "{own_loan}/",                 NOBODY,          None),
}
# fmt: on

NEEDS_KEY = {"contribution record", "missing fund contrib.", "own disburse", "other disburse", "missing disburse"}
ERROR_CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed"}
CASES = [
    pytest.param(case, role, MATRIX[case][2][i], id=f"{case}-{role}") for case in MATRIX for i, role in enumerate(ROLES)
]


def test_the_matrix_has_a_status_for_every_role() -> None:
    assert all(len(statuses) == len(ROLES) for _, _, statuses, _ in MATRIX.values())


@dataclass
class World:
    fund: Fund
    product: LoanProduct
    own: Enterprise
    other: Enterprise
    own_draft: LoanApplication
    own_submitted: LoanApplication
    own_recommended: LoanApplication
    other_draft: LoanApplication
    other_submitted: LoanApplication
    own_loan: Loan
    other_loan: Loan

    def ids(self) -> dict[str, int]:
        ids = {
            name: getattr(self, name).pk
            for name in ("fund", "product", "own_draft", "own_submitted", "own_recommended", "other_draft",
                         "other_submitted", "own_loan", "other_loan")
        }
        return {**ids, "missing": 10_000 + max(ids.values())}


@pytest.fixture
def world(enterprise, member) -> World:
    """A fund with cash, a product, and applications and approved loans of the member's enterprise and of another.
    The recommended application was reviewed by a manager who is none of the roles above, so they may approve it."""
    fund = make_fund(exposure_limit=200_000_000)
    product = make_product(fund)
    other = EnterpriseFactory()
    other_member = member_of(other)
    reviewer = ManagerFactory()
    return World(
        fund=fund,
        product=product,
        own=enterprise,
        other=other,
        own_draft=make_application(product, member=member),
        own_submitted=make_application(product, member=member, state="submitted"),
        own_recommended=make_application(product, member=member, state="recommended", reviewer=reviewer),
        other_draft=make_application(product, member=other_member),
        other_submitted=make_application(product, member=other_member, state="submitted"),
        own_loan=make_loan(product, member=member),
        other_loan=make_loan(product, member=other_member),
    )


@pytest.mark.parametrize(("case", "role", "expected"), CASES)
def test_role_matrix(request, bearer_client, world, case, role, expected):
    method, path, _statuses, body_name = MATRIX[case]
    user = None if role == "anonymous" else request.getfixturevalue(role)
    body = None if body_name is None else _bodies(world)[body_name]
    headers = KEY if case in NEEDS_KEY else {}
    before = world_state()

    response = bearer_client(user).generic(
        method, path.format(**world.ids()), data=None if body is None else json.dumps(body),
        content_type="application/json", headers=headers,
    )

    assert response.status_code == expected, response.content[:300]
    if expected >= 400:
        assert_error(response, expected, ERROR_CODES[expected])
        assert world_state() == before, "a refused request wrote something"
        if expected == 404:
            assert world.other.name not in response.content.decode()
    elif method == "GET" or case == "quote":
        assert world_state() == before, "a read wrote something"
    else:
        # Sealed as the request's commit would have: sequence numbers are dense from 1 and follow the order the
        # events were written, so the new events are those numbered above the old count.
        audit_seal()
        new_events = AuditEvent.objects.filter(seq__gt=before["counts"]["AuditEvent"])
        assert new_events.exists(), "a successful change must be audited"
        assert {event.actor for event in new_events} == {user}


@pytest.mark.parametrize("role", ["manager", "admin_user"])
def test_a_disbursement_by_a_manager_moves_the_funds_cash_to_the_loans_receivable(request, bearer_client, world, role):
    cash_before = Journal.objects.filter(kind="loan.disbursement").count()

    response = bearer_client(request.getfixturevalue(role)).post(
        f"{L}{world.own_loan.pk}/disburse/", {"disbursed_on": "2026-03-31"}, format="json", headers=KEY
    )

    assert response.status_code == 200, response.content
    assert Journal.objects.filter(kind="loan.disbursement").count() == cash_before + 1
    world.own_loan.refresh_from_db()
    assert world.own_loan.state == Loan.State.ACTIVE
    assert world.own_loan.disbursed_on == date(2026, 3, 31)
    assert world.own_loan.principal_account.balance.amount == 10_000_000


def test_a_member_lists_only_its_own_enterprises_applications_and_loans(bearer_client, world, member):
    client = bearer_client(member)

    applications = client.get(A).json()["results"]
    loans = client.get(L).json()["results"]

    assert {row["id"] for row in applications} == {
        world.own_draft.pk, world.own_submitted.pk, world.own_recommended.pk, world.own_loan.application_id,
    }
    assert [row["id"] for row in loans] == [world.own_loan.pk]


@pytest.mark.parametrize("role", ["manager", "auditor", "admin_user"])
def test_staff_list_every_application_and_loan(request, bearer_client, world, role):
    client = bearer_client(request.getfixturevalue(role))

    assert client.get(A).json()["count"] == LoanApplication.objects.count() == 7
    assert client.get(L).json()["count"] == Loan.objects.count() == 2


def test_another_enterprises_application_looks_exactly_like_one_that_does_not_exist(bearer_client, world, member):
    client = bearer_client(member)
    ids = world.ids()

    for suffix in ("", "submit/", "withdraw/"):
        method = client.get if suffix == "" else client.post
        theirs = method(f"{A}{ids['other_draft']}/{suffix}")
        nobodys = method(f"{A}{ids['missing']}/{suffix}")
        assert theirs.status_code == nobodys.status_code == 404
        assert theirs.json() == nobodys.json()
    theirs, nobodys = client.get(f"{L}{ids['other_loan']}/"), client.get(f"{L}{ids['missing']}/")
    assert theirs.status_code == nobodys.status_code == 404
    assert theirs.json() == nobodys.json()
