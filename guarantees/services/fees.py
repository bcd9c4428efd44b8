"""Guarantee fees (보증료) and the city's share of them (보증료 지원): quoting, billing each guarantee year, the
enterprise's payments with their late fees, the city's payments in batches, and the refund of unused days when the
loan is repaid early. The arithmetic is the engine's (``core.engines.guarantee_fees``); here are the rows, the
locks, the journals and the audit trail.

The rules, beyond the engine's:

- **What is billed.** Each guarantee year (보증연도) is billed upfront, once, on the amount guaranteed at the year's
  start: the bank loan's balance in force that day (the last one reported on or before it) x the guarantee ratio,
  floored to the won. The first year is billed when the loan is made (``fee_bill_first_year``, from the guarantee's
  execution) and is due that day; each later year is billed when its period has started (``fees_bill_due``, daily
  from beat) and is due on its first day. Billing posts Dr receivable:fees:firm (the enterprise's share) and Dr
  receivable:fees:city (the city's) against Cr income:fees.
- **The enterprise's payments** (a member of the enterprise, dated today; or a manager, back-dated within the
  back-dating window) may be partial, never more than what is due, and are taken in date order per bill (a payment
  is not dated before the bill's previous one, nor before the bill was issued). Each charges the late fee (연체료,
  10 %/yr) on the enterprise's share still unpaid, for the days from its due date (or from the previous payment
  that charged one) to the payment: Dr receivable:late-fees / Cr income:late-fees. The money pays the late fees
  first, then the share (민법 s479: interest before principal): Dr cash / Cr receivable:late-fees and
  receivable:fees:firm, in one journal with the charge.
- **The city's payments** come in a batch per program: chosen bills, or every bill of the program with a city share
  still open, due by a date, and issued by the payment day. Each bill's open city share is paid in full; one
  journal Dr cash / Cr receivable:fees:city for the batch. The city is charged no late fee.
- **Refunds on early full repayment** (보증료 환급): for every bill whose period ends after the repayment day, the
  fee of the unused days (from the repayment day, or the period's start if later, to the period's end) is quoted
  afresh by the engine and split as the bill was; each payer's refund first takes down what it still owes of its
  share (Dr income:fees / Cr receivable) and the rest goes back to it in cash (Dr income:fees / Cr cash). A late fee
  already charged stays; one charged later runs on what is left of the share.

Locks (``guarantees.locks``): a guarantee before its bills, bills in id order, then the ledger's accounts, which
each transaction here takes once, in one journal.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import check_date, check_money_date, epoch_limit, today_limit
from core.db import transactional, update_rows
from core.engines import guarantee_fees as engine
from core.engines.rounding import Rounding
from core.errors import (
    DomainError,
    Forbidden,
    IdempotencyConflict,
    InvalidState,
    LimitExceeded,
    NotFound,
    ValidationFailed,
)
from core.inputs import KEY_FIELD, check_key, digest
from core.money import KRW, format_won, won_input
from enterprises.models import User
from enterprises.roles import MANAGERS, has_role, is_member
from ledger.models import Book, Journal
from ledger.services import Line, credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import FEE_BILL, FEE_CITY_PAY, FEE_LATE, FEE_PAY, FEE_REFUND
from ..locks import lock_guarantee
from ..models import CityFeeBatch, FeeBill, FeePayment, FeeRefund, Guarantee, GuaranteeBalance, GuaranteeProgram, Payer
from ..selectors.fees import firm_owed

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
MAX_QUOTE_DAYS = 3660  # ten years and their leap days: the longest guarantee a program may give (120 months)
MAX_BATCH_BILLS = 10_000
BILL_AUDITED = ["guarantee", "program", "year", "period_start", "period_end", "days", "amount", "fee", "city_share",
                "enterprise_share", "billed_on", "due_on", "journal"]


def _won(amount: Decimal) -> Money:
    return Money(amount, KRW)


def _rounding_of(obj: GuaranteeProgram | FeeBill) -> Rounding:
    return Rounding(unit=obj.rounding_unit, mode=obj.rounding_mode)


def _fail(field: str, message: str, rule: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [rule]})


def _is_manager(actor: Any) -> bool:
    return has_role(actor, *MANAGERS)


def _accounts(book: Book) -> dict[str, Any]:
    """The program's accounts by code (one query)."""
    return {account.code: account for account in book.accounts.all()}


