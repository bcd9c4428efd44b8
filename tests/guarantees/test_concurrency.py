"""Approvals racing on PostgreSQL: each thread has its own connection, they start together at a barrier, and the row
locks (the application, its enterprise, the program's row: ``guarantees.locks``) decide who gets what.

- Sixteen managers approving guarantees for the last of a program's capacity never give more than it has, and the
  program's ``committed`` is exactly the sum of what its guarantees stand behind.
- Two guarantee approvals for one enterprise under two programs and a revolving-fund loan approval for it, at the
  same moment, never pass the per-firm limit together: the enterprise's row lock serialises them, and each guarantee
  approval reads what the ones before it added (through the kernel's exposure registry).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Sum

from core.errors import LimitExceeded
from funds import services as fund_services
from funds.models import LoanApplication
from guarantees import services
from guarantees.models import Guarantee, GuaranteeProgram
from tests.concurrency import run_together
from tests.factories import ManagerFactory
from tests.funds.factories import make_application as make_loan_application
from tests.funds.factories import make_fund, make_product

from .factories import contribute, make_guarantee, make_program
from .pipeline import make_application, member_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 16


def test_sixteen_approvals_for_the_last_of_the_capacity_never_exceed_it(transactional_db):
    # 10,000,000 paid in x 12 = 120,000,000 of capacity; 100,000,000 already guaranteed, 20,000,000 left. Sixteen
    # applications of 3,000,000 (one enterprise each): six fit (18,000,000), ten are refused, 2,000,000 stay free.
    program = make_program(per_firm_limit=100_000_000)
    contribute(program, 10_000_000)
    for _ in range(5):
        make_guarantee(program, amount=20_000_000, state="approved")
    recommender = ManagerFactory()
    applications = [make_application(program, amount=3_000_000, state="recommended", recommender=recommender)
                    for _ in range(CLIENTS)]
    approvers = [ManagerFactory() for _ in range(CLIENTS)]

    results = run_together(CLIENTS, lambda i: services.application_approve(
        actor=approvers[i], application_id=applications[i].pk, reason="승인"), expected=(LimitExceeded,))

    outcomes = Counter(type(result).__name__ for result in results)
    assert outcomes == {"GuaranteeApplication": 6, "LimitExceeded": 10}
    refused = [result for result in results if isinstance(result, LimitExceeded)]
    assert all(set(error.fields) == {"capacity"} for error in refused)
    program = GuaranteeProgram.objects.get(pk=program.pk)
    total = Guarantee.objects.filter(program=program).aggregate(total=Sum("guaranteed"))["total"]
    assert program.committed.amount == total == 118_000_000 <= 120_000_000
    assert Guarantee.objects.filter(program=program, state="approved").count() == 5 + 6


@pytest.mark.parametrize("round_", range(4))
def test_two_guarantees_and_a_loan_for_one_enterprise_never_pass_the_per_firm_limit_together(transactional_db,
                                                                                             round_):
    # The per-firm limit is 30,000,000 in both programs; the enterprise asks 20,000,000 under each, and a revolving
    # fund (whose own limit is 200,000,000) approves it a loan of 20,000,000 at the same moment. Whatever the order:
    # at most one guarantee is made (20,000,000 + 20,000,000 > 30,000,000), and a guarantee is made only if nothing
    # was approved for the enterprise before it (the loan's 20,000,000 + 20,000,000 > 30,000,000 too).
    member = member_of()
    enterprise = member.memberships.get().enterprise
    first = make_program(code=f"first-{round_}")
    second = make_program(code=f"second-{round_}")
    for program in (first, second):
        contribute(program, 100_000_000)
    guarantee_applications = [make_application(program, member=member, amount=20_000_000, state="recommended")
                              for program in (first, second)]
    product = make_product(make_fund(code=f"fund-{round_}", exposure_limit=200_000_000))
    loan_application = make_loan_application(product, member=member, amount=20_000_000, state="recommended")
    managers = [ManagerFactory() for _ in range(3)]

    def approve(i: int) -> object:
        if i < 2:
            return services.application_approve(actor=managers[i], application_id=guarantee_applications[i].pk)
        return fund_services.application_approve(actor=managers[i], application_id=loan_application.pk, reason="승인")

    results = run_together(3, approve, expected=(LimitExceeded,))

    made = list(Guarantee.objects.filter(enterprise=enterprise))
    assert len(made) <= 1, results
    loan_application.refresh_from_db()
    assert loan_application.state == LoanApplication.State.APPROVED  # the fund counts only its own loans
    assert loan_application.decided_at is not None
    for guarantee in made:
        # Nothing was approved for the enterprise before it: the loan came after (its approval waited for the
        # enterprise's row, which the guarantee's approval held until its commit).
        assert loan_application.decided_at > guarantee.approved_at
        assert guarantee.guaranteed.amount == Decimal(20_000_000)
    refusals = [result for result in results if isinstance(result, LimitExceeded)]
    assert len(refusals) == 2 - len(made)
    assert all(set(error.fields) == {"per_firm_limit"} for error in refusals)
