"""Helpers of the revolving-fund tests: what the database holds (to prove a refusal wrote nothing), the error shape."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api.models import IdempotencyRecord
from core.models import AuditEvent
from funds.models import (
    ApplicationApproval,
    Fund,
    FundContribution,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
)
from ledger.models import Account, Entry, Journal
from tests.api.helpers import assert_error

__all__ = ["assert_error", "nothing_written", "world_state"]


def world_state() -> dict[str, Any]:
    """Everything a funds request could write: row counts, every application's and loan's state and amounts,
    every account's counters, and the idempotency keys held."""
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (
                AuditEvent, Journal, Entry, Fund, FundContribution, LoanProduct, LoanApplication,
                ApplicationApproval, Loan, Installment, IdempotencyRecord,
            )
        },
        "applications": sorted(
            LoanApplication.objects.values_list("pk", "state", "amount", "purpose", "reviewed_by_id")
        ),
        "loans": sorted(Loan.objects.values_list("pk", "state", "disbursed_on")),
        "accounts": sorted(Account.objects.values_list("pk", "debit_total", "credit_total", "balance")),
    }


@contextmanager
def nothing_written() -> Iterator[None]:
    """Assert that the block leaves the database exactly as it found it."""
    before = world_state()
    yield
    after = world_state()
    assert after == before, "a refused request wrote something"
