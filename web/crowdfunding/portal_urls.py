"""Routes, menu entries and start-page panel of the contests' portal pages (``/my/``, web.crowdfunding.portal and
portal_awards): the contests a member's enterprise may enter, its entries, its awards' tranches and their spending
reports."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from crowdfunding.access import ACCESS
from web.common import menu, panels

from . import portal, portal_awards
from . import portal_campaigns as campaigns

urlpatterns = [
    path("my/contests/", portal.MyContestList.as_view(), name="my-contests"),
    path("my/contests/<int:pk>/", portal.MyContestPage.as_view(), name="my-contest"),
    path("my/contests/<int:pk>/enter/", portal.MyEntryNew.as_view(), name="my-contest-enter"),
    path("my/contest-entries/", portal.MyEntryList.as_view(), name="my-contest-entries"),
    path("my/contest-entries/<int:pk>/", portal.MyEntryPage.as_view(), name="my-contest-entry"),
    path("my/contest-entries/<int:pk>/edit/", portal.MyEntryEdit.as_view(), name="my-contest-entry-edit"),
    path("my/contest-entries/<int:pk>/submit/", portal.MyEntrySubmit.as_view(), name="my-contest-entry-submit"),
    path("my/contest-entries/<int:pk>/withdraw/", portal.MyEntryWithdraw.as_view(),
         name="my-contest-entry-withdraw"),
    path("my/award-tranches/<int:pk>/", portal_awards.MyTranchePage.as_view(), name="my-award-tranche"),
    path("my/award-tranches/<int:pk>/spending/", portal_awards.MySpendingAdd.as_view(),
         name="my-award-tranche-spending"),
    path("my/award-tranches/<int:pk>/report/", portal_awards.MyTrancheReport.as_view(),
         name="my-award-tranche-report"),
    path("my/spending-items/<int:pk>/remove/", portal_awards.MySpendingRemove.as_view(),
         name="my-spending-item-remove"),
    path("my/spending-items/<int:pk>/evidence/", portal_awards.MyEvidence.as_view(),
         name="my-spending-item-evidence"),
    # Campaigns (펀딩 캠페인) of the member's entries that passed screening, their reward tiers and pledges
    path("my/campaigns/", campaigns.MyCampaignList.as_view(), name="my-campaigns"),
    path("my/contest-entries/<int:pk>/campaign/", campaigns.MyCampaignNew.as_view(), name="my-campaign-new"),
    path("my/campaigns/<int:pk>/", campaigns.MyCampaignPage.as_view(), name="my-campaign"),
    path("my/campaigns/<int:pk>/edit/", campaigns.MyCampaignEdit.as_view(), name="my-campaign-edit"),
    path("my/campaigns/<int:pk>/launch/", campaigns.MyCampaignLaunch.as_view(), name="my-campaign-launch"),
    path("my/campaigns/<int:pk>/rewards/", campaigns.MyRewardNew.as_view(), name="my-campaign-reward-new"),
    path("my/campaigns/<int:pk>/pledges/", campaigns.MyCampaignPledges.as_view(), name="my-campaign-pledges"),
    path("my/enterprises/<int:pk>/payout-account/", campaigns.MyPayoutAccount.as_view(), name="my-payout-account"),
    path("my/campaign-rewards/<int:pk>/edit/", campaigns.MyRewardEdit.as_view(), name="my-campaign-reward-edit"),
    path("my/campaign-rewards/<int:pk>/remove/", campaigns.MyRewardDelete.as_view(),
         name="my-campaign-reward-remove"),
]

menu.add(
    menu.Entry(menu.PORTAL, "contests", _("Contests"), "web:my-contests", ACCESS, "contest.read", order=50),
    menu.Entry(menu.PORTAL, "contest-entries", _("Contest entries"), "web:my-contest-entries", ACCESS,
               "entry.read", order=55),
    menu.Entry(menu.PORTAL, "campaigns", _("Campaigns"), "web:my-campaigns", ACCESS, "campaign.create", order=56),
)

panels.add(
    panels.Panel(menu.PORTAL, "contests", "web/crowdfunding/my/panel.html", portal.contests_panel, ACCESS,
                 "entry.read", order=50),
)
