"""Routes, menu entries and start-page panels of the special guarantees' bank desk (``/bank/``, web.guarantees.bank):
a partner bank's officer reports on its bank's guarantees, claims on defaulted ones and reads the interest
subsidies paid on its loans."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from guarantees.access import ACCESS
from web.common import menu, panels
from web.common.access import ACCESS as AREAS

from . import bank

urlpatterns = [
    path("bank/guarantees/", bank.BankGuaranteeList.as_view(), name="bank-guarantees"),
    path("bank/guarantees/<int:pk>/", bank.BankGuaranteePage.as_view(), name="bank-guarantee"),
    path("bank/guarantees/<int:pk>/execute/", bank.Execute.as_view(), name="bank-guarantee-execute"),
    path("bank/guarantees/<int:pk>/report/", bank.Report.as_view(), name="bank-guarantee-report"),
    path("bank/guarantees/<int:pk>/repay/", bank.Repay.as_view(), name="bank-guarantee-repay"),
    path("bank/guarantees/<int:pk>/default/", bank.Default.as_view(), name="bank-guarantee-default"),
    path("bank/guarantees/<int:pk>/claim/", bank.ClaimRequest.as_view(), name="bank-guarantee-claim"),
    path("bank/claims/", bank.BankClaimList.as_view(), name="bank-claims"),
    path("bank/subsidy-runs/", bank.BankSubsidyRunList.as_view(), name="bank-subsidy-runs"),
    path("bank/subsidy-runs/<int:pk>/", bank.BankSubsidyRunPage.as_view(), name="bank-subsidy-run"),
    path("bank/subsidy-runs/<int:pk>/payment-file/", bank.BankSubsidyPaymentFile.as_view(),
         name="bank-subsidy-run-file"),
]

menu.add(
    menu.Entry(menu.BANK, "home", _("To report"), "web:bank", AREAS, "bank.open", order=0),
    menu.Entry(menu.BANK, "guarantees", _("Guarantees"), "web:bank-guarantees", ACCESS, "guarantee.read", order=10),
    menu.Entry(menu.BANK, "claims", _("Claims"), "web:bank-claims", ACCESS, "claim.read", order=20),
    menu.Entry(menu.BANK, "subsidies", _("Interest subsidies"), "web:bank-subsidy-runs", ACCESS, "subsidy.read",
               order=30),
)

panels.add(
    panels.Panel(menu.BANK, "bank-waiting", "web/guarantees/bank/panel_waiting.html", bank.waiting_panel, ACCESS,
                 "guarantee.execute", order=10),
    panels.Panel(menu.BANK, "bank-stale", "web/guarantees/bank/panel_stale.html", bank.stale_panel, ACCESS,
                 "guarantee.report", order=20),
    panels.Panel(menu.BANK, "bank-defaulted", "web/guarantees/bank/panel_defaulted.html", bank.defaulted_panel,
                 ACCESS, "claim.request", order=30),
    panels.Panel(menu.BANK, "bank-claims", "web/guarantees/bank/panel_claims.html", bank.claims_panel, ACCESS,
                 "claim.read", order=40),
)
