"""Properties of recoveries through the services, whatever the amounts and dates: each recovery's parts add up to
it, nothing is negative, the memorandum pair equals the principal and costs owed (0 once written off) and never goes
below zero, and the ledger stays clean. Each example runs in a savepoint rolled back at its end, on one paid
claim."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guarantees import accounts as chart
from guarantees import services
from guarantees.models import Claim, Guarantee
from guarantees.selectors import recourse_position
from ledger.models import Account
from ledger.selectors import ledger_check
from tests.factories import ManagerFactory

from .claim_factories import paid_claim, set_defaulted
from .factories import contribute, make_guarantee, make_program

pytestmark = pytest.mark.django_db
TODAY = date(2028, 12, 31)  # the services take the day from their caller: past the leap day of 2028


@pytest.fixture
def paid(db) -> Claim:
    program = make_program(guarantee_ratio=Decimal("0.85"))
    contribute(program, 10 * 100_000_000)
    guarantee = make_guarantee(program, amount=20_000_000, loan_rate=Decimal("0.04500"), start_on=date(2026, 1, 20))
    set_defaulted(guarantee, defaulted_on=date(2026, 5, 11), interest_paid_to=date(2026, 4, 10), balance=12_000_000)
    return paid_claim(guarantee, requested_on=date(2026, 6, 1), paid_on=date(2026, 6, 30), today=TODAY,
                      costs=300_000)


steps = st.lists(st.tuples(st.integers(0, 400), st.integers(1, 6_000_000)), min_size=1, max_size=6)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, write_off_at=st.one_of(st.none(), st.integers(0, 5)))
def test_recoveries_add_up_nothing_is_negative_and_the_memo_pair_never_goes_below_zero(paid, steps, write_off_at):
    with transaction.atomic():
        manager, second = ManagerFactory(), ManagerFactory()
        program = paid.guarantee.program
        memo = Account.objects.get(book=program.book, code=chart.recourse_memo_code(paid.pk))
        recourse = Account.objects.get(book=program.book, code=chart.recourse_code(paid.pk))
        on = date(2026, 6, 30)
        for index, (days, wanted) in enumerate(steps):
            claim = Claim.objects.get(pk=paid.pk)
            if claim.settled_on is not None:
                break
            on = min(on + timedelta(days=days), TODAY)
            if index == write_off_at and not claim.is_written_off:
                services.recourse_write_off_request(actor=manager, claim_id=paid.pk, reason="회수 불능", today=on)
                services.recourse_write_off_approve(actor=second, claim_id=paid.pk, today=on)
                claim.refresh_from_db()
            position = recourse_position(claim, on)
            assert position is not None
            amount = min(Decimal(wanted), position.total)
            recovery, _new = services.recovery_record(actor=manager, claim_id=paid.pk, amount=amount, received_on=on,
                                                      idempotency_key=f"r-{index}", today=TODAY)

            parts = (recovery.costs.amount, recovery.damages.amount, recovery.principal.amount)
            assert sum(parts) == recovery.amount.amount == amount
            assert min(parts) >= 0 and recovery.accrued.amount >= 0
            claim.refresh_from_db()
            owed = (claim.recourse_principal.amount, claim.recourse_costs.amount, claim.recourse_damages.amount)
            assert min(owed) >= 0
            memo.refresh_from_db()
            recourse.refresh_from_db()
            expected = 0 if claim.is_written_off else owed[0] + owed[1]
            assert memo.balance.amount == recourse.balance.amount == expected >= 0
            state = Guarantee.objects.get(pk=paid.guarantee_id).state
            if claim.is_written_off:
                assert state == "written_off"
            else:
                assert state == ("closed" if claim.settled_on else "recovering")
        report = ledger_check()
        assert report.ok, report.problems
        transaction.set_rollback(True)
