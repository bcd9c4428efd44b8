"""``manage.py audit_verify``: seal the events waiting for it, then check the audit trail's hash chain; exit 1 if
anything was edited or deleted, or an event could not be sealed or was left unsealed for too long. The run is
recorded (a verification run of the system's), as the nightly task's is."""
from django.core.management.base import BaseCommand, CommandError

from core.verification import audit_verification


class Command(BaseCommand):
    help = (
        "Seal the audit events waiting for it, then verify the hash chain of the audit trail. "
        "Exits non-zero if an event was edited or deleted, or could not be sealed."
    )

    def handle(self, *args: object, **options: object) -> None:
        report = audit_verification().report
        assert report is not None  # a new run is always run
        for problem in report.problems:
            self.stderr.write(problem)
        if report.problems:
            raise CommandError(f"audit trail: {report.events} events, {len(report.problems)} problems")
        waiting = f", {report.pending} recorded since and not sealed yet" if report.pending else ""
        self.stdout.write(f"audit trail: {report.events} events, chain intact{waiting}")
