"""Outcome payments: quoted without changing anything, prepared from confirmed results by one manager (never above
the budget cap), approved by another and paid from the city's no-overdraft budget; distributions pro rata to paid-in
capital or by class; each investor's multiple and IRR."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from bonds import accounts as chart
from bonds import services
from bonds.models import Contract, DistributionLine, OutcomePayment
from bonds.selectors import contract_position, investor_figures
from core.errors import Forbidden, InvalidState, NotFound
from ledger.models import Account, Journal

from .factories import EOK, call_and_pay, days_ago, make_world, record_and_confirm, sign_and_start, today

pytestmark = pytest.mark.django_db


def balance(contract: Contract, code: str) -> int:
    return int(Account.objects.get(book=contract.book, code=code).balance.amount)


def to_evaluation(world) -> None:
    sign_and_start(world)
    call_and_pay(world)
    services.disbursement_make(actor=world.kim, contract_id=world.contract.pk, amount=1_110_000_000,
                               paid_on=days_ago(60), idempotency_key="d1", today=today())
    services.contract_evaluate(actor=world.lee, contract_id=world.contract.pk, on_date=days_ago(20), today=today())


def test_a_quote_is_what_the_terms_would_pay_and_changes_nothing(world, investor):
    journals = Journal.objects.count()
    cost = services.payment_quote(actor=world.kim, metric_id=world.cost.pk, engaged=74, achieved=39)
    assert (cost.achievement, cost.amount, cost.percent) == (Decimal("52.70"), 1_030_000_000, Decimal(100))
    below = services.payment_quote(actor=world.kim, metric_id=world.cost.pk, engaged=74, achieved=30)
    assert below.amount == 0
    incentive = services.payment_quote(actor=world.investor_users[0], metric_id=world.incentive.pk, engaged=74,
                                       achieved=39, units=12)
    assert (incentive.amount, incentive.units_paid, incentive.capped) == (387_500_000, 10, True)
    with pytest.raises(NotFound):  # an investor of another contract
        services.payment_quote(actor=investor, metric_id=world.cost.pk, engaged=74, achieved=39)
    assert Journal.objects.count() == journals


def test_the_seoul_payment_is_prepared_by_one_manager_and_approved_by_another(world):
    to_evaluation(world)
    record_and_confirm(world, world.final)
    payment = services.outcome_payment_prepare(actor=world.kim, point_id=world.final.pk, paid_on=days_ago(10),
                                               today=today())
    # 1,030,000,000 (100 % of the cost from 52.70 % >= 42 %) + 8 x 38,750,000 = 310,000,000: 1,340,000,000.
    assert (payment.earned.amount, payment.amount.amount, payment.capped) == (1_340_000_000, 1_340_000_000, False)
    assert [row["amount"] for row in payment.breakdown] == [1_030_000_000, 310_000_000]
    with pytest.raises(InvalidState, match="four eyes"):
        services.outcome_payment_approve(actor=world.kim, payment_id=payment.pk, idempotency_key="a", today=today())
    paid, new = services.outcome_payment_approve(actor=world.lee, payment_id=payment.pk, idempotency_key="a",
                                                 today=today())
    assert new and paid.state == "paid"
    again, new = services.outcome_payment_approve(actor=world.lee, payment_id=payment.pk, idempotency_key="a",
                                                  today=today())
    assert not new and again.journal_id == paid.journal_id
    contract = world.refresh()
    assert (contract.state, contract.outcome_paid.amount) == ("settled", 1_340_000_000)
    assert balance(contract, chart.OUTCOME_BUDGET) == 15 * EOK - 1_340_000_000
    assert balance(contract, chart.CASH) == 1_340_000_000
    assert contract_position(contract).reconciled


def test_a_payment_is_never_above_the_budget_cap(db):
    world = make_world(max_payment=12 * EOK)
    to_evaluation(world)
    record_and_confirm(world, world.final)
    payment = services.outcome_payment_prepare(actor=world.kim, point_id=world.final.pk, paid_on=days_ago(10),
                                               today=today())
    assert (payment.earned.amount, payment.amount.amount, payment.capped) == (1_340_000_000, 12 * EOK, True)
    # The database refuses a payment above the cap left, and the contract's counter above the cap.
    with pytest.raises(IntegrityError), transaction.atomic():
        OutcomePayment.objects.filter(pk=payment.pk).update(amount=12 * EOK + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=world.contract.pk).update(outcome_paid=12 * EOK + 1)
    services.outcome_payment_approve(actor=world.lee, payment_id=payment.pk, idempotency_key="a", today=today())
    contract = world.refresh()
    assert contract.outcome_paid.amount == 12 * EOK
    assert balance(contract, chart.OUTCOME_BUDGET) == 0


def test_interim_results_pay_only_the_contracts_interim_share(db):
    world = make_world(interim_percent=30)
    sign_and_start(world)
    call_and_pay(world)
    record_and_confirm(world, world.interim, engaged=60, improved=30, beyond=4)
    # Interim: 30 / 60 = 50 % >= 42 %: 1,030,000,000 + 4 x 38,750,000 = 1,185,000,000 earned; 30 %: 355,500,000.
    interim = services.outcome_payment_prepare(actor=world.kim, point_id=world.interim.pk, paid_on=days_ago(35),
                                               today=today())
    assert (interim.earned.amount, interim.amount.amount) == (1_185_000_000, 355_500_000)
    services.outcome_payment_approve(actor=world.lee, payment_id=interim.pk, idempotency_key="i", today=today())
    assert world.refresh().state == "in_service"
    services.contract_evaluate(actor=world.lee, contract_id=world.contract.pk, on_date=days_ago(20), today=today())
    record_and_confirm(world, world.final)
    final = services.outcome_payment_prepare(actor=world.kim, point_id=world.final.pk, paid_on=days_ago(10),
                                             today=today())
    assert (final.already_paid.amount, final.amount.amount) == (355_500_000, 1_340_000_000 - 355_500_000)


def test_nothing_is_prepared_before_every_result_is_confirmed_nor_by_an_evaluator(world):
    to_evaluation(world)
    services.result_record(actor=world.evaluators[0], metric_id=world.cost.pk, point_id=world.final.pk, engaged=74,
                           with_outcome=39)
    with pytest.raises(InvalidState, match="not confirmed"):
        services.outcome_payment_prepare(actor=world.kim, point_id=world.final.pk, paid_on=days_ago(10),
                                         today=today())
    with pytest.raises(Forbidden):
        services.outcome_payment_prepare(actor=world.evaluators[0], point_id=world.final.pk, paid_on=days_ago(10),
                                         today=today())
    assert not OutcomePayment.objects.exists()


def settled(world) -> Contract:
    to_evaluation(world)
    record_and_confirm(world, world.final)
    payment = services.outcome_payment_prepare(actor=world.kim, point_id=world.final.pk, paid_on=days_ago(10),
                                               today=today())
    services.outcome_payment_approve(actor=world.lee, payment_id=payment.pk, idempotency_key="a", today=today())
    return world.refresh()


def test_a_distribution_is_pro_rata_to_paid_in_capital_with_the_leftover_to_the_named_investor(world):
    settled(world)
    # 1,340,000,000 x 500/1110 -> 603,603,603 (+2 leftover: 603,603,605); x 360/1110 -> 434,594,594; x 250/1110 ->
    # 301,801,801.
    distribution, _new = services.distribution_make(actor=world.kim, contract_id=world.contract.pk,
                                                    amount=1_340_000_000, paid_on=days_ago(5),
                                                    idempotency_key="dist", today=today())
    lines = DistributionLine.objects.filter(distribution=distribution).order_by("investment__position")
    assert [int(line.amount.amount) for line in lines] == [603_603_605, 434_594_594, 301_801_801]
    assert [int(line.principal.amount) for line in lines] == [500_000_000, 360_000_000, 250_000_000]
    contract = world.refresh()
    assert balance(contract, chart.CASH) == 0
    assert balance(contract, chart.distributed_code(world.investors[0].pk)) == 603_603_605
    figures = investor_figures(world.investments[0])
    assert figures.multiple == Decimal("1.2072")
    # Paid 500,000,000 65 days ago, got 603,603,605 5 days ago: (603,603,605 / 500,000,000) ^ (365 / 60) - 1.
    expected = (603_603_605 / 500_000_000) ** (365 / 60) - 1
    assert figures.irr is not None and abs(float(figures.irr) - expected) < 1e-6
    services.contract_close(actor=world.lee, contract_id=world.contract.pk, closed_on=today(), today=today())
    contract = world.refresh()
    assert contract.state == "closed"
    assert balance(contract, chart.OUTCOME_BUDGET) == 0  # the 1.6억 not spent lapsed


def test_a_distribution_never_overdraws_the_cash(world):
    from core.errors import InsufficientFunds

    settled(world)
    with pytest.raises(InsufficientFunds):
        services.distribution_make(actor=world.kim, contract_id=world.contract.pk, amount=1_340_000_001,
                                   paid_on=days_ago(5), idempotency_key="dist", today=today())


def test_with_classes_the_senior_class_is_repaid_first(db):
    # The budget cap holds the 13.4억 earned down to 8억, all distributed. Senior: the first investor (5억); junior:
    # the others (3.6억 + 2.5억). The senior's 5억 of principal first, then the juniors' 6.1억 of principal shares the
    # 3억 left in proportion (3.6 : 2.5): 300,000,000 x 360/610 = 177,049,180.3 -> 177,049,180; x 250/610 =
    # 122,950,819.6 -> 122,950,819; the leftover 1 to the first junior (the named investor is senior and takes no
    # part in this step): 177,049,181. The juniors bear the loss.
    world = make_world(max_payment=8 * EOK, distribution_mode="classes", classes=("senior", "junior", "junior"))
    settled(world)
    distribution, _new = services.distribution_make(actor=world.kim, contract_id=world.contract.pk, amount=8 * EOK,
                                                    paid_on=days_ago(5), idempotency_key="dist", today=today())
    assert distribution.steps == [["senior_principal", 500_000_000], ["senior_return", 0],
                                  ["junior_principal", 300_000_000], ["rest", 0]]
    lines = DistributionLine.objects.filter(distribution=distribution).order_by("investment__position")
    assert [int(line.amount.amount) for line in lines] == [500_000_000, 177_049_181, 122_950_819]
    assert investor_figures(world.investments[0]).multiple == Decimal("1.0000")
    assert investor_figures(world.investments[2]).multiple == Decimal("0.4918")
