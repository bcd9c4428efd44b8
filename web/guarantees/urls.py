"""The special guarantees' routes, menu entries and start-page panels."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from guarantees.access import ACCESS
from web.common import menu, panels

from . import bank_urls, console_urls, portal_urls, programs

urlpatterns = [
    path("console/guarantee-programs/", programs.ProgramList.as_view(), name="guarantee-programs"),
    path("console/guarantee-programs/<int:pk>/", programs.ProgramPage.as_view(), name="guarantee-program"),
]

menu.add(
    menu.Entry(menu.CONSOLE, "guarantee-programs", _("Guarantee programs"), "web:guarantee-programs", ACCESS,
               "program.read", order=60),
)

panels.add(
    panels.Panel(menu.CONSOLE, "guarantee-programs", "web/guarantees/panels/programs.html", programs.programs_panel,
                 ACCESS, "program.read", order=25),
)

# The console's applications, guarantees, subsidy runs and claims; the bank desk (/bank/); the portal (/my/).
urlpatterns += [*console_urls.urlpatterns, *bank_urls.urlpatterns, *portal_urls.urlpatterns]
