"""``manage.py ledger_verify``: recompute every balance from entries; exit 1 on any difference. The run is recorded
(a verification run of the system's), as the nightly task's is."""
from django.core.management.base import BaseCommand, CommandError

from core.money import format_won
from ledger.verification import ledger_verification


class Command(BaseCommand):
    help = "Recompute every account's balance from its entries and compare with the stored counters."

    def handle(self, *args: object, **options: object) -> None:
        report = ledger_verification().report
        assert report is not None  # a new run is always run
        self.stdout.write(
            f"ledger: {report.books} books, {report.accounts} accounts, {report.journals} journals, "
            f"{report.entries} entries; debits {format_won(report.total_debits)}, "
            f"credits {format_won(report.total_credits)}"
        )
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(f"ledger_verify: {len(report.problems)} differences")
        self.stdout.write("ledger_verify: every account agrees with its entries")
