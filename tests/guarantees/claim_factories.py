"""Defaulted guarantees and their claims, for the claims' tests.

Until the guarantee's life (execute, report, default) has its services, a guarantee is defaulted here straight in the
database: its state, the loan's balance, the day interest is paid up to, and the guaranteed amount (balance x ratio,
floored) with the program's capacity in use moved by the same amount."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db.models import F
from djmoney.money import Money

from guarantees import services
from guarantees.models import Claim, Guarantee, GuaranteeProgram
from tests.factories import BankOfficerFactory, ManagerFactory


def set_defaulted(guarantee: Guarantee, *, defaulted_on: date, interest_paid_to: date,
                  balance: int | None = None) -> Guarantee:
    """The guarantee, defaulted on ``defaulted_on`` with ``balance`` outstanding (default: the loan's balance now)."""
    owed = Decimal(balance) if balance is not None else guarantee.balance.amount
    guaranteed = (owed * guarantee.ratio).to_integral_value(rounding=ROUND_FLOOR)
    released = guarantee.guaranteed.amount - guaranteed
    Guarantee.objects.filter(pk=guarantee.pk).update(
        state="defaulted", balance=Money(owed, "KRW"), balance_on=defaulted_on, defaulted_on=defaulted_on,
        interest_paid_to=interest_paid_to, guaranteed=Money(guaranteed, "KRW"))
    GuaranteeProgram.objects.filter(pk=guarantee.program_id).update(committed=F("committed") - released)
    guarantee.refresh_from_db()
    return guarantee


def officer_of(guarantee: Guarantee) -> Any:
    return BankOfficerFactory(institution=guarantee.bank)


def request_claim(guarantee: Guarantee, *, requested_on: date, today: date, principal: int | None = None,
                  interest: int = 0, costs: int = 0, officer: Any = None) -> Claim:
    return services.claim_request(
        actor=officer or officer_of(guarantee), guarantee_id=guarantee.pk,
        principal=principal if principal is not None else guarantee.balance.amount, interest=interest, costs=costs,
        requested_on=requested_on, today=today)


def prepared_claim(guarantee: Guarantee, *, requested_on: date, paid_on: date, today: date, preparer: Any = None,
                   **request: Any) -> Claim:
    claim = request_claim(guarantee, requested_on=requested_on, today=today, **request)
    return services.claim_prepare(actor=preparer or ManagerFactory(), claim_id=claim.pk, paid_on=paid_on, today=today)


def paid_claim(guarantee: Guarantee, *, requested_on: date, paid_on: date, today: date, approver: Any = None,
               **request: Any) -> Claim:
    claim = prepared_claim(guarantee, requested_on=requested_on, paid_on=paid_on, today=today, **request)
    claim, _new = services.claim_approve(actor=approver or ManagerFactory(), claim_id=claim.pk,
                                         idempotency_key=f"pay-{claim.pk}", today=today)
    return claim
