"""What an enterprise owes under the special guarantees (``selectors.exposure_by_enterprise``), as the kernel's
exposure registry reads it for every instrument's per-firm limit: known answers by state, across programs, beside
the revolving funds, and a cost that does not grow with the number of enterprises."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises import exposure
from guarantees import services
from guarantees.selectors import exposure_by_enterprise
from tests.factories import EnterpriseFactory, ManagerFactory
from tests.funds.factories import make_fund, make_loan, make_product

from .factories import contribute, make_guarantee, make_program
from .pipeline import TODAY, executed_guarantee, member_of, officer_of

pytestmark = pytest.mark.django_db
EOK = 100_000_000


@pytest.fixture
def programs():
    """Two programs, one guaranteeing 100 % of each loan, the other 85 %; 1억 each paid in; 1억 per firm."""
    full = make_program(per_firm_limit=EOK)
    part = make_program(code="dalseo-2026", guarantee_ratio=Decimal("0.85"), per_firm_limit=EOK)
    contribute(full, EOK)
    contribute(part, EOK)
    return full, part


def test_approved_active_and_defaulted_guarantees_count_what_they_stand_behind(programs):
    # The enterprise: 10,000,000 approved under the first program (10,000,000 held); 20,000,000 lent under the
    # second at 85 % (17,000,000); 8,000,000 lent under the first and defaulted with 6,000,000 owed (6,000,000);
    # one repaid and one cancelled (nothing). 10,000,000 + 17,000,000 + 6,000,000 = 33,000,000.
    full, part = programs
    member = member_of()
    enterprise = member.memberships.get().enterprise
    make_guarantee(full, enterprise=enterprise, amount=10_000_000, state="approved")
    executed_guarantee(part, member=member, amount=20_000_000)
    defaulted = executed_guarantee(full, member=member, amount=8_000_000)
    officer = officer_of(full, defaulted.bank)
    services.guarantee_default(actor=officer, guarantee_id=defaulted.pk, on_date=date(2026, 5, 1), balance=6_000_000,
                               interest_paid_to=date(2026, 4, 30), idempotency_key="sago", today=TODAY)
    repaid = executed_guarantee(full, member=member, amount=1_000_000)
    services.guarantee_repay(actor=officer, guarantee_id=repaid.pk, on_date=date(2026, 5, 1), idempotency_key="p",
                             today=TODAY)
    cancelled = make_guarantee(full, enterprise=enterprise, amount=2_000_000, state="approved")
    services.guarantee_cancel(actor=ManagerFactory(), guarantee_id=cancelled.pk, reason="미실행", today=TODAY)
    other = make_guarantee(part, amount=10_000_000)  # another enterprise's: 8,500,000
    idle = EnterpriseFactory()

    owed = exposure_by_enterprise([enterprise.pk, other.enterprise_id, idle.pk])

    assert owed == {enterprise.pk: 33_000_000, other.enterprise_id: 8_500_000}  # nothing owed: left out


def test_the_registry_adds_the_guarantees_to_the_revolving_funds(programs):
    # 12,000,000 approved from a revolving fund, 15,000,000 guaranteed: 27,000,000 across the instruments.
    full, _part = programs
    member = member_of()
    enterprise = member.memberships.get().enterprise
    make_loan(make_product(make_fund()), member=member, amount=12_000_000)
    make_guarantee(full, enterprise=enterprise, amount=15_000_000)

    mine = exposure.exposure_of(enterprise.pk)

    assert [(part.name, str(part.label), part.amount) for part in mine.parts] == [
        ("funds", "회전기금", 12_000_000), ("guarantees", "특례보증", 15_000_000)]
    assert mine.total == 27_000_000


def test_reading_twenty_enterprises_costs_the_same_two_queries_as_reading_one_does(programs):
    full, part = programs
    enterprises = [EnterpriseFactory() for _ in range(20)]
    for n, enterprise in enumerate(enterprises[:5]):
        make_guarantee(full if n % 2 else part, enterprise=enterprise, amount=1_000_000 * (n + 1))

    with CaptureQueriesContext(connection) as one:
        exposure_by_enterprise([enterprises[0].pk])
    with CaptureQueriesContext(connection) as twenty:
        owed = exposure_by_enterprise(e.pk for e in enterprises)

    assert len(one) == len(twenty) == 2  # guarantees, then open 구상채권
    # 1,000,000 x 0.85 + 2,000,000 + 3,000,000 x 0.85 + 4,000,000 + 5,000,000 x 0.85 = 13,650,000
    assert sum(owed.values()) == 13_650_000 and len(owed) == 5


def test_no_enterprises_cost_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert exposure_by_enterprise([]) == {}
