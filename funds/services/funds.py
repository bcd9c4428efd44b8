"""Funds (사회적경제활성화기금): opening one with its book, and the capital paid into it by source."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import Limit, check_money_date
from core.db import transactional
from core.errors import NotFound, ValidationFailed
from core.inputs import check_key, digest
from core.money import KRW, won_input
from enterprises.models import Enterprise, Institution, User
from ledger.models import Book
from ledger.services import credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import FUND_CONTRIBUTION, FUND_CREATE
from ..models import CapitalSource, Fund, FundContribution
from .common import check_replay


def opening_limit(fund: Fund) -> Limit:
    return Limit(fund.opened_on, _("the day the fund was opened"))


@transactional
def fund_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    operator: Institution,
    exposure_limit: Any,
    eligible_kinds: list[str],
    today: date,
    opened_on: date | None = None,
) -> Fund:
    """Open a fund on ``opened_on`` (default today; back-dated at most the back-dating window): its book and its
    fund-level accounts. Raises ValidationFailed."""
    if actor is not None:  # None: the system (setup, the demo loader)
        ACCESS.require(actor, "fund.create")
    opened = check_money_date(opened_on or today, field="opened_on", today=today)
    limit = won_input(exposure_limit, "exposure_limit")
    unknown = sorted(set(eligible_kinds) - set(Enterprise.Kind.values))
    if unknown or not eligible_kinds:
        raise ValidationFailed(
            _("Eligible kinds must be enterprise kinds."),
            fields={
                "eligible_kinds": [
                    _("choose from %(kinds)s; unknown: %(unknown)s")
                    % {"kinds": ", ".join(Enterprise.Kind.values), "unknown": ", ".join(unknown) or "-"}
                ]
            },
        )
    if Fund.objects.filter(code=code).exists():
        raise ValidationFailed(_("A fund with this code exists."), fields={"code": [_("already used")]})
    book = Book.objects.create(code=f"fund-{code}", name=name)
    accounts = chart.open_fund_accounts(book)
    fund = Fund.objects.create(
        cash_account=accounts[chart.CASH],
        interest_income_account=accounts[chart.INTEREST_INCOME],
        default_interest_income_account=accounts[chart.DEFAULT_INTEREST_INCOME],
        code=code,
        name=name,
        operator=operator,
        book=book,
        opened_on=opened,
        eligible_kinds=sorted(set(eligible_kinds)),
        exposure_limit=Money(limit, KRW),
    )
    audit_record(actor=actor, action=FUND_CREATE, obj=fund, after=snapshot(fund))
    return fund


@transactional
def contribution_record(
    *,
    actor: User | None,
    fund_id: int,
    source: str,
    amount: Any,
    received_on: date,
    idempotency_key: str,
    today: date,
    contributor: Institution | None = None,
    memo: str = "",
) -> tuple[FundContribution, bool]:
    """Capital paid into the fund on ``received_on`` (not in the future, not before the fund was opened, within the
    back-dating window): cash up, the source's capital up. Returns the contribution and whether it is new (the same
    caller, key and content give the first one back). Raises ValidationFailed, NotFound, IdempotencyConflict."""
    if actor is not None:  # None: the system (setup, the demo loader)
        ACCESS.require(actor, "contribution.record")
    key = check_key(idempotency_key)
    value = won_input(amount, "amount")
    if source not in CapitalSource.values:
        raise ValidationFailed(
            _("Unknown capital source."),
            fields={"source": [_("must be one of %(sources)s") % {"sources": ", ".join(CapitalSource.values)}]},
        )
    fund = Fund.objects.select_related("book").filter(pk=fund_id).first()
    if fund is None:
        raise NotFound(_("No such fund."))
    journal_key = f"fund:{fund.pk}:contribution:{digest(key)}"
    existing = FundContribution.objects.filter(fund=fund, journal__idempotency_key=journal_key).first()
    if existing is not None:
        check_replay(existing, actor, value, received_on, "received_on")
        return existing, False
    check_money_date(received_on, field="received_on", today=today, not_before=[opening_limit(fund)])
    posted = journal_post(
        lines=[debit(chart.cash(fund.book), value), credit(chart.capital(fund.book, source), value)],
        kind="fund.contribution", effective_date=received_on, idempotency_key=journal_key, actor=actor,
        memo=memo[:500],
    )
    if not posted.created:  # the same key, committed by a concurrent call while this one waited for the cash
        existing = FundContribution.objects.get(journal=posted.journal)
        check_replay(existing, actor, value, received_on, "received_on")
        return existing, False
    contribution = FundContribution.objects.create(
        fund=fund,
        source=source,
        contributor=contributor,
        amount=Money(value, KRW),
        received_on=received_on,
        journal=posted.journal,
        memo=memo,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action=FUND_CONTRIBUTION, obj=contribution, after=snapshot(contribution))
    return contribution, True
