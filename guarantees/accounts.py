"""The chart of accounts of a guarantee program's book. Codes are stable; later queries (the position, statements)
rely on them.

- ``cash`` (asset, no overdraft): what the program holds; claims are paid out of it.
- ``contribution:<source>`` (equity), one per ``ContributionSource``: what the city, the banks and others paid in.
- ``income:fees`` (income): guarantee fees (보증료) the program earns.
- ``expense:claims`` (expense): claims paid to banks (대위변제).
- ``income:recoveries`` (income): what is recovered from enterprises on paid claims (구상).

- ``receivable:fees:firm`` and ``receivable:fees:city`` (assets): fees billed and not yet paid, by payer; billing
  posts them against ``income:fees``, payments move them into ``cash``, refunds take ``income:fees`` back.
- ``receivable:late-fees`` (asset) and ``income:late-fees`` (income): late fees on unpaid fee bills (10 %/yr).
- ``subsidy:budget`` (asset, no overdraft) and ``subsidy:appropriation`` (equity): the city's interest-subsidy budget
  (이차보전 예산), kept apart from the program's cash (it is not guarantee capacity); a paid run moves it into
  ``expense:subsidies``.
- ``recourse:<claim id>`` (asset) against ``recourse-memo:<claim id>`` (liability): the 구상채권 opened by a paid
  claim, as a memorandum pair (the loss is already in ``expense:claims``): what is recovered or written off of its
  principal and costs takes it down.

Net losses, which cut capacity, are ``expense:claims - income:recoveries``.
"""

from __future__ import annotations

from ledger.models import Account, Book
from ledger.services import account_create

from .models import ContributionSource

CASH = "cash"
FEE_INCOME = "income:fees"
CLAIMS_EXPENSE = "expense:claims"
RECOVERY_INCOME = "income:recoveries"
FEES_DUE_FIRM = "receivable:fees:firm"
FEES_DUE_CITY = "receivable:fees:city"
LATE_FEES_DUE = "receivable:late-fees"
LATE_FEE_INCOME = "income:late-fees"
SUBSIDY_BUDGET = "subsidy:budget"
SUBSIDY_APPROPRIATION = "subsidy:appropriation"
SUBSIDY_EXPENSE = "expense:subsidies"


def recourse_code(claim_id: int) -> str:
    return f"recourse:{claim_id}"


def recourse_memo_code(claim_id: int) -> str:
    return f"recourse-memo:{claim_id}"


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
        account_create(book=book, code=FEES_DUE_FIRM, name="미수보증료 기업분 (Fees due, firm)", type="asset"),
        account_create(book=book, code=FEES_DUE_CITY, name="미수보증료 지자체분 (Fees due, city)", type="asset"),
        account_create(book=book, code=LATE_FEES_DUE, name="미수연체료 (Late fees due)", type="asset"),
        account_create(book=book, code=LATE_FEE_INCOME, name="연체료수익 (Late fees)", type="income"),
        account_create(book=book, code=SUBSIDY_BUDGET, name="이차보전 예산 (Subsidy budget)", type="asset",
                       no_overdraft=True),
        account_create(book=book, code=SUBSIDY_APPROPRIATION, name="이차보전 재원 (Subsidy appropriation)",
                       type="equity"),
        account_create(book=book, code=SUBSIDY_EXPENSE, name="이차보전금 (Interest subsidies paid)", type="expense"),
    ]
    return {account.code: account for account in opened}


def account(book: Book, code: str) -> Account:
    return Account.objects.get(book=book, code=code)


def cash(book: Book) -> Account:
    return account(book, CASH)


def contribution(book: Book, source: str) -> Account:
    return account(book, contribution_code(source))
