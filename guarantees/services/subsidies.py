"""Interest subsidies (이차보전): the city's subsidy budget, and the runs that pay a period's subsidies.

A run covers one whole period of the program's ``subsidy_period`` (a calendar month, or a quarter from January,
April, July or October), only once it has ended. Preparing it loads, for every guarantee whose loan was made and
whose subsidy window (from the loan's start, for the program's ``subsidy_months``; cut at the day it was repaid in
full or defaulted) meets the period, the loan's reported balances (``GuaranteeBalance``: the balance in force on a
day is the last one reported on or before it) and hands them to ``core.engines.subsidies.subsidy_run``, which counts
the days in both the period and the window, at min(subsidy rate, loan rate), actual/365, rounded once per guarantee
by the program's rule. A guarantee with no balance in those days gets no line. Preparing the same period again gives
the run back unchanged (one run per program and period, held by a unique constraint and the program's row lock).

Approving (another manager than the one who prepared) pays the run: ONE journal, Dr ``expense:subsidies`` / Cr
``subsidy:budget``. The budget is a no-overdraft account, checked by the ledger under its lock: a run that would
exceed it is refused (InsufficientFunds, 422) and nothing is written.

Locks (``guarantees.locks``): preparing takes the program's row (3); approving the run's row (5); the journals take
the ledger's account locks (6).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import check_money_date
from core.db import transactional
from core.engines.rounding import Rounding
from core.engines.schedules import add_months
from core.engines.subsidies import GuaranteedLoan, subsidy_run
from core.errors import Forbidden, IdempotencyConflict, InsufficientFunds, InvalidState, NotFound, ValidationFailed
from core.inputs import KEY_FIELD, check_key, digest
from core.money import KRW, format_won, won_input
from enterprises.models import User
from ledger.models import Account
from ledger.services import credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import SUBSIDY_APPROVE, SUBSIDY_BUDGET, SUBSIDY_PREPARE
from ..locks import lock_program, lock_subsidy_run
from ..models import (
    Guarantee,
    GuaranteeBalance,
    GuaranteeProgram,
    SubsidyBudget,
    SubsidyLine,
    SubsidyPeriod,
    SubsidyRun,
)

ZERO = Decimal(0)
ONE_DAY = timedelta(days=1)
QUARTER_STARTS = (1, 4, 7, 10)
EARLIEST_PERIOD = date(2000, 1, 1)
# Guarantees that never lent, or whose loan the subsidy never covers.
NOT_LENT = (Guarantee.State.APPROVED, Guarantee.State.CANCELLED)
RUN_AUDITED = ["program", "period_start", "period_end", "state", "subsidy_rate", "payee", "total", "line_count",
               "prepared_by", "approved_by", "paid_on", "journal"]
LINE_BATCH = 2000


# --- periods -----------------------------------------------------------------------------------------------------


def period_months(kind: str) -> int:
    return 3 if kind == SubsidyPeriod.QUARTERLY else 1


def period_last_day(kind: str, start: date) -> date:
    """The last day of the month or quarter that starts on ``start``."""
    return add_months(start, period_months(kind)) - ONE_DAY


def last_ended_period(kind: str, today: date) -> date:
    """The first day of the latest whole month or quarter that ended before ``today``."""
    month = today.month if kind == SubsidyPeriod.MONTHLY else today.month - (today.month - 1) % 3
    return add_months(date(today.year, month, 1), -period_months(kind))


def check_period(program: GuaranteeProgram, start: date, end: date | None, today: date) -> date:
    """The period's last day, once ``start`` begins a whole month (or quarter, by the program's ``subsidy_period``),
    ``end`` (if given) is that period's last day, and the period has ended before ``today``. Raises
    ValidationFailed naming the field."""
    kind = program.subsidy_period
    if kind == SubsidyPeriod.QUARTERLY and (start.day != 1 or start.month not in QUARTER_STARTS):
        raise ValidationFailed(
            _("The program pays its interest subsidies by quarter: a run's period is a whole quarter."),
            fields={"period_start": [_("the first day of January, April, July or October")]})
    if start.day != 1:
        raise ValidationFailed(
            _("The program pays its interest subsidies by month: a run's period is a whole month."),
            fields={"period_start": [_("the first day of a month")]})
    if start < EARLIEST_PERIOD:
        raise ValidationFailed(_("The period is too far back."),
                               fields={"period_start": [_("on or after %(date)s") % {"date": EARLIEST_PERIOD}]})
    if start >= today:  # (checked before the end is computed: no date arithmetic at the calendar's end)
        raise ValidationFailed(_("The period has not ended yet; a run is prepared after its last day."),
                               fields={"period_start": [_("a period that ended before today")]})
    last = period_last_day(kind, start)
    if end is not None and end != last:
        raise ValidationFailed(
            _("A run's period is one whole month or quarter: it ends on %(last)s.") % {"last": last.isoformat()},
            fields={"period_end": [_("must be %(last)s, the period's last day") % {"last": last.isoformat()}]})
    if last >= today:
        raise ValidationFailed(
            _("The period has not ended yet; it can be prepared from %(day)s.") % {"day": (last + ONE_DAY).isoformat()},
            fields={"period_start": [_("a period that ended before today")]})
    return last


# --- the budget --------------------------------------------------------------------------------------------------


def _check_budget_replay(existing: SubsidyBudget, actor: Any, amount: Decimal, on: date) -> None:
    if existing.created_by_id != getattr(actor, "pk", None):
        raise IdempotencyConflict(_("This idempotency key was already used by someone else; use a new one."),
                                  fields={KEY_FIELD: [_("already used by another user")]})
    if existing.amount.amount != amount or existing.received_on != on:
        raise IdempotencyConflict(_("This idempotency key was already used for a different request."),
                                  fields={KEY_FIELD: [_("already used with another amount or date")]})


@transactional
def subsidy_budget_record(*, actor: User, program_id: int, amount: Any, received_on: date, idempotency_key: str,
                          today: date, memo: str = "") -> tuple[SubsidyBudget, bool]:
    """The city's interest-subsidy budget paid into the program on ``received_on`` (not in the future, within the
    back-dating window): Dr ``subsidy:budget`` / Cr ``subsidy:appropriation``. Returns the entry and whether it is
    new (the same caller, key and content give the first one back). Raises ValidationFailed, NotFound, Forbidden,
    IdempotencyConflict."""
    ACCESS.require(actor, "subsidy.budget")
    key = check_key(idempotency_key)
    value = won_input(amount, "amount")
    program = GuaranteeProgram.objects.select_related("book").filter(pk=program_id).first()
    if program is None:
        raise NotFound(_("No such guarantee program."))
    existing = SubsidyBudget.objects.filter(program=program, idempotency_key=key).first()
    if existing is not None:
        _check_budget_replay(existing, actor, value, received_on)
        return existing, False
    check_money_date(received_on, field="received_on", today=today)
    posted = journal_post(
        lines=[debit(chart.account(program.book, chart.SUBSIDY_BUDGET), value),
               credit(chart.account(program.book, chart.SUBSIDY_APPROPRIATION), value)],
        kind="guarantee.subsidy_budget", effective_date=received_on,
        idempotency_key=f"guarantee-program:{program.pk}:subsidy-budget:{digest(key)}", actor=actor,
        memo=(memo or "이차보전 예산")[:500],
    )
    if not posted.created:  # the same key, committed by a concurrent call meanwhile
        existing = SubsidyBudget.objects.get(journal=posted.journal)
        _check_budget_replay(existing, actor, value, received_on)
        return existing, False
    entry = SubsidyBudget.objects.create(program=program, amount=Money(value, KRW), received_on=received_on,
                                         journal=posted.journal, memo=memo[:300], idempotency_key=key,
                                         created_by=actor)
    audit_record(actor=actor, action=SUBSIDY_BUDGET, obj=entry, after=snapshot(entry))
    return entry, True


# --- preparing a run ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loan:
    guarantee_id: int
    enterprise_id: int
    bank_id: int
    loan_rate: Decimal
    window_start: date
    window_end: date


def _window_end(start_on: date, months: int, repaid_on: date | None, defaulted_on: date | None) -> date:
    """The first day no longer subsidised: ``months`` after the loan's start, or the day it was repaid in full or
    defaulted (사고), whichever comes first."""
    ends = [add_months(start_on, months)] + [day for day in (repaid_on, defaulted_on) if day is not None]
    return max(min(ends), start_on)


def _candidates(program: GuaranteeProgram, start: date, end: date) -> list[_Loan]:
    """The program's lent guarantees whose window meets [start, end), in id order (one query)."""
    months = program.subsidy_months
    # A loose bound in the database (add_months clamps month ends), the exact test below.
    earliest = add_months(start, -months) - timedelta(days=4)
    rows = (Guarantee.objects.filter(program=program, start_on__isnull=False, start_on__lt=end, start_on__gt=earliest)
            .exclude(state__in=NOT_LENT).order_by("pk")
            .values_list("pk", "enterprise_id", "bank_id", "loan_rate", "start_on", "repaid_on", "defaulted_on"))
    loans = []
    for pk, enterprise_id, bank_id, loan_rate, start_on, repaid_on, defaulted_on in rows:
        if start_on is None or loan_rate is None:  # (a lent guarantee has both: guarantee_loan_terms_once_lent)
            continue
        window_end = _window_end(start_on, months, repaid_on, defaulted_on)
        if window_end > start and start_on < end:
            loans.append(_Loan(pk, enterprise_id, bank_id, loan_rate, start_on, window_end))
    return loans


