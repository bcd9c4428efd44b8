"""``manage.py audit_verify``: check the audit trail's hash chain; exit 1 if anything was edited or deleted."""
from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail. Exits non-zero if an event was edited or deleted."

    def handle(self, *args: object, **options: object) -> None:
        report = audit_verify()
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(f"audit trail: {report.events} events, {len(report.problems)} problems")
        self.stdout.write(f"audit trail: {report.events} events, chain intact")
