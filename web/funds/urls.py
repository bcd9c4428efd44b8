from django.urls import path
from django.utils.translation import gettext_lazy as _

from funds.access import ACCESS
from web.common import menu, panels

from . import applications, console, dashboard, portal, views

urlpatterns = [
    path("console/loans/", views.LoanList.as_view(), name="loans"),
    path("console/loans/<int:pk>/", views.LoanPage.as_view(), name="loan"),
    path("console/loans/<int:pk>/schedule/", views.ScheduleList.as_view(), name="loan-schedule"),
    path("console/loans/<int:pk>/transactions/", views.TransactionList.as_view(), name="loan-transactions"),
    path("console/loans/<int:pk>/disburse/", views.Disburse.as_view(), name="loan-disburse"),
    path("console/loans/<int:pk>/repay/", views.Repay.as_view(), name="loan-repay"),
    path("console/loans/<int:pk>/write-off/", views.WriteOffRequest.as_view(), name="loan-write-off"),
    path("console/loans/<int:pk>/recover/", views.Recover.as_view(), name="loan-recover"),
    path("console/repayments/<int:pk>/reverse/", views.RepaymentReverse.as_view(), name="repayment-reverse"),
]

menu.add(
    menu.Entry(menu.CONSOLE, "loans", _("Loans"), "web:loans", ACCESS, "loan.read", order=30),
)

# The enterprise portal (/my/): a member's own loans and applications (web.funds.portal).

urlpatterns += [
    path("my/loans/<int:pk>/", portal.MyLoanPage.as_view(), name="my-loan"),
    path("my/loans/<int:pk>/schedule/", portal.MyScheduleList.as_view(), name="my-loan-schedule"),
    path("my/loans/<int:pk>/transactions/", portal.MyTransactionList.as_view(), name="my-loan-transactions"),
    path("my/loans/<int:pk>/repay/", portal.MyRepay.as_view(), name="my-loan-repay"),
    path("my/applications/", portal.MyApplicationList.as_view(), name="my-applications"),
    path("my/applications/new/", portal.MyApplicationNew.as_view(), name="my-application-new"),
    path("my/applications/<int:pk>/", portal.MyApplicationPage.as_view(), name="my-application"),
    path("my/applications/<int:pk>/edit/", portal.MyApplicationEdit.as_view(), name="my-application-edit"),
    path("my/applications/<int:pk>/submit/", portal.MyApplicationSubmit.as_view(), name="my-application-submit"),
    path("my/applications/<int:pk>/withdraw/", portal.MyApplicationWithdraw.as_view(),
         name="my-application-withdraw"),
]

menu.add(
    menu.Entry(menu.PORTAL, "applications", _("Loan applications"), "web:my-applications", ACCESS,
               "application.read", order=20),
)

panels.add(
    panels.Panel(menu.PORTAL, "enterprises", "web/funds/my_panel_enterprises.html", portal.enterprises_panel,
                 ACCESS, "loan.read", order=10),
    panels.Panel(menu.PORTAL, "loans", "web/funds/my_panel_loans.html", portal.loans_panel, ACCESS, "loan.read",
                 order=20),
    panels.Panel(menu.PORTAL, "applications", "web/funds/my_panel_applications.html", portal.applications_panel,
                 ACCESS, "loan.read", order=30),
)

# --- the console: funds and their dashboards, applications, repayments, write-offs; the start page's panels ------

urlpatterns += [
    path("console/funds/", dashboard.FundList.as_view(), name="funds"),
    path("console/funds/<int:pk>/", dashboard.FundPage.as_view(), name="fund"),
    path("console/funds/<int:pk>/journal/", dashboard.FundJournal.as_view(), name="fund-journal"),
    path("console/applications/", applications.ApplicationList.as_view(), name="applications"),
    path("console/applications/<int:pk>/", applications.ApplicationPage.as_view(), name="application"),
    path("console/applications/<int:pk>/review/", applications.ApplicationReview.as_view(),
         name="application-review"),
    path("console/applications/<int:pk>/approve/", applications.ApplicationApprove.as_view(),
         name="application-approve"),
    path("console/applications/<int:pk>/reject/", applications.ApplicationReject.as_view(),
         name="application-reject"),
    path("console/repayments/", console.RepaymentList.as_view(), name="repayments"),
    path("console/write-offs/", console.WriteOffList.as_view(), name="write-offs"),
    path("console/write-offs/<int:pk>/approve/", console.WriteOffApprove.as_view(), name="write-off-approve"),
    path("console/write-offs/<int:pk>/reject/", console.WriteOffReject.as_view(), name="write-off-reject"),
]

menu.add(
    menu.Entry(menu.CONSOLE, "funds", _("Funds"), "web:funds", ACCESS, "fund.read", order=10),
    menu.Entry(menu.CONSOLE, "applications", _("Applications"), "web:applications", ACCESS, "application.read",
               order=20),
    menu.Entry(menu.CONSOLE, "repayments", _("Repayments"), "web:repayments", ACCESS, "repayment.read", order=40),
    menu.Entry(menu.CONSOLE, "write-offs", _("Write-offs"), "web:write-offs", ACCESS, "write_off.read", order=50),
)

panels.add(
    # Managers act on their inbox; an auditor (who may read applications) sees the same queues, read only.
    panels.Panel(menu.CONSOLE, "funds-inbox", "web/funds/panels/inbox.html", dashboard.inbox_panel, ACCESS,
                 "application.read", order=10),
    panels.Panel(menu.CONSOLE, "funds-dashboards", "web/funds/panels/funds.html", dashboard.funds_panel, ACCESS,
                 "fund.read", order=20),
)
