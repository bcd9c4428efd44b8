"""Special guarantee programs (특례보증 사업): opening one with its book, and the money paid into it by source."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import check_money_date
from core.db import transactional
from core.errors import NotFound, ValidationFailed
from core.inputs import check_key, digest
from core.money import KRW, won_input
from enterprises.models import Enterprise, Institution, User
from ledger.models import Book
from ledger.services import credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import PROGRAM_CONTRIBUTION, PROGRAM_CREATE
from ..models import (
    MAX_RATE,
    ROUNDING_MODES,
    ROUNDING_UNITS,
    ContributionSource,
    GuaranteeProgram,
    ProgramContribution,
    SubsidyPayee,
    SubsidyPeriod,
)
from .common import check_replay, decimal_input

ZERO = Decimal(0)
MAX_MULTIPLE = Decimal("9999.99")  # the column's range; real programs name 5 to 20
MAX_SUBSIDY_MONTHS = 120


def _fail(field: str, message: str, rule: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [rule]})


@transactional
def program_create(
    *,
    actor: User | None,
    today: date,
    code: str,
    name: str,
    year: int,
    foundation: Institution,
    multiple: Any,
    per_firm_limit: Any,
    guarantee_ratio: Any,
    fee_rate: Any,
    opens_on: date,
    closes_on: date,
    eligible_kinds: list[str],
    partner_banks: Sequence[Institution] = (),
    city_fee_rate: Any = ZERO,
    subsidy_rate: Any = ZERO,
    subsidy_months: int = 0,
    subsidy_payee: str = SubsidyPayee.BANK,
    late_damages_rate: Any = Decimal("0.12000"),
    rounding_unit: int = 10,
    rounding_mode: str = "floor",
    subsidy_period: str = "monthly",
) -> GuaranteeProgram:
    """Open a program with its book and chart of accounts (``guarantees.accounts``). The foundation must be a credit
    guarantee foundation and the partner banks banks; the multiple above zero; the guarantee ratio in (0, 1]; every
    rate from 0 to the legal maximum, the city's share of the fee never above the fee rate; the window in order.
    ``today`` is the caller's day (a program may be recorded after its window). Raises ValidationFailed, Forbidden.
    """
    del today  # no rule reads it yet; the signature is every service's
    if actor is not None:  # None: the system (setup, the demo loader)
        ACCESS.require(actor, "program.create")
    rates = {
        "fee_rate": decimal_input(fee_rate, "fee_rate", low=ZERO, high=MAX_RATE),
        "city_fee_rate": decimal_input(city_fee_rate, "city_fee_rate", low=ZERO, high=MAX_RATE),
        "subsidy_rate": decimal_input(subsidy_rate, "subsidy_rate", low=ZERO, high=MAX_RATE),
        "late_damages_rate": decimal_input(late_damages_rate, "late_damages_rate", low=ZERO, high=MAX_RATE),
    }
    if rates["city_fee_rate"] > rates["fee_rate"]:
        raise _fail("city_fee_rate", _("The city's share of the fee is above the fee rate."),
                    _("at most the fee rate (%(rate)s)") % {"rate": rates["fee_rate"]})
    values = {
        "multiple": decimal_input(multiple, "multiple", low=ZERO, high=MAX_MULTIPLE, low_open=True, places=2),
        "guarantee_ratio": decimal_input(guarantee_ratio, "guarantee_ratio", low=ZERO, high=Decimal(1),
                                         low_open=True, places=2),
        "per_firm_limit": Money(won_input(per_firm_limit, "per_firm_limit"), KRW),
    }
    if foundation.kind != Institution.Kind.CREDIT_GUARANTEE_FOUNDATION:
        raise _fail("foundation", _("The foundation must be a credit guarantee foundation."),
                    _("must be an institution of kind credit_guarantee_foundation"))
    banks = list(partner_banks)
    if any(bank.kind != Institution.Kind.BANK for bank in banks):
        raise _fail("partner_banks", _("Partner banks must be banks."),
                    _("every one must be an institution of kind bank"))
    if closes_on < opens_on:
        raise _fail("closes_on", _("The application window closes before it opens."),
                    _("must be on or after opens_on (%(date)s)") % {"date": opens_on.isoformat()})
    if not 2000 <= year <= 2100:
        raise _fail("year", _("Bad year."), _("from 2000 to 2100"))
    if not 0 <= subsidy_months <= MAX_SUBSIDY_MONTHS:
        raise _fail("subsidy_months", _("Bad number of subsidy months."),
                    _("from 0 to %(max)s") % {"max": MAX_SUBSIDY_MONTHS})
    if subsidy_payee not in SubsidyPayee.values:
        raise _fail("subsidy_payee", _("Unknown subsidy payee."),
                    _("must be one of %(values)s") % {"values": ", ".join(SubsidyPayee.values)})
    if subsidy_period not in SubsidyPeriod.values:
        raise _fail("subsidy_period", _("Unknown interest subsidy period."),
                    _("must be one of %(values)s") % {"values": ", ".join(SubsidyPeriod.values)})
    if rounding_unit not in ROUNDING_UNITS:
        raise _fail("rounding_unit", _("Bad rounding unit."),
                    _("must be one of %(values)s") % {"values": ", ".join(map(str, ROUNDING_UNITS))})
    if rounding_mode not in ROUNDING_MODES:
        raise _fail("rounding_mode", _("Bad rounding mode."),
                    _("must be one of %(values)s") % {"values": ", ".join(ROUNDING_MODES)})
    unknown = sorted(set(eligible_kinds) - set(Enterprise.Kind.values))
    if unknown or not eligible_kinds:
        raise _fail("eligible_kinds", _("Eligible kinds must be enterprise kinds."),
                    _("choose from %(kinds)s; unknown: %(unknown)s")
                    % {"kinds": ", ".join(Enterprise.Kind.values), "unknown": ", ".join(unknown) or "-"})
    if GuaranteeProgram.objects.filter(code=code).exists():
        raise _fail("code", _("A program with this code exists."), _("already used"))
    book = Book.objects.create(code=f"guarantee-{code}", name=name)
    chart.open_program_accounts(book)
    program = GuaranteeProgram.objects.create(
        code=code, name=name, year=year, foundation=foundation, book=book, opens_on=opens_on, closes_on=closes_on,
        eligible_kinds=sorted(set(eligible_kinds)), subsidy_months=subsidy_months, subsidy_payee=subsidy_payee,
        rounding_unit=rounding_unit, rounding_mode=rounding_mode, subsidy_period=subsidy_period, **rates, **values,
    )
    program.partner_banks.set(banks)
    audit_record(actor=actor, action=PROGRAM_CREATE, obj=program,
                 after={**snapshot(program), "partner_banks": sorted(bank.pk for bank in banks)})
    return program


@transactional
def contribution_record(
    *,
    actor: User | None,
    program_id: int,
    source: str,
    amount: Any,
    received_on: date,
    idempotency_key: str,
    today: date,
    contributor: Institution | None = None,
    memo: str = "",
) -> tuple[ProgramContribution, bool]:
    """Money paid into the program on ``received_on`` (not in the future, within the back-dating window): cash up,
    the source's contributions up, in one balanced journal. Returns the contribution and whether it is new (the
    same caller, key and content give the first one back). Raises ValidationFailed, NotFound, Forbidden,
    IdempotencyConflict."""
    if actor is not None:  # None: the system (setup, the demo loader)
        ACCESS.require(actor, "contribution.record")
    key = check_key(idempotency_key)
    value = won_input(amount, "amount")
    if source not in ContributionSource.values:
        raise _fail("source", _("Unknown contribution source."),
                    _("must be one of %(sources)s") % {"sources": ", ".join(ContributionSource.values)})
    program = GuaranteeProgram.objects.select_related("book").filter(pk=program_id).first()
    if program is None:
        raise NotFound(_("No such guarantee program."))
    existing = ProgramContribution.objects.filter(program=program, idempotency_key=key).first()
    if existing is not None:
        check_replay(existing, actor, amount=value, on=received_on, source=source)
        return existing, False
    check_money_date(received_on, field="received_on", today=today)
    journal_key = f"guarantee-program:{program.pk}:contribution:{digest(key)}"
    posted = journal_post(
        lines=[debit(chart.cash(program.book), value), credit(chart.contribution(program.book, source), value)],
        kind="guarantee.contribution", effective_date=received_on, idempotency_key=journal_key, actor=actor,
        memo=memo[:500],
    )
    if not posted.created:  # the same key, committed by a concurrent call while this one waited for the cash
        existing = ProgramContribution.objects.get(journal=posted.journal)
        check_replay(existing, actor, amount=value, on=received_on, source=source)
        return existing, False
    contribution = ProgramContribution.objects.create(
        program=program,
        source=source,
        contributor=contributor,
        amount=Money(value, KRW),
        received_on=received_on,
        journal=posted.journal,
        memo=memo,
        idempotency_key=key,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action=PROGRAM_CONTRIBUTION, obj=contribution, after=snapshot(contribution))
    return contribution, True
