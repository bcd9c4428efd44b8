from django.urls import path
from django.utils.translation import gettext_lazy as _

from funds.access import ACCESS
from web.common import menu

from . import views

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
