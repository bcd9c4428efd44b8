"""A contract's whole life, through the services only: set up, signed (four eyes), capital called and paid, funding
disbursed, an interim and a final result recorded and confirmed (four eyes), the interim and final outcome payments
prepared and approved (four eyes), the cash distributed, the contract closed; then the ledger and the audit trail
verify clean, and each figure agrees with the ledger."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from bonds import accounts as chart
from bonds.selectors import contract_position, contracts_visible_to, investments_visible_to, investor_figures
from core.audit import audit_actions, audit_seal, audit_verify
from core.models import AuditEvent
from ledger.models import Account
from ledger.selectors import ledger_check
from tests.factories import AuditorFactory, MembershipFactory

from .factories import EOK, make_world, whole_life

pytestmark = pytest.mark.django_db


def test_a_contracts_whole_life_leaves_the_ledger_and_the_audit_trail_clean(investor):
    world = make_world(interim_percent=30)
    whole_life(world)

    contract = world.refresh()
    assert contract.state == "closed"
    position = contract_position(contract)
    assert position.reconciled
    assert (position.paid_in, position.disbursed, position.outcome_paid, position.distributed, position.cash) == (
        1_110_000_000, 1_110_000_000, 1_340_000_000, 1_340_000_000, 0)
    balances = dict(Account.objects.filter(book=contract.book).values_list("code", "balance"))
    # The budget spent (13.4억) and lapsed (1.6억): nothing left appropriated; what the city paid is income.
    assert balances[chart.OUTCOME_BUDGET] == 0 and balances[chart.OUTCOME_APPROPRIATION] == 0
    assert balances[chart.OUTCOME_INCOME] == 1_340_000_000 < 15 * EOK
    assert sum(figures.distributed for figures in map(investor_figures, world.investments)) == 1_340_000_000
    lead = investor_figures(world.investments[0])
    assert lead.paid_in == 500_000_000 and lead.irr is not None and lead.irr > 0

    # Who sees what: staff all, the evaluator and each investor their own, the provider's members theirs.
    other = make_world(code="other-sib")
    member = MembershipFactory(enterprise=world.provider).user
    assert set(contracts_visible_to(AuditorFactory())) == {contract, other.contract}
    assert list(contracts_visible_to(world.evaluators[0])) == [contract]
    assert list(contracts_visible_to(other.evaluators[0])) == [other.contract]
    assert list(contracts_visible_to(world.investor_users[1])) == [contract]
    assert list(contracts_visible_to(member)) == [contract]
    assert list(contracts_visible_to(investor)) == []
    assert list(investments_visible_to(world.investor_users[1])) == [world.investments[1]]

    report = ledger_check()
    assert report.ok, report.problems
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "every account agrees" in out.getvalue()
    audit_seal()
    assert audit_verify().ok
    written = set(AuditEvent.objects.filter(action__startswith="bonds.").values_list("action", flat=True))
    assert written == {name for name in audit_actions() if name.startswith("bonds.")}
