"""Each portal page reads in a bounded number of queries: more loans, applications, installments, repayments or
statements do not add queries (no query per row)."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from funds import services
from statements import services as statements
from tests.funds.factories import make_application, make_loan

BOUND = 20  # sessions, the user, its roles, the page's rows, the menu's checks (the loan page needs 14 today)


def _queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return len(captured)


def _more_loans(world, count: int) -> None:
    for _ in range(count):
        make_loan(world.servicing_product, member=world.member, amount=5_000_000,
                  disbursed_on=timezone.localdate() - timedelta(days=10))


def test_the_overview_costs_the_same_for_one_loan_and_application_as_for_many(world, client_as,
                                                                              django_assert_max_num_queries):
    _ = world.own_loan, world.own_draft, world.other_loan
    client = client_as(world.member)
    one = _queries(client, reverse("web:portal"))
    _more_loans(world, 2)
    make_application(world.product, member=world.member, state="submitted")
    make_application(world.product, member=world.member)
    assert _queries(client, reverse("web:portal")) == one
    with django_assert_max_num_queries(BOUND):
        client.get(reverse("web:portal"))


def test_the_loan_pages_cost_the_same_for_more_repayments(world, client_as, django_assert_max_num_queries):
    loan = world.own_loan
    client = client_as(world.member)
    urls = [reverse(name, args=[loan.pk]) for name in
            ("web:my-loan", "web:my-loan-schedule", "web:my-loan-transactions", "web:my-loan-repay")]
    before = [_queries(client, url) for url in urls]
    for n in range(3):
        services.repayment_make(actor=world.member, loan_id=loan.pk, amount=10_000 + n,
                                idempotency_key=f"queries-{n}", today=timezone.localdate())
    assert [_queries(client, url) for url in urls] == before
    for url in urls:
        with django_assert_max_num_queries(BOUND):
            client.get(url)


def test_the_applications_list_and_page_cost_the_same_for_more_applications(world, client_as,
                                                                            django_assert_max_num_queries):
    draft = world.own_draft
    client = client_as(world.member)
    pages = [reverse("web:my-applications"), reverse("web:my-application", args=[draft.pk]),
             reverse("web:my-application-new"), reverse("web:my-application-edit", args=[draft.pk])]
    before = [_queries(client, url) for url in pages]
    for state in ("submitted", "recommended", "draft"):
        make_application(world.product, member=world.member, state=state)
    assert [_queries(client, url) for url in pages] == before
    assert _queries(client, reverse("web:my-applications"), _export="csv") <= BOUND
    for url in pages:
        with django_assert_max_num_queries(BOUND):
            client.get(url)


def test_the_statements_list_costs_the_same_for_more_statements(world, client_as, django_assert_max_num_queries):
    today = timezone.localdate()

    def ask(kind: str, subject_id: int) -> None:
        statements.statement_request(actor=world.member, kind=kind, subject_id=subject_id, today=today,
                                     period_start=today.replace(month=1, day=1), period_end=today)

    ask("enterprise", world.own.pk)
    client = client_as(world.member)
    one = _queries(client, reverse("web:my-statements"))
    ask("loan", world.own_loan.pk)
    ask("enterprise", world.own.pk)
    assert _queries(client, reverse("web:my-statements")) == one
    with django_assert_max_num_queries(BOUND):
        client.get(reverse("web:my-statements"))
