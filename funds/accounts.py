"""The chart of accounts of a fund's book. Codes are stable; later queries (statements, summaries) rely on them."""

from __future__ import annotations

from ledger.models import Account, Book
from ledger.services import account_create

from .models import CapitalSource, Fund

CASH = "cash"
INTEREST_INCOME = "income:interest"
DEFAULT_INTEREST_INCOME = "income:default-interest"
RECOVERY_INCOME = "income:recovery"
WRITE_OFF_EXPENSE = "expense:write-off"


def capital_code(source: str) -> str:
    return f"capital:{source}"


def open_fund_accounts(book: Book) -> dict[str, Account]:
    """The fund-level accounts of a new fund's book, by code."""
    opened = [account_create(book=book, code=CASH, name="현금 (Cash)", type="asset", no_overdraft=True)]
    for source, label in CapitalSource.choices:
        opened.append(account_create(book=book, code=capital_code(source), name=f"출연금 {label}", type="equity"))
    opened += [
        account_create(book=book, code=INTEREST_INCOME, name="이자수익 (Interest income)", type="income"),
        account_create(book=book, code=DEFAULT_INTEREST_INCOME, name="연체이자수익 (Default interest)", type="income"),
        account_create(book=book, code=RECOVERY_INCOME, name="상각채권 회수이익 (Recoveries)", type="income"),
        account_create(book=book, code=WRITE_OFF_EXPENSE, name="대손상각비 (Write-offs)", type="expense"),
    ]
    return {account.code: account for account in opened}


def account(book: Book, code: str) -> Account:
    return Account.objects.get(book=book, code=code)


def account_id(book: Book, code: str) -> int:
    """The id of the book's account with this code, for posting. Remembered on the ``book`` instance (a chart never
    changes once opened), so a run that reuses one Book object, like the close of business, looks each code up
    once. Balances are never cached: read them with ``account``."""
    cache: dict[str, int] = book.__dict__.setdefault("_chart_ids", {})
    if code not in cache:
        cache[code] = Account.objects.values_list("pk", flat=True).get(book=book, code=code)
    return cache[code]


SHARED = (CASH, INTEREST_INCOME, DEFAULT_INTEREST_INCOME)  # every loan's servicing moves them: this is their lock order


def shared_accounts(fund: Fund) -> list[Account]:
    """The fund's cash, interest income and default-interest income, in that order (the order their locks are
    taken in), as the fund's row refers to them (read with it when the caller selected them, e.g.
    ``locks.lock_loan``); their ids are remembered on its book like ``account_id``'s."""
    found = [fund.cash_account, fund.interest_income_account, fund.default_interest_income_account]
    cache: dict[str, int] = fund.book.__dict__.setdefault("_chart_ids", {})
    for code, acc in zip(SHARED, found, strict=True):
        assert acc is not None and acc.code == code
        cache[code] = acc.pk
    return [acc for acc in found if acc is not None]


def cash(book: Book) -> Account:
    return account(book, CASH)


def capital(book: Book, source: str) -> Account:
    return account(book, capital_code(source))


def open_loan_accounts(book: Book, loan_ref: str) -> tuple[Account, Account, Account]:
    """Receivables of one loan: principal (대출채권), interest (미수이자), default interest (미수연체이자)."""
    return (
        account_create(book=book, code=f"loan:{loan_ref}:principal", name=f"대출채권 {loan_ref}", type="asset",
                       no_overdraft=True),
        account_create(book=book, code=f"loan:{loan_ref}:interest", name=f"미수이자 {loan_ref}", type="asset",
                       no_overdraft=True),
        account_create(book=book, code=f"loan:{loan_ref}:default-interest", name=f"미수연체이자 {loan_ref}",
                       type="asset", no_overdraft=True),
    )
