"""Routes of the special guarantees (특례보증)."""

from __future__ import annotations

from typing import Any

from django.urls import path

from api.common.routes import Route

from . import applications, claims, lifecycle, subsidies, views

routes = [
    Route("guarantee-programs", views.GuaranteeProgramViewSet, "guarantee-program"),
    Route("guarantee-applications", applications.GuaranteeApplicationViewSet, "guarantee-application"),
    Route("guarantees", lifecycle.GuaranteeViewSet, "guarantee"),
    Route("subsidy-runs", subsidies.SubsidyRunViewSet, "subsidy-run"),
    Route("guarantee-claims", claims.ClaimViewSet, "guarantee-claim"),
]

urlpatterns: list[Any] = [
    path("guarantee-programs/<int:pk>/subsidy-budget/",
         subsidies.SubsidyBudgetViewSet.as_view({"get": "list", "post": "create"}), name="subsidy-budget"),
]