def _balances(program: GuaranteeProgram, loans: list[_Loan], end: date) -> dict[int, list[tuple[date, Decimal]]]:
    """Each loan's reported balances before ``end``, as (from date, balance) in date order, the last report of a
    day standing for that day (one query over the program's balance rows)."""
    if not loans:
        return {}
    first_start = min(loan.window_start for loan in loans)
    wanted = {loan.guarantee_id for loan in loans}
    rows = (GuaranteeBalance.objects
            .filter(guarantee__program=program, guarantee__start_on__gte=first_start, on_date__lt=end)
            .order_by("guarantee_id", "on_date", "id").values_list("guarantee_id", "on_date", "balance"))
    result: dict[int, list[tuple[date, Decimal]]] = {}
    for guarantee_id, on_date, balance in rows:
        if guarantee_id not in wanted:
            continue
        history = result.setdefault(guarantee_id, [])
        if history and history[-1][0] == on_date:
            history[-1] = (on_date, balance)
        else:
            history.append((on_date, balance))
    return result


def _rounding(program: GuaranteeProgram) -> Rounding:
    return Rounding(program.rounding_unit, program.rounding_mode)


def _lines(program: GuaranteeProgram, start: date, last: date) -> tuple[list[SubsidyLine], Decimal, Decimal]:
    """The run's lines (unsaved), their total and their total before rounding."""
    end = last + ONE_DAY
    loans = _candidates(program, start, end)
    balances = _balances(program, loans, end)
    computed = subsidy_run(
        (GuaranteedLoan(key=index, balances=tuple(balances.get(loan.guarantee_id, ())), loan_rate=loan.loan_rate,
                        subsidy_rate=program.subsidy_rate, window_start=loan.window_start,
                        window_end=loan.window_end)
         for index, loan in enumerate(loans)),
        period_start=start, period_end=end, rounding=_rounding(program))
    lines = []
    total = total_exact = ZERO
    for result in computed.results:
        if not result.won_days:  # nothing outstanding on the days counted: no line
            continue
        loan = loans[int(result.key)]  # type: ignore[call-overload]
        lines.append(SubsidyLine(
            guarantee_id=loan.guarantee_id, enterprise_id=loan.enterprise_id, bank_id=loan.bank_id,
            payee=program.subsidy_payee, window_start=loan.window_start, window_end=loan.window_end,
            days=result.days, won_days=result.won_days, loan_rate=loan.loan_rate, rate=result.rate,
            exact=result.exact.quantize(Decimal("0.00000001")), amount=Money(result.amount, KRW)))
        total += result.amount
        total_exact += result.exact
    return lines, total, total_exact


