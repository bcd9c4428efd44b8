"""How an API sub-package declares its routes, for ``api.urls`` to assemble under one router (one API root)."""

from __future__ import annotations

from typing import Any, NamedTuple


class Route(NamedTuple):
    """A viewset at ``prefix`` (``loans`` serves ``/api/v1/loans/`` and ``/api/v1/loans/{id}/...``)."""

    prefix: str
    viewset: Any
    basename: str