def _post(book: Book, moves: Sequence[tuple[str, str, Decimal]], *, kind: str, on: date, key: str, actor: Any,
          memo: str) -> Journal:
    """One journal of ``moves`` (side 'D'/'C', account code, amount; moves of 0 left out) in the program's book."""
    accounts = _accounts(book)
    lines: list[Line] = [(debit if side == "D" else credit)(accounts[code], amount)
                         for side, code, amount in moves if amount > 0]
    posted = journal_post(lines=lines, kind=kind, effective_date=on, idempotency_key=key,
                          actor=actor, memo=memo[:500])
    return posted.journal


def _lock_bill(bill_id: int) -> FeeBill:
    """The bill, with its guarantee's enterprise and its program's book (which never change). Raises NotFound."""
    bill = (FeeBill.objects.select_for_update(no_key=True, of=("self",))
            .select_related("guarantee__enterprise", "program__book").filter(pk=bill_id).first())
    if bill is None:
        raise NotFound(_("No such fee bill."))
    return bill


def _lock_bills(bill_ids: Sequence[int]) -> list[FeeBill]:
    return list(FeeBill.objects.select_for_update(no_key=True, of=("self",))
                .select_related("guarantee__enterprise").filter(pk__in=sorted(set(bill_ids))).order_by("pk"))


def _state(bill: FeeBill) -> str:
    if bill.city_outstanding > 0 or bill.firm_outstanding > 0 or bill.late_fee_outstanding > 0:
        return FeeBill.State.OPEN
    return FeeBill.State.REFUNDED if bill.refunded_on is not None else FeeBill.State.PAID


# --- quoting -------------------------------------------------------------------------------------------------------


def fee_quote(*, program_id: int, amount: Any, start: date, end: date) -> engine.FeeQuote:
    """The fee on ``amount`` guaranteed under the program from ``start`` to ``end`` ((end - start).days days), the
    city's share and the enterprise's, by the program's rates and rounding. Changes nothing. The amount is whole won
    above zero and at most the program's limit per enterprise; the period ends after it starts, at most ten years
    later, not before 2000. Raises ValidationFailed, NotFound."""
    value = won_input(amount, "amount")
    program = GuaranteeProgram.objects.filter(pk=program_id).first()
    if program is None:
        raise NotFound(_("No such guarantee program."))
    limit = program.per_firm_limit.amount
    if value > limit:
        raise _fail("amount", _("The amount is above the program's limit per enterprise."),
                    _("at most %(limit)s") % {"limit": format_won(limit)})
    check_date(start, field="start", earliest=[epoch_limit()])
    if end <= start:
        raise _fail("end", _("The period must end after it starts."),
                    _("must be after start (%(start)s)") % {"start": start.isoformat()})
    if (end - start).days > MAX_QUOTE_DAYS:
        raise _fail("end", _("A quote covers at most ten years."),
                    _("at most %(days)s days after start") % {"days": MAX_QUOTE_DAYS})
    rates = engine.FeeRates(program.fee_rate, program.city_fee_rate)
    return engine.quote_fee(value, rates, start, end, rounding=_rounding_of(program))


# --- billing -------------------------------------------------------------------------------------------------------


