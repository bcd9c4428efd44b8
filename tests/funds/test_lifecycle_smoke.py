"""From application to disbursement through the services."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from core.errors import InvalidState
from funds import services
from funds.models import Loan, LoanApplication
from ledger.selectors import ledger_check
from tests.factories import ManagerFactory, MembershipFactory

from .factories import make_fund, make_product


def test_an_application_becomes_a_disbursed_loan_with_a_schedule(db):
    fund = make_fund()
    product = make_product(fund)
    member = MembershipFactory().user
    enterprise = member.memberships.get().enterprise
    reviewer, approver, second = ManagerFactory(), ManagerFactory(), ManagerFactory()

    application = services.application_create(
        actor=member, product_id=product.pk, enterprise_id=enterprise.pk, amount="40000000", purpose="운영자금"
    )
    services.application_submit(actor=member, application_id=application.pk)
    services.application_review(actor=reviewer, application_id=application.pk, recommend=True, reason="사업성 양호")
    with pytest.raises(InvalidState):
        services.application_approve(actor=reviewer, application_id=application.pk)
    services.application_approve(actor=approver, application_id=application.pk, reason="승인")
    application.refresh_from_db()
    assert application.state == LoanApplication.State.RECOMMENDED  # 40,000,000 needs two approvers
    services.application_approve(actor=second, application_id=application.pk, reason="승인")
    application.refresh_from_db()
    assert application.state == LoanApplication.State.APPROVED

    loan = services.loan_disburse(actor=approver, loan_id=application.loan.pk, on_date=date(2026, 3, 31),
                                  today=timezone.localdate())

    loan.refresh_from_db()
    assert loan.state == Loan.State.ACTIVE
    assert loan.installments.count() == 36
    assert sum(i.principal_due.amount for i in loan.installments.all()) == 40_000_000
    assert loan.principal_account.balance.amount == 40_000_000
    assert ledger_check().ok
