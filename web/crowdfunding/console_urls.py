"""Routes and menu entries of the contests' console pages (/console/contests/...): contests, their phases, partners
and joint fund; entries; judging rounds, rankings and advance lists; awards and their tranches (managers act;
auditors read)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from crowdfunding.access import ACCESS
from web.common import menu, panels

from . import console_awards as awards
from . import console_contests as contests
from . import console_entries as entries
from . import console_funding as funding
from . import console_judging as judging

urlpatterns = [
    # Contests (대회), their phases, partners, the joint fund (공동기금) and the award table
    path("console/contests/", contests.ContestList.as_view(), name="contests"),
    path("console/contests/new/", contests.ContestCreate.as_view(), name="contest-create"),
    path("console/contests/<int:pk>/", contests.ContestPage.as_view(), name="contest"),
    path("console/contests/<int:pk>/advance/", contests.ContestAdvance.as_view(), name="contest-advance"),
    path("console/contests/<int:pk>/partners/", contests.PartnerAdd.as_view(), name="contest-partner-add"),
    path("console/contests/<int:pk>/contributions/", contests.ContributionRecord.as_view(),
         name="contest-contribution"),
    path("console/contests/<int:pk>/award-table/", contests.AwardTableSet.as_view(), name="contest-award-table"),
    path("console/contests/<int:pk>/rounds/", judging.RoundSetup.as_view(), name="contest-round-setup"),
    # Entries (참가 신청)
    path("console/contests/entries/", entries.EntryList.as_view(), name="contest-entries"),
    path("console/contests/entries/<int:pk>/", entries.EntryPage.as_view(), name="contest-entry"),
    path("console/contests/entries/<int:pk>/award/", awards.AwardPrepare.as_view(), name="contest-award-prepare"),
    # Judging rounds (심사), their rankings and advance lists (진출 명단)
    path("console/contests/rounds/<int:pk>/", judging.RoundPage.as_view(), name="contest-round"),
    path("console/contests/rounds/<int:pk>/judges/", judging.RoundJudges.as_view(), name="contest-round-judges"),
    path("console/contests/rounds/<int:pk>/open/", judging.RoundOpen.as_view(), name="contest-round-open"),
    path("console/contests/rounds/<int:pk>/close/", judging.RoundClose.as_view(), name="contest-round-close"),
    path("console/contests/rounds/<int:pk>/ranking/", judging.RankingPage.as_view(), name="contest-round-ranking"),
    path("console/contests/rounds/<int:pk>/advance-list/", judging.AdvancePrepare.as_view(),
         name="contest-advance-prepare"),
    path("console/contests/advance-lists/<int:pk>/", judging.AdvanceListPage.as_view(),
         name="contest-advance-list"),
    path("console/contests/advance-lists/<int:pk>/confirm/", judging.AdvanceConfirm.as_view(),
         name="contest-advance-confirm"),
    path("console/contests/advance-lists/<int:pk>/cancel/", judging.AdvanceCancel.as_view(),
         name="contest-advance-cancel"),
    # Awards (시상), their tranches and settlement (보조금 정산)
    path("console/contests/awards/", awards.AwardList.as_view(), name="contest-awards"),
    path("console/contests/awards/<int:pk>/", awards.AwardPage.as_view(), name="contest-award"),
    path("console/contests/awards/<int:pk>/approve/", awards.AwardApprove.as_view(), name="contest-award-approve"),
    path("console/contests/awards/<int:pk>/cancel/", awards.AwardCancel.as_view(), name="contest-award-cancel"),
    path("console/contests/tranches/<int:pk>/pay/", awards.TranchePay.as_view(), name="contest-tranche-pay"),
    path("console/contests/tranches/<int:pk>/settle/", awards.TrancheSettle.as_view(),
         name="contest-tranche-settle"),
    path("console/contests/tranches/<int:pk>/return/", awards.TrancheReturn.as_view(),
         name="contest-tranche-return"),
    path("console/contests/spending/<int:pk>/evidence/", awards.SpendingEvidence.as_view(),
         name="contest-spending-evidence"),
    # The funding phase: matching pools (매칭 펀드), their funders and money, the quadratic preview; settlements
    # (캠페인 정산), the payout file and payouts
    path("console/contests/<int:pk>/pools/", funding.PoolCreate.as_view(), name="contest-pool-create"),
    path("console/contests/<int:pk>/matching-preview/", funding.QuadraticPreviewPage.as_view(),
         name="contest-matching-preview"),
    path("console/contests/<int:pk>/settlements/", funding.SettlementList.as_view(), name="contest-settlements"),
    path("console/contests/<int:pk>/payout-file/", funding.PayoutFileDownload.as_view(),
         name="contest-payout-file"),
    path("console/matching-pools/<int:pk>/", funding.PoolPage.as_view(), name="matching-pool"),
    path("console/matching-pools/<int:pk>/funders/", funding.PoolFunderAdd.as_view(), name="matching-pool-funder"),
    path("console/matching-pools/<int:pk>/edit/", funding.PoolEdit.as_view(), name="matching-pool-edit"),
    path("console/matching-pools/<int:pk>/settle/", funding.PoolSettle.as_view(), name="matching-pool-settle"),
    path("console/pool-returns/<int:pk>/payout/", funding.PoolReturnPay.as_view(), name="pool-return-payout"),
    path("console/campaigns/<int:pk>/settle/", funding.CampaignSettle.as_view(), name="campaign-settle"),
    path("console/pool-funders/<int:pk>/payments/", funding.PoolFund.as_view(), name="pool-funder-fund"),
    path("console/enterprises/<int:pk>/payout-account/", funding.PayoutAccountSet.as_view(),
         name="enterprise-payout-account"),
    path("console/campaign-settlements/<int:pk>/payout/", funding.PayoutRecord.as_view(),
         name="campaign-settlement-payout"),
]

menu.add(
    menu.Entry(menu.CONSOLE, "contests", _("Contests"), "web:contests", ACCESS, "fund.read", order=70),
    menu.Entry(menu.CONSOLE, "contest-entries", _("Contest entries"), "web:contest-entries", ACCESS, "entry.read",
               order=71),
    menu.Entry(menu.CONSOLE, "contest-awards", _("Contest awards"), "web:contest-awards", ACCESS, "award.read",
               order=72),
)

panels.add(
    panels.Panel(menu.CONSOLE, "funding-waiting", "web/crowdfunding/console/panel_funding.html",
                 funding.funding_panel, ACCESS, "pool.read", order=70),
)
