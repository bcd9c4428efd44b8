"""Close of business (일마감): nightly by Celery beat, or ``manage.py close_business --date YYYY-MM-DD``.

Closing a day applies it to every active loan not yet closed through it (``servicing.close_day``: interest falling
due, acceleration, default interest, days past due, asset class) and records a ``BusinessDay``. Closing a date closes
first every earlier day not yet closed, so a missed night is caught up; a day already closed is not closed again.

Most loans have nothing happen on most days: no installment due, nothing overdue. Those are advanced with one
UPDATE; only the others are loaded, each in its own short transaction under its row lock (so a repayment arriving
meanwhile waits for that loan only, never for the whole run).
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
from core.errors import ValidationFailed

from . import delinquency, servicing
from .models import BusinessDay, Installment, Loan

ONE_DAY = timedelta(days=1)


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


def close_business(*, through: date, actor: Any = None) -> list[Closed]:
    """Close every day not yet closed up to ``through`` (which must have ended). Raises ValidationFailed."""
    today = timezone.localdate()
    if through >= today:
        raise ValidationFailed(
            _("A day can be closed only after it has ended; the last day that can be closed is %(date)s.")
            % {"date": (today - ONE_DAY).isoformat()},
            fields={"date": [_("must be before today (%(today)s)") % {"today": today.isoformat()}]},
        )
    results = []
    day = _first_open_day(through)
    if day > through:  # already closed: say so
        existing = BusinessDay.objects.filter(date=through).first()
        return [Closed(existing, False)] if existing else []
    while day <= through:
        results.append(close_day(day, actor=actor))
        day += ONE_DAY
    return results


def _needs_work(day: date) -> Q:
    """Loans with something to do on ``day``: behind by more than a day, or an installment due by then and not
    settled, or already late, accelerated or not 정상."""
    unsettled = Installment.objects.filter(loan=OuterRef("pk"), due_on__lte=day).filter(
        Q(principal_paid__lt=F("principal_due")) | Q(interest_paid__lt=F("interest_due"))
        | Q(interest_recognized__lt=F("interest_due"))
    )
    return (
        Q(closed_through__isnull=True)
        | Q(closed_through__lt=day - ONE_DAY)
        | Q(accelerated_on__isnull=False)
        | Q(days_past_due__gt=0)
        | ~Q(asset_class=delinquency.NORMAL)
        | Exists(unsettled)
    )


def close_day(day: date, *, actor: Any = None) -> Closed:
    existing = BusinessDay.objects.filter(date=day).first()
    if existing is not None:
        return Closed(existing, False)
    started = time.monotonic()
    table = delinquency.rules()
    open_loans = Loan.objects.filter(state=Loan.State.ACTIVE, disbursed_on__lte=day).filter(
        Q(closed_through__isnull=True) | Q(closed_through__lt=day)
    )
    busy = list(open_loans.filter(_needs_work(day)).order_by("pk").values_list("pk", flat=True))
    quiet = open_loans.filter(closed_through=day - ONE_DAY).exclude(pk__in=busy)
    advanced = quiet.update(closed_through=day)
    journals = 0
    for loan_id in busy:
        with transaction.atomic():
            loan = Loan.objects.select_for_update().select_related("fund__book").get(pk=loan_id)
            if loan.state != Loan.State.ACTIVE or (loan.closed_through and loan.closed_through >= day):
                continue  # paid off or closed by a repayment meanwhile
            insts = servicing.installments_of(loan)
            postings = servicing.bring_to(loan, insts, day, actor=actor, table=table)
            journals += sum(1 for p in postings if p.lines)
    with transaction.atomic():
        business_day, created = BusinessDay.objects.get_or_create(
            date=day,
            defaults={
                "closed_at": timezone.now(),
                "loans_processed": len(busy),
                "loans_advanced": advanced,
                "journals_posted": journals,
                "seconds": Decimal(str(round(time.monotonic() - started, 3))),
            },
        )
        if created:
            audit_record(actor=actor, action="business_day.close", obj=business_day,
                         after={"date": day.isoformat(), "loans_processed": len(busy), "loans_advanced": advanced,
                                "journals_posted": journals})
    return Closed(business_day, created)
