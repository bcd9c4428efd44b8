"""후원 영수증: one charged pledge, for its backer (and staff): who backed which campaign of which enterprise, the
amount, the reward, when it was charged, the card (masked) and the order id, and any refund. It is a receipt of a
card payment (결제 영수증), not a donation receipt for tax purposes (기부금 영수증, a different legal document): the
receipt says so. It has no period."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from core.errors import NotFound, ValidationFailed
from crowdfunding.models import Pledge
from crowdfunding.selectors.funding_reports import receipt_figures, was_charged
from enterprises.validators import format_business_number

from ..models import Statement
from .base import Built, StatementKind, Table, is_staff
from .campaign import PLEDGE_STATE_KO

NOT_A_DONATION_RECEIPT = ("이 영수증은 카드 결제 사실을 확인하는 결제 영수증입니다. 소득세법·법인세법에 따른 "
                          "기부금 영수증(세액공제용)이 아니며, 기부금 영수증은 따로 발급되는 다른 법정 서류입니다.")


def backer_name(user: Any) -> str:
    """How the backer is named on its receipt: the name it shows, else its full name, else its username."""
    return (getattr(user, "display_name", "") or user.get_full_name() or "").strip() or user.username


def build(statement: Statement, *, generated_at: datetime) -> Built:
    figures = receipt_figures(int(statement.pledge_id or 0))
    pledge = figures.pledge
    campaign, enterprise = pledge.campaign, pledge.campaign.enterprise
    business_number = format_business_number(enterprise.business_number)
    charged_on = pledge.charged_on or (figures.charges[0].on_date if figures.charges else None)
    tables = [
        Table("영수", ["항목", "값"], [
            ["문서", "후원 영수증 (결제 영수증, 기부금 영수증 아님)"], ["영수 번호", statement.number],
            ["후원자", backer_name(pledge.backer)], ["캠페인", campaign.title], ["대회", campaign.contest.name],
            ["기업", enterprise.name], ["사업자등록번호", business_number], ["후원 금액", pledge.amount.amount],
            ["리워드", pledge.reward.title if pledge.reward else "없음 (기부형)"], ["결제일", charged_on],
            ["결제 수단", pledge.get_method_display()], ["카드", pledge.card_masked], ["주문번호", pledge.order_id],
            ["결제 금액", figures.charged], ["환불 금액", figures.refunded], ["결제 유지 금액", figures.kept],
            ["상태", PLEDGE_STATE_KO.get(pledge.state, pledge.state)],
        ]),
        Table("결제 및 환불 내역", ["일자", "구분", "금액", "결제 키"],
              [[p.on_date, "결제" if p in figures.charges else "환불", p.amount.amount, p.provider_key]
               for p in sorted(figures.charges + figures.refunds, key=lambda p: (p.on_date, p.pk))]),
    ]
    return Built(
        title="후원 영수증",
        subject=f"{backer_name(pledge.backer)} · {campaign.title} · 주문번호 {pledge.order_id}",
        issuer=campaign.contest.host.name,
        fund_name=campaign.contest.name,
        template="statements/pledge_receipt.html",
        filename=f"후원영수증_{pledge.order_id}",
        context={"pledge": pledge, "campaign": campaign, "enterprise": enterprise,
                 "business_number": business_number, "backer": backer_name(pledge.backer), "figures": figures,
                 "charged_on": charged_on, "state": PLEDGE_STATE_KO.get(pledge.state, pledge.state),
                 "payments": [(p, p in figures.charges) for p in sorted(figures.charges + figures.refunds,
                                                                      key=lambda p: (p.on_date, p.pk))],
                 "not_a_donation_receipt": NOT_A_DONATION_RECEIPT},
        tables=tables,
    )


class PledgeReceipt(StatementKind):
    """후원 영수증: of one charged pledge, for its backer and staff (another backer, a member of the campaign's
    enterprise: not found); a pledge that was never charged has no receipt (400). It has no period."""

    kind = Statement.Kind.PLEDGE_RECEIPT
    build = staticmethod(build)

    def period(self, start: date | None, end: date | None, *, today: date) -> tuple[date | None, date | None]:
        if start is not None or end is not None:
            raise ValidationFailed(_("A receipt has no period."), fields={"period_start": [_("not for a receipt")]})
        return None, None

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        pledge = Pledge.objects.filter(pk=subject_id).first()
        if pledge is None or not (pledge.backer_id == getattr(actor, "pk", None) or is_staff(actor)):
            raise NotFound(_("No such pledge."), fields={"subject": [_("no pledge with this id")]})
        if not was_charged(pledge):
            raise ValidationFailed(
                _("A receipt is issued for a charged pledge only; this pledge was never charged."),
                fields={"subject": [_("a receipt is for a charged pledge: this one is %(state)s and was never "
                                      "charged") % {"state": pledge.get_state_display()}]})
        return {"pledge": pledge}


KIND = PledgeReceipt()
