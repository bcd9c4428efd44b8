"""A loan as the engine (``core.engines.loans``) sees it: its terms and state loaded from the rows, what changed
written back, and the record of a loan's state kept with a repayment so that its reversal can restore it.

Only the installments that can still change are loaded: those not yet due after the loan's closed days, and those
not paid in full. A settled installment of the closed past never changes again (the engine gives the same results
without it), so a long-lived loan's repayment reads a handful of rows, not its whole history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, Q
from djmoney.money import Money

from core.audit import to_jsonable
from core.db import update_values
from core.engines import loans as engine
from core.engines.rounding import Rounding
from core.engines.schedules import DayCount, Method
from core.money import KRW
from ledger.models import Account

from ..models import Installment, Loan

ONE_DAY = timedelta(days=1)
# The loan's fields the engine moves, as written back and as kept for a reversal.
LOAN_STATE_FIELDS = [
    "state", "closed_through", "accelerated_on", "days_past_due", "asset_class", "default_interest_carry",
    "paid_off_on", "maturity_on",
]
INSTALLMENT_FIELDS = [
    "number", "due_on", "period_start", "principal_due", "interest_due", "principal_paid", "interest_paid",
    "interest_recognized", "accrual_start", "interest_fixed",
]
SAVED_FIELDS = ["principal_due", "interest_due", "principal_paid", "interest_paid", "interest_recognized",
                "accrual_start", "interest_fixed"]  # what the engine changes on an installment
MONEY_FIELDS = {"principal_due", "interest_due", "principal_paid", "interest_paid", "interest_recognized",
                "interest_fixed"}


def terms(loan: Loan) -> engine.Terms:
    return engine.Terms(
        annual_rate=loan.annual_rate, default_rate=loan.default_rate, method=Method(loan.method),
        day_count=DayCount(loan.day_count), rounding=Rounding(loan.rounding_unit, loan.rounding_mode),
        prepayment=loan.prepayment_policy, secured=loan.secured_amount.amount,
    )


def last_day_closed(loan: Loan) -> date:
    assert loan.disbursed_on is not None
    return loan.closed_through or loan.disbursed_on - ONE_DAY


COLUMNS = ["pk", "loan_id", *INSTALLMENT_FIELDS]  # an installment row as read, plain (no model, no Money)


def plain(row: Installment) -> engine.Installment:
    return engine.Installment(**{name: getattr(row, name).amount if name in MONEY_FIELDS else getattr(row, name)
                                 for name in INSTALLMENT_FIELDS})


@dataclass
class Loaded:
    """A loan's row (under its lock), its state for the engine, and its installments as read (plain values, by
    number, with their row ids): what ``apply`` changes in memory is compared with them when ``flush`` writes."""

    loan: Loan
    state: engine.State
    read: dict[int, engine.Installment]  # the installments as read or last written, by number
    ids: dict[int, int]  # their row ids, by number
    accounts: dict[int, Account] = field(default_factory=dict)  # its three receivables, if locked by ``load``
    fields: set[str] = field(default_factory=set)  # the loan's changed fields


def _open_rows(loan_ids: list[int]) -> dict[int, list[tuple[int, engine.Installment]]]:
    """The installments that can still change (row id, plain values), by loan, in number order (one query)."""
    by_loan: dict[int, list[tuple[int, engine.Installment]]] = {pk: [] for pk in loan_ids}
    rows = Installment.objects.filter(loan_id__in=loan_ids).filter(
        Q(loan__closed_through__isnull=True) | Q(due_on__gt=F("loan__closed_through"))
        | Q(principal_paid__lt=F("principal_due")) | Q(interest_paid__lt=F("interest_due"))
    ).order_by("loan_id", "number").values_list(*COLUMNS)
    for pk, loan_id, *values in rows:
        by_loan[loan_id].append((pk, engine.Installment(*values)))
    return by_loan


def _default_balances(loans: list[Loan]) -> dict[int, Decimal]:
    """The default-interest receivables' balances (guarded by the loans' locks, so read after taking them)."""
    ids = {loan.default_interest_account_id: loan.pk for loan in loans}
    return {ids[pk]: balance for pk, balance in
            Account.objects.filter(pk__in=list(ids)).values_list("pk", "balance")}


def loaded(loan: Loan, rows: list[tuple[int, engine.Installment]], default_interest: Decimal,
           accounts: dict[int, Account] | None = None) -> Loaded:
    """A loan's state from its row and its installment rows (id, plain values)."""
    state = engine.State(
        closed_through=last_day_closed(loan), installments=tuple(inst for _pk, inst in rows),
        default_interest=default_interest, default_carry=loan.default_interest_carry,
        accelerated_on=loan.accelerated_on, days_past_due=loan.days_past_due, asset_class=loan.asset_class,
        maturity_on=loan.maturity_on, paid_off_on=loan.paid_off_on,
    )
    return Loaded(loan, state, {inst.number: inst for _pk, inst in rows}, {inst.number: pk for pk, inst in rows},
                  accounts or {})


