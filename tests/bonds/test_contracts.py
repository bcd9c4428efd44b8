"""Contracts: a draft is set up by one manager and signed by another (four eyes), only when complete; signing
appropriates the city's outcome budget at the cap; the states move in order."""

from __future__ import annotations

import pytest
from django.utils import translation

from bonds import accounts as chart
from bonds import services
from bonds.models import Contract
from core.errors import Forbidden, InvalidState, ValidationFailed
from core.models import AuditEvent
from enterprises.models import Institution
from ledger.models import Account, Journal
from tests.factories import InstitutionFactory, ManagerFactory

from .factories import EOK, days_ago, make_world, sign_and_start, today

pytestmark = pytest.mark.django_db


def balance(contract: Contract, code: str) -> int:
    return int(Account.objects.get(book=contract.book, code=code).balance.amount)


def test_a_draft_has_its_book_its_investors_and_the_first_investor_takes_the_leftover(world):
    contract = world.refresh()
    assert contract.state == "draft"
    assert contract.committed.amount == 1_110_000_000
    assert contract.leftover_investor == world.investors[0]
    codes = set(Account.objects.filter(book=contract.book).values_list("code", flat=True))
    assert {chart.CASH, chart.OUTCOME_BUDGET, chart.OUTCOME_APPROPRIATION, chart.OUTCOME_INCOME,
            chart.SERVICE_DISBURSED} <= codes
    assert {chart.capital_code(i.pk) for i in world.investors} <= codes
    assert AuditEvent.objects.filter(action="bonds.contract.create", actor=world.kim).count() == 1


def test_the_manager_who_prepared_a_contract_cannot_sign_it(world):
    with pytest.raises(InvalidState, match="four eyes"):
        services.contract_sign(actor=world.kim, contract_id=world.contract.pk, signed_on=days_ago(80), today=today())
    assert world.refresh().state == "draft"
    assert not Journal.objects.exists()


def test_a_refusal_is_in_korean_by_default(world):
    with translation.override("ko"), pytest.raises(InvalidState, match="작성·승인 분리 원칙"):
        services.contract_sign(actor=world.kim, contract_id=world.contract.pk, signed_on=days_ago(80), today=today())


def test_another_manager_signs_and_the_citys_budget_is_appropriated_at_the_cap(world):
    contract = sign_and_start(world)
    assert (contract.state, contract.signed_by, contract.signed_on) == ("in_service", world.lee, days_ago(80))
    assert balance(contract, chart.OUTCOME_BUDGET) == 15 * EOK
    assert balance(contract, chart.OUTCOME_APPROPRIATION) == 15 * EOK


def test_an_incomplete_contract_cannot_be_signed(db):
    world = make_world()
    services.contract_update(actor=world.kim, contract_id=world.contract.pk, name="이름 변경")
    other = services.contract_create(
        actor=world.kim, code="empty", name="빈 협약", outcome_payer=world.city, operator=world.operator,
        provider=world.provider, evaluator=world.evaluator_institution, service_starts_on=days_ago(70),
        service_ends_on=days_ago(25), max_payment=EOK)
    with pytest.raises(InvalidState, match="not complete"):
        services.contract_sign(actor=world.lee, contract_id=other.pk, signed_on=days_ago(80), today=today())


def test_a_signed_contract_is_no_longer_a_draft_to_change(world):
    sign_and_start(world)
    with pytest.raises(InvalidState, match="state"):
        services.contract_update(actor=world.kim, contract_id=world.contract.pk, name="바뀐 이름")
    with pytest.raises(InvalidState):
        services.investment_add(actor=world.kim, contract_id=world.contract.pk,
                                investor=InstitutionFactory(kind=Institution.Kind.INVESTOR), commitment=EOK)


@pytest.mark.parametrize(("field", "value"), [
    ("max_payment", "0"), ("max_payment", "10.5"), ("max_payment", -1), ("interim_percent", "101"),
    ("interim_percent", 0.5), ("rounding_unit", 7), ("distribution_mode", "lottery"),
])
def test_bad_contract_fields_are_refused_naming_the_field(world, field, value):
    with pytest.raises(ValidationFailed) as caught:
        services.contract_update(actor=world.kim, contract_id=world.contract.pk, **{field: value})
    assert field in caught.value.fields


def test_the_parties_must_be_institutions_of_their_kinds(world):
    bank = InstitutionFactory(kind=Institution.Kind.BANK)
    for field in ("outcome_payer", "operator", "evaluator"):
        with pytest.raises(ValidationFailed) as caught:
            services.contract_update(actor=world.kim, contract_id=world.contract.pk, **{field: bank})
        assert field in caught.value.fields


def test_a_table_that_does_not_pay_100_percent_at_its_principal_line_is_refused(world):
    with pytest.raises(ValidationFailed) as caught:
        services.payment_term_set(actor=world.kim, metric_id=world.cost.pk, kind="table", steps=[(12, 100), (20, 114)],
                                  principal=1_550_000_000, principal_line=20)
    assert "principal_line" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        services.payment_term_set(actor=world.kim, metric_id=world.cost.pk, kind="table", steps=[(20, 100), (12, 114)],
                                  principal=1_550_000_000)
    assert "steps" in caught.value.fields


def test_only_managers_set_contracts_up(world, auditor, investor):
    for user in (auditor, investor, world.evaluators[0]):
        with pytest.raises(Forbidden):
            services.contract_update(actor=user, contract_id=world.contract.pk, name="x")
        with pytest.raises(Forbidden):
            services.contract_sign(actor=user, contract_id=world.contract.pk, signed_on=days_ago(80), today=today())


def test_the_states_move_in_order(world):
    with pytest.raises(InvalidState):
        services.contract_start(actor=world.lee, contract_id=world.contract.pk, started_on=days_ago(70), today=today())
    sign_and_start(world)
    with pytest.raises(InvalidState):
        services.contract_close(actor=world.lee, contract_id=world.contract.pk, closed_on=today(), today=today())
    services.contract_evaluate(actor=ManagerFactory(), contract_id=world.contract.pk, on_date=days_ago(20),
                               today=today())
    assert world.refresh().state == "evaluating"
