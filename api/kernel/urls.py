"""Routes of the kernel: sign-in and me, enterprises, institutions, the audit trail."""

from __future__ import annotations

from django.urls import path

from api.common.routes import Route

from . import views

routes = [
    Route("enterprises", views.EnterpriseViewSet, "enterprise"),
    Route("institutions", views.InstitutionViewSet, "institution"),
    Route("audit-events", views.AuditEventViewSet, "audit-event"),
]

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", views.TokenRefreshThrottledView.as_view(), name="token-refresh"),
    path("auth/signup/", views.SignupView.as_view(), name="signup"),
    path("auth/verify-email/", views.VerifyEmailView.as_view(), name="verify-email"),
    path("auth/resend-verification/", views.ResendVerificationView.as_view(), name="resend-verification"),
    path("me/", views.MeView.as_view(), name="me"),
]
