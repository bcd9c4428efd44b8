"""Properties of a single repayment: for a loan with random terms, perhaps already part repaid, and a random amount
up to the payoff on a random value date, the allocation adds up to the amount, follows the payoff quote's order, and
the journal it posts balances and moves each receivable by exactly its part.

Each example runs in a savepoint rolled back at its end, so examples do not see each other's rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from core.engines.schedules import add_months
from funds import accounts as chart
from funds import services
from funds.models import Loan, Repayment
from funds.selectors import loan_disagreements
from ledger.models import Entry, Side
from ledger.selectors import ledger_check
from tests.factories import ManagerFactory

from .factories import make_fund, make_loan, make_product, member_of
from .strategies import ALLOCATION_ORDER, greedy, loan_terms, won

D0 = date(2025, 1, 10)
LAST = date(2025, 12, 31)  # value dates stay in the past
SHARE = 1_000_000

shares = st.one_of(st.just(SHARE), st.integers(min_value=1, max_value=SHARE))  # SHARE: exactly the payoff
# A value date: any day, or (often) a scheduled due date, where interest falls due on the day of the payment.
value_dates = st.one_of(
    st.integers(min_value=0, max_value=(LAST - D0).days).map(lambda n: D0 + timedelta(days=n)),
    st.integers(min_value=1, max_value=11).map(lambda months: add_months(D0, months)),
)
NEXT_DUE = "the next due date"


def _pay(loan: Loan, manager, on: date, share: int, key: str) -> tuple[Repayment, services.Position]:
    quote = services.payoff_quote(loan_id=loan.pk, on=on, today=timezone.localdate())
    amount = max(Decimal(1), quote.payoff * share // SHARE)
    repayment, created = services.repayment_make(actor=manager, loan_id=loan.pk, amount=amount, value_date=on,
                                                  idempotency_key=key, today=timezone.localdate())
    assert created
    return repayment, quote


@pytest.mark.django_db
@settings(max_examples=75, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(terms=loan_terms(), principal=st.integers(min_value=1_000_000, max_value=50_000_000),
       earlier=st.none() | st.tuples(value_dates, st.integers(min_value=1, max_value=SHARE - 1)),
       later=st.integers(min_value=0, max_value=120) | st.just(NEXT_DUE), share=shares)
def test_a_repayment_is_allocated_in_full_in_order_and_its_journal_balances(terms, principal, earlier, later, share):
    with transaction.atomic():
        product = make_product(make_fund(), approval_tiers=[], **terms)
        loan = make_loan(product, member=member_of(), amount=principal, disbursed_on=D0)
        manager = ManagerFactory()
        on = D0
        if earlier is not None:  # a part repayment first, so the loan may be rescheduled or late when paid again
            on = earlier[0]
            _pay(loan, manager, on, earlier[1], "earlier")
        if later == NEXT_DUE:  # the first due date on or after the first payment (the same day if it was one)
            due = loan.installments.filter(due_on__gte=on).order_by("number").values_list("due_on", flat=True).first()
            on = min(due or LAST, LAST)
        else:
            on = min(on + timedelta(days=later), LAST)
        repayment, quote = _pay(loan, manager, on, share, "later")
        note(f"{on}: {quote}")
        amount = won(repayment.amount)

        parts = {name: won(getattr(repayment, name)) for name in ALLOCATION_ORDER}
        assert all(part >= 0 for part in parts.values())
        assert sum(parts.values()) == amount > 0
        assert list(parts.values()) == greedy(amount, [quote.owed()[name] for name in ALLOCATION_ORDER])
        assert repayment.paid_off == (amount == quote.payoff)
        event("paid off" if repayment.paid_off else "part paid")
        if quote.default_interest:
            event("with default interest")

        entries = list(Entry.objects.filter(journal=repayment.journal))
        moved: dict[tuple[int, str], Decimal] = {}
        for entry in entries:
            key = (entry.account_id, entry.side)
            moved[key] = moved.get(key, Decimal(0)) + won(entry.amount)
        debits = sum((v for (_, side), v in moved.items() if side == Side.DEBIT), Decimal(0))
        credits = sum((v for (_, side), v in moved.items() if side == Side.CREDIT), Decimal(0))
        assert debits == credits

        def net(account_id: int) -> Decimal:  # debits less credits
            return moved.get((account_id, Side.DEBIT), Decimal(0)) - moved.get((account_id, Side.CREDIT), Decimal(0))

        book = loan.fund.book
        assert net(chart.cash(book).pk) == amount
        assert -net(loan.principal_account_id) == parts["overdue_principal"] + parts["principal"] + parts["prepayment"]
        assert -net(loan.default_interest_account_id) == parts["default_interest"]
        # Interest paid comes off the interest receivable. The journal also recognises interest (receivable up,
        # income up): what accrued in the current period and is paid now, and what falls due on the value date and
        # was not recognised yet (that day is not closed; ``before`` is the loan as the repayment found it, after
        # closing the days before the value date).
        income = chart.account(book, chart.INTEREST_INCOME).pk
        falling_due = sum((Decimal(row["interest_due"]) - Decimal(row["interest_recognized"])
                           for row in repayment.before["installments"] if row["due_on"] == on.isoformat()),
                          Decimal(0))
        recognised = parts["accrued_interest"] + falling_due
        assert moved.get((income, Side.CREDIT), Decimal(0)) == recognised
        assert moved.get((loan.interest_account_id, Side.DEBIT), Decimal(0)) == recognised
        assert moved.get((loan.interest_account_id, Side.CREDIT), Decimal(0)) == (
            parts["overdue_interest"] + parts["interest"] + parts["accrued_interest"]
        )
        if falling_due:
            event("interest falling due on the value date")
        assert {account for account, _ in moved} <= {
            chart.cash(book).pk, loan.principal_account_id, loan.interest_account_id, loan.default_interest_account_id,
            income,
        }

        loan.refresh_from_db()
        assert loan_disagreements(loan) == []
        report = ledger_check()
        assert report.ok, report.problems
        transaction.set_rollback(True)
