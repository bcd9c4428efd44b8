"""Routes of the special guarantees (특례보증)."""

from __future__ import annotations

from typing import Any

from django.urls import path

from api.common.routes import Route

from . import fees, views

routes = [
    Route("guarantee-programs", views.GuaranteeProgramViewSet, "guarantee-program"),
    Route("fee-bills", fees.FeeBillViewSet, "fee-bill"),
]

urlpatterns: list[Any] = [
    path("guarantee-programs/<int:pk>/fee-quote/", fees.FeeQuoteView.as_view(), name="guarantee-program-fee-quote"),
    path("guarantee-programs/<int:pk>/city-fee-payments/", fees.CityFeePaymentsView.as_view(),
         name="guarantee-program-city-fee-payments"),
]
