"""The row locks of the revolving fund's writes, and the one order they are taken in.

Every write that touches these rows takes its locks in this order, so that no two writes wait on each other in a
circle (PostgreSQL would abort one of them):

1. the loan application;
2. its enterprise (submitting or approving: the enterprise's exposure must not move meanwhile);
3. loans, in id order (one loan for a servicing write, a batch for the close of business);
4. the fund's cash account (books in id order), unless the write only adds to it (a repayment: see
   ``ledger.services.deferred_counters``, which takes cash, then interest income, then default-interest income,
   at its end);
5. the rows that hang off a loan: a repayment, a write-off;
6. the ledger's own account locks, taken by the journals posted (the loan's accounts are guarded by its lock; the
   fund's shared accounts are reached only by a transaction that holds the fund's cash, or at the end).

All are FOR NO KEY UPDATE: the foreign-key checks of rows that refer to a locked one (an audit event, a statement,
another journal's entries), taken at their commit, do not wait for it. Only the loan's own row is locked, not its
fund or book (``of``): a journal insert takes a key-share lock on its book, which a FOR UPDATE of the book would
block.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Subquery
from django.utils.translation import gettext as _

from core.errors import NotFound
from enterprises.models import Enterprise
from ledger.models import Account

from . import accounts as chart
from .models import BusinessDay, Loan, LoanApplication, Repayment, WriteOff


def lock_application(application_id: int, *, enterprise: bool = False) -> LoanApplication:
    """The application, then with ``enterprise`` its enterprise. Raises NotFound."""
    application = LoanApplication.objects.select_for_update(no_key=True).filter(pk=application_id).first()
    if application is None:
        raise NotFound(_("No such loan application."))
    if enterprise:
        Enterprise.objects.select_for_update(no_key=True).get(pk=application.enterprise_id)
    return application


def lock_fund_cash(book_ids: Iterable[int]) -> None:
    list(Account.objects.select_for_update(no_key=True).filter(book_id__in=sorted(set(book_ids)), code=chart.CASH)
         .order_by("pk"))


def lock_loan(loan_id: int, *, cash: bool = True, last_closed: bool = False, shared_accounts: bool = False) -> Loan:
    """The loan (with its fund and book, and its enterprise), then with ``cash`` its fund's cash account. Its
    accounts are not joined: after waiting for the lock, PostgreSQL would give their rows as they were before the
    wait. With ``last_closed``, the last business day closed comes with it (``loan.last_closed_day``, or None): as
    of the query's start, which is all a write needs (a day whose close commits meanwhile has closed this loan
    before its lock was released, or left it for the write to bring up). With ``shared_accounts``, its fund's
    shared accounts come with it (their rows as read, unlocked: for ``ledger.services.deferred_counters``, which
    moves them at its end). Raises NotFound."""
    related = ["fund__book", "enterprise"]
    if shared_accounts:
        related += ["fund__cash_account", "fund__interest_income_account", "fund__default_interest_income_account"]
    loans = Loan.objects.select_for_update(of=("self",), no_key=True).select_related(*related)
    if last_closed:
        loans = loans.annotate(last_closed_day=Subquery(
            BusinessDay.objects.order_by("-date").values("date")[:1]))
    loan = loans.filter(pk=loan_id).first()
    if loan is None:
        raise NotFound(_("No such loan."))
    if cash:
        lock_fund_cash([loan.fund.book_id])
    return loan


def lock_loans(loan_ids: list[int], **filters: Any) -> list[Loan]:
    """Loans in id order (those matching ``filters``), then their funds' cash accounts: the close of business."""
    loans = list(
        Loan.objects.select_for_update(of=("self",), no_key=True).select_related("fund__book")
        .filter(pk__in=loan_ids, **filters).order_by("pk")
    )
    lock_fund_cash(loan.fund.book_id for loan in loans)
    return loans


def _loan_of(model: Any, pk: int, missing: str) -> int:
    loan_id = model.objects.filter(pk=pk).values_list("loan_id", flat=True).first()
    if loan_id is None:
        raise NotFound(missing)
    return int(loan_id)


def lock_repayment(repayment_id: int) -> tuple[Repayment, Loan]:
    """The repayment's loan (and its fund's cash), then the repayment. Raises NotFound."""
    loan = lock_loan(_loan_of(Repayment, repayment_id, _("No such repayment.")))
    return Repayment.objects.select_for_update(no_key=True).get(pk=repayment_id), loan


def lock_write_off(write_off_id: int) -> tuple[WriteOff, Loan]:
    """The write-off's loan (and its fund's cash), then the write-off. Raises NotFound."""
    loan = lock_loan(_loan_of(WriteOff, write_off_id, _("No such write-off.")))
    return WriteOff.objects.select_for_update(no_key=True).get(pk=write_off_id), loan
