"""Routes, menu entries and start-page panels of the special guarantees' console pages: applications, guarantees,
interest subsidy runs and claims, and the managers' inbox panel (managers act; auditors read)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from guarantees.access import ACCESS
from web.common import menu, panels

from . import console, console_applications, console_claims, console_guarantees, console_subsidies

urlpatterns = [
    # Applications (보증 신청)
    path("console/guarantee-applications/", console_applications.ApplicationList.as_view(),
         name="guarantee-applications"),
    path("console/guarantee-applications/<int:pk>/", console_applications.ApplicationPage.as_view(),
         name="guarantee-application"),
    path("console/guarantee-applications/<int:pk>/recommend/", console_applications.ApplicationRecommend.as_view(),
         name="guarantee-application-recommend"),
    path("console/guarantee-applications/<int:pk>/approve/", console_applications.ApplicationApprove.as_view(),
         name="guarantee-application-approve"),
    path("console/guarantee-applications/<int:pk>/reject/", console_applications.ApplicationReject.as_view(),
         name="guarantee-application-reject"),
    # Guarantees (보증)
    path("console/guarantees/", console_guarantees.GuaranteeList.as_view(), name="guarantees"),
    path("console/guarantees/<int:pk>/", console_guarantees.GuaranteePage.as_view(), name="guarantee"),
    path("console/guarantees/<int:pk>/cancel/", console_guarantees.GuaranteeCancel.as_view(),
         name="guarantee-cancel"),
    # Interest subsidy runs (이차보전)
    path("console/subsidy-runs/", console_subsidies.SubsidyRunList.as_view(), name="subsidy-runs"),
    path("console/subsidy-runs/prepare/", console_subsidies.SubsidyRunPrepare.as_view(), name="subsidy-run-prepare"),
    path("console/subsidy-runs/<int:pk>/", console_subsidies.SubsidyRunPage.as_view(), name="subsidy-run"),
    path("console/subsidy-runs/<int:pk>/approve/", console_subsidies.SubsidyRunApprove.as_view(),
         name="subsidy-run-approve"),
    path("console/subsidy-runs/<int:pk>/payment-files/", console_subsidies.SubsidyPaymentFile.as_view(),
         name="subsidy-run-payment-file"),
    # Claims (대위변제), recoveries (구상) and write-offs of 구상채권
    path("console/guarantee-claims/", console_claims.ClaimList.as_view(), name="guarantee-claims"),
    path("console/guarantee-claims/<int:pk>/", console_claims.ClaimPage.as_view(), name="guarantee-claim"),
    path("console/guarantee-claims/<int:pk>/prepare/", console_claims.ClaimPrepare.as_view(),
         name="guarantee-claim-prepare"),
    path("console/guarantee-claims/<int:pk>/approve/", console_claims.ClaimApprove.as_view(),
         name="guarantee-claim-approve"),
    path("console/guarantee-claims/<int:pk>/reject/", console_claims.ClaimReject.as_view(),
         name="guarantee-claim-reject"),
    path("console/guarantee-claims/<int:pk>/recover/", console_claims.RecoveryRecord.as_view(),
         name="guarantee-claim-recover"),
    path("console/guarantee-claims/<int:pk>/write-off/", console_claims.WriteOffRequest.as_view(),
         name="guarantee-claim-write-off"),
    path("console/guarantee-claims/<int:pk>/write-off/approve/", console_claims.WriteOffApprove.as_view(),
         name="guarantee-claim-write-off-approve"),
]

menu.add(
    menu.Entry(menu.CONSOLE, "guarantee-applications", _("Guarantee applications"), "web:guarantee-applications",
               ACCESS, "application.read", order=61),
    menu.Entry(menu.CONSOLE, "guarantees", _("Guarantees"), "web:guarantees", ACCESS, "guarantee.read", order=62),
    menu.Entry(menu.CONSOLE, "subsidy-runs", _("Interest subsidies"), "web:subsidy-runs", ACCESS, "subsidy.read",
               order=63),
    menu.Entry(menu.CONSOLE, "guarantee-claims", _("Claims (대위변제)"), "web:guarantee-claims", ACCESS, "claim.read",
               order=64),
)

panels.add(
    # Managers act on their inbox; an auditor sees the same queues, read only. (program.read: staff only.)
    panels.Panel(menu.CONSOLE, "guarantees-inbox", "web/guarantees/console/panels/inbox.html", console.inbox_panel,
                 ACCESS, "program.read", order=15),
)
