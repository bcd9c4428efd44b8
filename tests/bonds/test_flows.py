"""The investors' dated cash flows read for many investments at once (``bonds.selectors.flows_of``): one query
whatever their number, the same flows as each investment's own, agreeing with the investments' counters."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bonds.selectors import flows_of, investor_figures, investors_figures
from tests.bonds.factories import make_world, whole_life

pytestmark = pytest.mark.django_db


def test_the_flows_of_every_investment_are_one_query_and_agree_with_each_and_with_the_counters():
    world = make_world(interim_percent=30)
    whole_life(world)
    ids = [inv.pk for inv in world.investments]
    with CaptureQueriesContext(connection) as captured:
        flows = flows_of(ids)
    assert len(captured) == 1
    figures = investors_figures(world.investments)
    for investment in world.investments:
        investment.refresh_from_db()
        own = investor_figures(investment)
        assert figures[investment.pk] == own
        assert list(own.flows) == flows[investment.pk]
        assert [on for on, _amount in own.flows] == sorted(on for on, _amount in own.flows)
        assert own.paid_in == investment.paid_in.amount > 0
        assert own.distributed == investment.distributed.amount > 0
        assert sum(1 for _on, amount in own.flows if amount < 0) == investment.call_lines.filter(
            paid_on__isnull=False).count()
        assert sum(1 for _on, amount in own.flows if amount > 0) == investment.distribution_lines.count()
    assert flows_of([]) == {}
