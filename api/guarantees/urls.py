"""Routes of the special guarantees (특례보증)."""

from __future__ import annotations

from typing import Any

from api.common.routes import Route

from . import claims, views

routes = [
    Route("guarantee-programs", views.GuaranteeProgramViewSet, "guarantee-program"),
    Route("guarantee-claims", claims.ClaimViewSet, "guarantee-claim"),
]

urlpatterns: list[Any] = []