def _prepare(program: GuaranteeProgram, start: date, last: date, *, actor: User | None, today: date,
             keep_empty: bool) -> tuple[SubsidyRun | None, bool]:
    existing = (SubsidyRun.objects.filter(program=program, period_start=start)
                .exclude(state=SubsidyRun.State.CANCELLED).first())
    if existing is not None:
        return existing, False
    lines, total, total_exact = _lines(program, start, last)
    if not lines and not keep_empty:
        return None, False
    run = SubsidyRun.objects.create(
        program=program, period=program.subsidy_period, period_start=start, period_end=last,
        subsidy_rate=program.subsidy_rate, subsidy_months=program.subsidy_months, payee=program.subsidy_payee,
        rounding_unit=program.rounding_unit, rounding_mode=program.rounding_mode, total=Money(total, KRW),
        total_exact=total_exact.quantize(Decimal("0.00000001")), line_count=len(lines),
        prepared_by=actor if getattr(actor, "is_authenticated", False) else None, prepared_at=timezone.now(),
        prepared_on=today)
    for line in lines:
        line.run = run
    SubsidyLine.objects.bulk_create(lines, batch_size=LINE_BATCH)
    audit_record(actor=actor, action=SUBSIDY_PREPARE, obj=run, after=snapshot(run, RUN_AUDITED))
    return run, True


def _subsidised(program: GuaranteeProgram) -> None:
    if program.subsidy_rate <= 0 or program.subsidy_months <= 0:
        raise ValidationFailed(_("This program pays no interest subsidy (이차보전)."),
                               fields={"program": [_("a program with an interest subsidy rate and months")]})


