"""Routes of the revolving fund (사회적경제활성화기금)."""

from __future__ import annotations

from typing import Any

from api.common.routes import Route

from . import views

routes = [
    Route("funds", views.FundViewSet, "fund"),
    Route("loan-products", views.LoanProductViewSet, "loan-product"),
    Route("loan-applications", views.LoanApplicationViewSet, "loan-application"),
    Route("loans", views.LoanViewSet, "loan"),
    Route("repayments", views.RepaymentViewSet, "repayment"),
    Route("write-offs", views.WriteOffViewSet, "write-off"),
]

urlpatterns: list[Any] = []
