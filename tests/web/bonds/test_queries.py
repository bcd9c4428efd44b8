"""The bonds pages read in a bounded number of queries: more capital calls, disbursements and results do not add
queries (no query per row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bonds import services
from tests.bonds.factories import days_ago, record_and_confirm, today

pytestmark = pytest.mark.django_db

BOUND = 60  # sessions, the user, its roles, the menu's checks, the contract, its investors' figures (two each),
# calls, lines, disbursements, metrics, terms, steps, points, results, evidence, payments, distributions, the trail


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_the_pages_cost_the_same_for_more_calls_disbursements_and_results(bw, client_as):
    bond = bw.bond
    pages = [(bond.lee, reverse("web:bond", args=[bw.contract.pk])), (bond.lee, "/console/"),
             (bond.lee, "/console/bonds/"),
             (bond.evaluators[1], reverse("web:evaluator-bond", args=[bw.contract.pk])),
             (bond.evaluators[1], "/evaluator/"),
             (bond.investor_users[0], reverse("web:investor-investment", args=[bond.investments[0].pk])),
             (bw.member, reverse("web:my-bond", args=[bw.contract.pk]))]
    before = [_queries(client_as(user), url) for user, url in pages]
    # More rows: the interim payment paid, a second disbursement, the final results recorded (the world's call
    # took every commitment: no second call).
    services.outcome_payment_approve(actor=bond.lee, payment_id=bw.payment.pk, idempotency_key="a", today=today())
    services.disbursement_make(actor=bond.kim, contract_id=bw.contract.pk, amount=10_000_000, paid_on=days_ago(30),
                               idempotency_key="d2", today=today())
    services.contract_evaluate(actor=bond.lee, contract_id=bw.contract.pk, on_date=days_ago(20), today=today())
    record_and_confirm(bond, bond.final)
    after = [_queries(client_as(user), url) for user, url in pages]
    assert after == before, list(zip([url for _u, url in pages], before, after, strict=True))
    assert max(after) <= BOUND, dict(zip([url for _u, url in pages], after, strict=True))


def test_the_investors_list_costs_the_same_for_more_investments(bw, client_as):
    """The investors' start page reads every row's cash flows (paid calls, distributions) and its statements in
    one go: two more contracts the same institution invests in, paid in and with a statement each, add no query."""
    from statements.services import statement_request
    from tests.bonds.factories import call_and_pay, make_world, sign_and_start

    bond = bw.bond
    investor = bond.investor_users[0]
    client = client_as(investor)
    statement_request(actor=investor, kind="bond_investor", subject_id=bond.investments[0].pk, today=today())
    before = _queries(client, "/investor/")
    for n in range(2):
        more = make_world(code=f"more-sib-{n}", investors=bond.investors)
        sign_and_start(more)
        call_and_pay(more, key=f"more-call-{n}")
        statement_request(actor=investor, kind="bond_investor", subject_id=more.investments[0].pk, today=today())
    page = client.get("/investor/").content.decode()
    assert page.count('href="/investor/investments/') == 3 and page.count('<tr id="st-') == 3
    after = _queries(client, "/investor/")
    assert after == before
    assert after <= BOUND
