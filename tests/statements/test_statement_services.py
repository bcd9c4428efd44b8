"""Statements at the service level: rendered once however often the task runs, a loan statement's schedule status,
the document number's year. Statements over HTTP are tests/api/statements/test_statements.py."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from funds.models import Loan, Repayment
from statements.models import Statement
from statements.services import statement_render
from tests.factories import ManagerFactory
from tests.funds.factories import make_fund, make_loan, make_product, repay

pytestmark = pytest.mark.django_db


@pytest.fixture
def repayment(enterprise, member) -> Repayment:
    loan = make_loan(make_product(make_fund()), member=member, enterprise=enterprise, amount=12_000_000,
                     disbursed_on=date(2026, 3, 10))
    return repay(loan, 1_000_000, on_date=date(2026, 4, 10))


def test_a_statement_is_rendered_once_however_often_the_task_runs(repayment, django_capture_on_commit_callbacks):
    from statements.services import statement_request

    with django_capture_on_commit_callbacks(execute=True):
        statement = statement_request(actor=ManagerFactory(), kind="receipt", subject_id=repayment.pk,
                                      today=timezone.localdate())
    statement.refresh_from_db()
    first = (statement.sha256, statement.file.name, statement.generated_at)
    again = statement_render(statement_id=statement.pk)
    assert not again.rendered
    statement.refresh_from_db()
    assert (statement.sha256, statement.file.name, statement.generated_at) == first


def test_the_schedule_says_which_installments_are_paid_overdue_or_still_to_come(enterprise, member):
    """완납 paid; 연체 due by the last close of business and not paid in full; 예정 not yet due; 상각 once written
    off."""
    from statements.kinds.loan import schedule_rows

    loan = make_loan(make_product(make_fund()), member=member, enterprise=enterprise, amount=12_000_000,
                     disbursed_on=date(2026, 3, 10))
    first = loan.installments.get(number=1)
    repay(loan, int(first.principal_due.amount + first.interest_due.amount), on_date=first.due_on)
    loan.refresh_from_db()
    loan.closed_through = date(2026, 5, 15)  # the installments of 04-10 and 05-10 are due; 04-10's is paid
    assert [r["status"] for r in schedule_rows(loan)][:4] == ["완납", "연체", "예정", "예정"]
    loan.state = Loan.State.WRITTEN_OFF
    assert [r["status"] for r in schedule_rows(loan)][:3] == ["완납", "상각", "상각"]


def test_the_number_takes_the_year_of_the_korean_date():
    """Asked at 08:00 on 1 January in Seoul (still 31 December in UTC): a statement of the new year."""
    from datetime import UTC, datetime

    statement = Statement(pk=7, requested_at=datetime(2026, 12, 31, 23, 0, tzinfo=UTC))
    assert statement.number == "ST-2027-000007"
