"""The services check roles themselves too, so an admin action or a command cannot skip the API's permissions."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from core.errors import Forbidden, IdempotencyConflict
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
        services.loan_disburse(actor=member, loan_id=loan.pk, on_date=date(2026, 4, 1), today=timezone.localdate())


@pytest.mark.parametrize("step", ["submit", "withdraw"])
def test_only_a_member_of_the_applying_enterprise_submits_or_withdraws(product, step):
    application = make_application(product, member=member_of())
    outsider = member_of()
    call = getattr(services, f"application_{step}")

    with pytest.raises(Forbidden):
        call(actor=outsider, application_id=application.pk)
    application.refresh_from_db()
    assert application.state == LoanApplication.State.DRAFT


def test_a_contribution_key_is_its_callers_own(db):
    """The one rule of idempotent writes: the same caller, key and content replay; another caller's use of the
    key is refused, never replayed to them (as for repayments and recoveries)."""
    fund = make_fund(capital=0)
    first, second = ManagerFactory(), ManagerFactory()

    def record(actor, amount):
        return services.contribution_record(
            actor=actor, fund_id=fund.pk, source="municipality", amount=amount, received_on=date(2026, 1, 5),
            idempotency_key="c-1", today=timezone.localdate())

    a, created = record(first, 1_000)
    again, replayed = record(first, 1_000)
    assert created and not replayed and again.pk == a.pk
    with pytest.raises(IdempotencyConflict) as other_user:
        record(second, 1_000)
    assert "idempotency_key" in other_user.value.fields
    with pytest.raises(IdempotencyConflict):
        record(first, 2_000)
    assert FundContribution.objects.filter(fund=fund).count() == 1