@transactional
def subsidy_run_prepare(*, program_id: int, period_start: date, actor: User | None, today: date,
                        period_end: date | None = None) -> tuple[SubsidyRun, bool]:
    """Prepare the program's subsidy run for the whole month or quarter starting on ``period_start`` (``period_end``
    optional, and then its last day), once it has ended before ``today``: every guarantee's subsidy, by the engine.
    ``actor`` None is the system (beat). Returns the run and whether it is new: a run of the period that exists
    (prepared or paid) is given back unchanged. Raises Forbidden, NotFound, ValidationFailed."""
    if actor is not None:
        ACCESS.require(actor, "subsidy.prepare")
    program = lock_program(program_id)
    _subsidised(program)
    last = check_period(program, period_start, period_end, today)
    run, created = _prepare(program, period_start, last, actor=actor, today=today, keep_empty=True)
    assert run is not None
    return run, created


def subsidy_runs_prepare_due(*, today: date, program_ids: Iterable[int] | None = None) -> list[SubsidyRun]:
    """For each program with an interest subsidy (or those of ``program_ids``), the run of its period that ended
    last before ``today``, prepared by the system if it does not exist yet (beat's task, every night: idempotent).
    A period with nothing to pay gets no run. Each program in a transaction of its own. Returns the runs made."""
    programs = GuaranteeProgram.objects.filter(subsidy_rate__gt=0, subsidy_months__gt=0).order_by("pk")
    if program_ids is not None:
        programs = programs.filter(pk__in=list(program_ids))
    made = []
    for program_id, kind in programs.values_list("pk", "subsidy_period"):
        run = _prepare_due(program_id, last_ended_period(kind, today), today)
        if run is not None:
            made.append(run)
    return made


@transactional
def _prepare_due(program_id: int, start: date, today: date) -> SubsidyRun | None:
    program = lock_program(program_id)
    last = period_last_day(program.subsidy_period, start)
    run, created = _prepare(program, start, last, actor=None, today=today, keep_empty=False)
    return run if created else None


# --- approving (paying) a run ------------------------------------------------------------------------------------


@transactional
def subsidy_run_approve(*, run_id: int, actor: User, today: date, idempotency_key: str) -> tuple[SubsidyRun, bool]:
    """A second manager (not the one who prepared it) approves a prepared run, which pays it on ``today``: one
    journal, Dr ``expense:subsidies`` / Cr ``subsidy:budget`` for the run's total. The same caller and key again
    give the paid run back. Returns the run and whether it was paid now. Raises Forbidden, NotFound, InvalidState
    (not prepared), InsufficientFunds (the budget would be exceeded), ValidationFailed."""
    ACCESS.require(actor, "subsidy.approve")
    key = check_key(idempotency_key)
    run = lock_subsidy_run(run_id)
    if run.state == SubsidyRun.State.PAID and run.approved_by_id == actor.pk and run.approval_key == key:
        return run, False
    if run.state != SubsidyRun.State.PREPARED:
        raise InvalidState(_("This subsidy run is %(state)s; only a prepared run can be approved.")
                           % {"state": run.get_state_display()})
    if run.prepared_by_id is not None and run.prepared_by_id == actor.pk:
        raise Forbidden(_("The manager who prepared a subsidy run cannot approve it; another manager must."))
    total = run.total.amount
    book = run.program.book
    if total > 0:
        budget = chart.account(book, chart.SUBSIDY_BUDGET)
        try:
            posted = journal_post(
                lines=[debit(chart.account(book, chart.SUBSIDY_EXPENSE), total), credit(budget, total)],
                kind="guarantee.subsidy_run", effective_date=today,
                idempotency_key=f"guarantee-program:{run.program_id}:subsidy-run:{run.pk}", actor=actor,
                memo=f"이차보전금 지급 {run.period_start:%Y-%m-%d}~{run.period_end:%Y-%m-%d}")
        except InsufficientFunds:
            held = Account.objects.get(pk=budget.pk).balance.amount
            raise InsufficientFunds(
                _("The interest subsidy budget holds %(budget)s; this run pays %(total)s. Record more budget first.")
                % {"budget": format_won(held), "total": format_won(total)},
                fields={"total": [_("exceeds the subsidy budget of %(budget)s") % {"budget": format_won(held)}]},
            ) from None
        run.journal = posted.journal
    run.state = SubsidyRun.State.PAID
    run.approved_by = actor
    run.approved_at = timezone.now()
    run.paid_on = today
    run.approval_key = key
    run.save(update_fields=["state", "approved_by", "approved_at", "paid_on", "approval_key", "journal"])
    audit_record(actor=actor, action=SUBSIDY_APPROVE, obj=run, before={"state": SubsidyRun.State.PREPARED},
                 after=snapshot(run, RUN_AUDITED))
    return run, True
