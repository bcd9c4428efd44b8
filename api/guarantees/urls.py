"""Routes of the special guarantees (특례보증)."""

from __future__ import annotations

from typing import Any

from django.urls import path

from api.common.routes import Route

from . import applications, claims, fees, lifecycle, subsidies, views

routes = [
    Route("guarantee-programs", views.GuaranteeProgramViewSet, "guarantee-program"),
    Route("guarantee-applications", applications.GuaranteeApplicationViewSet, "guarantee-application"),
    Route("guarantees", lifecycle.GuaranteeViewSet, "guarantee"),
    Route("fee-bills", fees.FeeBillViewSet, "fee-bill"),
    Route("subsidy-runs", subsidies.SubsidyRunViewSet, "subsidy-run"),
    Route("guarantee-claims", claims.ClaimViewSet, "guarantee-claim"),
]

urlpatterns: list[Any] = [
    path("guarantee-programs/<int:pk>/subsidy-budget/",
         subsidies.SubsidyBudgetViewSet.as_view({"get": "list", "post": "create"}), name="subsidy-budget"),
    path("guarantee-programs/<int:pk>/fee-quote/", fees.FeeQuoteView.as_view(), name="guarantee-program-fee-quote"),
    path("guarantee-programs/<int:pk>/city-fee-payments/", fees.CityFeePaymentsView.as_view(),
         name="guarantee-program-city-fee-payments"),
]
