"""Routes, menu entries and start-page panels of the special guarantees' portal pages (``/my/``,
web.guarantees.portal): a member's guarantees with their fees, and its guarantee applications."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from guarantees.access import ACCESS
from web.common import menu, panels

from . import portal

urlpatterns = [
    path("my/guarantees/", portal.MyGuaranteeList.as_view(), name="my-guarantees"),
    path("my/guarantees/<int:pk>/", portal.MyGuaranteePage.as_view(), name="my-guarantee"),
    path("my/guarantee-fees/<int:pk>/pay/", portal.MyFeePay.as_view(), name="my-guarantee-fee-pay"),
    path("my/guarantee-applications/", portal.MyGuaranteeApplicationList.as_view(),
         name="my-guarantee-applications"),
    path("my/guarantee-applications/new/", portal.MyGuaranteeApplicationNew.as_view(),
         name="my-guarantee-application-new"),
    path("my/guarantee-applications/<int:pk>/", portal.MyGuaranteeApplicationPage.as_view(),
         name="my-guarantee-application"),
    path("my/guarantee-applications/<int:pk>/submit/", portal.MyGuaranteeApplicationSubmit.as_view(),
         name="my-guarantee-application-submit"),
    path("my/guarantee-applications/<int:pk>/withdraw/", portal.MyGuaranteeApplicationWithdraw.as_view(),
         name="my-guarantee-application-withdraw"),
]

menu.add(
    menu.Entry(menu.PORTAL, "guarantees", _("Guarantees"), "web:my-guarantees", ACCESS, "guarantee.read", order=30),
    menu.Entry(menu.PORTAL, "guarantee-applications", _("Guarantee applications"), "web:my-guarantee-applications",
               ACCESS, "application.read", order=40),
)

panels.add(
    panels.Panel(menu.PORTAL, "guarantees", "web/guarantees/my/panel.html", portal.guarantees_panel, ACCESS,
                 "guarantee.read", order=40),
)
