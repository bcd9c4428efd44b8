"""Routes of API version 1."""
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import fund_views, statement_views, views

router = DefaultRouter(trailing_slash=True)
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")
router.register("funds", fund_views.FundViewSet, basename="fund")
router.register("loan-products", fund_views.LoanProductViewSet, basename="loan-product")
router.register("loan-applications", fund_views.LoanApplicationViewSet, basename="loan-application")
router.register("loans", fund_views.LoanViewSet, basename="loan")
router.register("repayments", fund_views.RepaymentViewSet, basename="repayment")
router.register("write-offs", fund_views.WriteOffViewSet, basename="write-off")
router.register("statements", statement_views.StatementViewSet, basename="statement")
router.register("statement-downloads", statement_views.StatementDownloadViewSet, basename="statement-download")

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", views.TokenRefreshThrottledView.as_view(), name="token-refresh"),
    path("me/", views.MeView.as_view(), name="me"),
    path("funds/<int:pk>/journal-export/", statement_views.FundJournalExportView.as_view(), name="fund-journal-export"),
    path("", include(router.urls)),
]