def load(loan: Loan, *, lock_accounts: bool = False) -> Loaded:
    """An active loan's state (two queries: its open installments, its default-interest balance). With
    ``lock_accounts`` its three receivables are locked and read instead (for a journal to post on them:
    ``Loaded.accounts``)."""
    if not lock_accounts:
        return load_many([loan])[loan.pk]
    accounts = lock_receivables(loan)
    return loaded(loan, _open_rows([loan.pk])[loan.pk], accounts[loan.default_interest_account_id].balance.amount,
                  accounts)


def lock_receivables(loan: Loan) -> dict[int, Account]:
    """The loan's three receivable accounts, locked (its lock guards them: no one else waits here)."""
    ids = [loan.principal_account_id, loan.interest_account_id, loan.default_interest_account_id]
    return {a.pk: a for a in Account.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")}


def load_many(loans: list[Loan]) -> dict[int, Loaded]:
    """The state of each of ``loans`` (two queries in all)."""
    rows = _open_rows([loan.pk for loan in loans])
    balances = _default_balances(loans)
    return {loan.pk: loaded(loan, rows[loan.pk], balances.get(loan.pk, Decimal(0))) for loan in loans}


def apply(loaded: Loaded, new: engine.State) -> None:
    """Set the loan's fields to ``new`` and take its installments as the state to write, in memory; ``flush``
    writes them."""
    loan = loaded.loan
    values: dict[str, Any] = {
        "closed_through": new.closed_through, "accelerated_on": new.accelerated_on,
        "days_past_due": new.days_past_due, "asset_class": new.asset_class,
        "default_interest_carry": new.default_carry, "paid_off_on": new.paid_off_on, "maturity_on": new.maturity_on,
    }
    if new.paid_off_on is not None and loan.state == Loan.State.ACTIVE:
        values["state"] = Loan.State.PAID_OFF
    for name, value in values.items():
        if getattr(loan, name) != value:
            setattr(loan, name, value)
            loaded.fields.add(name)
    loaded.state = new


def flush(loaded: Loaded, *, also: tuple[str, ...] = ()) -> None:
    """Write what ``apply`` changed on one loan: its row (with the fields in ``also`` too), one UPDATE of its
    changed installments, one DELETE of those dropped."""
    fields = sorted(loaded.fields | set(also))
    if fields:
        loaded.loan.save(update_fields=fields)
    flush_rows([loaded])


def flush_rows(loans: list[Loaded]) -> None:
    """The installment rows of any number of loans: one UPDATE for all those changed, one DELETE for the dropped
    (those of the state as read that the new state no longer holds)."""
    changed: list[list[Any]] = []
    dropped: list[int] = []
    for loaded in loans:
        kept = set()
        for inst in loaded.state.installments:
            kept.add(inst.number)
            if loaded.read[inst.number] != inst:
                changed.append([getattr(inst, name) for name in SAVED_FIELDS] + [loaded.ids[inst.number]])
                loaded.read[inst.number] = inst
        for number in [n for n in loaded.read if n not in kept]:
            dropped.append(loaded.ids.pop(number))
            del loaded.read[number]
        loaded.fields.clear()
    update_values(Installment, SAVED_FIELDS, changed)
    if dropped:
        Installment.objects.filter(pk__in=dropped).delete()


# --- the record kept for a reversal -----------------------------------------------------------------------------


def snapshot(loaded: Loaded) -> dict[str, Any]:
    """The loan's state fields and its loaded installments, as JSON (``Repayment.before``)."""
    rows = [{name: getattr(inst, name) for name in INSTALLMENT_FIELDS} for inst in loaded.state.installments]
    loan = {name: getattr(loaded.loan, name) for name in LOAN_STATE_FIELDS}
    return to_jsonable({"loan": loan, "installments": rows})


def restore(loan: Loan, before: dict[str, Any]) -> None:
    """Put the loan and the installments in ``before`` (a ``snapshot``) back as they were (the installments it does
    not hold, settled before it was taken, never changed since); the loan's row is saved by the caller."""
    for name in LOAN_STATE_FIELDS:
        value = before["loan"][name]
        if name in ("closed_through", "accelerated_on", "paid_off_on", "maturity_on") and value:
            value = date.fromisoformat(value)
        if name == "default_interest_carry":
            value = Decimal(value)
        setattr(loan, name, value)
    numbers = [row["number"] for row in before["installments"]]
    Installment.objects.filter(loan=loan, number__in=numbers).delete()
    rows = []
    for row in before["installments"]:
        values = dict(row)
        for name in ("due_on", "period_start", "accrual_start"):
            values[name] = date.fromisoformat(values[name]) if values[name] else None
        for name in MONEY_FIELDS:
            values[name] = Money(Decimal(values[name]), KRW)
        rows.append(Installment(loan=loan, **values))
    Installment.objects.bulk_create(rows)
