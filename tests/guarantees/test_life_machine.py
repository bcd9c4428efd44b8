"""A special guarantee's whole life as a hypothesis state machine, through the services only: applications approved
against the program's capacity and the per-firm limit, loans made, balances reported, fees paid, repayments (with
their refunds), defaults, claims paid, recoveries, interest subsidy runs; days pass between the steps. Whatever the
order, the program's capacity in use is what its guarantees stand behind, nothing goes below zero, and at the end
the ledger and the audit trail verify (``ledger_verify``, ``audit_verify``)."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from core.audit import audit_seal, audit_verify
from core.errors import DomainError
from guarantees import services
from guarantees.models import Claim, FeeBill, Guarantee, GuaranteeProgram
from guarantees.services.subsidies import last_ended_period
from ledger.models import Account
from tests.factories import EnterpriseFactory, ManagerFactory

from .factories import contribute, make_program
from .pipeline import make_application, member_of, officer_of

pytestmark = pytest.mark.django_db

START = date(2026, 2, 2)


class GuaranteeLife(RuleBasedStateMachine):
    seen: set[str] = set()  # every state a guarantee reached, over all the examples (the test checks the walk)

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.day = START
        # A small program (capacity 6 x 12,000,000 = 72,000,000; 30,000,000 per firm) so that limits are reached.
        self.program = make_program(code=f"life-{id(self)}", multiple=6, per_firm_limit=30_000_000)
        contribute(self.program, 12_000_000)
        services.subsidy_budget_record(actor=ManagerFactory(), program_id=self.program.pk, amount=5_000_000,
                                       received_on=START, idempotency_key="budget", today=START)
        self.kim, self.lee = ManagerFactory(), ManagerFactory()
        self.officer = officer_of(self.program)
        self.firms = [EnterpriseFactory() for _ in range(3)]
        self.members = {firm.pk: member_of(firm) for firm in self.firms}
        self.keys = 0
        self.refused = 0

    def teardown(self) -> None:
        GuaranteeLife.seen |= set(Guarantee.objects.filter(program=self.program).values_list("state", flat=True))
        try:
            out, err = StringIO(), StringIO()
            call_command("ledger_verify", stdout=out, stderr=err)
            assert err.getvalue() == "", err.getvalue()
            audit_seal()
            assert audit_verify().ok
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    def key(self) -> str:
        self.keys += 1
        return f"life-{self.keys}"

    def guarantees(self, state: str) -> list[Guarantee]:
        return list(Guarantee.objects.filter(program=self.program, state=state).order_by("pk"))

    def attempt(self, act: object) -> None:
        """A step the services may refuse (a limit reached, a date not allowed): refused, nothing is written."""
        try:
            with transaction.atomic():
                act()  # type: ignore[operator]
        except DomainError:
            self.refused += 1

    # --- the steps ---------------------------------------------------------------------------------------------

    @rule(days=st.integers(min_value=1, max_value=40))
    def days_pass(self, days: int) -> None:
        self.day += timedelta(days=days)

    @rule(firm=st.integers(min_value=0, max_value=2), millions=st.integers(min_value=1, max_value=30),
          bullet=st.booleans())
    def apply_and_approve(self, firm: int, millions: int, bullet: bool) -> None:
        enterprise = self.firms[firm]
        self.attempt(lambda: make_application(
            self.program, member=self.members[enterprise.pk], amount=millions * 1_000_000,
            repayment_method="bullet" if bullet else "equal_principal", grace_months=0 if bullet else 12,
            term_months=12 if bullet else 60, state="approved", recommender=self.kim, approver=self.lee,
            today=self.day))

    @precondition(lambda self: self.guarantees("approved"))
    @rule(share=st.integers(min_value=50, max_value=100))
    def the_bank_lends(self, share: int) -> None:
        guarantee = self.guarantees("approved")[0]
        amount = guarantee.approved_amount.amount * share // 100
        self.attempt(lambda: services.guarantee_execute(
            actor=self.officer, guarantee_id=guarantee.pk, loan_amount=amount, loan_rate="0.04500",
            start_on=self.day, idempotency_key=self.key(), today=self.day))

    @precondition(lambda self: self.guarantees("active"))
    @rule(percent=st.integers(min_value=0, max_value=99))
    def a_balance_is_reported(self, percent: int) -> None:
        guarantee = self.guarantees("active")[0]
        balance = guarantee.balance.amount * percent // 100
        self.attempt(lambda: services.guarantee_report(
            actor=self.officer, guarantee_id=guarantee.pk, on_date=self.day, balance=balance,
            idempotency_key=self.key(), today=self.day))

    @precondition(lambda self: self.guarantees("active"))
    @rule()
    def repaid_in_full(self) -> None:
        guarantee = self.guarantees("active")[-1]
        self.attempt(lambda: services.guarantee_repay(
            actor=self.officer, guarantee_id=guarantee.pk, on_date=self.day, idempotency_key=self.key(),
            today=self.day))

    @precondition(lambda self: self.guarantees("active"))
    @rule()
    def a_default(self) -> None:
        guarantee = self.guarantees("active")[0]
        self.attempt(lambda: services.guarantee_default(
            actor=self.officer, guarantee_id=guarantee.pk, on_date=self.day, balance=guarantee.balance.amount,
            interest_paid_to=max(guarantee.start_on, self.day - timedelta(days=30)), idempotency_key=self.key(),
            today=self.day))

    @precondition(lambda self: self.guarantees("defaulted"))
    @rule()
    def the_claim_is_paid(self) -> None:
        guarantee = self.guarantees("defaulted")[0]

        def claim() -> None:
            requested = services.claim_request(actor=self.officer, guarantee_id=guarantee.pk,
                                               principal=guarantee.balance.amount, costs=30_000,
                                               requested_on=self.day, today=self.day)
            services.claim_prepare(actor=self.kim, claim_id=requested.pk, paid_on=self.day, today=self.day)
            services.claim_approve(actor=self.lee, claim_id=requested.pk, idempotency_key=self.key(), today=self.day)

        self.attempt(claim)

    @precondition(lambda self: Claim.objects.filter(guarantee__program_id=self.program.pk, state="paid",
                                                    settled_on__isnull=True).exists())
    @rule(amount=st.integers(min_value=1, max_value=3_000_000))
    def a_recovery(self, amount: int) -> None:
        claim = Claim.objects.filter(guarantee__program_id=self.program.pk, state="paid",
                                     settled_on__isnull=True).order_by("pk").first()
        assert claim is not None
        self.attempt(lambda: services.recovery_record(
            actor=self.kim, claim_id=claim.pk, amount=amount, received_on=self.day, idempotency_key=self.key(),
            today=self.day))

    @precondition(lambda self: FeeBill.objects.filter(program_id=self.program.pk, state="open").exists())
    @rule()
    def the_enterprise_pays_its_fee(self) -> None:
        bill = FeeBill.objects.filter(program_id=self.program.pk, state="open").order_by("pk").first()
        assert bill is not None
        self.attempt(lambda: services.fee_pay(
            actor=self.kim, bill_id=bill.pk, amount=1_000, paid_on=self.day, idempotency_key=self.key(),
            today=self.day))

    @rule()
    def the_city_pays_its_shares(self) -> None:
        self.attempt(lambda: services.fee_city_pay(
            actor=self.lee, program_id=self.program.pk, paid_on=self.day, due_by=self.day,
            idempotency_key=self.key(), today=self.day))

    @rule()
    def the_last_months_subsidies(self) -> None:
        def run() -> None:
            start = last_ended_period("monthly", self.day)
            prepared, _new = services.subsidy_run_prepare(program_id=self.program.pk, period_start=start,
                                                          actor=self.kim, today=self.day)
            if prepared.state == "prepared":
                services.subsidy_run_approve(run_id=prepared.pk, actor=self.lee, today=self.day,
                                             idempotency_key=self.key())

        self.attempt(run)

    @rule()
    def the_years_begun_are_billed(self) -> None:
        services.fees_bill_due(today=self.day)

    # --- what always holds -------------------------------------------------------------------------------------

    @invariant()
    def capacity_in_use_is_what_the_guarantees_stand_behind(self) -> None:
        program = GuaranteeProgram.objects.get(pk=self.program.pk)
        held = Guarantee.objects.filter(program=program).aggregate(total=Sum("guaranteed"))["total"] or 0
        assert program.committed.amount == held

    @invariant()
    def no_account_with_no_overdraft_is_below_zero(self) -> None:
        assert not Account.objects.filter(book=self.program.book, no_overdraft=True, balance__lt=0).exists()


def test_any_order_of_a_guarantees_life_keeps_the_books_and_the_trail(settings_fast: None) -> None:
    GuaranteeLife.seen = set()
    run_state_machine_as_test(GuaranteeLife, settings=settings(
        max_examples=6, stateful_step_count=25, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
    # The walk went through the life, not only through refusals.
    assert {"approved", "active"} <= GuaranteeLife.seen, GuaranteeLife.seen


@pytest.fixture
def settings_fast(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
