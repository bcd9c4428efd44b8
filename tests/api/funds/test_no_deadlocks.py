"""Light concurrency on PostgreSQL never ends in a 5xx: writes on one loan and on one enterprise at the same moment.

What used to deadlock: every audited write took the audit chain's head row FOR UPDATE, and the deferred foreign-key
checks at commit (FOR KEY SHARE on the loan or enterprise a new row refers to) waited on another transaction's
FOR UPDATE of that row, while that transaction waited for the head. Now events are sealed after commit, parent rows
are locked FOR NO KEY UPDATE (which a key-share check does not wait for), and a deadlock that still happens is run
again by ``core.db.run_retried``; one that remains is a 409 ``concurrent_update`` with Retry-After, never "the
database is not answering". Each thread has its own connection and API client; they start together at a barrier.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.audit import audit_seal, audit_verify
from funds.models import Loan, LoanApplication
from funds.selectors import loan_disagreements
from ledger.selectors import ledger_check
from statements.models import Statement
from tests.concurrency import run_together
from tests.factories import AuditorFactory, EnterpriseFactory, ManagerFactory
from tests.funds.factories import make_fund, make_loan, make_product, member_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _rules(asset_class_rules) -> None:
    """Repayments class loans."""


def client(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def assert_no_server_error(responses: list[Any]) -> Counter[int]:
    statuses = Counter(r.status_code for r in responses)
    assert all(status < 500 for status in statuses), [(r.status_code, r.content[:300]) for r in responses]
    return statuses


def assert_chain_whole() -> None:
    audit_seal()
    report = audit_verify()
    assert report.ok and report.pending == 0, report.problems


def test_repayments_and_statement_requests_on_one_loan_at_once_give_no_server_error(settings):
    """Repayments by the manager (each asking for its receipt in its own transaction, as with a worker) race loan
    statements asked for by the member and the auditor: every repayment is taken, every statement accepted."""
    settings.STATEMENTS_AUTO_RECEIPT = True
    fund = make_fund()
    product = make_product(fund, method="equal_principal", grace_months=0, term_months=12,
                           annual_rate=Decimal("0.07000"), rounding_unit=1, approval_tiers=[])
    member = member_of()
    loan = make_loan(product, member=member, amount=10_000_000, disbursed_on=timezone.localdate() - timedelta(days=10))
    manager, auditor = ManagerFactory(), AuditorFactory()
    today = timezone.localdate().isoformat()
    period = {"kind": "loan", "subject": loan.pk, "period_start": (timezone.localdate() - timedelta(days=30))
              .isoformat(), "period_end": today}

    def work(i: int) -> Any:
        if i % 2 == 0:
            return client(manager).post(f"/api/v1/loans/{loan.pk}/repayments/", {"amount": "10000"}, format="json",
                                        headers={"Idempotency-Key": f"race-{i}"})
        return client(member if i % 4 == 1 else auditor).post("/api/v1/statements/", period, format="json")

    responses = run_together(12, work)

    statuses = assert_no_server_error(responses)
    assert statuses == Counter({201: 6, 202: 6}), [(r.status_code, r.content[:300]) for r in responses]
    loan.refresh_from_db()
    assert loan.repayments.count() == 6
    assert Statement.objects.filter(kind="receipt", repayment__loan=loan).count() == 6
    assert Statement.objects.filter(kind="loan", loan=loan).count() == 6
    assert loan_disagreements(loan) == []
    assert ledger_check().ok
    assert_chain_whole()


def test_many_application_pipelines_for_one_enterprise_at_once_give_no_server_error():
    """Six applications of one enterprise, each drafted, submitted, reviewed and approved in its own thread, all at
    once: the enterprise's exposure limit (50,000,000) lets three of 15,000,000 through; the others are refused with
    a 4xx that names the limit. Nothing ends in a 5xx, and the limit holds."""
    fund = make_fund(exposure_limit=50_000_000)
    product = make_product(fund, approval_tiers=[])
    enterprise = EnterpriseFactory()
    member = member_of(enterprise)
    reviewer, approver = ManagerFactory(), ManagerFactory()
    barrier = threading.Barrier(6)

    def pipeline(i: int) -> list[Any]:
        steps = [client(member).post("/api/v1/loan-applications/", {
            "product": product.pk, "enterprise": enterprise.pk, "amount": "15000000", "purpose": f"운영자금 {i}"},
            format="json")]
        if steps[-1].status_code != 201:
            return steps
        pk = steps[-1].json()["id"]
        barrier.wait(timeout=60)  # the submissions, reviews and approvals of all six race each other
        for user, action, body in ((member, "submit", {}), (reviewer, "review", {"decision": "recommend",
                                                                                  "reason": "양호"}),
                                   (approver, "approve", {"reason": "의결"})):
            steps.append(client(user).post(f"/api/v1/loan-applications/{pk}/{action}/", body, format="json"))
            if steps[-1].status_code != 200:
                break
        return steps

    results = run_together(6, pipeline)

    responses = [step for steps in results for step in steps]
    statuses = assert_no_server_error(responses)
    assert statuses[422] >= 3 and all(status in (200, 201, 422) for status in statuses), statuses
    approved = LoanApplication.objects.filter(enterprise=enterprise, state="approved").count()
    assert approved == 3
    outstanding = sum(loan.principal.amount for loan in Loan.objects.filter(enterprise=enterprise))
    assert outstanding == 45_000_000
    assert_chain_whole()


# --- the retry itself, and what remains of a deadlock ---------------------------------------------------------
