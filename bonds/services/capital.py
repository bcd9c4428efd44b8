"""Capital: calls to investors (``capital_call_make``: the engine's pro-rata split of what each has still to pay in,
the rounding leftover to the named investor), each investor's payment recorded (``capital_call_paid``: Dr ``cash``
/ Cr ``capital:<investor>``), and disbursements of the capital to the provider in tranches
(``disbursement_make``: Dr ``service:disbursed`` / Cr ``cash``, never more than the cash holds)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import Limit, check_date, check_money_date
from core.db import transactional
from core.engines import bonds as engine
from core.errors import InsufficientFunds, InvalidState
from core.inputs import check_key, digest
from core.money import KRW, format_won, won_input
from enterprises.models import User
from ledger.services import credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import CAPITAL_CALL_MAKE, CAPITAL_CALL_PAID, DISBURSEMENT_MAKE
from ..locks import contract_id_of, lock_contract, lock_investments
from ..models import CapitalCall, CapitalCallLine, Disbursement
from .common import State, check_replay, fail, require_state, text_input

CALL_AUDITED = ["contract", "number", "amount", "call_on", "due_on", "state"]
LINE_AUDITED = ["call", "investment", "amount", "paid_on", "journal"]


@transactional
def capital_call_make(*, actor: User, contract_id: int, amount: Any, call_on: date, due_on: date,
                      idempotency_key: str, today: date) -> tuple[CapitalCall, bool]:
    """Call ``amount`` of capital (출자 요청) on ``call_on`` (not in the future, within the back-dating window), due
    on ``due_on``, from a signed contract's investors (or one in service), in proportion to what each has still to
    pay in (commitment less what was called), each share rounded down to the contract's unit, the leftover to the
    named investor (``core.engines.bonds.capital_call``): nobody is asked for more than it committed. Returns the
    call and whether it is new (the same manager, key and content give the first one back). Raises Forbidden,
    NotFound, InvalidState, ValidationFailed, IdempotencyConflict."""
    ACCESS.require(actor, "capital_call.make")
    key = check_key(idempotency_key)
    value = won_input(amount, "amount")
    contract = lock_contract(contract_id)
    existing = CapitalCall.objects.filter(contract=contract, idempotency_key=key).first()
    if existing is not None:
        check_replay(existing, actor, amount=value, call_on=call_on, due_on=due_on)
        return existing, False
    require_state(contract, _("Calling capital"), State.SIGNED, State.IN_SERVICE)
    assert contract.signed_on is not None
    check_money_date(call_on, field="call_on", today=today,
                     not_before=[Limit(contract.signed_on, _("the day the contract was signed"))])
    check_date(due_on, field="due_on", earliest=[Limit(call_on, _("the day of the call"))])
    investments = lock_investments(contract)
    uncalled = contract.committed.amount - contract.called.amount
    if value > uncalled:
        raise fail("amount", _("The call is more than the investors have still to pay in (%(left)s).")
                   % {"left": format_won(uncalled)}, _("at most %(left)s") % {"left": format_won(uncalled)})
    assert contract.leftover_investor_id is not None  # set with the first investor
    shares = engine.capital_call(
        value, [(inv.investor_id, inv.commitment.amount - inv.called.amount) for inv in investments],
        leftover_to=contract.leftover_investor_id, unit=Decimal(contract.rounding_unit))
    call = CapitalCall.objects.create(
        contract=contract, number=CapitalCall.objects.filter(contract=contract).count() + 1,
        amount=Money(value, KRW), call_on=call_on, due_on=due_on, idempotency_key=key, created_by=actor)
    lines = []
    for investment in investments:
        share = shares[investment.investor_id]
        if not share:
            continue
        investment.called = Money(investment.called.amount + share, KRW)
        investment.save(update_fields=["called"])
        lines.append(CapitalCallLine(call=call, investment=investment, amount=Money(share, KRW)))
    CapitalCallLine.objects.bulk_create(lines)
    contract.called = Money(contract.called.amount + value, KRW)
    contract.save(update_fields=["called"])
    audit_record(actor=actor, action=CAPITAL_CALL_MAKE, obj=call,
                 after={**snapshot(call, CALL_AUDITED),
                        "lines": {str(line.investment.investor_id): line.amount.amount for line in lines}})
    return call, True


@transactional
def capital_call_paid(*, actor: User, line_id: int, paid_on: date, idempotency_key: str,
                      today: date) -> tuple[CapitalCallLine, bool]:
    """An investor paid its line of a call on ``paid_on`` (not before the call, not in the future, within the
    back-dating window): Dr ``cash`` / Cr ``capital:<investor>``; its paid-in capital and the contract's go up;
    the call is paid once all its lines are. Returns the line and whether it was recorded now (the same manager and
    key give it back). Raises Forbidden, NotFound, InvalidState, ValidationFailed."""
    ACCESS.require(actor, "capital_call.record")
    key = check_key(idempotency_key)
    contract = lock_contract(contract_id_of(CapitalCallLine, line_id, "call__contract_id"))
    investments = {inv.pk: inv for inv in lock_investments(contract)}
    line = CapitalCallLine.objects.select_for_update(no_key=True, of=("self",)).select_related("call").get(pk=line_id)
    if line.paid_on is not None:
        if line.payment_key == key and line.recorded_by_id == actor.pk:
            return line, False
        raise InvalidState(_("This line of the call was already paid on %(date)s.")
                           % {"date": line.paid_on.isoformat()})
    require_state(contract, _("Recording a capital payment"), State.SIGNED, State.IN_SERVICE, State.EVALUATING)
    check_money_date(paid_on, field="paid_on", today=today,
                     not_before=[Limit(line.call.call_on, _("the day of the call"))])
    investment = investments[line.investment_id]
    amount = line.amount.amount
    posted = journal_post(
        lines=[debit(chart.account(contract.book, chart.CASH), amount), credit(investment.capital_account_id, amount)],
        kind="bond.capital", effective_date=paid_on, idempotency_key=f"bond-call-line:{line.pk}:paid:{digest(key)}",
        actor=actor, memo=f"출자금 납입 {investment.investor.name} {line.call.number}차"[:500])
    before = snapshot(line, LINE_AUDITED)
    line.paid_on, line.journal, line.payment_key, line.recorded_by = paid_on, posted.journal, key, actor
    line.save(update_fields=["paid_on", "journal", "payment_key", "recorded_by"])
    investment.paid_in = Money(investment.paid_in.amount + amount, KRW)
    investment.save(update_fields=["paid_in"])
    contract.paid_in = Money(contract.paid_in.amount + amount, KRW)
    contract.save(update_fields=["paid_in"])
    call = line.call
    if not CapitalCallLine.objects.filter(call=call, paid_on__isnull=True).exists():
        call.state = CapitalCall.State.PAID
        call.save(update_fields=["state"])
    audit_record(actor=actor, action=CAPITAL_CALL_PAID, obj=line, before=before, after=snapshot(line, LINE_AUDITED))
    return line, True


@transactional
def disbursement_make(*, actor: User, contract_id: int, amount: Any, paid_on: date, idempotency_key: str,
                      today: date, memo: str = "") -> tuple[Disbursement, bool]:
    """A tranche of capital paid to the provider (사업비 지급) of a contract in service on ``paid_on`` (not before the
    service started, not in the future, within the back-dating window): Dr ``service:disbursed`` / Cr ``cash``,
    never more than the contract's cash. Returns the disbursement and whether it is new (the same manager, key and
    content give the first one back). Raises Forbidden, NotFound, InvalidState, ValidationFailed,
    InsufficientFunds, IdempotencyConflict."""
    ACCESS.require(actor, "disbursement.make")
    key = check_key(idempotency_key)
    value = won_input(amount, "amount")
    note = text_input(memo, "memo", max_length=300, required=False)
    contract = lock_contract(contract_id)
    existing = Disbursement.objects.filter(contract=contract, idempotency_key=key).first()
    if existing is not None:
        check_replay(existing, actor, amount=value, paid_on=paid_on)
        return existing, False
    require_state(contract, _("Disbursing to the provider"), State.IN_SERVICE)
    assert contract.started_on is not None
    check_money_date(paid_on, field="paid_on", today=today,
                     not_before=[Limit(contract.started_on, _("the day the service started"))])
    cash = chart.account(contract.book, chart.CASH)
    if cash.balance.amount < value:
        raise InsufficientFunds(
            _("The contract's cash holds %(cash)s; the disbursement needs %(amount)s.")
            % {"cash": format_won(cash.balance.amount), "amount": format_won(value)},
            fields={"amount": [_("at most the contract's cash, %(cash)s") % {"cash": format_won(cash.balance.amount)}]})
    posted = journal_post(
        lines=[debit(chart.account(contract.book, chart.SERVICE_DISBURSED), value), credit(cash, value)],
        kind="bond.disbursement", effective_date=paid_on,
        idempotency_key=f"bond:{contract.pk}:disbursement:{digest(key)}", actor=actor,
        memo=(note or f"사업비 지급 {contract.provider}")[:500])
    disbursement = Disbursement.objects.create(
        contract=contract, number=Disbursement.objects.filter(contract=contract).count() + 1,
        amount=Money(value, KRW), paid_on=paid_on, journal=posted.journal, memo=note, idempotency_key=key,
        created_by=actor)
    contract.disbursed = Money(contract.disbursed.amount + value, KRW)
    contract.save(update_fields=["disbursed"])
    audit_record(actor=actor, action=DISBURSEMENT_MAKE, obj=disbursement,
                 after=snapshot(disbursement, ["contract", "number", "amount", "paid_on", "journal"]))
    return disbursement, True

