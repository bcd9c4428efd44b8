"""A state machine over loan servicing: random repayments (part, what is due, exactly the payoff, more than the
payoff), reversals of the latest repayment, and nights of close of business, in any order, on a loan with random
terms. After every step the ledger is whole, the schedule agrees with the ledger, nothing is negative or overpaid,
and the loan's statement (its transactions) adds up to its balances.

Two identical loans are made: A takes the repayments, its twin B never does. Whenever every repayment on A has been
reversed, A must be exactly where B is (balances, default interest, days past due, class, installments): a reversal
puts the loan where it would be had the money never come.

Each example runs in a savepoint of the test's transaction, rolled back at teardown, so examples do not see each
other's rows (the machine's ``__init__`` opens it, ``teardown`` rolls it back). Dates are in 2025, before today.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from core.errors import InvalidState, LimitExceeded
from core.models import AuditEvent
from funds import accounts as chart
from funds import services
from funds.locks import lock_loan
from funds.models import BusinessDay, Installment, Loan, LoanTransaction, Repayment
from funds.selectors import loan_disagreements
from funds.services import state
from funds.services.loans import bring_to
from ledger.models import Account, Journal
from ledger.selectors import ledger_check
from tests.factories import ManagerFactory

from .factories import make_fund, make_loan, make_product, member_of
from .helpers import nothing_written
from .strategies import ALLOCATION_ORDER as ORDER
from .strategies import greedy, loan_terms, won

D0 = date(2025, 1, 10)
LAST = date(2025, 12, 31)  # nothing is dated later: value dates and closed days stay in the past
ONE_DAY = timedelta(days=1)
CAPITAL = 600_000_000
SHARE = 1_000_000  # fractions of the payoff are drawn in millionths
NEXT_DUE = "the next due date"


def expected_class(days: int, outstanding: Decimal, secured: Decimal) -> str:
    """The supervisory rule, written out again: under 30 days 정상, under 90 요주의; from 90 the secured part 고정,
    the rest 회수의문, from 365 추정손실; the loan takes its worst part's class (정상 with nothing owed)."""
    if outstanding == 0 or days < 30:
        return "normal"
    if days < 90:
        return "precautionary"
    if outstanding <= secured:
        return "substandard"
    return "doubtful" if days < 365 else "estimated_loss"


def footprint() -> tuple[Any, ...]:
    """What a read or a repeated close could wrongly write; cheaper than ``helpers.world_state``, for every step."""
    return (
        Journal.objects.count(), LoanTransaction.objects.count(), BusinessDay.objects.count(),
        AuditEvent.objects.count(), list(Loan.objects.order_by("pk").values()),
        list(Installment.objects.order_by("pk").values()),
    )


class ServicingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.a: Loan | None = None
        self.live: list[int] = []  # A's repayments not reversed, oldest first
        self.keys = 0
        self.last_closed = D0 - ONE_DAY
        self.wrote = True  # whether the last step may have written anything (the invariants run only then)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- set up -------------------------------------------------------------------------------------------------

    @initialize(terms=loan_terms(), principal=st.integers(min_value=1_000_000, max_value=50_000_000),
                secured_share=st.sampled_from([0, 0, 30, 100]))
    def make_loans(self, terms: dict[str, Any], principal: int, secured_share: int) -> None:
        fund = make_fund(capital=CAPITAL)
        product = make_product(fund, approval_tiers=[], **terms)
        secured = principal * secured_share // 100
        self.a, self.b = (
            make_loan(product, member=member_of(), amount=principal, disbursed_on=D0,
                      secured_amount=secured or None)
            for _ in range(2)
        )
        self.fund = fund
        self.manager = ManagerFactory()
        event(f"method {terms['method']}, grace {terms['grace_months']}, {terms['prepayment_policy']}")

    # --- rules --------------------------------------------------------------------------------------------------

    def _a(self) -> Loan:
        assert self.a is not None
        self.a.refresh_from_db()
        return self.a

    def _writes(self) -> None:
        self.wrote = True

    @precondition(lambda self: self.a is not None and self._a().state == Loan.State.ACTIVE
                  and self.a.closed_through < LAST)
    @rule(ahead=st.integers(min_value=0, max_value=45) | st.just(NEXT_DUE),
          kind=st.sampled_from(["part", "part", "due", "payoff", "more"]),
          share=st.integers(min_value=1, max_value=SHARE - 1), extra=st.integers(min_value=1, max_value=10_000_000))
    def repay(self, ahead: int | str, kind: str, share: int, extra: int) -> None:
        a = self._a()
        first_open = a.closed_through + ONE_DAY
        if ahead == NEXT_DUE:  # interest falls due on the value date, a day not yet closed
            due = (a.installments.filter(due_on__gte=first_open).order_by("number").values_list("due_on", flat=True)
                   .first())
            on = min(due or LAST, LAST)
        else:
            on = min(first_open + timedelta(days=ahead), LAST)
        quote = services.payoff_quote(loan_id=a.pk, on=on, today=timezone.localdate())
        payoff = quote.payoff
        note(f"{on}: payoff {payoff}, due {quote.due}, {quote}")
        assert payoff > 0
        if kind == "more":
            event("repayment: more than the payoff")
            with nothing_written(), pytest.raises(LimitExceeded):
                self._pay(payoff + extra, on)
            return
        if kind == "due" and quote.due > 0:
            amount = quote.due
        elif kind == "payoff":
            amount = payoff
        else:
            amount = max(Decimal(1), payoff * share // SHARE)
        event(f"repayment: {kind}" + (", paid off" if amount == payoff else ""))
        self._writes()
        repayment = self._pay(amount, on)
        parts = [won(getattr(repayment, name)) for name in ORDER]
        assert sum(parts) == won(repayment.amount) == amount
        # The quote (computed without writing) and the repayment (written) see the same amounts owed.
        assert parts == greedy(amount, [quote.owed()[name] for name in ORDER])
        assert repayment.paid_off == (amount == payoff)
        assert self._a().state == (Loan.State.PAID_OFF if amount == payoff else Loan.State.ACTIVE)
        self.live.append(repayment.pk)

    def _pay(self, amount: Decimal, on: date) -> Repayment:
        self.keys += 1  # a new key each time: a key once used replays its repayment, even a reversed one
        repayment, created = services.repayment_make(
            actor=self.manager, loan_id=self.a.pk, amount=amount, value_date=on, idempotency_key=f"machine-{self.keys}",
            today=timezone.localdate())
        assert created
        return repayment

    @rule(ahead=st.integers(min_value=0, max_value=45))  # no precondition: so some rule can always run
    def a_payoff_quote_writes_nothing(self, ahead: int) -> None:
        a = self._a()
        on = min(max(a.closed_through + ONE_DAY + timedelta(days=ahead), D0), LAST + ONE_DAY)
        before = footprint()
        if a.state != Loan.State.ACTIVE:
            with pytest.raises(InvalidState):
                services.payoff_quote(loan_id=a.pk, on=on, today=timezone.localdate())
        else:
            assert services.payoff_quote(loan_id=a.pk, on=on, today=timezone.localdate()).payoff > 0
        assert footprint() == before

    @precondition(lambda self: bool(self.live))
    @rule()
    def replaying_the_latest_repayment_changes_nothing(self) -> None:
        latest = Repayment.objects.get(pk=self.live[-1])
        before = footprint()
        again, created = services.repayment_make(
            actor=self.manager, loan_id=self.a.pk, amount=latest.amount.amount, value_date=latest.value_date,
            idempotency_key=latest.idempotency_key, today=timezone.localdate())
        assert (again.pk, created) == (latest.pk, False)
        assert footprint() == before

    @precondition(lambda self: bool(self.live))
    @rule()
    def reverse_the_latest_repayment(self) -> None:
        self._writes()
        services.repayment_reverse(actor=self.manager, repayment_id=self.live.pop(), reason="부도 이체")
        event("reversal")
        if not self.live:
            self._a_is_where_its_twin_is()

    @precondition(lambda self: len(self.live) >= 2)
    @rule(index=st.integers(min_value=0, max_value=10))
    def reversing_an_earlier_repayment_is_refused(self, index: int) -> None:
        earlier = self.live[index % (len(self.live) - 1)]
        with nothing_written(), pytest.raises(InvalidState):
            services.repayment_reverse(actor=self.manager, repayment_id=earlier, reason="부도 이체")

    @precondition(lambda self: self.a is not None and self.last_closed < LAST)
    @rule(days=st.integers(min_value=1, max_value=45))
    def close_business(self, days: int) -> None:
        through = min(self.last_closed + timedelta(days=days), LAST)
        self._writes()
        closed = services.close_business(through=through, today=timezone.localdate())
        assert [c.day.date for c in closed] == [
            self.last_closed + timedelta(days=n) for n in range(1, (through - self.last_closed).days + 1)
        ]
        assert all(c.created for c in closed)
        self.last_closed = through
        before = footprint()
        again = services.close_business(through=through, today=timezone.localdate())
        assert [c.created for c in again] == [False]
        assert footprint() == before

    def _a_is_where_its_twin_is(self) -> None:
        """With no repayment left standing, A must equal B. A may have been closed further than B (a repayment
        closes its loan up to the day before its value date), so the one behind is first brought level."""
        a, b = self._a(), Loan.objects.get(pk=self.b.pk)
        target = max(a.closed_through, b.closed_through)
        for loan in (a, b):
            if loan.closed_through < target:
                with transaction.atomic():
                    loaded = state.load(lock_loan(loan.pk))
                    bring_to(loaded, target)
                    state.flush(loaded)
        a.refresh_from_db()
        b.refresh_from_db()
        fields = ["state", "closed_through", "accelerated_on", "days_past_due", "asset_class",
                  "default_interest_carry", "maturity_on"]
        assert {f: getattr(a, f) for f in fields} == {f: getattr(b, f) for f in fields}
        for name in ("principal_account", "interest_account", "default_interest_account"):
            assert getattr(a, name).balance == getattr(b, name).balance, name
        columns = ["number", "due_on", "period_start", "principal_due", "interest_due", "principal_paid",
                   "interest_paid", "interest_recognized", "accrual_start", "interest_fixed"]
        assert list(a.installments.order_by("number").values(*columns)) == list(
            b.installments.order_by("number").values(*columns)
        )
        event("all reversed: A equals its twin")

    # --- invariants (one method, so they share their queries) ---------------------------------------------------

    @invariant()
    def everything_adds_up(self) -> None:
        if not self.wrote:
            return  # a step that must write nothing checks so itself
        self.wrote = False
        report = ledger_check()
        assert report.ok, report.problems
        loans = {
            loan.pk: loan for loan in Loan.objects.filter(pk__in=[self.a.pk, self.b.pk])
            .select_related("principal_account", "interest_account", "default_interest_account")
            .prefetch_related("installments")
        }
        statements = {
            row["loan"]: (row["p"], row["i"], row["d"])
            for row in LoanTransaction.objects.filter(loan__in=loans).values("loan").annotate(
                p=Sum("principal_change"), i=Sum("interest_change"), d=Sum("default_interest_change"))
        }
        for loan in loans.values():
            self._loan_is_consistent(loan, statements[loan.pk])
        self._money_is_where_the_repayments_put_it(loans[self.a.pk], loans[self.b.pk])

    def _loan_is_consistent(self, loan: Loan, statement: tuple[Decimal, Decimal, Decimal]) -> None:
        assert loan_disagreements(loan) == []  # it reads the account balances afresh
        insts = sorted(loan.installments.all(), key=lambda i: i.number)
        for i in insts:
            assert 0 <= won(i.principal_paid) <= won(i.principal_due), i
            assert 0 <= won(i.interest_paid) <= won(i.interest_recognized) <= won(i.interest_due), i
            assert 0 <= won(i.interest_fixed) <= won(i.interest_due), i
        assert [i.number for i in insts] == list(range(1, len(insts) + 1))
        assert all(x.due_on < y.due_on for x, y in pairwise(insts))
        assert loan.maturity_on == insts[-1].due_on
        unpaid = sum((won(i.principal_due) - won(i.principal_paid) for i in insts), Decimal(0))
        principal, interest, default = (won(loan.principal_account.balance), won(loan.interest_account.balance),
                                        won(loan.default_interest_account.balance))
        assert principal == unpaid >= 0
        assert interest >= 0 and default >= 0
        assert statement == (principal, interest, default)  # the loan's statement adds up to its balances
        if loan.state == Loan.State.PAID_OFF:
            assert principal == interest == default == 0
            assert all(i.principal_paid == i.principal_due and i.interest_paid == i.interest_due for i in insts)
            assert (loan.days_past_due, loan.asset_class) == (0, "normal")
            return
        assert loan.state == Loan.State.ACTIVE
        assert loan.closed_through >= self.last_closed
        days = next(((loan.closed_through - i.due_on).days + 1 for i in insts
                     if i.due_on <= loan.closed_through
                     and (i.principal_paid != i.principal_due or i.interest_paid != i.interest_due)), 0)
        assert loan.days_past_due == days
        assert loan.asset_class == expected_class(days, unpaid, won(loan.secured_amount))
        if loan.pk == self.a.pk:
            event(f"A reached: {loan.asset_class}" + (", accelerated" if loan.accelerated_on else ""))

    def _money_is_where_the_repayments_put_it(self, a: Loan, b: Loan) -> None:
        """Cash holds the capital less both loans plus what A's standing repayments brought; A's principal is down
        by their principal parts and its installments show their interest parts paid; B is untouched. Contract
        interest is earned as it is recognised on the installments; default interest as it accrues, and what
        accrued is either still owed or was paid."""
        live = list(Repayment.objects.filter(loan=a, reversed_at__isnull=True).order_by("pk"))
        assert [r.pk for r in live] == self.live

        def total(name: str) -> Decimal:
            return sum((won(getattr(r, name)) for r in live), Decimal(0))

        fund_accounts = {acc.code: won(acc.balance) for acc in Account.objects.filter(
            book=self.fund.book, code__in=[chart.CASH, chart.INTEREST_INCOME, chart.DEFAULT_INTEREST_INCOME])}
        assert fund_accounts[chart.CASH] == CAPITAL - won(a.principal) - won(b.principal) + total("amount")
        assert won(a.principal_account.balance) == won(a.principal) - (
            total("overdue_principal") + total("principal") + total("prepayment"))
        a_insts, b_insts = list(a.installments.all()), list(b.installments.all())
        assert sum(won(i.interest_paid) for i in a_insts) == (
            total("overdue_interest") + total("interest") + total("accrued_interest"))
        assert all(i.principal_paid.amount == i.interest_paid.amount == 0 for i in b_insts)
        assert fund_accounts[chart.INTEREST_INCOME] == sum(won(i.interest_recognized) for i in a_insts + b_insts)
        assert fund_accounts[chart.DEFAULT_INTEREST_INCOME] == (
            won(a.default_interest_account.balance) + won(b.default_interest_account.balance)
            + total("default_interest"))


ServicingMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestServicingMachine = pytest.mark.django_db(ServicingMachine.TestCase)
