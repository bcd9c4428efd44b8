"""Routes of statements and exports."""

from __future__ import annotations

from django.urls import path

from api.common.routes import Route

from . import views

routes = [
    Route("statements", views.StatementViewSet, "statement"),
    Route("statement-downloads", views.StatementDownloadViewSet, "statement-download"),
]

urlpatterns = [
    path("funds/<int:pk>/journal-export/", views.FundJournalExportView.as_view(), name="fund-journal-export"),
]
