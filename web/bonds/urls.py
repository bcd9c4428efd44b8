"""The social impact bonds' routes, menu entries and start-page panels: the console (/console/bonds/), the
evaluators' desk (/evaluator/), the investors' desk (/investor/) and the enterprise portal (/my/bonds/)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from bonds.access import ACCESS
from web.common import menu, panels

from . import console, evaluator, investor, portal

urlpatterns = [
    # The console: contracts, each one's dashboard and actions
    path("console/bonds/", console.ContractList.as_view(), name="bonds"),
    path("console/bonds/new/", console.ContractCreate.as_view(), name="bond-new"),
    path("console/bonds/<int:pk>/", console.ContractPage.as_view(), name="bond"),
    path("console/bonds/<int:pk>/edit/", console.ContractEdit.as_view(), name="bond-edit"),
    path("console/bonds/<int:pk>/investors/new/", console.InvestmentAdd.as_view(), name="bond-investment-add"),
    path("console/bonds/<int:pk>/metrics/new/", console.MetricAdd.as_view(), name="bond-metric-add"),
    path("console/bond-metrics/<int:pk>/term/", console.TermSet.as_view(), name="bond-metric-term"),
    path("console/bonds/<int:pk>/points/new/", console.PointAdd.as_view(), name="bond-point-add"),
    path("console/bonds/<int:pk>/sign/", console.ContractSign.as_view(), name="bond-sign"),
    path("console/bonds/<int:pk>/start/", console.ContractStart.as_view(), name="bond-start"),
    path("console/bonds/<int:pk>/evaluate/", console.ContractEvaluate.as_view(), name="bond-evaluate"),
    path("console/bonds/<int:pk>/close/", console.ContractClose.as_view(), name="bond-close"),
    path("console/bonds/<int:pk>/capital-calls/new/", console.CapitalCallMake.as_view(), name="bond-capital-call"),
    path("console/bonds/<int:pk>/disbursements/new/", console.DisbursementMake.as_view(), name="bond-disburse"),
    path("console/bonds/<int:pk>/distributions/new/", console.DistributionMake.as_view(), name="bond-distribute"),
    path("console/bond-call-lines/<int:pk>/paid/", console.CallLinePaid.as_view(), name="bond-call-line-paid"),
    path("console/bond-points/<int:pk>/prepare-payment/", console.PaymentPrepare.as_view(),
         name="bond-payment-prepare"),
    path("console/bond-payments/<int:pk>/approve/", console.PaymentApprove.as_view(), name="bond-payment-approve"),
    # The evaluators' desk
    path("evaluator/", evaluator.EvaluatorHome.as_view(), name="evaluator"),
    path("evaluator/bonds/<int:pk>/", evaluator.EvaluatorContract.as_view(), name="evaluator-bond"),
    path("evaluator/bonds/<int:pk>/record/", evaluator.ResultRecord.as_view(), name="evaluator-result-record"),
    path("evaluator/results/<int:pk>/confirm/", evaluator.ResultConfirm.as_view(), name="evaluator-result-confirm"),
    path("evaluator/results/<int:pk>/reopen/", evaluator.ResultReopen.as_view(), name="evaluator-result-reopen"),
    # The investors' desk
    path("investor/", investor.InvestorHome.as_view(), name="investor"),
    path("investor/investments/<int:pk>/", investor.InvestmentPage.as_view(), name="investor-investment"),
    # The enterprise portal
    path("my/bonds/", portal.MyContracts.as_view(), name="my-bonds"),
    path("my/bonds/<int:pk>/", portal.MyContract.as_view(), name="my-bond"),
]

menu.add(
    menu.Entry(menu.CONSOLE, "bonds", _("Social impact bonds"), "web:bonds", ACCESS, "contract.read", order=80),
    menu.Entry(menu.EVALUATOR, "evaluator-bonds", _("Outcome evaluation"), "web:evaluator", ACCESS, "result.record",
               order=0),
    menu.Entry(menu.INVESTOR, "investor-investments", _("My investments"), "web:investor", ACCESS,
               "investment.read", order=0),
    menu.Entry(menu.PORTAL, "bonds", _("Social impact bonds"), "web:my-bonds", ACCESS, "contract.read", order=80),
)

panels.add(
    panels.Panel(menu.CONSOLE, "bonds-inbox", "web/bonds/console/panel_inbox.html", console.inbox_panel, ACCESS,
                 "contract.read", order=18),
)
