"""Capital calls share the call in proportion to what each investor has still to pay in, the rounding leftover to the
named investor; each payment is a journal; disbursements never overdraw the contract's cash."""

from __future__ import annotations

import pytest

from bonds import accounts as chart
from bonds import services
from bonds.models import CapitalCall, Investment
from core.errors import Forbidden, IdempotencyConflict, InsufficientFunds, InvalidState, ValidationFailed
from ledger.models import Account, Journal

from .factories import call_and_pay, days_ago, sign_and_start, today

pytestmark = pytest.mark.django_db


def lines_of(call: CapitalCall) -> list[int]:
    return [int(line.amount.amount) for line in call.lines.order_by("investment__position")]


def test_a_call_of_11_1_eok_asks_5_3_6_and_2_5_eok(world):
    sign_and_start(world)
    call, new = services.capital_call_make(actor=world.kim, contract_id=world.contract.pk, amount="1110000000",
                                           call_on=days_ago(70), due_on=days_ago(60), idempotency_key="c1",
                                           today=today())
    assert new and lines_of(call) == [500_000_000, 360_000_000, 250_000_000]
    assert world.refresh().called.amount == 1_110_000_000
    assert not Journal.objects.filter(kind="bond.capital").exists()  # a call asks; the payments post


def test_the_rounding_leftover_of_a_call_goes_to_the_named_investor(world):
    # 1,000,000,001 x 500/1110 = 450,450,450.9 -> 450,450,450; x 360/1110 -> 324,324,324; x 250/1110 -> 225,225,225;
    # 999,999,999 shared, the leftover 2 to the first investor (named by default): 450,450,452.
    sign_and_start(world)
    call, _new = services.capital_call_make(actor=world.kim, contract_id=world.contract.pk, amount=1_000_000_001,
                                            call_on=days_ago(70), due_on=days_ago(60), idempotency_key="c1",
                                            today=today())
    assert lines_of(call) == [450_450_452, 324_324_324, 225_225_225]
    # The second call asks each for what it has still to pay in: 49,549,548 / 35,675,676 / 24,774,775.
    second, _new = services.capital_call_make(actor=world.kim, contract_id=world.contract.pk, amount=109_999_999,
                                              call_on=days_ago(69), due_on=days_ago(60), idempotency_key="c2",
                                              today=today())
    assert lines_of(second) == [49_549_548, 35_675_676, 24_774_775]
    assert [int(i.called.amount) for i in Investment.objects.order_by("position")] == [500_000_000, 360_000_000,
                                                                                        250_000_000]
    with pytest.raises(ValidationFailed) as caught:
        services.capital_call_make(actor=world.kim, contract_id=world.contract.pk, amount=1, call_on=days_ago(69),
                                   due_on=days_ago(60), idempotency_key="c3", today=today())
    assert "amount" in caught.value.fields


def test_each_payment_posts_into_the_cash_and_the_call_is_paid_with_its_last_line(world):
    sign_and_start(world)
    call_and_pay(world)
    contract = world.refresh()
    assert contract.paid_in.amount == 1_110_000_000
    assert Account.objects.get(book=contract.book, code=chart.CASH).balance.amount == 1_110_000_000
    assert Account.objects.get(book=contract.book, code=chart.capital_code(world.investors[1].pk)).balance.amount \
        == 360_000_000
    assert CapitalCall.objects.get().state == "paid"
    assert Journal.objects.filter(kind="bond.capital").count() == 3


def test_a_line_paid_again_with_its_key_is_given_back_and_with_another_is_refused(world):
    sign_and_start(world)
    call, _new = services.capital_call_make(actor=world.kim, contract_id=world.contract.pk, amount=1_110_000_000,
                                            call_on=days_ago(70), due_on=days_ago(60), idempotency_key="c1",
                                            today=today())
    line = call.lines.first()
    services.capital_call_paid(actor=world.kim, line_id=line.pk, paid_on=days_ago(65), idempotency_key="p",
                               today=today())
    again, new = services.capital_call_paid(actor=world.kim, line_id=line.pk, paid_on=days_ago(65),
                                            idempotency_key="p", today=today())
    assert not new and again.pk == line.pk
    with pytest.raises(InvalidState):
        services.capital_call_paid(actor=world.kim, line_id=line.pk, paid_on=days_ago(65), idempotency_key="q",
                                   today=today())
    with pytest.raises(IdempotencyConflict):
        services.capital_call_make(actor=world.kim, contract_id=world.contract.pk, amount=5, call_on=days_ago(70),
                                   due_on=days_ago(60), idempotency_key="c1", today=today())
    assert Journal.objects.filter(kind="bond.capital").count() == 1


def test_disbursements_never_overdraw_the_cash(world):
    sign_and_start(world)
    call_and_pay(world)
    services.disbursement_make(actor=world.kim, contract_id=world.contract.pk, amount=600_000_000,
                               paid_on=days_ago(60), idempotency_key="d1", today=today())
    with pytest.raises(InsufficientFunds):
        services.disbursement_make(actor=world.kim, contract_id=world.contract.pk, amount=510_000_001,
                                   paid_on=days_ago(59), idempotency_key="d2", today=today())
    services.disbursement_make(actor=world.kim, contract_id=world.contract.pk, amount=510_000_000,
                               paid_on=days_ago(59), idempotency_key="d3", today=today())
    contract = world.refresh()
    assert contract.disbursed.amount == 1_110_000_000
    assert Account.objects.get(book=contract.book, code=chart.CASH).balance.amount == 0


def test_capital_is_the_managers(world, investor, auditor):
    sign_and_start(world)
    for user in (investor, auditor, world.evaluators[0]):
        with pytest.raises(Forbidden):
            services.capital_call_make(actor=user, contract_id=world.contract.pk, amount=1, call_on=days_ago(70),
                                       due_on=days_ago(60), idempotency_key="x", today=today())
