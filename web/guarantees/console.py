"""The special guarantees on the console's start page: the inbox panel (what waits for this manager, and what this
manager prepared that waits for another: four eyes, visible). Its lists are read by one selector,
``guarantees.selectors.guarantee_inbox_for``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from guarantees import selectors


def inbox_panel(request: HttpRequest) -> dict[str, Any]:
    """What waits for the signed-in manager (for an auditor: what waits for anyone, read only)."""
    return {"inbox": selectors.guarantee_inbox_for(request.user)}
