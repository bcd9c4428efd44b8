"""The chart of accounts of a contest's book (one book per contest). Codes are stable; the report and statements rely
on them.

- ``cash`` (asset, no overdraft): the joint fund's money (공동기금) not yet reserved for an award.
- ``contribution:<institution id>`` (equity): what each partner institution paid in.
- ``award:<award id>:reserved`` (asset, no overdraft): an approved award's amount, earmarked out of ``cash`` at its
  approval (so the fund never promises more than it holds), drawn down as its tranches are paid.
- ``award:<award id>:advance`` (asset): tranches paid and not yet settled (선급금): settling moves what was spent
  to ``expense:awards``; what was not spent comes back to ``cash`` when the enterprise returns it (반환).
- ``expense:awards`` (expense): award money spent as the enterprises' reports show (정산된 시상금).

Campaigns and matching pools (the funding phase):

- ``pool:<pool id>:funder:<institution id>`` (asset, no overdraft): a funder's money in a pool not yet drawn: what a
  match draws from, so a pool is never overdrawn. ``PoolFunder.account``.
- ``pool:<pool id>:contribution:<institution id>`` (equity): what the funder paid into the pool; a return at the pool's
  settlement debits it.
- ``campaign:<campaign id>:matched`` (asset, no overdraft): matches drawn for the campaign and held until it settles
  (paid into its payout) or they go back to their funders.
- ``provider:receivable`` (asset): charged pledges' money the payment provider owes (it pays out after its own
  settlement); a refund reduces it, and so does the payment fee it keeps (카드 수수료: the enterprise's, taken out
  of its payout at settlement).
- ``campaign:<campaign id>:pledges`` (liability): charged pledges, less refunds, owed to the campaign until it settles.
- ``campaign:<campaign id>:payable`` (liability): the settled net payout owed to the enterprise until the bank file
  pays it.
- ``income:platform_fees`` (income): the platform fee kept at settlement.
- ``funder:<institution id>:payable`` (liability): unspent pool money owed back to a funder.
- ``pools:outgoing`` (asset, no overdraft): pool money on its way out by bank transfer: the matches a settled
  campaign was paid (until its payout), the unspent money of a settled pool (until it is paid back to its funders).
  It keeps the money in the book once it has left a campaign's ``matched`` or a funder's pool account.
- ``expense:matching`` (expense): matches (pledge matches, top-up, quadratic) granted to settled campaigns, the pools'
  money spent (매칭 지원금).
"""

from __future__ import annotations

from ledger.models import Account, Book
from ledger.services import account_create

CASH = "cash"
AWARD_EXPENSE = "expense:awards"


PROVIDER_RECEIVABLE = "provider:receivable"
PLATFORM_FEES = "income:platform_fees"
POOLS_OUTGOING = "pools:outgoing"
MATCHING_EXPENSE = "expense:matching"


def pool_funder_code(pool_id: int, institution_id: int) -> str:
    return f"pool:{pool_id}:funder:{institution_id}"


def pool_contribution_code(pool_id: int, institution_id: int) -> str:
    return f"pool:{pool_id}:contribution:{institution_id}"


def campaign_matched_code(campaign_id: int) -> str:
    return f"campaign:{campaign_id}:matched"


def campaign_pledges_code(campaign_id: int) -> str:
    return f"campaign:{campaign_id}:pledges"


def campaign_payable_code(campaign_id: int) -> str:
    return f"campaign:{campaign_id}:payable"


def funder_payable_code(institution_id: int) -> str:
    return f"funder:{institution_id}:payable"


def contribution_code(institution_id: int) -> str:
    return f"contribution:{institution_id}"


def reserved_code(award_id: int) -> str:
    return f"award:{award_id}:reserved"


def advance_code(award_id: int) -> str:
    return f"award:{award_id}:advance"


def open_contest_accounts(book: Book) -> dict[str, Account]:
    """The accounts every contest's book opens with, by code."""
    opened = [
        account_create(book=book, code=CASH, name="공동기금 현금 (Joint fund cash)", type="asset", no_overdraft=True),
        account_create(book=book, code=AWARD_EXPENSE, name="시상금 집행 (Awards spent)", type="expense"),
    ]
    return {account.code: account for account in opened}


def contribution_account(book: Book, institution_id: int, name: str) -> Account:
    """The partner's contribution account, opened on its first contribution."""
    code = contribution_code(institution_id)
    found = Account.objects.filter(book=book, code=code).first()
    return found or account_create(book=book, code=code, name=f"출연금 {name}"[:200], type="equity")


def award_accounts(book: Book, award_id: int) -> tuple[Account, Account]:
    """The award's reserved and advance accounts, opened on its approval."""
    reserved = Account.objects.filter(book=book, code=reserved_code(award_id)).first() or account_create(
        book=book, code=reserved_code(award_id), name=f"시상금 유보 #{award_id}", type="asset", no_overdraft=True)
    advance = Account.objects.filter(book=book, code=advance_code(award_id)).first() or account_create(
        book=book, code=advance_code(award_id), name=f"시상금 선급금 #{award_id}", type="asset", no_overdraft=True)
    return reserved, advance


def opened(book: Book, code: str, name: str, type: str, *, no_overdraft: bool = False) -> Account:
    """The account with ``code`` in ``book``, opened on first use (the campaigns' and pools' accounts)."""
    found = Account.objects.filter(book=book, code=code).first()
    return found or account_create(book=book, code=code, name=name[:200], type=type, no_overdraft=no_overdraft)


def account(book: Book, code: str) -> Account:
    return Account.objects.get(book=book, code=code)
