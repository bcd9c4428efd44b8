"""Routes of the special guarantees (특례보증)."""

from __future__ import annotations

from typing import Any

from api.common.routes import Route

from . import applications, lifecycle, views

routes = [
    Route("guarantee-programs", views.GuaranteeProgramViewSet, "guarantee-program"),
    Route("guarantee-applications", applications.GuaranteeApplicationViewSet, "guarantee-application"),
    Route("guarantees", lifecycle.GuaranteeViewSet, "guarantee"),
]

urlpatterns: list[Any] = []
