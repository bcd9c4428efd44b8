"""The services check roles themselves too, so an admin action or a command cannot skip the API's permissions."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import Forbidden
from funds import services
from funds.models import FundContribution, LoanApplication
from tests.factories import AuditorFactory, ManagerFactory

from .factories import make_application, make_fund, make_loan, make_product, member_of


@pytest.fixture
def product(db):
    return make_product(make_fund())


@pytest.mark.parametrize("who", ["member", "auditor"])
@pytest.mark.parametrize("step", ["review", "approve", "reject"])
def test_only_a_fund_manager_judges_an_application(product, who, step):
    member = member_of()
    state = "submitted" if step == "review" else "recommended"
    application = make_application(product, member=member, state=state, reviewer=ManagerFactory())
    actor = member if who == "member" else AuditorFactory()
    call = {
        "review": lambda: services.application_review(
            actor=actor, application_id=application.pk, recommend=True, reason="좋음"
        ),
        "approve": lambda: services.application_approve(actor=actor, application_id=application.pk),
        "reject": lambda: services.application_reject(actor=actor, application_id=application.pk, reason="아님"),
    }[step]

    with pytest.raises(Forbidden):
        call()
    application.refresh_from_db()
    assert application.state == state


def test_only_a_fund_manager_disburses(product):
    member = member_of()
    loan = make_loan(product, member=member)

    with pytest.raises(Forbidden):
        services.loan_disburse(actor=member, loan_id=loan.pk, on_date=date(2026, 4, 1))


@pytest.mark.parametrize("step", ["submit", "withdraw"])
def test_only_a_member_of_the_applying_enterprise_submits_or_withdraws(product, step):
    application = make_application(product, member=member_of())
    outsider = member_of()
    call = getattr(services, f"application_{step}")

    with pytest.raises(Forbidden):
        call(actor=outsider, application_id=application.pk)
    application.refresh_from_db()
    assert application.state == LoanApplication.State.DRAFT


def test_two_managers_using_the_same_key_record_two_contributions(db):
    fund = make_fund(capital=0)
    first, second = ManagerFactory(), ManagerFactory()

    a = services.contribution_record(
        actor=first, fund_id=fund.pk, source="municipality", amount=1_000, received_on=date(2026, 1, 5),
        idempotency_key="c-1",
    )
    b = services.contribution_record(
        actor=second, fund_id=fund.pk, source="private", amount=2_000, received_on=date(2026, 1, 5),
        idempotency_key="c-1",
    )

    assert a.pk != b.pk
    assert FundContribution.objects.filter(fund=fund).count() == 2
