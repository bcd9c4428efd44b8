"""The world of the console's special-guarantee page tests: the Dalseong-gun 2026 program (10억 from the county, 12x,
3천만 per firm, 100 %, 2 %p of interest for 24 months; tests.guarantees.factories) with its objects in each state the
pages act on, each made lazily by the services (or, for a guarantee's loan, straight in the database as the
factories do). The managers who made them are none of the users the tests call with, unless a test says so.

Days are today's (the pages take ``timezone.localdate()``): a run is of last month, a claim is paid today."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cached_property
from typing import Any

from django.utils import timezone

from guarantees import services
from guarantees.models import Claim, Guarantee, GuaranteeApplication, GuaranteeProgram, SubsidyRun
from tests.factories import ManagerFactory
from tests.guarantees.claim_factories import officer_of, set_defaulted
from tests.guarantees.factories import contribute, make_guarantee, make_program
from tests.guarantees.pipeline import make_application

START_ON = date(2026, 3, 2)  # every loan of the world was made that day, at 5 %


def last_month(today: date) -> date:
    """The first day of the month before ``today``'s."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


class GuaranteeWorld:
    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.preparer = ManagerFactory(username="manager.prep")  # prepares runs and claims the tests decide

    @cached_property
    def program(self) -> GuaranteeProgram:
        program = make_program()
        contribute(program, 1_000_000_000)  # cash 10억: capacity 120억
        services.subsidy_budget_record(actor=ManagerFactory(), program_id=program.pk, amount=10_000_000,
                                       received_on=self.today, idempotency_key="budget", today=self.today)
        return program

    @cached_property
    def bank(self) -> Any:
        return self.program.partner_banks.get()

    # --- applications -------------------------------------------------------------------------------------------

    @cached_property
    def submitted(self) -> GuaranteeApplication:
        return make_application(self.program, amount=20_000_000, state="submitted")

    @cached_property
    def recommended(self) -> GuaranteeApplication:
        return make_application(self.program, amount=20_000_000, state="recommended", recommender=self.preparer)

    # --- guarantees ---------------------------------------------------------------------------------------------

    @cached_property
    def approved(self) -> Guarantee:
        """An approved guarantee, the bank not having lent yet: 20,000,000 x 100 %."""
        return make_guarantee(self.program, amount=20_000_000, state="approved")

    @cached_property
    def active(self) -> Guarantee:
        """An active guarantee: 20,000,000 lent on 2026-03-02 at 5 %, 60 months (12 of grace)."""
        return make_guarantee(self.program, amount=20_000_000, start_on=START_ON)

    # --- subsidy runs -------------------------------------------------------------------------------------------

    @cached_property
    def prepared_run(self) -> SubsidyRun:
        """Last month's run over ``active`` alone, prepared by ``preparer``."""
        assert self.active.pk
        run, _created = services.subsidy_run_prepare(program_id=self.program.pk,
                                                     period_start=last_month(self.today), actor=self.preparer,
                                                     today=self.today)
        return run

    # --- claims -------------------------------------------------------------------------------------------------

    @cached_property
    def defaulted(self) -> Guarantee:
        """20,000,000 lent on 2026-03-02 at 5 %; 15,000,000 left when it defaulted 20 days ago, interest paid up to
        50 days ago."""
        guarantee = make_guarantee(self.program, amount=20_000_000, start_on=START_ON)
        return set_defaulted(guarantee, defaulted_on=self.today - timedelta(days=20),
                             interest_paid_to=self.today - timedelta(days=50), balance=15_000_000)

    @cached_property
    def requested_claim(self) -> Claim:
        """The bank's claim on ``defaulted``, 10 days ago: principal 15,000,000, costs 300,000."""
        return services.claim_request(actor=officer_of(self.defaulted), guarantee_id=self.defaulted.pk,
                                      principal=15_000_000, interest=100_000, costs=300_000,
                                      requested_on=self.today - timedelta(days=10), today=self.today)

    @cached_property
    def prepared_claim(self) -> Claim:
        """``requested_claim`` prepared by ``preparer`` for payment today."""
        return services.claim_prepare(actor=self.preparer, claim_id=self.requested_claim.pk, paid_on=self.today,
                                      today=self.today)

    @cached_property
    def paid_claim(self) -> Claim:
        """``prepared_claim`` approved (paid) today by another manager."""
        claim, _new = services.claim_approve(actor=ManagerFactory(), claim_id=self.prepared_claim.pk,
                                             idempotency_key="pay", today=self.today)
        return claim

    @cached_property
    def write_off_asked(self) -> Claim:
        """``paid_claim`` whose write-off ``preparer`` asked for."""
        services.recourse_write_off_request(actor=self.preparer, claim_id=self.paid_claim.pk, reason="회수 불능",
                                            today=self.today)
        return self.paid_claim
