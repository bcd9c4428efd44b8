import pytest

from ledger.models import Account
from tests.crowdfunding.factories import EntryFactory, PanelFactory, fund, seat


@pytest.mark.django_db
def test_factories_make_a_contest_with_money_and_a_judged_round():
    entry = EntryFactory()
    panel = PanelFactory(round__contest=entry.contest)
    judge = seat(panel)
    fund(entry.contest, 30_000_000)
    assert Account.objects.get(book=entry.contest.book, code="cash").balance.amount == 30_000_000
    assert panel.round.criteria.count() == 4 and judge.panel_seats.count() == 1
