"""A contract's whole life, through the services only: set up, signed (four eyes), capital called and paid, funding
disbursed, an interim and a final result recorded and confirmed (four eyes), the interim and final outcome payments
prepared and approved (four eyes), the cash distributed, the contract closed; then the ledger and the audit trail
verify clean, and each figure agrees with the ledger."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from bonds import accounts as chart
from bonds import services
from bonds.selectors import contract_position, contracts_visible_to, investments_visible_to, investor_figures
from core.audit import audit_seal, audit_verify
from core.models import AuditEvent
from ledger.models import Account
from ledger.selectors import ledger_check
from tests.factories import AuditorFactory, MembershipFactory

from .factories import EOK, call_and_pay, days_ago, make_world, record_and_confirm, sign_and_start, today

pytestmark = pytest.mark.django_db


def test_a_contracts_whole_life_leaves_the_ledger_and_the_audit_trail_clean(investor):
    world = make_world(interim_percent=30)
    contract = sign_and_start(world)
    call_and_pay(world, amount=600_000_000, key="call-1")
    services.disbursement_make(actor=world.kim, contract_id=contract.pk, amount=550_000_000, paid_on=days_ago(64),
                               idempotency_key="d1", today=today())
    call_and_pay(world, amount=510_000_000, key="call-2")
    services.disbursement_make(actor=world.kim, contract_id=contract.pk, amount=560_000_000, paid_on=days_ago(60),
                               idempotency_key="d2", today=today())
    record_and_confirm(world, world.interim, engaged=60, improved=30, beyond=4)
    interim = services.outcome_payment_prepare(actor=world.kim, point_id=world.interim.pk, paid_on=days_ago(35),
                                               today=today())
    services.outcome_payment_approve(actor=world.lee, payment_id=interim.pk, idempotency_key="i", today=today())
    services.distribution_make(actor=world.lee, contract_id=contract.pk, amount=355_500_000, paid_on=days_ago(30),
                               idempotency_key="dist-1", today=today())
    services.contract_evaluate(actor=world.lee, contract_id=contract.pk, on_date=days_ago(20), today=today())
    record_and_confirm(world, world.final)
    final = services.outcome_payment_prepare(actor=world.kim, point_id=world.final.pk, paid_on=days_ago(10),
                                             today=today())
    services.outcome_payment_approve(actor=world.lee, payment_id=final.pk, idempotency_key="f", today=today())
    services.distribution_make(actor=world.kim, contract_id=contract.pk, amount=1_340_000_000 - 355_500_000,
                               paid_on=days_ago(5), idempotency_key="dist-2", today=today())
    services.contract_close(actor=world.lee, contract_id=contract.pk, closed_on=today(), today=today())

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
    assert written >= {"bonds.contract.create", "bonds.contract.sign", "bonds.capital_call.paid",
                       "bonds.result.confirm", "bonds.payment.approve", "bonds.distribution.make",
                       "bonds.contract.close"}
