"""Background rendering of statements."""

from __future__ import annotations

import logging

from celery import shared_task

from .services import statement_render

logger = logging.getLogger(__name__)


@shared_task(name="statements.render", acks_late=True)
def render_statement_task(statement_id: int) -> dict[str, object]:
    """Render one statement (once: a second run finds it ready and leaves it)."""
    outcome = statement_render(statement_id=statement_id)
    statement = outcome.statement
    logger.info("statement %s: %s, %s pages, %s s", statement.number, "rendered" if outcome.rendered else
                "already ready", statement.pages, statement.render_seconds)
    return {"id": statement.pk, "rendered": outcome.rendered, "sha256": statement.sha256}
