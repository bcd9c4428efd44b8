"""Awards racing for the last of the joint fund on PostgreSQL: each thread has its own connection, they start together
at a barrier, and the ledger's lock on the fund's cash account decides who gets the money. The fund never promises
more than it holds, its cash never goes below zero at any point of its history, and the ledger recomputes clean."""

from __future__ import annotations

from collections import Counter

import pytest

from core.errors import InsufficientFunds
from crowdfunding import accounts as chart
from crowdfunding import services
from crowdfunding.models import Award
from ledger.models import Account
from ledger.selectors import ledger_check
from tests.concurrency import never_went_below_zero, run_together
from tests.factories import ManagerFactory

from .award_helpers import AWARDS_DAY, final_decided, set_table
from .factories import fund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
M = 1_000_000


@pytest.fixture(autouse=True)
def _quick_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def prepared(final, amounts: dict[int, int]) -> list[Award]:
    preparer = ManagerFactory()
    return [services.award_prepare(actor=preparer, today=AWARDS_DAY, entry_id=final.entry(rank).pk, amount=amount)
            for rank, amount in amounts.items()]


def approve_together(awards: list[Award]) -> list[object]:
    approvers = [ManagerFactory() for _ in awards]
    return run_together(len(awards), lambda i: services.award_approve(
        actor=approvers[i], today=AWARDS_DAY, award_id=awards[i].pk, idempotency_key=f"approve-{i}"),
        expected=(InsufficientFunds,))


@pytest.mark.parametrize("round_", range(3))
def test_two_awards_racing_for_the_last_of_the_fund_one_is_approved(transactional_db, round_):
    # 40,000,000 in the fund; the second and third places' awards of 25,000,000 each: only one fits.
    final = final_decided(count=3)
    set_table(final.contest)
    fund(final.contest, 40 * M)
    awards = prepared(final, {2: 25 * M, 3: 25 * M})

    results = approve_together(awards)

    outcomes = Counter(type(result).__name__ for result in results)
    assert outcomes == {"tuple": 1, "InsufficientFunds": 1}, results
    refused = next(result for result in results if isinstance(result, InsufficientFunds))
    assert "15,000,000원" in refused.message  # what the fund held once the other award was reserved
    cash = Account.objects.get(book=final.contest.book, code=chart.CASH)
    assert cash.balance.amount == 15 * M
    assert never_went_below_zero(cash.pk)
    states = Counter(Award.objects.filter(pk__in=[a.pk for a in awards]).values_list("state", flat=True))
    assert states == {"approved": 1, "prepared": 1}
    report = ledger_check()
    assert report.ok, report.problems


def test_six_awards_racing_for_the_fund_never_take_more_than_it_holds(transactional_db):
    # 45,000,000 in the fund; six awards of 10,000,000 to 15,000,000: 15,000,000 x 3 = 45,000,000 exactly, or fewer
    # whichever come first; never more than the fund.
    final = final_decided(count=6)
    set_table(final.contest)
    fund(final.contest, 45 * M)
    awards = prepared(final, {4: 15 * M, 5: 15 * M, 6: 15 * M, 1: 30 * M, 2: 20 * M, 3: 20 * M})

    results = approve_together(awards)

    approved = Award.objects.filter(pk__in=[a.pk for a in awards], state="approved")
    total = sum(award.amount.amount for award in approved)
    cash = Account.objects.get(book=final.contest.book, code=chart.CASH)
    assert total + cash.balance.amount == 45 * M
    assert 0 <= cash.balance.amount < 15 * M  # not even the smallest award would fit in what is left
    assert sum(1 for result in results if isinstance(result, InsufficientFunds)) == 6 - approved.count()
    assert never_went_below_zero(cash.pk)
    reserved = Account.objects.filter(book=final.contest.book, code__endswith=":reserved")
    assert sum(account.balance.amount for account in reserved) == total
    report = ledger_check()
    assert report.ok, report.problems
