"""Close of business (일마감): nightly by Celery beat, or ``manage.py close_business --date YYYY-MM-DD``.

Closing a day applies it to every active loan not yet closed through it (the engine's ``close_through``: interest
falling due, acceleration, default interest, days past due, asset class) and records a ``BusinessDay``. Closing a
date closes first every earlier day not yet closed, so a missed night is caught up (in one pass: each loan is brought
up to the date day by day); a day already closed is not closed again.

Most loans have nothing happen on most days: no installment due, nothing overdue. Those are advanced with one
UPDATE; only the others are loaded, in batches, each batch in its own short transaction under its loans' row locks
(so a repayment arriving meanwhile waits for one batch at most, never for the whole run).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.dates import backdating_limit, check_date
from core.db import transactional, update_rows
from core.engines import loans as engine
from core.errors import ValidationFailed

from .. import delinquency
from ..actions import BUSINESS_DAY_CLOSE
from ..locks import lock_loans
from ..models import BusinessDay, Installment, Loan
from . import postings, state

ONE_DAY = timedelta(days=1)
BATCH = 200  # loans per transaction: a repayment on one of them waits at most for one batch


@dataclass
class Closed:
    day: BusinessDay
    created: bool


def _first_open_day(through: date) -> date:
    last = BusinessDay.objects.order_by("-date").values_list("date", flat=True).first()
    if last is not None:
        return last + ONE_DAY
    earliest = (
        Loan.objects.filter(state=Loan.State.ACTIVE)
        .order_by("disbursed_on")
        .values_list("disbursed_on", flat=True)
        .first()
    )
    return min(earliest, through) if earliest else through


def close_business(*, through: date, today: date, actor: Any = None) -> list[Closed]:
    """Close every day not yet closed up to ``through``, which must have ended by ``today`` and be within the
    back-dating window (the days before it that are not closed yet are closed too, however far back they go).
    Raises ValidationFailed."""
    if through >= today:
        raise ValidationFailed(
            _("A day can be closed only after it has ended; the last day that can be closed is %(date)s.")
            % {"date": (today - ONE_DAY).isoformat()},
            fields={"date": [_("must be before today (%(today)s)") % {"today": today.isoformat()}]},
        )
    check_date(through, field="date", earliest=[backdating_limit(today)])
    first = _first_open_day(through)
    if first > through:
        existing = BusinessDay.objects.filter(date=through).first()
        return [Closed(existing, False)] if existing else []
    return close_days(first, through, actor=actor)


def _needs_work(through: date) -> Q:
    """Loans with something to do on a day up to ``through``: an installment due by then and not settled, or
    already late, accelerated or not 정상 (or never closed). The others have nothing happen on any of those days:
    nothing falls due, nothing is overdue, so no interest, no default interest, days past due stay 0."""
    unsettled = Installment.objects.filter(loan=OuterRef("pk"), due_on__lte=through).filter(
        Q(principal_paid__lt=F("principal_due")) | Q(interest_paid__lt=F("interest_due"))
        | Q(interest_recognized__lt=F("interest_due"))
    )
    return (
        Q(closed_through__isnull=True)
        | Q(accelerated_on__isnull=False)
        | Q(days_past_due__gt=0)
        | ~Q(asset_class=delinquency.NORMAL)
        | Q(Exists(unsettled))
    )


@transactional
def _close_batch(loan_ids: list[int], through: date, table: list[delinquency.Rule], funds: dict[int, Any],
                 actor: Any) -> int:
    """Bring a batch of loans up to ``through`` in one transaction (run again after a deadlock): their rows locked
    (``locks.lock_loans``), their open installments and default-interest balances read in two queries, the engine
    run on each, the journals posted in one batch, rows written back in bulk. Returns the journals posted."""
    loans = [loan for loan in lock_loans(loan_ids, state=Loan.State.ACTIVE)
             if not (loan.closed_through and loan.closed_through >= through)]  # closed by a repayment meanwhile
    for loan in loans:
        loan.fund = funds.setdefault(loan.fund_id, loan.fund)  # one Book object per fund: its chart looked up once
    loaded = state.load_many(loans)
    closes: list[tuple[Loan, engine.Span]] = []
    for loan in loans:
        new, days = engine.close_through(state.terms(loan), loaded[loan.pk].state, through, table)
        closes += [(loan, span) for span in engine.by_month(days)]
        state.apply(loaded[loan.pk], new)
    posted = postings.post_closes(closes, actor)
    update_rows(Loan, loans, state.LOAN_STATE_FIELDS)
    state.flush_rows(list(loaded.values()))
    return posted


def close_days(first: date, through: date, *, actor: Any = None) -> list[Closed]:
    """Close the days ``first`` to ``through`` in one pass over the loans: each loan with something to do is
    brought up to ``through`` day by day, the others are advanced with one UPDATE. The run's counts are recorded on
    its last day."""
    started = time.monotonic()
    table = delinquency.rules()
    open_loans = Loan.objects.filter(state=Loan.State.ACTIVE, disbursed_on__lte=through).filter(
        Q(closed_through__isnull=True) | Q(closed_through__lt=through)
    )
    busy = list(open_loans.filter(_needs_work(through)).order_by("pk").values_list("pk", flat=True))
    advanced = open_loans.exclude(pk__in=busy).exclude(_needs_work(through)).update(closed_through=through)
    journals = 0
    funds: dict[int, Any] = {}
    for index in range(0, len(busy), BATCH):
        journals += _close_batch(busy[index:index + BATCH], through, table, funds, actor)
    results = []
    with transaction.atomic():
        day = first
        while day <= through:
            last = day == through
            business_day, created = BusinessDay.objects.get_or_create(
                date=day,
                defaults={
                    "closed_at": timezone.now(),
                    "loans_processed": len(busy) if last else 0,
                    "loans_advanced": advanced if last else 0,
                    "journals_posted": journals if last else 0,
                    "seconds": Decimal(str(round(time.monotonic() - started, 3))) if last else Decimal(0),
                },
            )
            results.append(Closed(business_day, created))
            day += ONE_DAY
        audit_record(actor=actor, action=BUSINESS_DAY_CLOSE, obj=results[-1].day,
                     after={"from": first.isoformat(), "through": through.isoformat(), "loans_processed": len(busy),
                            "loans_advanced": advanced, "journals_posted": journals})
    return results
