"""Windows for the dates people type.

A date that moves money or sets terms is checked against limits a fund manager would call sane, and a date out of
its window is refused with a 400 that names the field and the limit it broke, before anything is written:

- nothing that moves money is dated in the future: money received or paid out is recorded when it happened, and
  the ledger, the loans' days and the statements all assume that nothing happens after today;
- nor further back than ``settings.BACKDATE_DAYS`` (the back-dating window: a transfer recorded late, a
  contribution received last month), nor before the fund it belongs to was opened;
- no period or "as of" date of this system is before ``EPOCH`` (no record of it is older).

The checks are plain functions over dates: the caller passes ``today`` (the service takes it from its caller, or
reads the clock in Asia/Seoul when not given).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import ValidationFailed

# No day of this system's records is earlier: the first Korean social enterprise law is of 2007.
EPOCH = date(2000, 1, 1)


@dataclass(frozen=True)
class Limit:
    """One end of a window: the date, and what it is in words (for the message)."""

    on: date
    what: str


def today_limit(today: date) -> Limit:
    return Limit(today, _("today"))


def backdating_limit(today: date) -> Limit:
    days = settings.BACKDATE_DAYS
    return Limit(today - timedelta(days=days), _("the back-dating window of %(days)s days") % {"days": days})


def epoch_limit() -> Limit:
    return Limit(EPOCH, _("the earliest date this system records"))


def check_date(value: date, *, field: str, earliest: Iterable[Limit] = (), latest: Iterable[Limit] = ()) -> date:
    """``value`` if it is within every limit given; otherwise ValidationFailed naming ``field`` and the tightest
    limit it broke."""
    lows = [limit for limit in earliest if value < limit.on]
    if lows:
        low = max(lows, key=lambda limit: limit.on)
        raise ValidationFailed(
            _("%(field)s %(date)s is before %(what)s (%(limit)s).")
            % {"field": field, "date": value.isoformat(), "what": low.what, "limit": low.on.isoformat()},
            fields={field: [_("must be on or after %(limit)s (%(what)s)")
                            % {"limit": low.on.isoformat(), "what": low.what}]},
        )
    highs = [limit for limit in latest if value > limit.on]
    if highs:
        high = min(highs, key=lambda limit: limit.on)
        raise ValidationFailed(
            _("%(field)s %(date)s is after %(what)s (%(limit)s).")
            % {"field": field, "date": value.isoformat(), "what": high.what, "limit": high.on.isoformat()},
            fields={field: [_("must be on or before %(limit)s (%(what)s)")
                            % {"limit": high.on.isoformat(), "what": high.what}]},
        )
    return value


def check_money_date(value: date, *, field: str, today: date, not_before: Iterable[Limit] = ()) -> date:
    """A date that moves money: not after ``today``, not before the back-dating window, nor before any of
    ``not_before`` (e.g. the day the fund was opened)."""
    return check_date(value, field=field, earliest=[backdating_limit(today), *not_before], latest=[today_limit(today)])


def check_period(start: date, end: date, *, today: date, start_field: str, end_field: str,
                 max_days: int) -> tuple[date, date]:
    """A period of a statement or an export: in order, not before ``EPOCH``, not after ``today``, at most
    ``max_days`` long."""
    check_date(start, field=start_field, earliest=[epoch_limit()], latest=[today_limit(today)])
    check_date(end, field=end_field, earliest=[Limit(start, start_field)], latest=[today_limit(today)])
    if (end - start).days > max_days:
        limit = end - timedelta(days=max_days)
        raise ValidationFailed(
            _("A period covers at most %(days)s days.") % {"days": max_days},
            fields={start_field: [_("must be on or after %(limit)s (at most %(days)s days before %(field)s)")
                                  % {"limit": limit.isoformat(), "days": max_days, "field": end_field}]},
        )
    return start, end
