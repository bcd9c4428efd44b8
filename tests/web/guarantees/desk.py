"""What the bank desk's and the portal's guarantee page tests share: a program whose window is open today (the pages
take today from the clock) with its partner bank, that bank's officer and another bank's, an enterprise's member and
another enterprise's, and guarantees in the states the pages act on."""

from __future__ import annotations

import html
from datetime import timedelta
from functools import cached_property
from typing import Any

from django.utils import timezone

from enterprises.models import Institution
from tests.factories import BankOfficerFactory, InstitutionFactory
from tests.funds.factories import member_of
from tests.guarantees.claim_factories import request_claim, set_defaulted
from tests.guarantees.factories import contribute, make_guarantee, make_program

TODAY = timezone.localdate()
LENT_ON = TODAY - timedelta(days=40)  # the loans' start: reports fall between it and today


def text(response: Any) -> str:
    """The page's HTML with its entities read."""
    return html.unescape(response.content.decode())


class Desk:
    """The objects are made when first asked for."""

    @cached_property
    def program(self) -> Any:
        program = make_program(opens_on=TODAY - timedelta(days=180), closes_on=TODAY + timedelta(days=180))
        contribute(program, 1_000_000_000)
        return program

    @cached_property
    def bank(self) -> Institution:
        return self.program.partner_banks.get()

    @cached_property
    def other_bank(self) -> Institution:
        _ = self.bank  # the program's first partner bank stays the officer's
        bank = InstitutionFactory(kind=Institution.Kind.BANK, name="다른은행")
        self.program.partner_banks.add(bank)
        return bank

    @cached_property
    def officer(self) -> Any:
        return BankOfficerFactory(institution=self.bank, username="bank.officer")

    @cached_property
    def other_officer(self) -> Any:
        return BankOfficerFactory(institution=self.other_bank, username="bank.other")

    @cached_property
    def member(self) -> Any:
        return member_of()

    @cached_property
    def enterprise(self) -> Any:
        return self.member.memberships.get().enterprise

    @cached_property
    def other_member(self) -> Any:
        return member_of()

    @cached_property
    def other_enterprise(self) -> Any:
        return self.other_member.memberships.get().enterprise

    @cached_property
    def approved(self) -> Any:
        """20,000,000 approved at the bank, for the member's enterprise: the bank has not lent yet."""
        return make_guarantee(self.program, enterprise=self.enterprise, bank=self.bank, amount=20_000_000,
                              state="approved")

    @cached_property
    def active(self) -> Any:
        """20,000,000 lent 40 days ago at 5 %, 12 months' grace then equal principal over 60 months."""
        return make_guarantee(self.program, enterprise=self.enterprise, bank=self.bank, amount=20_000_000,
                              start_on=LENT_ON)

    @cached_property
    def other_bank_guarantee(self) -> Any:
        return make_guarantee(self.program, enterprise=self.other_enterprise, bank=self.other_bank,
                              amount=10_000_000, start_on=LENT_ON)

    @cached_property
    def other_enterprise_guarantee(self) -> Any:
        """Another enterprise's, at the officer's bank."""
        return make_guarantee(self.program, enterprise=self.other_enterprise, bank=self.bank, amount=10_000_000,
                              start_on=LENT_ON)

    @cached_property
    def defaulted(self) -> Any:
        """Lent 400 days ago, defaulted 60 days ago with interest paid to 90 days ago."""
        guarantee = make_guarantee(self.program, enterprise=self.enterprise, bank=self.bank, amount=10_000_000,
                                   start_on=TODAY - timedelta(days=400))
        return set_defaulted(guarantee, defaulted_on=TODAY - timedelta(days=60),
                             interest_paid_to=TODAY - timedelta(days=90))

    @cached_property
    def claimed(self) -> Any:
        """A defaulted guarantee with the bank's claim, asked 30 days ago."""
        guarantee = make_guarantee(self.program, enterprise=self.enterprise, bank=self.bank, amount=10_000_000,
                                   start_on=TODAY - timedelta(days=400))
        guarantee = set_defaulted(guarantee, defaulted_on=TODAY - timedelta(days=60),
                                  interest_paid_to=TODAY - timedelta(days=90))
        return request_claim(guarantee, requested_on=TODAY - timedelta(days=30), today=TODAY, officer=self.officer)


def subsidy_runs(desk: Desk) -> tuple[Any, Any]:
    """Two runs of the last month that ended (M) and the one before (M-1), prepared by a manager: a guarantee at the
    officer's bank lent in M is in M's run only; another bank's, lent at the start of M-1, is in both. So M's run
    has lines of both banks, M-1's of the other bank only."""
    from core.engines.schedules import add_months
    from guarantees import services
    from guarantees.services.subsidies import last_ended_period
    from tests.factories import ManagerFactory

    month = last_ended_period("monthly", TODAY)
    make_guarantee(desk.program, enterprise=desk.enterprise, bank=desk.bank, amount=10_000_000,
                   start_on=month + timedelta(days=5))
    make_guarantee(desk.program, enterprise=desk.other_enterprise, bank=desk.other_bank, amount=10_000_000,
                   start_on=add_months(month, -1))
    manager = ManagerFactory()
    services.subsidy_budget_record(actor=manager, program_id=desk.program.pk, amount=10_000_000, received_on=TODAY,
                                   idempotency_key="desk-budget", today=TODAY)
    runs = [services.subsidy_run_prepare(program_id=desk.program.pk, period_start=start, actor=manager,
                                         today=TODAY)[0]
            for start in (month, add_months(month, -1))]
    return runs[0], runs[1]


def in_english(client: Any) -> Any:
    """``client`` asking for the pages in English (the tests of the rules beside a field name them as the services
    word them; in Korean, the default, they read translated)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
