"""Routes of API version 1."""
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", views.TokenRefreshThrottledView.as_view(), name="token-refresh"),
    path("me/", views.MeView.as_view(), name="me"),
    path("", include(router.urls)),
]
