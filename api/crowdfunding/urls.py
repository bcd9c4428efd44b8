"""Routes of the crowdfunding contests (소셜 크라우드펀딩 대회)."""

from __future__ import annotations

from typing import Any

from django.urls import path

from api.common.routes import Route

from . import awards, campaigns, contests, entries, judging, matching, payout_accounts, pledges, settlements

routes: list[Route] = [
    Route("contests", contests.ContestViewSet, "contest"),
    Route("contest-entries", entries.EntryViewSet, "contest-entry"),
    Route("contest-awards", awards.AwardViewSet, "contest-award"),
    Route("award-tranches", awards.AwardTrancheViewSet, "award-tranche"),
    Route("contest-rounds", judging.RoundViewSet, "contest-round"),
    Route("advance-lists", judging.AdvanceListViewSet, "advance-list"),
    Route("matching-pools", matching.MatchingPoolViewSet, "matching-pool"),
    Route("pool-returns", matching.PoolReturnViewSet, "pool-return"),
    Route("campaign-settlements", settlements.CampaignSettlementViewSet, "campaign-settlement"),
    Route("campaigns", campaigns.CampaignViewSet, "campaign"),
    Route("pledges", pledges.PledgeViewSet, "pledge"),
]

urlpatterns: list[Any] = [
    path("contests/<int:pk>/award-table/",
         awards.AwardTableViewSet.as_view({"get": "table", "put": "replace"}), name="contest-award-table"),
    path("contest-entries/<int:pk>/scores/", judging.EntryScoresView.as_view(), name="contest-entry-scores"),
    path("contest-entries/<int:pk>/conflict/", judging.EntryConflictView.as_view(), name="contest-entry-conflict"),
    path("contests/<int:pk>/ranking/", judging.ContestRankingView.as_view(), name="contest-ranking"),
    path("judging/queue/", judging.JudgeQueueView.as_view(), name="judging-queue"),
    path("contests/<int:pk>/matching-preview/", matching.MatchingPreviewView.as_view(),
         name="contest-matching-preview"),
    path("contests/<int:pk>/payout-file/", settlements.PayoutFileView.as_view(), name="contest-payout-file"),
    path("enterprises/<int:pk>/payout-account/", payout_accounts.PayoutAccountView.as_view(),
         name="enterprise-payout-account"),
    path("campaigns/<int:pk>/pledges/", pledges.CampaignPledgeView.as_view(), name="campaign-pledges"),
    path("payments/webhook/", pledges.PaymentWebhookView.as_view(), name="payment-webhook"),
]
