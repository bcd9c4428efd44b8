"""``manage.py close_business --date YYYY-MM-DD``: close every day not yet closed up to that date."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.errors import DomainError
from funds.services import close_business


class Command(BaseCommand):
    help = "Close of business (일마감) up to a date, catching up days not yet closed. Closing a day twice does nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Last day to close, YYYY-MM-DD (default: yesterday, KST).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate() - timedelta(days=1)
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD") from None
        try:
            results = close_business(through=day, today=timezone.localdate())
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if not results:
            self.stdout.write(f"nothing to close through {day}")
        for r in results:
            verb = "closed" if r.created else "already closed"
            self.stdout.write(
                f"{r.day.date} {verb}: {r.day.loans_processed} loans with events, {r.day.loans_advanced} without, "
                f"{r.day.journals_posted} journals, {r.day.seconds} s"
            )
