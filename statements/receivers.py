"""What statements does when the apps below it, and the outbox, signal."""

from __future__ import annotations

from typing import Any

from core.models import OutboxMessage

from .services import RENDER_TASK, receipt_for_repayment, render_given_up


def on_repayment_made(*, actor: Any, repayment: Any, **_: Any) -> None:
    receipt_for_repayment(actor=actor, repayment=repayment)


def on_outbox_gave_up(*, message: OutboxMessage, **_: Any) -> None:
    if message.task == RENDER_TASK and message.args:
        render_given_up(statement_id=int(message.args[0]), error=message.error)


def connect() -> None:
    from core.outbox import gave_up
    from funds.signals import repayment_made

    repayment_made.connect(on_repayment_made, dispatch_uid="statements.receipt")
    gave_up.connect(on_outbox_gave_up, dispatch_uid="statements.gave_up")
