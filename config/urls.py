"""Top-level routes: the API, its schema and docs, the admin, the health check, and the web pages.

Error pages follow the path: JSON under ``/api/`` (and for the health check), HTML pages everywhere else."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api.common import errors
from api.common.health import healthz
from web.common import errors as pages

urlpatterns = [
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api-auth/", include("rest_framework.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("web.urls", namespace="web")),
]


def _json(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/api-auth/", "/healthz")) or "application/json" in request.headers.get(
        "Accept", "")


def handler400(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return (errors.json_400 if _json(request) else pages.page_400)(request, exception)


def handler403(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return (errors.json_403 if _json(request) else pages.page_403)(request, exception)


def handler404(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return (errors.json_404 if _json(request) else pages.page_404)(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    return (errors.json_500 if _json(request) else pages.page_500)(request)
