"""Routes of the crowdfunding contests (소셜 크라우드펀딩 대회)."""

from __future__ import annotations

from typing import Any

from api.common.routes import Route

from . import contests, entries

routes: list[Route] = [
    Route("contests", contests.ContestViewSet, "contest"),
    Route("contest-entries", entries.EntryViewSet, "contest-entry"),
]

urlpatterns: list[Any] = []
