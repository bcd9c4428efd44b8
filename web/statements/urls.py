from django.urls import path
from django.utils.translation import gettext_lazy as _

from statements.access import ACCESS
from web.common import menu

from . import views

urlpatterns = [
    path("console/statements/", views.StatementList.as_view(), name="statements"),
    path("statements/request/", views.StatementRequest.as_view(), name="statement-request"),
    path("statements/<int:pk>/download/", views.StatementDownloadView.as_view(), name="statement-download"),
    path("console/downloads/", views.DownloadLog.as_view(), name="downloads"),
]

menu.add(
    menu.Entry(menu.CONSOLE, "statements", _("Statements"), "web:statements", ACCESS, "statement.read", order=80),
    menu.Entry(menu.CONSOLE, "downloads", _("Download log"), "web:downloads", ACCESS, "download_log.read", order=85),
)

# The enterprise portal: a member's own statements and receipts.
urlpatterns += [
    path("my/statements/", views.MyStatementList.as_view(), name="my-statements"),
]

menu.add(
    menu.Entry(menu.PORTAL, "statements", _("Statements"), "web:my-statements", ACCESS, "statement.read", order=80),
)
