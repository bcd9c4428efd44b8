"""Loan products of a fund (대출 상품): their terms and approval tiers, and the schedule a loan under one would have."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import Limit, backdating_limit, check_date
from core.db import transactional
from core.engines.rounding import Rounding
from core.engines.schedules import DayCount, Method, Schedule, Terms, build_schedule
from core.errors import NotFound, ValidationFailed
from core.money import KRW, format_won, to_won, won_input
from enterprises.models import User

from ..access import ACCESS
from ..actions import PRODUCT_CREATE
from ..models import ApprovalTier, Fund, Loan, LoanProduct

QUOTE_AHEAD = timedelta(days=366)  # a schedule can be quoted for a disbursement up to a year ahead


PRODUCT_FIELDS = (
    "name",
    "annual_rate",
    "term_months",
    "grace_months",
    "method",
    "day_count",
    "rounding_unit",
    "rounding_mode",
    "min_amount",
    "max_amount",
    "default_spread",
    "default_rate_cap",
    "prepayment_policy",
    "is_active",
)


@transactional
def product_create(
    *, actor: User | None, fund_id: int, data: dict[str, Any], approval_tiers: list[dict[str, Any]] | None = None
) -> LoanProduct:
    """Define a loan product of a fund, with its approval tiers. Raises ValidationFailed, NotFound."""
    if actor is not None:  # None: the system (setup, the demo loader)
        ACCESS.require(actor, "product.create")

    fund = Fund.objects.filter(pk=fund_id).first()
    if fund is None:
        raise NotFound(_("No such fund."))
    values = {k: v for k, v in data.items() if k in PRODUCT_FIELDS}
    for field in ("min_amount", "max_amount"):
        if field in values:
            values[field] = Money(won_input(values[field], field), KRW)
    above = [to_won(tier.get("above_amount", 0), allow_zero=True) for tier in approval_tiers or []]
    if len(set(above)) != len(above):
        raise ValidationFailed(
            _("Two approval tiers start at the same amount."),
            fields={"approval_tiers": [_("each tier needs its own above_amount")]},
        )
    product = LoanProduct(fund=fund, **values)
    try:
        product.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(_("The product's terms break a rule."), fields=exc.message_dict) from None
    product.save()
    for tier in approval_tiers or []:
        approvers = int(tier.get("approvers", 0))
        if not 1 <= approvers <= 5:
            raise ValidationFailed(
                _("Bad approval tier."), fields={"approval_tiers": [_("approvers must be 1 to 5")]}
            )
        ApprovalTier.objects.create(
            product=product,
            above_amount=Money(to_won(tier.get("above_amount", 0), allow_zero=True), KRW),
            approvers=approvers,
        )
    audit_record(
        actor=actor,
        action=PRODUCT_CREATE,
        obj=product,
        after={**snapshot(product), "approval_tiers": approval_tiers or []},
    )
    return product


def product_terms(product: LoanProduct | Loan, *, principal: Decimal, disbursed_on: date) -> Terms:
    return Terms(
        principal=principal,
        annual_rate=product.annual_rate,
        term_months=product.term_months,
        grace_months=product.grace_months,
        method=Method(product.method),
        day_count=DayCount(product.day_count),
        disbursed_on=disbursed_on,
        rounding=Rounding(product.rounding_unit, product.rounding_mode),
    )


def check_amount_in_range(product: LoanProduct, amount: Decimal, field: str = "amount") -> None:
    low, high = product.min_amount.amount, product.max_amount.amount
    if not low <= amount <= high:
        bounds = {"low": format_won(low), "high": format_won(high)}
        raise ValidationFailed(
            _("The amount must be between %(low)s and %(high)s.") % bounds,
            fields={field: [_("must be between %(low)s and %(high)s") % bounds]},
        )


def product_quote(*, product_id: int, principal: Any, disbursed_on: date, today: date) -> Schedule:
    """The schedule a loan of ``principal`` disbursed on ``disbursed_on`` (from the back-dating window to a year
    ahead) would have. Changes nothing. Raises NotFound, ValidationFailed."""
    product = LoanProduct.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("No such loan product."))
    amount = won_input(principal, "principal")
    check_amount_in_range(product, amount, "principal")
    check_date(disbursed_on, field="disbursed_on", earliest=[backdating_limit(today)],
               latest=[Limit(today + QUOTE_AHEAD, _("a year from today"))])
    return build_schedule(product_terms(product, principal=amount, disbursed_on=disbursed_on))


def approvals_required(product: LoanProduct, amount: Decimal) -> int:
    """How many distinct managers must approve ``amount``: the highest tier it is above, else one."""
    tiers = [t for t in product.approval_tiers.all() if amount > t.above_amount.amount]
    return max((t.approvers for t in tiers), default=1)
