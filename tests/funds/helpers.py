"""Helpers of the revolving-fund service tests: what the database holds (to prove a refusal wrote nothing), dates.
The API tests' helpers (the error shape, the idempotency keys held) are in tests/api/funds/helpers.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from core.models import AuditEvent
from funds.models import (
    ApplicationApproval,
    BusinessDay,
    Fund,
    FundContribution,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    LoanTransaction,
    Recovery,
    Repayment,
    WriteOff,
)
from ledger.models import Account, Entry, Journal

__all__ = ["months_before", "nothing_written", "world_state"]


def world_state() -> dict[str, Any]:
    """Everything a funds service call could write: row counts, every application's and loan's state and amounts (the
    servicing state too: days closed, days past due, class, carry), every installment's paid amounts, every
    repayment's reversal and write-off's decision, and every account's counters."""
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (
                AuditEvent, Journal, Entry, Fund, FundContribution, LoanProduct, LoanApplication,
                ApplicationApproval, Loan, Installment, Repayment, LoanTransaction, WriteOff,
                Recovery, BusinessDay,
            )
        },
        "applications": sorted(
            LoanApplication.objects.values_list("pk", "state", "amount", "purpose", "reviewed_by_id")
        ),
        "loans": sorted(
            Loan.objects.values_list(
                "pk", "state", "disbursed_on", "closed_through", "accelerated_on", "days_past_due", "asset_class",
                "default_interest_carry", "revision", "secured_amount", "paid_off_on", "written_off_on",
            )
        ),
        "installments": sorted(
            Installment.objects.values_list(
                "pk", "due_on", "principal_due", "interest_due", "principal_paid", "interest_paid",
                "interest_recognized",
            )
        ),
        "repayments": sorted(Repayment.objects.values_list("pk", "reversed_at", "reversal_journal_id")),
        "transactions": sorted(LoanTransaction.objects.values_list("pk", "reversed")),
        "write_offs": sorted(WriteOff.objects.values_list("pk", "state", "decided_by_id", "journal_id")),
        "accounts": sorted(Account.objects.values_list("pk", "debit_total", "credit_total", "balance")),
    }


@contextmanager
def nothing_written() -> Iterator[None]:
    """Assert that the block leaves the database exactly as it found it."""
    before = world_state()
    yield
    after = world_state()
    assert after == before, "a refused request wrote something"


def months_before(day: date, months: int) -> date:
    """The same day of the month ``months`` earlier; a day past the 28th is taken as the 28th (every month has it),
    so that due dates keep their day of the month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, min(day.day, 28))
