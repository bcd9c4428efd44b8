"""Routes of the contests' pages."""

from __future__ import annotations

from typing import Any

from . import portal_urls

urlpatterns: list[Any] = []

# The enterprise portal's contests (/my/contests/, /my/contest-entries/, /my/award-tranches/).
urlpatterns += [*portal_urls.urlpatterns]
