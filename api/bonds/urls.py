"""Routes of the social impact bonds (사회성과보상사업)."""

from __future__ import annotations

from typing import Any

from api.common.routes import Route

from . import views

routes = [
    Route("bonds", views.BondViewSet, "bond"),
    Route("bond-metrics", views.MetricViewSet, "bond-metric"),
    Route("bond-results", views.ResultViewSet, "bond-result"),
    Route("bond-payments", views.PaymentViewSet, "bond-payment"),
    Route("bond-distributions", views.DistributionViewSet, "bond-distribution"),
]

urlpatterns: list[Any] = []
