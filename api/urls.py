"""Routes of API version 1, assembled from the sub-packages: the kernel, then one per instrument, then statements.

Each sub-package lists its viewsets (``routes``) and its other paths (``urlpatterns``); the viewsets share one
router, so that ``/api/v1/`` lists them all.
"""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .bonds import urls as bonds
from .crowdfunding import urls as crowdfunding
from .funds import urls as funds
from .guarantees import urls as guarantees
from .kernel import urls as kernel
from .statements import urls as statements

PARTS = (kernel, funds, guarantees, crowdfunding, bonds, statements)

router = DefaultRouter(trailing_slash=True)
for part in PARTS:
    for route in part.routes:
        router.register(route.prefix, route.viewset, basename=route.basename)

urlpatterns = [
    *(pattern for part in PARTS for pattern in part.urlpatterns),
    path("", include(router.urls)),
]
