"""The chart of accounts of a social impact bond contract's book (one book per contract). Codes are stable; the
position, statements and the INDIGO export rely on them.

- ``cash`` (asset, no overdraft): what the contract holds (the operator keeps it): capital paid in and outcome
  payments received come in; disbursements to the provider and distributions to investors go out.
- ``capital:<investor>`` (equity), one per investor: the capital it paid in (출자금).
- ``service:disbursed`` (expense): capital disbursed to the service provider (사업비 지급).
- ``outcome:budget`` (asset, no overdraft) against ``outcome:appropriation`` (equity): the city's outcome budget
  (성과보상 예산), appropriated at the contract's maximum outcome payment when it is signed; an approved payment
  takes it down, so no payment can ever take the city past the cap, whatever races. What is not spent lapses at
  closing.
- ``income:outcomes`` (income): outcome payments received from the city (성과보상금 수령).
- ``distributed:<investor>`` (expense), one per investor: what was distributed (paid) to it (배분금 지급).

The journals:
- signing: Dr ``outcome:budget`` / Cr ``outcome:appropriation`` (the maximum outcome payment);
- a capital call line paid: Dr ``cash`` / Cr ``capital:<investor>``;
- a disbursement: Dr ``service:disbursed`` / Cr ``cash``;
- an outcome payment approved: Dr ``cash`` / Cr ``income:outcomes`` and Dr ``outcome:appropriation`` / Cr
  ``outcome:budget``;
- a distribution: Dr ``distributed:<investor>`` per investor / Cr ``cash``;
- closing: the unspent budget lapses, Dr ``outcome:appropriation`` / Cr ``outcome:budget``.
"""

from __future__ import annotations

from ledger.models import Account, Book
from ledger.services import account_create

CASH = "cash"
SERVICE_DISBURSED = "service:disbursed"
OUTCOME_BUDGET = "outcome:budget"
OUTCOME_APPROPRIATION = "outcome:appropriation"
OUTCOME_INCOME = "income:outcomes"


def capital_code(investor_id: int) -> str:
    """By the investing institution's id (an institution invests in a contract once)."""
    return f"capital:{investor_id}"


def distributed_code(investor_id: int) -> str:
    return f"distributed:{investor_id}"


def open_contract_accounts(book: Book) -> dict[str, Account]:
    """The accounts every contract's book has, by code (the investors' are opened with their investments)."""
    opened = [
        account_create(book=book, code=CASH, name="현금 (Cash)", type="asset", no_overdraft=True),
        account_create(book=book, code=SERVICE_DISBURSED, name="사업비 지급 (Capital disbursed to the provider)",
                       type="expense"),
        account_create(book=book, code=OUTCOME_BUDGET, name="성과보상 예산 (The city's outcome budget)",
                       type="asset", no_overdraft=True),
        account_create(book=book, code=OUTCOME_APPROPRIATION, name="성과보상 예산 편성 (Appropriation)",
                       type="equity"),
        account_create(book=book, code=OUTCOME_INCOME, name="성과보상금 수령 (Outcome payments received)",
                       type="income"),
    ]
    return {account.code: account for account in opened}


def open_investor_accounts(book: Book, investor_id: int, investor_name: str) -> tuple[Account, Account]:
    """An investor's capital account and distributions account in the contract's book."""
    capital = account_create(book=book, code=capital_code(investor_id), name=f"출자금 {investor_name}"[:200],
                             type="equity")
    distributed = account_create(book=book, code=distributed_code(investor_id),
                                 name=f"배분금 지급 {investor_name}"[:200], type="expense")
    return capital, distributed


def account(book: Book | int, code: str) -> Account:
    book_id = book if isinstance(book, int) else book.pk
    return Account.objects.get(book_id=book_id, code=code)
