"""The chart of accounts of a guarantee program's book. Codes are stable; later queries (the position, statements)
rely on them.

- ``cash`` (asset, no overdraft): what the program holds; claims are paid out of it.
- ``contribution:<source>`` (equity), one per ``ContributionSource``: what the city, the banks and others paid in.
- ``income:fees`` (income): guarantee fees (보증료) the program earns.
- ``expense:claims`` (expense): claims paid to banks (대위변제).
- ``income:recoveries`` (income): what is recovered from enterprises on paid claims (구상).

Net losses, which cut capacity, are ``expense:claims - income:recoveries``. The subsidy budget and per-guarantee
accounts (구상채권) come with the steps that use them.
"""

from __future__ import annotations

from ledger.models import Account, Book
from ledger.services import account_create

from .models import ContributionSource

CASH = "cash"
FEE_INCOME = "income:fees"
CLAIMS_EXPENSE = "expense:claims"
RECOVERY_INCOME = "income:recoveries"


def contribution_code(source: str) -> str:
    return f"contribution:{source}"


def open_program_accounts(book: Book) -> dict[str, Account]:
    """The accounts of a new program's book, by code."""
    opened = [account_create(book=book, code=CASH, name="현금 (Cash)", type="asset", no_overdraft=True)]
    for source, label in ContributionSource.choices:
        opened.append(account_create(book=book, code=contribution_code(source), name=f"출연금 {label}",
                                     type="equity"))
    opened += [
        account_create(book=book, code=FEE_INCOME, name="보증료수익 (Guarantee fees)", type="income"),
        account_create(book=book, code=CLAIMS_EXPENSE, name="대위변제비용 (Claims paid)", type="expense"),
        account_create(book=book, code=RECOVERY_INCOME, name="구상채권 회수이익 (Recoveries)", type="income"),
    ]
    return {account.code: account for account in opened}


def account(book: Book, code: str) -> Account:
    return Account.objects.get(book=book, code=code)


def cash(book: Book) -> Account:
    return account(book, CASH)


def contribution(book: Book, source: str) -> Account:
    return account(book, contribution_code(source))
