"""The objects the revolving fund's API tests act on, each built the first time a test names it.

``own_*`` objects belong to the member's enterprise, ``other_*`` to an enterprise the member does not act for.
Managers who make the objects (``teller``, ``reviewer``, ``requester``, ``decider``) are none of the roles the tests
call with, so any manager of the tests may approve what they recommended or decide what they asked for.

- One fund lending each enterprise up to 200,000,000 won, with two products: ``product`` (the default one: 2 %,
  36 months, 6 months' grace; two approvers above 30,000,000) for applications and approved loans, and
  ``servicing_product`` (equal principal over 12 months at 7 %, monthly day count, 1 won floor, one approver) for
  the active loans, disbursed ten days ago, each with a repayment of today by the teller.
- Loans in 추정손실 (estimated loss) are in a second fund, so that their default does not bar the enterprises from
  borrowing from the first: 1,000,000 won bullet loans of one month, disbursed 14 months ago and closed through
  yesterday (about 396 days past due). Write-offs of them are asked for by the requester and decided by the decider.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db import models
from django.utils import timezone

from funds import services
from funds.models import Fund, Loan, LoanApplication, LoanProduct, Repayment, WriteOff
from tests.factories import EnterpriseFactory, ManagerFactory
from tests.funds.factories import make_application, make_fund, make_loan, make_product, member_of
from tests.funds.helpers import months_before


class FundsWorld:
    # Objects whose ids a "missing" id must stay clear of.
    MODELS: tuple[type[models.Model], ...] = (Fund, LoanProduct, LoanApplication, Loan, Repayment, WriteOff)

    def __init__(self, member: Any) -> None:
        self.member = member
        self.today = timezone.localdate()
        self.yesterday = self.today - timedelta(days=1)

    # --- people and enterprises ---

    @cached_property
    def teller(self) -> Any:
        return ManagerFactory()

    @cached_property
    def reviewer(self) -> Any:
        return ManagerFactory()

    @cached_property
    def requester(self) -> Any:
        return ManagerFactory()

    @cached_property
    def decider(self) -> Any:
        return ManagerFactory()

    @cached_property
    def own(self) -> Any:
        return self.member.memberships.get().enterprise

    @cached_property
    def other(self) -> Any:
        return EnterpriseFactory()

    @cached_property
    def other_member(self) -> Any:
        return member_of(self.other)

    # --- the fund, its products, applications and approved loans ---

    @cached_property
    def fund(self) -> Fund:
        return make_fund(exposure_limit=200_000_000)

    @cached_property
    def product(self) -> LoanProduct:
        return make_product(self.fund)

    @cached_property
    def servicing_product(self) -> LoanProduct:
        return make_product(self.fund, name="운영자금 (원금균등)", method="equal_principal", grace_months=0,
                            term_months=12, annual_rate=Decimal("0.07000"), rounding_unit=1, approval_tiers=[])

    @cached_property
    def own_draft(self) -> LoanApplication:
        return make_application(self.product, member=self.member)

    @cached_property
    def own_submitted(self) -> LoanApplication:
        return make_application(self.product, member=self.member, state="submitted")

    @cached_property
    def own_recommended(self) -> LoanApplication:
        return make_application(self.product, member=self.member, state="recommended", reviewer=self.reviewer)

    @cached_property
    def other_draft(self) -> LoanApplication:
        return make_application(self.product, member=self.other_member)

    @cached_property
    def other_submitted(self) -> LoanApplication:
        return make_application(self.product, member=self.other_member, state="submitted")

    @cached_property
    def own_approved_loan(self) -> Loan:
        return make_loan(self.product, member=self.member)

    @cached_property
    def other_approved_loan(self) -> Loan:
        return make_loan(self.product, member=self.other_member)

    # --- active loans and their repayments ---

    def _active(self, member: Any) -> Loan:
        return make_loan(self.servicing_product, member=member, amount=10_000_000,
                         disbursed_on=self.today - timedelta(days=10))

    def _repay(self, loan: Loan, amount: int, key: str) -> Repayment:
        return services.repayment_make(actor=self.teller, loan_id=loan.pk, amount=amount, idempotency_key=key,
                                       today=self.today)[0]

    @cached_property
    def own_loan(self) -> Loan:
        loan = self._active(self.member)
        self._repay(loan, 50_000, "teller-own")
        return loan

    @cached_property
    def other_loan(self) -> Loan:
        loan = self._active(self.other_member)
        self._repay(loan, 50_000, "teller-other")
        return loan

    @cached_property
    def own_repayment(self) -> Repayment:
        return Repayment.objects.get(loan=self.own_loan, idempotency_key="teller-own")

    @cached_property
    def other_repayment(self) -> Repayment:
        return Repayment.objects.get(loan=self.other_loan, idempotency_key="teller-other")

    @cached_property
    def own_earlier_repayment(self) -> Repayment:
        """A repayment of the member's that is no longer the latest on its loan: it cannot be reversed."""
        self._repay(self.own_loan, 20_000, "teller-own-2")
        return self.own_repayment

    @cached_property
    def own_paid_off(self) -> Loan:
        loan = self._active(self.member)
        quote = services.payoff_quote(loan_id=loan.pk, on=self.today, today=self.today)
        self._repay(loan, int(quote.payoff), "teller-payoff")
        loan.refresh_from_db()
        assert loan.state == Loan.State.PAID_OFF
        return loan

    # --- loans in 추정손실, write-offs ---

    @cached_property
    def bad_fund(self) -> Fund:
        return make_fund(code="bad-debts", exposure_limit=200_000_000)

    @cached_property
    def bullet(self) -> LoanProduct:
        return make_product(self.bad_fund, method="bullet", grace_months=0, term_months=1,
                            annual_rate=Decimal("0.03650"), day_count="actual_365", rounding_unit=1, approval_tiers=[])

    def _doomed(self, member: Any) -> Loan:
        loan = make_loan(self.bullet, member=member, amount=1_000_000, disbursed_on=months_before(self.today, 14))
        # Closing yesterday catches up every loan not yet closed through it, whatever was closed before.
        services.close_days(self.yesterday, self.yesterday)
        loan.refresh_from_db()
        assert loan.state == Loan.State.ACTIVE and loan.asset_class == "estimated_loss", loan.asset_class
        return loan

    def _written_off(self, member: Any) -> tuple[Loan, WriteOff]:
        loan = self._doomed(member)
        write_off = services.write_off_request(actor=self.requester, loan_id=loan.pk, reason="회수 불능")
        write_off = services.write_off_approve(actor=self.decider, write_off_id=write_off.pk, reason="의결",
                                               today=self.today)
        loan.refresh_from_db()
        assert loan.state == Loan.State.WRITTEN_OFF
        return loan, write_off

    @cached_property
    def own_doomed(self) -> Loan:
        return self._doomed(self.member)

    @cached_property
    def other_doomed(self) -> Loan:
        return self._doomed(self.other_member)

    @cached_property
    def pending_write_off(self) -> WriteOff:
        loan = self._doomed(self.member)
        return services.write_off_request(actor=self.requester, loan_id=loan.pk, reason="회수 불능")

    @cached_property
    def _own_written_off(self) -> tuple[Loan, WriteOff]:
        return self._written_off(self.member)

    @cached_property
    def own_written_off(self) -> Loan:
        return self._own_written_off[0]

    @cached_property
    def approved_write_off(self) -> WriteOff:
        return self._own_written_off[1]

    @cached_property
    def other_written_off(self) -> Loan:
        return self._written_off(self.other_member)[0]

    # --- paths ---

    def build(self, *names: str) -> None:
        for name in names:
            getattr(self, name)

    def highest_id(self) -> int:
        return max(model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0 for model in self.MODELS)

    def ids(self, path: str) -> dict[str, Any]:
        """The values the path names (building those objects: their ids, or the value itself for a plain value),
        and ``missing``: an id no object of any kind has."""
        values: dict[str, Any] = {}
        for name in re.findall(r"{(\w+)}", path):
            if name == "missing":
                continue
            value = getattr(self, name)
            values[name] = value if isinstance(value, int | str) else value.pk
        return {**values, "missing": 10_000 + self.highest_id()}
