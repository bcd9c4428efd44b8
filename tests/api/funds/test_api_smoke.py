"""The application-to-disbursement path through the HTTP API."""

from __future__ import annotations

from rest_framework.test import APIClient

from ledger.selectors import ledger_check
from tests.factories import ManagerFactory, MembershipFactory
from tests.funds.factories import make_fund, make_product


def client(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_quote_apply_review_approve_disburse_through_the_api(db):
    fund = make_fund()
    product = make_product(fund)
    member = MembershipFactory().user
    enterprise = member.memberships.get().enterprise
    reviewer, approver = ManagerFactory(), ManagerFactory()

    quote = client(member).post(
        f"/api/v1/loan-products/{product.pk}/quote/", {"principal": "20000000", "disbursed_on": "2026-01-31"},
        format="json",
    )
    assert quote.status_code == 200, quote.content
    assert quote.json()["total_principal"] == "20000000"
    assert quote.json()["installments"][0]["due_on"] == "2026-02-28"

    created = client(member).post(
        "/api/v1/loan-applications/",
        {"product": product.pk, "enterprise": enterprise.pk, "amount": "20000000", "purpose": "설비 구입"},
        format="json",
    )
    assert created.status_code == 201, created.content
    app_id = created.json()["id"]
    assert client(member).post(f"/api/v1/loan-applications/{app_id}/submit/").status_code == 200
    reviewed = client(reviewer).post(
        f"/api/v1/loan-applications/{app_id}/review/", {"decision": "recommend", "reason": "양호"}, format="json"
    )
    assert reviewed.json()["state"] == "recommended"
    refused = client(reviewer).post(f"/api/v1/loan-applications/{app_id}/approve/", {}, format="json")
    assert refused.status_code == 409, refused.content
    approved = client(approver).post(f"/api/v1/loan-applications/{app_id}/approve/", {"reason": "승인"}, format="json")
    assert approved.json()["state"] == "approved"
    loan_id = approved.json()["loan"]

    no_key = client(approver).post(f"/api/v1/loans/{loan_id}/disburse/", {"disbursed_on": "2026-02-02"}, format="json")
    assert no_key.status_code == 400
    disbursed = client(approver).post(
        f"/api/v1/loans/{loan_id}/disburse/", {"disbursed_on": "2026-02-02"}, format="json",
        headers={"Idempotency-Key": "d-1"},
    )
    assert disbursed.status_code == 200, disbursed.content
    assert disbursed.json()["state"] == "active"
    again = client(approver).post(
        f"/api/v1/loans/{loan_id}/disburse/", {"disbursed_on": "2026-02-02"}, format="json",
        headers={"Idempotency-Key": "d-1"},
    )
    assert again["Idempotent-Replayed"] == "true"
    schedule = client(member).get(f"/api/v1/loans/{loan_id}/schedule/").json()
    assert len(schedule) == 36
    summary = client(approver).get(f"/api/v1/funds/{fund.pk}/").json()
    assert summary["outstanding_principal"] == "20000000"
    assert summary["cash"] == str(600_000_000 - 20_000_000)
    assert ledger_check().ok
