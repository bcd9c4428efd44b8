"""The audit trail: append-only events, each carrying the hash of the one before it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


# The chain's order, then the events still waiting for their place (in the order they were written).
CHAIN_ORDER = (models.F("seq").asc(nulls_last=True), "id")


class AuditEvent(models.Model):
    """Who did what to which object, when, with the state before and after and the reason given.

    An event is written *unsealed* (no ``seq``, ``prev_hash`` nor ``hash``) inside the transaction of the change
    it describes, and *sealed* after that commits (``core.audit.audit_seal``): it then gets its place in the
    chain. ``seq`` is dense (1, 2, 3, ...) because the sealer hands it out under the chain head's row lock, so a
    missing number means a deleted event; ``hash`` covers every field plus ``prev_hash``, so an edit shows too.
    On PostgreSQL a trigger refuses every DELETE and every UPDATE but the one that seals an unsealed event.
    """

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True, null=True, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    prev_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - null: not sealed yet
    hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        # No default order: each query says which it wants (CHAIN_ORDER, the newest first, by id to seal).
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The sealer's work list: small, because events are sealed within seconds of their commit.
            models.Index(fields=["id"], name="audit_unsealed", condition=models.Q(seq__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seq__isnull=True, prev_hash__isnull=True, hash__isnull=True)
                | models.Q(seq__isnull=False, prev_hash__isnull=False, hash__isnull=False),
                name="audit_event_sealed_whole",
            ),
        ]

    def __str__(self) -> str:
        place = f"#{self.seq}" if self.seq is not None else f"(unsealed, id {self.pk})"
        return f"{place} {self.action} {self.object_type}:{self.object_id} by {self.actor_label or '-'}"


class AuditChainHead(models.Model):
    """One row: the last sequence number and hash. The sealer locks it, so the chain has one order."""

    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_singleton")]

    def __str__(self) -> str:
        return f"audit chain head: {self.seq} events, last {self.last_hash[:12]}"


class OutboxMessage(models.Model):
    """Work for a Celery worker, written in the same transaction as the change that asks for it (the transactional
    outbox). It is handed to the broker after commit; while the broker is unreachable it waits here, and
    ``outbox.relay`` hands it over once the broker answers. A run that started and never ended (its worker was
    killed) is handed over again, at most ``OUTBOX_MAX_LOST`` times.
    """

    objects: models.Manager[OutboxMessage] = models.Manager()

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        GAVE_UP = "gave_up", _("Gave up (lost too often)")

    task = models.CharField(_("task"), max_length=100)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    key = models.CharField(_("key"), max_length=200, unique=True, help_text=_("The same work is enqueued once."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("handed to the broker at"), null=True, blank=True)
    publishes = models.PositiveIntegerField(_("times handed to the broker"), default=0)
    started_at = models.DateTimeField(_("last run started at"), null=True, blank=True)
    worker = models.CharField(_("worker of the last run"), max_length=200, blank=True)
    runs = models.PositiveIntegerField(_("runs started"), default=0)
    lost = models.PositiveIntegerField(_("runs lost"), default=0, help_text=_("Runs whose worker died."))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["created_at"], name="outbox_open", condition=models.Q(done_at__isnull=True))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done_at__isnull=True, outcome="") | models.Q(done_at__isnull=False) & ~models.Q(
                    outcome=""),
                name="outbox_done_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} [{self.key}]"


class VerificationRun(models.Model):
    """One run of an integrity check: the ledger's (every balance recomputed from its entries, ``ledger_check``) or
    the audit trail's (the hash chain walked, ``audit_verify``). Asked for by a person (``requested_by``; it waits
    queued for a worker), or started by beat or a management command (no ``requested_by``; it starts running).

    ``problems`` keeps the first ``MAX_PROBLEMS`` of what the check found; ``problem_count`` counts them all."""

    objects: models.Manager[VerificationRun] = models.Manager()

    MAX_PROBLEMS = 100

    class Kind(models.TextChoices):
        LEDGER = "ledger", _("Ledger verification")
        AUDIT = "audit", _("Audit trail verification")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    OPEN = (State.QUEUED, State.RUNNING)
    FINISHED = (State.PASSED, State.FAILED)

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("requested by"), help_text=_("Empty when the system started it (schedule or command)."),
    )
    requested_at = models.DateTimeField(_("requested at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    checked = models.PositiveBigIntegerField(
        _("checked"), default=0, help_text=_("Accounts (ledger) or sealed events (audit trail) checked."))
    problems = models.JSONField(_("problems"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(_("number of problems"), default=0)
    pending = models.PositiveBigIntegerField(
        _("events not sealed yet"), default=0, help_text=_("Audit trail only: events waiting for the sealer."))

    class Meta:
        # No default order: verification_runs() lists the newest first, verification_latest() says its own.
        verbose_name = _("verification run")
        verbose_name_plural = _("verification runs")
        indexes = [models.Index(fields=["kind", "-requested_at"], name="verification_kind_requested")]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["ledger", "audit"]), name="verification_kind_known"),
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "running"], finished_at__isnull=True)
                | models.Q(state__in=["passed", "failed"], finished_at__isnull=False),
                name="verification_finished_when_done",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="running") | models.Q(started_at__isnull=False),
                name="verification_running_has_started",
            ),
            # One person's request at a time per kind: the service refuses a second one, and this catches two
            # requests at the same moment. Beat and the commands run regardless (they are not requests).
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(state__in=["queued", "running"], requested_by__isnull=False),
                name="verification_one_open_request_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        """Queued or running: not finished yet."""
        return self.state in self.OPEN
