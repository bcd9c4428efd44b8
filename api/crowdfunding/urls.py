"""Routes of the crowdfunding contests (소셜 크라우드펀딩 대회)."""

from __future__ import annotations

from typing import Any

from django.urls import path

from api.common.routes import Route

from . import awards, contests, entries

routes: list[Route] = [
    Route("contests", contests.ContestViewSet, "contest"),
    Route("contest-entries", entries.EntryViewSet, "contest-entry"),
    Route("contest-awards", awards.AwardViewSet, "contest-award"),
    Route("award-tranches", awards.AwardTrancheViewSet, "award-tranche"),
]

urlpatterns: list[Any] = [
    path("contests/<int:pk>/award-table/",
         awards.AwardTableViewSet.as_view({"get": "table", "put": "replace"}), name="contest-award-table"),
]
