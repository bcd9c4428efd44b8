"""Every endpoint, tried by every role, with a real signed JWT (the role matrix of the issue).

The table below is the specification: one row per request, one column per role. ``{own}`` is the enterprise
the member belongs to, ``{other}`` an enterprise it does not belong to, ``{missing}`` an id that does not exist.
A refusal must use the common error body and must not write anything.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.models import AuditEvent
from enterprises.models import Enterprise, Institution
from tests.factories import MembershipFactory

from .helpers import assert_error, enterprise_payload, institution_payload, valid_business_number

ROLES = ("anonymous", "plain_user", "judge", "evaluator", "member", "manager", "auditor", "admin_user")

OK_ALL = (200, 200, 200, 200, 200, 200, 200, 200)
SIGNED_IN = (401, 200, 200, 200, 200, 200, 200, 200)
ENT = "/api/v1/enterprises/"
INST = "/api/v1/institutions/"
AUDIT = "/api/v1/audit-events/"
STAFF_READ = (401, 403, 403, 403, 403, 200, 200, 200)
NOBODY = (401, 405, 405, 405, 405, 405, 405, 405)  # no such operation, whoever asks

# fmt: off
MATRIX: list[tuple[str, str, str, tuple[int, ...]]] = [
    # case                  method    path                   anon plain judge eval memb mgr  audit admin
    ("api root",            "GET",    "/api/v1/",            SIGNED_IN),
    ("me",                  "GET",    "/api/v1/me/",         SIGNED_IN),
    ("enterprise list",     "GET",    ENT,                   (401, 403, 403, 403, 200, 200, 200, 200)),
    ("own enterprise",      "GET",    ENT + "{own}/",        (401, 403, 403, 403, 200, 200, 200, 200)),
    ("other enterprise",    "GET",    ENT + "{other}/",      (401, 403, 403, 403, 404, 200, 200, 200)),
    ("missing enterprise",  "GET",    ENT + "{missing}/",    (401, 403, 403, 403, 404, 404, 404, 404)),
    ("enterprise create",   "POST",   ENT,                   (401, 403, 403, 403, 403, 201, 403, 201)),
    ("own patch",           "PATCH",  ENT + "{own}/",        (401, 403, 403, 403, 403, 200, 403, 200)),
    ("own put",             "PUT",    ENT + "{own}/",        (401, 403, 403, 403, 403, 200, 403, 200)),
    ("other patch",         "PATCH",  ENT + "{other}/",      (401, 403, 403, 403, 403, 200, 403, 200)),
    ("missing patch",       "PATCH",  ENT + "{missing}/",    (401, 403, 403, 403, 403, 404, 403, 404)),
    ("enterprise delete",   "DELETE", ENT + "{own}/",        NOBODY),
    ("institution list",    "GET",    INST,                  SIGNED_IN),
    ("institution detail",  "GET",    INST + "{inst}/",      SIGNED_IN),
    ("institution create",  "POST",   INST,                  (401, 403, 403, 403, 403, 201, 403, 201)),
    ("institution patch",   "PATCH",  INST + "{inst}/",      NOBODY),
    ("institution delete",  "DELETE", INST + "{inst}/",      NOBODY),
    ("audit trail",         "GET",    AUDIT,                 STAFF_READ),
    ("audit event",         "GET",    AUDIT + "{seq}/",      STAFF_READ),
    ("missing audit event", "GET",    AUDIT + "{noseq}/",    (401, 403, 403, 403, 403, 404, 404, 404)),
    ("audit verify",        "GET",    AUDIT + "verify/",     STAFF_READ),
    ("audit write",         "POST",   AUDIT,                 NOBODY),
    ("audit delete",        "DELETE", AUDIT + "{seq}/",      NOBODY),
    ("openapi schema",      "GET",    "/api/schema/?format=json", OK_ALL),
    ("swagger ui",          "GET",    "/api/docs/",          OK_ALL),
    ("health",              "GET",    "/healthz",            OK_ALL),
]
# fmt: on

ERROR_CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed"}

CASES = [
    pytest.param(method, path, role, statuses[i], id=f"{case}-{role}")
    for case, method, path, statuses in MATRIX
    for i, role in enumerate(ROLES)
]


def test_the_matrix_has_a_status_for_every_role() -> None:
    assert all(len(statuses) == len(ROLES) for _, _, _, statuses in MATRIX)


def _body(method: str, path: str, own: Enterprise) -> dict[str, Any] | None:
    if path.startswith("/api/v1/enterprises/"):
        if method == "POST":
            return enterprise_payload(business_number=valid_business_number("220816251"))
        if method == "PUT":
            return enterprise_payload(name="새 이름", business_number=own.business_number_display)
        if method == "PATCH":
            return {"district": "중구", "employees": 20}
    if path.startswith("/api/v1/institutions/") and method in ("POST", "PATCH"):
        return institution_payload()
    return None


@pytest.mark.parametrize(("method", "path", "role", "expected"), CASES)
def test_role_matrix(
    request, bearer_client, enterprise, other_enterprise, institution, audit_event, method, path, role, expected
):
    member = request.getfixturevalue("member")  # belongs to ``enterprise``, not to ``other_enterprise``
    user = None if role == "anonymous" else (member if role == "member" else request.getfixturevalue(role))
    url = path.format(
        own=enterprise.pk,
        other=other_enterprise.pk,
        missing=other_enterprise.pk + 1000,
        inst=institution.pk,
        seq=audit_event.seq,
        noseq=audit_event.seq + 1000,
    )
    body = _body(method, path, enterprise)
    counts_before = (Enterprise.objects.count(), Institution.objects.count(), AuditEvent.objects.count())

    response = bearer_client(user).generic(
        method, url, data=None if body is None else json.dumps(body), content_type="application/json"
    )

    assert response.status_code == expected, response.content[:300]
    if expected >= 400:
        assert_error(response, expected, ERROR_CODES[expected])
        counts_after = (Enterprise.objects.count(), Institution.objects.count(), AuditEvent.objects.count())
        assert counts_after == counts_before, "a refused request wrote something"
        enterprise.refresh_from_db()
        assert enterprise.district == "성동구" and enterprise.name.startswith("사회적기업")
    elif method in ("POST", "PUT", "PATCH"):
        assert AuditEvent.objects.count() == counts_before[2] + 1, "a successful change must be audited"
        assert AuditEvent.objects.last().actor == user


def test_a_member_lists_only_its_own_enterprise(bearer_client, member, enterprise, other_enterprise):
    response = bearer_client(member).get("/api/v1/enterprises/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [enterprise.pk]


@pytest.mark.parametrize("role", ["manager", "auditor", "admin_user"])
def test_staff_list_every_enterprise(request, bearer_client, enterprise, other_enterprise, role):
    response = bearer_client(request.getfixturevalue(role)).get("/api/v1/enterprises/")

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert {row["id"] for row in response.json()["results"]} == {enterprise.pk, other_enterprise.pk}


def test_another_enterprises_id_looks_exactly_like_an_id_that_does_not_exist(bearer_client, member, other_enterprise):
    client = bearer_client(member)

    theirs = client.get(f"/api/v1/enterprises/{other_enterprise.pk}/")
    nobodys = client.get(f"/api/v1/enterprises/{other_enterprise.pk + 1000}/")

    assert theirs.status_code == nobodys.status_code == 404
    assert theirs.json() == nobodys.json()
    assert other_enterprise.name not in theirs.content.decode()


def test_a_member_of_two_enterprises_sees_both(bearer_client, member, enterprise, other_enterprise):
    MembershipFactory(user=member, enterprise=other_enterprise)

    response = bearer_client(member).get(f"/api/v1/enterprises/{other_enterprise.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == other_enterprise.name
