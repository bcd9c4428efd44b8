"""``manage.py audit_verify``: seal the events waiting for it, then check the audit trail's hash chain; exit 1 if
anything was edited or deleted, or an event was left unsealed for too long."""
from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_seal, audit_verify


class Command(BaseCommand):
    help = (
        "Seal the audit events waiting for it, then verify the hash chain of the audit trail. "
        "Exits non-zero if an event was edited or deleted."
    )

    def handle(self, *args: object, **options: object) -> None:
        audit_seal()
        report = audit_verify()
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(f"audit trail: {report.events} events, {len(report.problems)} problems")
        waiting = f", {report.pending} recorded since and not sealed yet" if report.pending else ""
        self.stdout.write(f"audit trail: {report.events} events, chain intact{waiting}")
