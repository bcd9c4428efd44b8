"""캠페인 정산서: one settled crowdfunding campaign, for its enterprise's members and staff. The campaign (contest,
target, mode, dates), its pledges by state (count and amount), what the payment provider charged, what was declined to
the last retry and what was refunded, the fees (platform and payment), the matching by pool, funder and kind (pledge
matches, top-up, quadratic), the net payout and when it was paid out; every figure beside the contest's book
(``crowdfunding.selectors.funding_reports.campaign_figures``), with a line that says whether they agree.

It has no period of its own: it states the settlement as it stands on the day it is generated.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidState, NotFound, ValidationFailed
from crowdfunding.models import Campaign, CampaignSettlement
from crowdfunding.selectors.funding_reports import campaign_figures
from enterprises.validators import format_business_number

from ..models import Statement
from .base import Built, StatementKind, Table, sees_enterprise

ZERO = Decimal(0)
MODE_KO = {"aon": "목표 달성 시 결제 (All or nothing)", "kia": "즉시 결제 (Keep it all)"}
CAMPAIGN_STATE_KO = {"draft": "준비 중", "live": "진행 중", "succeeded": "성공 (결제 진행)", "failed": "목표 미달",
                     "settled": "정산 완료"}
PLEDGE_STATE_KO = {"reserved": "결제 예약", "charged": "결제 완료", "retrying": "결제 재시도", "cancelled": "취소",
                   "released": "예약 해제 (목표 미달)", "refunded": "환불"}
RULE_KO = {"match": "후원 매칭", "top_up": "목표 채움", "quadratic": "이차 매칭"}
MATCH_KIND_KO = {"pledge": "후원 매칭", "top_up": "목표 채움", "quadratic": "이차 매칭"}


def settlement_rows(settlement: CampaignSettlement) -> list[tuple[str, Decimal]]:
    """The settlement's arithmetic, line by line, as printed: what was charged, less refunds and fees, plus the
    matching, makes the payout."""
    return [
        ("결제 금액", settlement.charged.amount),
        ("환불", -settlement.refunded.amount),
        ("플랫폼 수수료", -settlement.platform_fee.amount),
        ("결제 수수료 (카드)", -settlement.payment_fee.amount),
        ("후원 매칭", settlement.matched.amount),
        ("목표 채움", settlement.top_up.amount),
        ("이차 매칭", settlement.quadratic.amount),
    ]


def build(statement: Statement, *, generated_at: datetime) -> Built:
    campaign = Campaign.objects.select_related("contest__host", "enterprise").get(pk=int(statement.campaign_id or 0))
    figures = campaign_figures(campaign.pk)
    settlement = figures.settlement
    assert settlement is not None  # the kind asks for a settled campaign
    generated_on = timezone.localtime(generated_at).date()
    enterprise, contest = campaign.enterprise, campaign.contest
    business_number = format_business_number(enterprise.business_number)
    arithmetic = settlement_rows(settlement)
    computed = sum((amount for _label, amount in arithmetic), ZERO)
    fees = settlement.platform_fee.amount + settlement.payment_fee.amount
    tables = [
        Table("캠페인", ["항목", "값"], [
            ["캠페인", f"K{campaign.pk}"], ["제목", campaign.title], ["대회", contest.name],
            ["기업", enterprise.name], ["사업자등록번호", business_number],
            ["결제 방식", MODE_KO.get(campaign.mode, campaign.mode)], ["목표 금액", campaign.target.amount],
            ["시작일", campaign.starts_on], ["종료일", campaign.ends_on], ["상태", CAMPAIGN_STATE_KO.get(
                campaign.state, campaign.state)], ["목표 달성", "예" if settlement.succeeded else "아니오"],
            ["정산일", settlement.settled_on], ["지급일", settlement.paid_out_on],
        ]),
        Table("상태별 후원", ["상태", "건수", "금액"],
              [[PLEDGE_STATE_KO.get(line.state, line.state), line.count, line.amount] for line in figures.by_state]),
        Table("정산", ["항목", "금액"], [
            ["마감 시 후원 약정", settlement.pledged.amount], ["결제 금액", settlement.charged.amount],
            ["결제 실패 (재시도 후 취소)", settlement.failed.amount], ["환불", settlement.refunded.amount],
            ["플랫폼 수수료", settlement.platform_fee.amount], ["결제 수수료", settlement.payment_fee.amount],
            ["후원 매칭", settlement.matched.amount], ["목표 채움", settlement.top_up.amount],
            ["이차 매칭", settlement.quadratic.amount], ["지급액", settlement.net_payout.amount],
        ]),
        Table("매칭 재원별", ["매칭 펀드", "방식", "출연기관", "구분", "인출", "반환", "반영"],
              [[line.pool, RULE_KO.get(line.rule, line.rule), line.institution,
                MATCH_KIND_KO.get(line.kind, line.kind), line.drawn, line.returned, line.kept]
               for line in figures.matches]),
        Table("원장 대사", ["항목", "명세", "원장", "원장 출처", "일치"],
              [[c.label, c.stated, c.book, c.source, "일치" if c.agrees else "불일치"] for c in figures.checks]),
    ]
    return Built(
        title="캠페인 정산서",
        subject=f"{enterprise.name} · {campaign.title} (K{campaign.pk})",
        issuer=contest.host.name,
        fund_name=contest.name,
        template="statements/campaign_settlement.html",
        filename=f"캠페인정산서_K{campaign.pk}_{settlement.settled_on.isoformat()}",
        context={
            "campaign": campaign, "contest": contest, "enterprise": enterprise, "business_number": business_number,
            "settlement": settlement, "figures": figures, "mode": MODE_KO.get(campaign.mode, campaign.mode),
            "state": CAMPAIGN_STATE_KO.get(campaign.state, campaign.state),
            "states": [(PLEDGE_STATE_KO.get(line.state, line.state), line.count, line.amount)
                       for line in figures.by_state],
            "match_rows": [(line, MATCH_KIND_KO.get(line.kind, line.kind)) for line in figures.matches],
            "arithmetic": arithmetic,
            "arithmetic_agrees": computed == settlement.net_payout.amount, "computed": computed, "fees": fees,
            "generated_on": generated_on,
            "checks_agree": figures.reconciled and computed == settlement.net_payout.amount,
        },
        tables=tables,
    )


class CampaignSettlementStatement(StatementKind):
    """캠페인 정산서: of a settled campaign (the subject is the campaign's id), for staff and the members of its
    enterprise (anyone else: not found); a campaign not settled yet is a 409 naming its state. It has no period."""

    kind = Statement.Kind.CAMPAIGN_SETTLEMENT
    build = staticmethod(build)

    def period(self, start: date | None, end: date | None, *, today: date) -> tuple[date | None, date | None]:
        if start is not None or end is not None:
            raise ValidationFailed(_("A campaign settlement statement has no period."),
                                   fields={"period_start": [_("not for a campaign settlement statement")]})
        return None, None

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        campaign = Campaign.objects.filter(pk=subject_id).first()
        if campaign is None or not sees_enterprise(actor, campaign.enterprise_id):
            raise NotFound(_("No such campaign."), fields={"subject": [_("no campaign with this id")]})
        if not CampaignSettlement.objects.filter(campaign=campaign).exists():
            raise InvalidState(_("This campaign is %(state)s: it has no settlement yet.")
                               % {"state": campaign.get_state_display()})
        return {"campaign": campaign, "enterprise_id": campaign.enterprise_id}


KIND = CampaignSettlementStatement()
