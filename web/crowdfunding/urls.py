"""Routes of the contests' pages."""

from __future__ import annotations

from typing import Any

from . import console_urls, judge_urls, portal_urls, public_urls

urlpatterns: list[Any] = []

# The managers' console (/console/contests/...) and the judges' desk (/judge/).
urlpatterns += [*console_urls.urlpatterns, *judge_urls.urlpatterns]
# The enterprise portal's contests (/my/contests/, /my/contest-entries/, /my/award-tranches/).
urlpatterns += [*portal_urls.urlpatterns]
# The public campaign pages (/contests/, /campaigns/...) and the backers' pledges (/my/pledges/).
urlpatterns += [*public_urls.urlpatterns]