def guaranteed_on(guarantee: Guarantee, day: date) -> Decimal:
    """The amount guaranteed on ``day``: the bank loan's balance in force that day (the last reported on or before
    it; the loan's amount when none is) x the guarantee ratio, floored to the won."""
    balance = (GuaranteeBalance.objects.filter(guarantee=guarantee, on_date__lte=day)
               .order_by("-on_date", "-id").values_list("balance", flat=True).first())
    if balance is None:
        assert guarantee.loan_amount is not None
        balance = guarantee.loan_amount.amount
    return (Decimal(balance) * guarantee.ratio).to_integral_value(rounding=ROUND_FLOOR)


def _periods(guarantee: Guarantee, program: GuaranteeProgram) -> list[engine.YearlyBill]:
    """The guarantee's years as the engine cuts them (quoted on the loan's first guaranteed amount)."""
    assert guarantee.start_on is not None and guarantee.maturity_on is not None
    first = guaranteed_on(guarantee, guarantee.start_on)
    return engine.yearly_bills(max(first, Decimal(1)), engine.FeeRates(program.fee_rate, program.city_fee_rate),
                               guarantee.start_on, guarantee.maturity_on, rounding=_rounding_of(program))


@transactional
def fee_bill_year(*, guarantee_id: int, year: int, actor: User | None, today: date) -> tuple[FeeBill, bool]:
    """Bill guarantee year ``year`` of an active guarantee: the engine's bill for that year, on the amount guaranteed
    at its start. Billing a year already billed changes nothing and gives that bill back. ``actor`` is None for the
    system (beat), or whoever made the loan's execution. Returns the bill and whether it is new. Raises NotFound,
    InvalidState (the guarantee is not active), ValidationFailed (no such year, or its period has not started)."""
    guarantee = lock_guarantee(guarantee_id)
    existing = FeeBill.objects.filter(guarantee=guarantee, year=year).first()
    if existing is not None:
        return existing, False
    if guarantee.state != Guarantee.State.ACTIVE:
        raise InvalidState(
            _("Fees are billed on active guarantees; this one is %(state)s.")
            % {"state": guarantee.get_state_display()},
            fields={"state": [guarantee.state]},
        )
    program = GuaranteeProgram.objects.select_related("book").get(pk=guarantee.program_id)
    periods = _periods(guarantee, program)
    if not 1 <= year <= len(periods):
        raise _fail("year", _("The guarantee has no such year."),
                    _("from 1 to %(years)s") % {"years": len(periods)})
    period = periods[year - 1]
    if period.period_start > today:
        raise _fail("year", _("This guarantee year has not started yet."),
                    _("its period starts on %(date)s") % {"date": period.period_start.isoformat()})
    amount = guaranteed_on(guarantee, period.period_start)
    if amount <= 0:
        raise InvalidState(_("Nothing was guaranteed on %(date)s: there is no fee to bill.")
                           % {"date": period.period_start.isoformat()})
    rates = engine.FeeRates(program.fee_rate, program.city_fee_rate)
    quoted = engine.yearly_bills(amount, rates, guarantee.start_on, guarantee.maturity_on,  # type: ignore[arg-type]
                                 rounding=_rounding_of(program))[year - 1]
    quote = quoted.quote
    journal = None
    if quote.fee > 0:
        journal = _post(program.book, [
            ("D", chart.FEES_DUE_FIRM, quote.enterprise_share),
            ("D", chart.FEES_DUE_CITY, quote.city_share),
            ("C", chart.FEE_INCOME, quote.fee),
        ], kind="guarantee.fee.bill", on=today, key=f"guarantee:{guarantee.pk}:fee-bill:{year}", actor=actor,
            memo=f"보증료 {year}년차 G{guarantee.pk}")
    bill = FeeBill(
        guarantee=guarantee, program=program, year=year, period_start=quoted.period_start,
        period_end=quoted.period_end, days=quoted.days, amount=_won(amount), fee_rate=program.fee_rate,
        city_fee_rate=program.city_fee_rate, rounding_unit=program.rounding_unit,
        rounding_mode=program.rounding_mode, fee=_won(quote.fee), city_share=_won(quote.city_share),
        enterprise_share=_won(quote.enterprise_share), billed_on=today,
        # The first year is due when it is billed (the loan's making is reported after the fact); later years on
        # their first day.
        due_on=today if year == 1 else quoted.period_start,
        journal=journal, created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    bill.state = _state(bill)
    bill.save()
    audit_record(actor=actor, action=FEE_BILL, obj=bill, after=snapshot(bill, BILL_AUDITED))
    return bill, True


def fee_bill_first_year(*, guarantee_id: int, actor: User | None, today: date) -> FeeBill:
    """Bill the first guarantee year of a guarantee just made active (the bank's execution calls this in its own
    transaction, after the guarantee is active). Idempotent. Raises as ``fee_bill_year``."""
    return fee_bill_year(guarantee_id=guarantee_id, year=1, actor=actor, today=today)[0]


@dataclass(frozen=True)
class BillingRun:
    billed: int  # bills made
    skipped: int  # years that could not be billed (logged)


def fees_bill_due(*, today: date) -> BillingRun:
    """Bill every active guarantee's years whose period has started by ``today`` and that are not billed yet (beat,
    daily): each bill in a transaction of its own (a guarantee that cannot be billed is logged and left for the next
    run, and does not hold the others back). Run again, it bills nothing more."""
    billed = skipped = 0
    guarantees = list(Guarantee.objects.filter(state=Guarantee.State.ACTIVE, start_on__lte=today,
                                               maturity_on__isnull=False)
                      .values_list("pk", "start_on", "maturity_on").order_by("pk"))
    done: dict[int, set[int]] = {}
    for guarantee_id, year in (FeeBill.objects.filter(guarantee__state=Guarantee.State.ACTIVE)
                               .values_list("guarantee_id", "year")):
        done.setdefault(guarantee_id, set()).add(year)
    for guarantee_id, start_on, maturity_on in guarantees:
        assert start_on is not None and maturity_on is not None
        year = 1
        while True:
            period_start = engine.anniversary(start_on, year - 1)
            if period_start > today or period_start >= maturity_on:
                break
            if year not in done.get(guarantee_id, ()):
                try:
                    fee_bill_year(guarantee_id=guarantee_id, year=year, actor=None, today=today)
                    billed += 1
                except DomainError as exc:
                    logger.warning("guarantee %s year %s not billed: %s", guarantee_id, year, exc)
                    skipped += 1
            year += 1
    return BillingRun(billed=billed, skipped=skipped)


# --- the enterprise's payments -------------------------------------------------------------------------------------


def _check_replay(existing: Any, actor: Any, *, amount: Decimal, on: date) -> None:
    if existing.created_by_id != getattr(actor, "pk", None):
        raise IdempotencyConflict(
            _("This idempotency key was already used by someone else; use a new one."),
            fields={KEY_FIELD: [_("already used by another user")]},
        )
    if existing.amount.amount != amount or existing.paid_on != on:
        raise IdempotencyConflict(
            _("This idempotency key was already used for a different request."),
            fields={KEY_FIELD: [_("already used with another amount or date")]},
        )


@transactional
def fee_pay(*, bill_id: int, amount: Any, idempotency_key: str, actor: User, today: date,
            paid_on: date | None = None) -> tuple[FeePayment, bool]:
    """The enterprise pays ``amount`` of its part of a bill: a member of the enterprise (dated today) or a manager
    (``paid_on`` within the back-dating window). The late fee on its share still open is charged with it; the money
    pays the late fees, then the share. Partial payments are allowed, never more than what is due. Returns the
    payment and whether it is new (the same caller, key, amount and day give the first one back). Raises Forbidden,
    NotFound, ValidationFailed, InvalidState (nothing left to pay), LimitExceeded (more than is due),
    IdempotencyConflict."""
    ACCESS.require(actor, "fee.pay")
    key = check_key(idempotency_key)
    value = won_input(amount, "amount")
    manager = _is_manager(actor)
    if paid_on is not None and paid_on != today and not manager:
        raise Forbidden(_("Only a fund manager may record a payment on another day than today."),
                        fields={"paid_on": [_("only a fund manager may set it")]})
    on = paid_on or today
    check_money_date(on, field="paid_on", today=today)
    bill = _lock_bill(bill_id)
    if not manager and not is_member(actor, bill.guarantee.enterprise_id):
        raise NotFound(_("No such fee bill."))
    existing = FeePayment.objects.filter(bill=bill, payer=Payer.FIRM, idempotency_key=key).first()
    if existing is not None:
        _check_replay(existing, actor, amount=value, on=on)
        return existing, False
    if on < bill.billed_on:
        raise _fail("paid_on", _("A payment cannot be dated before its bill was issued."),
                    _("must be on or after %(date)s (the bill's issue)") % {"date": bill.billed_on.isoformat()})
    last = bill.payments.filter(payer=Payer.FIRM).aggregate(last=Max("paid_on"))["last"]
    if last is not None and on < last:
        raise _fail("paid_on", _("Payments of a bill are recorded in date order."),
                    _("must be on or after %(date)s (the bill's last payment)") % {"date": last.isoformat()})
    owed = firm_owed(bill, on)
    if owed.total <= 0:
        raise InvalidState(
            _("Nothing is left for the enterprise to pay on this bill (it is %(state)s).")
            % {"state": bill.get_state_display()},
            fields={"amount": [_("nothing is due")]},
        )
    if value > owed.total:
        due = format_won(owed.total)
        raise LimitExceeded(
            _("%(amount)s is more than is due on %(date)s, which is %(due)s.")
            % {"amount": format_won(value), "date": on.isoformat(), "due": due},
            fields={"amount": [_("at most what is due, %(due)s") % {"due": due}]},
        )
    late_paid = min(value, owed.late_fees)
    share_paid = value - late_paid
    journal = _post(bill.program.book, [
        ("D", chart.LATE_FEES_DUE, owed.late_fee_accrued),
        ("C", chart.LATE_FEE_INCOME, owed.late_fee_accrued),
        ("D", chart.CASH, value),
        ("C", chart.LATE_FEES_DUE, late_paid),
        ("C", chart.FEES_DUE_FIRM, share_paid),
    ], kind="guarantee.fee.payment", on=on, key=f"fee-bill:{bill.pk}:payment:{digest(key)}", actor=actor,
        memo=f"보증료 납부 {bill.guarantee.enterprise.name} {bill.year}년차")
    bill.firm_paid = _won(bill.firm_paid.amount + share_paid)
    bill.late_fee_charged = _won(bill.late_fee_charged.amount + owed.late_fee_accrued)
    bill.late_fee_paid = _won(bill.late_fee_paid.amount + late_paid)
    if owed.late_fee_accrued > 0:  # a late fee rounded to nothing is not charged: its days stay to be charged
        bill.late_fee_through = on
    bill.state = _state(bill)
    bill.save(update_fields=["firm_paid", "late_fee_charged", "late_fee_paid", "late_fee_through", "state"])
    payment = FeePayment.objects.create(
        bill=bill, payer=Payer.FIRM, amount=_won(value), share_paid=_won(share_paid),
        late_fee_charged=_won(owed.late_fee_accrued), late_fee_paid=_won(late_paid), paid_on=on, journal=journal,
        idempotency_key=key, created_by=actor,
    )
    if owed.late_fee_accrued > 0:
        assert owed.accrued_from is not None
        audit_record(actor=actor, action=FEE_LATE, obj=bill, after={
            "late_fee": str(owed.late_fee_accrued), "unpaid": str(owed.share), "from": owed.accrued_from.isoformat(),
            "to": on.isoformat(), "payment_journal": journal.pk})
    audit_record(actor=actor, action=FEE_PAY, obj=payment,
                 after={**snapshot(payment, ["bill", "payer", "amount", "share_paid", "late_fee_charged",
                                             "late_fee_paid", "paid_on", "journal"]), "bill_state": bill.state})
    return payment, True


# --- the city's payments -------------------------------------------------------------------------------------------


def _check_batch_replay(existing: CityFeeBatch, actor: Any, *, paid_on: date, bill_ids: Sequence[int] | None,
                        due_by: date | None) -> None:
    same = existing.paid_on == paid_on and existing.due_by == due_by
    if same and bill_ids is not None:
        same = set(existing.payments.values_list("bill_id", flat=True)) == set(bill_ids)
    if existing.created_by_id != getattr(actor, "pk", None):
        raise IdempotencyConflict(
            _("This idempotency key was already used by someone else; use a new one."),
            fields={KEY_FIELD: [_("already used by another user")]},
        )
    if not same:
        raise IdempotencyConflict(
            _("This idempotency key was already used for a different request."),
            fields={KEY_FIELD: [_("already used with other bills or another date")]},
        )


def _selected(program: GuaranteeProgram, bill_ids: Sequence[int] | None, due_by: date | None,
              paid_on: date) -> list[int]:
    """The ids of the bills a batch asks for (unlocked: checked again under their locks)."""
    if bill_ids is not None:
        ids = sorted(set(bill_ids))
        found = set(FeeBill.objects.filter(program=program, pk__in=ids).values_list("pk", flat=True))
        unknown = [pk for pk in ids if pk not in found]
        if unknown:
            raise _fail("bill_ids", _("Some bills are not bills of this program."),
                        _("unknown bills of this program: %(ids)s") % {"ids": ", ".join(map(str, unknown[:20]))})
        return ids
    assert due_by is not None
    return list(FeeBill.objects.filter(program=program, state=FeeBill.State.OPEN, due_on__lte=due_by,
                                       billed_on__lte=paid_on).order_by("pk").values_list("pk", flat=True))


@transactional
def fee_city_pay(*, program_id: int, paid_on: date, idempotency_key: str, actor: User, today: date,
                 bill_ids: Sequence[int] | None = None, due_by: date | None = None,
                 memo: str = "") -> tuple[CityFeeBatch, bool]:
    """A manager records the city's payment of its shares (보증료 지원금) of many bills of one program at once:
    ``bill_ids``, or (``due_by``) every bill of the program due by that day, issued by ``paid_on``, whose city
    share is open. Each bill's open city share is paid in full, in one journal. Returns the batch and whether it is
    new (the same caller, key and content give the first one back). Raises Forbidden, NotFound, ValidationFailed,
    InvalidState (a bill asked for has no city share left), IdempotencyConflict."""
    ACCESS.require(actor, "fee.city_pay")
    key = check_key(idempotency_key)
    if (bill_ids is None) == (due_by is None):
        raise _fail("bill_ids", _("Give either the bills or a due date, not both."),
                    _("either bill_ids or due_by"))
    if bill_ids is not None:
        bill_ids = list(bill_ids)
        if not bill_ids or len(bill_ids) > MAX_BATCH_BILLS:
            raise _fail("bill_ids", _("A batch pays 1 to %(max)s bills.") % {"max": MAX_BATCH_BILLS},
                        _("1 to %(max)s bill ids") % {"max": MAX_BATCH_BILLS})
    if due_by is not None:
        check_date(due_by, field="due_by", earliest=[epoch_limit()])
    check_money_date(paid_on, field="paid_on", today=today)
    program = GuaranteeProgram.objects.select_related("book").filter(pk=program_id).first()
    if program is None:
        raise NotFound(_("No such guarantee program."))
    existing = CityFeeBatch.objects.filter(program=program, idempotency_key=key).first()
    if existing is not None:
        _check_batch_replay(existing, actor, paid_on=paid_on, bill_ids=bill_ids, due_by=due_by)
        return existing, False
    ids = _selected(program, bill_ids, due_by, paid_on)
    bills = _lock_bills(ids)
    # A batch with the same key may have committed while this one waited for the bills.
    existing = CityFeeBatch.objects.filter(program=program, idempotency_key=key).first()
    if existing is not None:
        _check_batch_replay(existing, actor, paid_on=paid_on, bill_ids=bill_ids, due_by=due_by)
        return existing, False
    if bill_ids is not None:
        for bill in bills:
            if bill.city_outstanding <= 0:
                raise InvalidState(
                    _("Bill %(bill)s has no city share left to pay (it is %(state)s).")
                    % {"bill": bill.pk, "state": bill.get_state_display()},
                    fields={"bill_ids": [_("bill %(bill)s: nothing to pay") % {"bill": bill.pk}]},
                )
            if paid_on < bill.billed_on:
                raise _fail("paid_on", _("A payment cannot be dated before its bill was issued."),
                            _("must be on or after %(date)s (bill %(bill)s's issue)")
                            % {"date": bill.billed_on.isoformat(), "bill": bill.pk})
    else:
        bills = [bill for bill in bills if bill.city_outstanding > 0]  # others paid meanwhile, or no city share
    if not bills:
        assert due_by is not None
        raise _fail("due_by", _("No city share of this program is open and due by then."),
                    _("no open city share due by %(date)s") % {"date": due_by.isoformat()})
    parts = {bill.pk: bill.city_outstanding for bill in bills}
    total = sum(parts.values(), ZERO)
    journal = _post(program.book, [("D", chart.CASH, total), ("C", chart.FEES_DUE_CITY, total)],
                    kind="guarantee.fee.city_payment", on=paid_on,
                    key=f"guarantee-program:{program.pk}:city-fees:{digest(key)}", actor=actor,
                    memo=(memo or f"보증료 지원금 {len(bills)}건")[:300])
    batch = CityFeeBatch.objects.create(program=program, paid_on=paid_on, due_by=due_by, amount=_won(total),
                                        bill_count=len(bills), journal=journal, memo=memo[:300],
                                        idempotency_key=key, created_by=actor)
    FeePayment.objects.bulk_create(
        FeePayment(bill=bill, payer=Payer.CITY, amount=_won(parts[bill.pk]), share_paid=_won(parts[bill.pk]),
                   paid_on=paid_on, batch=batch, journal=journal, idempotency_key=key, created_by=actor)
        for bill in bills
    )
    for bill in bills:
        bill.city_paid = _won(bill.city_paid.amount + parts[bill.pk])
        bill.state = _state(bill)
    update_rows(FeeBill, bills, ["city_paid", "state"])
    audit_record(actor=actor, action=FEE_CITY_PAY, obj=batch,
                 after={**snapshot(batch, ["program", "paid_on", "due_by", "amount", "bill_count", "journal"]),
                        "bills": {str(pk): str(amount) for pk, amount in parts.items()}})
    return batch, True


# --- refunds -------------------------------------------------------------------------------------------------------


@transactional
def fee_refund_unused(*, guarantee_id: int, repaid_on: date, actor: User | None, today: date) -> list[FeeRefund]:
    """The loan was repaid in full on ``repaid_on``: refund each payer the unused days of every bill whose period
    ends after that day (the engine's ``refund_on_repayment``), first off what it still owes of its share, the rest
    in cash. Call it in the repayment's transaction, after the guarantee is marked repaid. Idempotent: a bill is
    refunded once. Returns the refunds made. Raises NotFound, InvalidState (the guarantee is not repaid),
    ValidationFailed (the day is not the guarantee's repayment day, or after today), InsufficientFunds (the
    program's cash cannot return what was paid)."""
    guarantee = lock_guarantee(guarantee_id)
    if guarantee.state != Guarantee.State.REPAID:
        raise InvalidState(
            _("Fees are refunded on repaid guarantees; this one is %(state)s.")
            % {"state": guarantee.get_state_display()},
            fields={"state": [guarantee.state]},
        )
    check_date(repaid_on, field="repaid_on", earliest=[epoch_limit()], latest=[today_limit(today)])
    if guarantee.repaid_on is not None and guarantee.repaid_on != repaid_on:
        raise _fail("repaid_on", _("The guarantee was repaid on another day."),
                    _("must be %(date)s") % {"date": guarantee.repaid_on.isoformat()})
    bills = list(FeeBill.objects.select_for_update(no_key=True, of=("self",)).select_related("program__book")
                 .filter(guarantee=guarantee, period_end__gt=repaid_on, refunded_on__isnull=True).order_by("pk"))
    refunds: list[FeeRefund] = []
    for bill in bills:
        refunds += _refund(bill, repaid_on, actor, today)
    return refunds


def _refund(bill: FeeBill, repaid_on: date, actor: User | None, today: date) -> list[FeeRefund]:
    billed = engine.YearlyBill(bill.year, bill.period_start, bill.period_end, engine.FeeQuote(
        bill.days, bill.fee.amount, bill.city_share.amount, bill.enterprise_share.amount))
    refund = engine.refund_on_repayment(bill.amount.amount, engine.FeeRates(bill.fee_rate, bill.city_fee_rate),
                                        billed, max(repaid_on, bill.period_start), rounding=_rounding_of(bill))
    if refund.fee <= 0:
        return []
    parts = {Payer.CITY: refund.city_share, Payer.FIRM: refund.enterprise_share}
    split: dict[str, tuple[Decimal, Decimal]] = {}  # payer -> (taken off what it owes, returned in cash)
    for payer, part in parts.items():
        owes = bill.outstanding(payer)
        written_down = min(part, owes)
        split[payer] = (written_down, part - written_down)
    journal = _post(bill.program.book, [
        ("D", chart.FEE_INCOME, refund.fee),
        ("C", chart.FEES_DUE_CITY, split[Payer.CITY][0]),
        ("C", chart.FEES_DUE_FIRM, split[Payer.FIRM][0]),
        ("C", chart.CASH, split[Payer.CITY][1] + split[Payer.FIRM][1]),
    ], kind="guarantee.fee.refund", on=today, key=f"fee-bill:{bill.pk}:refund", actor=actor,
        memo=f"보증료 환급 G{bill.guarantee_id} {bill.year}년차 {refund.days}일")
    bill.city_refunded = _won(refund.city_share)
    bill.firm_refunded = _won(refund.enterprise_share)
    bill.city_returned = _won(bill.city_returned.amount + split[Payer.CITY][1])
    bill.firm_returned = _won(bill.firm_returned.amount + split[Payer.FIRM][1])
    bill.refunded_on = repaid_on
    bill.state = _state(bill)
    bill.save(update_fields=["city_refunded", "firm_refunded", "city_returned", "firm_returned", "refunded_on",
                             "state"])
    created_by = actor if getattr(actor, "is_authenticated", False) else None
    made = [FeeRefund.objects.create(bill=bill, payer=payer, repaid_on=repaid_on, days=refund.days,
                                     amount=_won(parts[payer]), written_down=_won(split[payer][0]),
                                     returned=_won(split[payer][1]), journal=journal, created_by=created_by)
            for payer in (Payer.CITY, Payer.FIRM) if parts[payer] > 0]
    audit_record(actor=actor, action=FEE_REFUND, obj=bill, after={
        "repaid_on": repaid_on.isoformat(), "days": refund.days, "fee": str(refund.fee),
        "city": {"refund": str(refund.city_share), "written_down": str(split[Payer.CITY][0]),
                 "returned": str(split[Payer.CITY][1])},
        "firm": {"refund": str(refund.enterprise_share), "written_down": str(split[Payer.FIRM][0]),
                 "returned": str(split[Payer.FIRM][1])},
        "journal": journal.pk, "state": bill.state})
    return made

