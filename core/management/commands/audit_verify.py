"""``manage.py audit_verify``: seal the events waiting for it, then check the audit trail's hash chain; exit 1 if
anything was edited or deleted, or an event could not be sealed or was left unsealed for too long."""
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from core.audit import audit_seal, audit_verify


class Command(BaseCommand):
    help = (
        "Seal the audit events waiting for it, then verify the hash chain of the audit trail. "
        "Exits non-zero if an event was edited or deleted, or could not be sealed."
    )

    def handle(self, *args: object, **options: object) -> None:
        problems = []
        try:
            audit_seal()
        except DatabaseError as exc:  # an event forged into the chain's next place, say: the check below says more
            problems.append(f"sealing the waiting events failed: {exc}".strip())
        report = audit_verify()
        problems = [*report.problems, *problems]
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"audit trail: {report.events} events, {len(problems)} problems")
        waiting = f", {report.pending} recorded since and not sealed yet" if report.pending else ""
        self.stdout.write(f"audit trail: {report.events} events, chain intact{waiting}")
