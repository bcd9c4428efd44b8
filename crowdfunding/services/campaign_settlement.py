"""Settling campaigns and matching pools at the end of the funding phase (캠페인 정산, 매칭 펀드 정산), and paying
the campaigns out by the bank (정산금 지급).

``campaign_settle``: a closed campaign's figures (its pledges, its held matches) go through the pure engine
``core.engines.campaign_settlement.settle`` with the fee rates of the settings, and one journal moves its money:

    Dr campaign:<id>:pledges     charged - refunded (what its backers paid and kept paid)
    Dr expense:matching          the held matches (pledge matches, top-up, quadratic): the pools' money granted
    Dr pools:outgoing            the same matches' money, on its way to the payout
    Cr campaign:<id>:matched     the same held matches
    Cr income:platform_fees      the platform fee (플랫폼 수수료)
    Cr provider:receivable       the payment fee (결제 수수료): the provider keeps it out of what it owes
    Cr campaign:<id>:payable     the net payout owed to the enterprise (지급액)

The payment fee is the enterprise's, deducted from its payout, so it is no expense of the platform: it lowers what
the provider owes (``expense:payment_fees`` stays for fees the platform bears itself). After it the campaign's
pledges and matched accounts are zero and its held matches are paid. A failed all-or-nothing campaign moves no
money (nothing was charged) and settles at zero; a match it still holds goes back to its funder's pool account.

``payout_record``: the bank paid the net payout (Dr campaign:<id>:payable; Cr provider:receivable for the backers'
part, which the provider's settlement pays; Cr pools:outgoing for the matched part).

``pool_settle``: once every launched campaign of a pool has settled (and its contest's funding phase is over), what is
left on each funder's pool account is owed back to it: Dr pools:outgoing / Cr pool:<id>:funder:<inst> (the money
leaves the pool) and Dr pool:<id>:contribution:<inst> / Cr funder:<inst>:payable (owed back to the funder).
``pool_return_pay``: the bank sent a return to its funder (Dr funder:<inst>:payable; Cr pools:outgoing).

The nightly funding run settles campaigns and pools with no actor; a manager may settle one by hand (the same
functions with the manager as ``actor``: the access table is asked then).

``payout_file``: the bank file (CSV or XLSX) of a contest's settled campaigns not yet paid out; each download is in
the audit trail with the file's SHA-256. ``payout_account_set``: the enterprise's bank account for payouts.

Rows are locked in one order: the campaign, then the pool (``pool_settle``), then the settlement (a payout) or the
pool's return (its payout), then the matches; the ledger locks its accounts last. Journal keys are derived from the
object (and, for a payout, the SHA-256 of the client's key), so a second run posts nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record, snapshot
from core.dates import Limit, check_money_date
from core.db import transactional
from core.engines.campaign_settlement import Settlement, settle
from core.errors import IdempotencyConflict, InvalidState, NotFound
from core.inputs import KEY_FIELD, check_key, digest
from core.money import KRW, format_won
from enterprises.models import Enterprise, User
from enterprises.roles import is_member
from ledger.models import Account, Book, Journal
from ledger.services import Line, credit, debit, journal_post

from .. import accounts as chart
from ..access import ACCESS
from ..actions import (
    CAMPAIGN_SETTLE,
    PAYOUT_ACCOUNT,
    PAYOUT_FILE,
    PAYOUT_RECORD,
    POOL_RETURN_PAYOUT,
    POOL_SETTLE,
)
from ..models import (
    BackerTotal,
    Bank,
    Campaign,
    CampaignSettlement,
    Match,
    MatchingPool,
    PayoutAccount,
    Pledge,
    PoolFunder,
    PoolReturn,
)
from ..selectors import campaign_settlement as sel
from .common import fail

ZERO = Decimal(0)
SETTLEMENT_AUDITED = ["campaign", "succeeded", "pledged", "charged", "failed", "refunded", "platform_fee",
                      "payment_fee", "matched", "top_up", "quadratic", "net_payout", "settled_on", "journal",
                      "paid_out_on", "payout_journal"]
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _lock_campaign(campaign_id: int) -> Campaign:
    campaign = (Campaign.objects.select_for_update(no_key=True, of=("self",)).select_related("contest__book")
                .filter(pk=campaign_id).first())
    if campaign is None:
        raise NotFound(_("No such campaign."))
    return campaign


def _lock_pool(pool_id: int) -> MatchingPool:
    pool = (MatchingPool.objects.select_for_update(no_key=True, of=("self",)).select_related("contest__book")
            .filter(pk=pool_id).first())
    if pool is None:
        raise NotFound(_("No such matching pool."))
    return pool


def _lock_settlement(settlement_id: int) -> CampaignSettlement:
    found = CampaignSettlement.objects.select_for_update(no_key=True).filter(pk=settlement_id).first()
    if found is None:
        raise NotFound(_("No such campaign settlement."))
    return found


def _state_error(message: str, campaign: Campaign) -> InvalidState:
    return InvalidState(message % {"state": campaign.get_state_display()},
                        fields={"state": [_("is %(state)s") % {"state": campaign.state}]})


def _outgoing(book: Book) -> Any:
    return chart.opened(book, chart.POOLS_OUTGOING, "매칭 재원 지급 대기 (Pool money due out)", "asset",
                        no_overdraft=True)


def _lines(*pairs: tuple[Any, str, Decimal]) -> list[Line]:
    """The journal's lines, leaving out those of zero."""
    return [debit(account, amount) if side == "D" else credit(account, amount)
            for account, side, amount in pairs if amount > 0]


def fee_rates() -> tuple[Decimal, Decimal, int]:
    """The platform fee rate, the payment fee rate and the fees' rounding unit (won, rounded down), from the
    settings ``CROWDFUNDING_PLATFORM_FEE_RATE``, ``CROWDFUNDING_PAYMENT_FEE_RATE``, ``CROWDFUNDING_FEE_UNIT``."""
    return (Decimal(settings.CROWDFUNDING_PLATFORM_FEE_RATE), Decimal(settings.CROWDFUNDING_PAYMENT_FEE_RATE),
            int(settings.CROWDFUNDING_FEE_UNIT))


def campaign_figures(campaign: Campaign) -> tuple[Settlement, sel.MatchFigures]:
    """The engine's settlement of a closed campaign from its pledges and held matches, without writing anything.

    Success was decided at the deadline (``campaign_close``: pledged + matched + top-up against the target) and a
    charge declined after it does not undo it (as Wadiz: a successful campaign is paid what it could charge). So a
    campaign that succeeded is given to the engine by its paying rules (its ``kia`` branch, which pays what was
    collected, fees on it, and the matches), and one that failed by the all-or-nothing rules (nothing)."""
    pledges = sel.pledge_figures(campaign)
    matches = sel.match_figures(campaign)
    platform_rate, payment_rate, unit = fee_rates()
    pays_out = campaign.mode == "kia" or campaign.state == Campaign.State.SUCCEEDED
    figures = settle(
        target=Decimal(campaign.target.amount), mode="kia" if pays_out else "aon", pledged=pledges.pledged,
        charged=pledges.charged if pays_out else ZERO, failed=pledges.failed,
        refunded=pledges.refunded if pays_out else ZERO, matched=matches.pledge + matches.quadratic,
        top_up=matches.top_up, platform_fee_rate=platform_rate, payment_fee_rate=payment_rate,
        unit=Decimal(unit))
    return figures, matches


def _check_book(campaign: Campaign, book: Book, collected: Decimal, matched: Decimal) -> None:
    """The pledges' and matches' accounts must hold what the rows say, or the settlement would post a lie."""
    for code, expected, what in ((chart.campaign_pledges_code(campaign.pk), collected, _("charged pledges")),
                                 (chart.campaign_matched_code(campaign.pk), matched, _("held matches"))):
        account = chart.opened(book, code, code, "liability" if code.endswith(":pledges") else "asset",
                               no_overdraft=code.endswith(":matched"))
        if Decimal(account.balance.amount) != expected:
            raise InvalidState(
                _("The campaign's %(what)s add up to %(rows)s but its account %(code)s holds %(book)s; it cannot "
                  "settle until they agree.")
                % {"what": what, "rows": format_won(expected), "code": code,
                   "book": format_won(Decimal(account.balance.amount))},
                fields={"campaign": [_("its book disagrees with its pledges or matches")]})


def _return_held(campaign: Campaign, book: Book, on_date: date, actor: User | None) -> Journal | None:
    """A failed campaign's held matches go back to their funders' pool accounts (one journal); the counters the
    matches moved are moved back."""
    held = list(sel.held_matches(campaign).select_related("funder__account").order_by("pk"))
    if not held:
        return None
    by_funder: dict[int, Decimal] = {}
    for match in held:
        by_funder[match.funder.account_id] = by_funder.get(match.funder.account_id, ZERO) + match.amount.amount
    total = sum(by_funder.values(), ZERO)
    matched = chart.opened(book, chart.campaign_matched_code(campaign.pk), chart.campaign_matched_code(campaign.pk),
                           "asset", no_overdraft=True)
    journal = journal_post(
        lines=[*(debit(account_id, amount) for account_id, amount in sorted(by_funder.items())),
               credit(matched, total)],
        kind="campaign.match_return", effective_date=on_date,
        idempotency_key=f"campaign-settlement:{campaign.pk}:return", actor=actor,
        memo=f"목표 미달 캠페인 매칭 반환 C{campaign.pk}"[:500]).journal
    Match.objects.filter(pk__in=[m.pk for m in held]).update(state=Match.State.RETURNED, returned_journal=journal)
    for match in held:
        if match.pledge_id is not None:
            amount = match.amount.amount
            Pledge.objects.filter(pk=match.pledge_id).update(matched=F("matched") - amount)
            backer_id = Pledge.objects.filter(pk=match.pledge_id).values_list("backer_id", flat=True).get()
            BackerTotal.objects.filter(campaign=campaign, backer_id=backer_id).update(matched=F("matched") - amount)
    Campaign.objects.filter(pk=campaign.pk).update(matched=F("matched") - total)
    return journal


@transactional
def campaign_settle(*, campaign_id: int, on_date: date, actor: User | None = None) -> CampaignSettlement:
    """Settle a closed campaign (succeeded, or failed at its deadline) on ``on_date``: no pledge may still wait for
    its charge (reserved or retrying) and every open quadratic pool it takes part in must have been shared out. Its
    figures (pledged at the deadline, charged, failed, refunded; held pledge matches, top-up, quadratic; the fees of
    the settings) go through the engine and one journal (see the module); its held matches are paid; the campaign
    is settled. A settled campaign gives its settlement back unchanged. ``actor`` None is the nightly run; a
    manager settles by hand. Raises Forbidden, NotFound, InvalidState (the campaign's state, a pledge still waiting,
    a pool not shared out, a book that disagrees with the rows)."""
    if actor is not None:
        ACCESS.require(actor, "campaign.settle")
    campaign = _lock_campaign(campaign_id)
    if campaign.state == Campaign.State.SETTLED:
        return CampaignSettlement.objects.get(campaign=campaign)
    if campaign.state not in sel.CLOSED:
        raise _state_error(_("Only a campaign whose deadline has passed (succeeded or failed) can be settled; this "
                             "one's state is %(state)s."), campaign)
    waiting = sel.waiting_pledges(campaign.pk)
    if waiting:
        raise InvalidState(
            _("%(count)s pledge(s) of this campaign still wait for their charge (reserved or retrying); it settles "
              "once they are charged or cancelled.") % {"count": waiting},
            fields={"pledges": [_("%(count)s reserved or retrying") % {"count": waiting}]})
    pending = sel.quadratic_pending(campaign)
    if pending:
        raise InvalidState(
            _("The quadratic matching pool %(pool)s has not been shared among its campaigns yet; the campaign "
              "settles after it.") % {"pool": pending[0].name},
            fields={"pools": [_("not shared out yet: %(ids)s") % {"ids": ", ".join(str(p.pk) for p in pending)}]})
    book = campaign.contest.book
    figures, matches = campaign_figures(campaign)
    pays_out = figures.mode == "kia"
    journal = returned = None
    if pays_out:
        _check_book(campaign, book, figures.collected, matches.total)
        lines = _lines(
            (chart.opened(book, chart.campaign_pledges_code(campaign.pk), chart.campaign_pledges_code(campaign.pk),
                          "liability"), "D", figures.collected),
            (chart.opened(book, chart.MATCHING_EXPENSE, "매칭 지원금 (Matching granted)", "expense"), "D",
             matches.total),
            (_outgoing(book), "D", matches.total),
            (chart.opened(book, chart.campaign_matched_code(campaign.pk), chart.campaign_matched_code(campaign.pk),
                          "asset", no_overdraft=True), "C", matches.total),
            (chart.opened(book, chart.PLATFORM_FEES, "플랫폼 수수료 수익 (Platform fees)", "income"), "C",
             figures.platform_fee),
            (chart.opened(book, chart.PROVIDER_RECEIVABLE, "결제대행사 미수금 (Provider receivable)", "asset"), "C",
             figures.payment_fee),
            (chart.opened(book, chart.campaign_payable_code(campaign.pk), chart.campaign_payable_code(campaign.pk),
                          "liability"), "C", figures.net_payout),
        )
        if lines:
            journal = journal_post(lines=lines, kind="campaign.settle", effective_date=on_date,
                                   idempotency_key=f"campaign-settlement:{campaign.pk}", actor=actor,
                                   memo=f"캠페인 정산 C{campaign.pk} {campaign.title}"[:500]).journal
        sel.held_matches(campaign).update(state=Match.State.PAID)
    else:
        returned = _return_held(campaign, book, on_date, actor)
    settlement = CampaignSettlement.objects.create(
        campaign=campaign, succeeded=campaign.state == Campaign.State.SUCCEEDED,
        pledged=Money(figures.pledged, KRW), charged=Money(figures.charged, KRW), failed=Money(figures.failed, KRW),
        refunded=Money(figures.refunded, KRW), platform_fee=Money(figures.platform_fee, KRW),
        payment_fee=Money(figures.payment_fee, KRW),
        matched=Money(matches.pledge if pays_out else ZERO, KRW), top_up=Money(figures.top_up, KRW),
        quadratic=Money(matches.quadratic if pays_out else ZERO, KRW), net_payout=Money(figures.net_payout, KRW),
        settled_on=on_date, journal=journal)
    before_state = campaign.state
    campaign.state = Campaign.State.SETTLED
    campaign.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, action=CAMPAIGN_SETTLE, obj=campaign, before={"state": before_state},
                 after={**snapshot(settlement, SETTLEMENT_AUDITED), "state": campaign.state,
                        "returned_journal": returned.pk if returned else None})
    return settlement


# --- payouts ----------------------------------------------------------------------------------------------------


@transactional
def payout_record(*, settlement_id: int, paid_on: date, actor: User, idempotency_key: str,
                  on_date: date) -> tuple[CampaignSettlement, bool]:
    """A manager records that the bank paid a settlement's net payout to the enterprise on ``paid_on`` (not before
    the settlement, not after ``on_date``): Dr campaign:<id>:payable; Cr provider:receivable (the backers' part,
    which the provider's settlement pays) and Cr pools:outgoing (the matched part). Returns the settlement and
    whether it was recorded now (the same manager with the same key gets the first one back). Raises Forbidden,
    NotFound, InvalidState (paid out already, nothing to pay), ValidationFailed, IdempotencyConflict."""
    ACCESS.require(actor, "settlement.payout")
    key = check_key(idempotency_key)
    settlement = _lock_settlement(settlement_id)
    journal_key = f"campaign-payout:{settlement.pk}:{digest(key)}"
    if settlement.paid_out_on is not None:
        replay = Journal.objects.filter(pk=settlement.payout_journal_id or 0, idempotency_key=journal_key).first()
        if replay is None:
            raise InvalidState(
                _("This settlement was paid out on %(date)s already.") % {"date": settlement.paid_out_on.isoformat()},
                fields={"state": [_("is paid out")]})
        if replay.actor_id != actor.pk:
            raise IdempotencyConflict(_("This idempotency key was already used by someone else; use a new one."),
                                      fields={KEY_FIELD: [_("already used by another user")]})
        if settlement.paid_out_on != paid_on:
            raise IdempotencyConflict(_("This idempotency key was already used for a different request."),
                                      fields={KEY_FIELD: [_("already used with another payment date")]})
        return settlement, False
    net = Decimal(settlement.net_payout.amount)
    if net <= 0:
        raise InvalidState(_("This settlement has nothing to pay out (its net payout is 0)."),
                           fields={"net_payout": [_("is 0")]})
    check_money_date(paid_on, field="paid_on", today=on_date,
                     not_before=[Limit(settlement.settled_on, _("the settlement"))])
    campaign = Campaign.objects.select_related("contest__book").get(pk=settlement.campaign_id)
    book = campaign.contest.book
    matched_part = Decimal(settlement.matched.amount + settlement.top_up.amount + settlement.quadratic.amount)
    posted = journal_post(
        lines=_lines(
            (chart.account(book, chart.campaign_payable_code(campaign.pk)), "D", net),
            (chart.account(book, chart.PROVIDER_RECEIVABLE), "C", net - matched_part),
            (_outgoing(book), "C", matched_part),
        ),
        kind="campaign.payout", effective_date=paid_on, idempotency_key=journal_key, actor=actor,
        memo=f"캠페인 정산금 지급 C{campaign.pk} {campaign.enterprise.name}"[:500])
    before = snapshot(settlement, SETTLEMENT_AUDITED)
    settlement.paid_out_on, settlement.payout_journal = paid_on, posted.journal
    settlement.save(update_fields=["paid_out_on", "payout_journal"])
    audit_record(actor=actor, action=PAYOUT_RECORD, obj=settlement, before=before,
                 after=snapshot(settlement, SETTLEMENT_AUDITED))
    return settlement, True


@dataclass
class Export:
    body: bytes
    content_type: str
    filename: str


@transactional
def payout_file(*, contest_id: int, kind: str, actor: User, ip: str | None = None,
                user_agent: str = "") -> Export:
    """The bank file (정산금 지급 내역) of a contest's settled campaigns not yet paid out, as CSV or XLSX (see
    ``crowdfunding.payout_files``), for managers and auditors; the download is recorded in the audit trail (who,
    from where, the lines, the total and the file's SHA-256), as statements' downloads are logged. Raises Forbidden,
    ValidationFailed, NotFound."""
    ACCESS.require(actor, "payout.download")
    if kind not in EXPORT_TYPES:
        raise fail("format", _("Unknown file type."),
                   _("must be one of %(kinds)s") % {"kinds": ", ".join(EXPORT_TYPES)})
    from ..models import Contest
    from ..payout_files import filename, payout_csv, payout_xlsx

    contest = Contest.objects.filter(pk=contest_id).first()
    if contest is None:
        raise NotFound(_("No such contest."))
    lines = sel.payout_lines(contest.pk)
    body = payout_csv(contest, lines) if kind == "csv" else payout_xlsx(contest, lines)
    audit_record(actor=actor, action=PAYOUT_FILE, obj=contest,
                 after={"format": kind, "settlements": [line.settlement.pk for line in lines],
                        "total": sum((line.amount for line in lines), ZERO),
                        "sha256": hashlib.sha256(body).hexdigest(), "ip": ip or None,
                        "user_agent": (user_agent or "")[:300]})
    return Export(body, EXPORT_TYPES[kind], filename(contest, kind))


@transactional
def payout_account_set(*, enterprise_id: int, actor: User, bank: str, account_number: str,
                       holder: str) -> PayoutAccount:
    """Set the enterprise's bank account for its campaigns' payouts (정산 계좌): a member of the enterprise or a
    manager. The account number is 10 to 16 digits (dashes and spaces are dropped). Another enterprise's is not
    found. Raises Forbidden, NotFound, ValidationFailed."""
    ACCESS.require(actor, "payout_account.write")
    enterprise = Enterprise.objects.select_for_update(no_key=True).filter(pk=enterprise_id).first()
    if enterprise is None or not (ACCESS.allows(actor, "settlement.payout") or is_member(actor, enterprise.pk)):
        raise NotFound(_("No such enterprise."))
    if bank not in Bank.values:
        raise fail("bank", _("Unknown bank."), _("a 3-digit bank code: %(codes)s") % {"codes": ", ".join(Bank.values)})
    digits = "".join(ch for ch in str(account_number or "") if ch not in "- ")
    if not (digits.isascii() and digits.isdigit() and 10 <= len(digits) <= 16):
        raise fail("account_number", _("Bad account number."), _("10 to 16 digits"))
    name = str(holder or "").strip()
    if not name or len(name) > 100:
        raise fail("holder", _("Name the account holder."), _("1 to 100 characters"))
    found = PayoutAccount.objects.filter(enterprise=enterprise).first()
    before = snapshot(found, ["bank", "account_number", "holder"]) if found else None
    account = found or PayoutAccount(enterprise=enterprise)
    account.bank, account.account_number, account.holder, account.updated_by = bank, digits, name, actor
    account.save()
    audit_record(actor=actor, action=PAYOUT_ACCOUNT, obj=enterprise, before=before,
                 after=snapshot(account, ["bank", "account_number", "holder"]))
    return account


# --- pools ------------------------------------------------------------------------------------------------------


@transactional
def pool_settle(*, pool_id: int, on_date: date, actor: User | None = None) -> list[PoolReturn]:
    """Settle a matching pool once its contest's funding phase is over (before ``on_date``) and every campaign it
    applies to has settled: what is left on each funder's pool account is owed back to that funder (a PoolReturn
    and its journal per funder with money left; see the module). A settled pool gives its returns back unchanged.

    "In proportion" (the issue): every draw from the pool was split across its funders in proportion to what each
    had left (``core.engines.matching.split_across_funders``), and every match that came back went to the funder it
    was drawn from, so each funder's account holds its own unspent share; giving each its account's balance returns
    the unspent money in proportion to what each put in, to the won, with nothing to round. ``actor`` None is the
    nightly run; a manager settles by hand. Raises Forbidden, NotFound, InvalidState (the funding phase not over, a
    campaign not settled, a match still held)."""
    if actor is not None:
        ACCESS.require(actor, "pool.settle")
    pool = _lock_pool(pool_id)
    if pool.state == MatchingPool.State.SETTLED:
        return list(PoolReturn.objects.filter(funder__pool=pool).order_by("funder__position", "funder_id"))
    ends = pool.contest.funding_ends_on
    if ends is None or on_date <= ends:
        raise InvalidState(
            _("The pool settles after its contest's funding phase (it ends on %(date)s).")
            % {"date": ends.isoformat() if ends else "-"},
            fields={"on_date": [_("must be after the funding phase")]})
    unsettled = list(sel.pool_unsettled_campaigns(pool).values_list("pk", flat=True)[:20])
    if unsettled:
        raise InvalidState(
            _("%(count)s campaign(s) of this pool have not settled yet; the pool settles after them.")
            % {"count": len(unsettled)},
            fields={"campaigns": [_("not settled: %(ids)s") % {"ids": ", ".join(map(str, unsettled))}]})
    if Match.objects.filter(pool=pool, state=Match.State.HELD).exists():
        raise InvalidState(_("A match of this pool is still held by a campaign."),
                           fields={"matches": [_("some are still held")]})
    book = pool.contest.book
    returns = []
    funders = list(PoolFunder.objects.filter(pool=pool).select_related("account", "institution")
                   .order_by("position", "pk"))
    for funder in funders:
        # Read under the account's lock (the ledger takes it again when posting): nothing draws on it meanwhile.
        locked = Account.objects.select_for_update(no_key=True).get(pk=funder.account_id)
        left = Decimal(locked.balance.amount)
        if left <= 0:
            continue
        inst = funder.institution
        contribution = chart.opened(book, chart.pool_contribution_code(pool.pk, inst.pk), f"매칭 출연 {inst.name}",
                                    "equity")
        payable = chart.opened(book, chart.funder_payable_code(inst.pk), f"매칭 재원 반환 예정 {inst.name}",
                               "liability")
        journal = journal_post(
            lines=[debit(_outgoing(book), left), credit(locked, left), debit(contribution, left),
                   credit(payable, left)],
            kind="pool.return", effective_date=on_date, idempotency_key=f"pool-return:{pool.pk}:{funder.pk}",
            actor=actor, memo=f"매칭 펀드 잔액 반환 {pool.name} · {inst.name}"[:500]).journal
        returns.append(PoolReturn.objects.create(funder=funder, amount=Money(left, KRW), on_date=on_date,
                                                 journal=journal))
    pool.state, pool.settled_on = MatchingPool.State.SETTLED, on_date
    pool.save(update_fields=["state", "settled_on"])
    audit_record(actor=actor, action=POOL_SETTLE, obj=pool, before={"state": MatchingPool.State.OPEN},
                 after={"state": pool.state, "settled_on": on_date,
                        "returns": [{"funder": r.funder_id, "amount": r.amount.amount, "journal": r.journal_id}
                                    for r in returns]})
    return returns


RETURN_AUDITED = ["funder", "amount", "on_date", "journal", "paid_on", "paid_journal"]


def _lock_return(return_id: Any) -> PoolReturn:
    found = (PoolReturn.objects.select_for_update(no_key=True, of=("self",))
             .select_related("funder__institution", "funder__pool__contest__book")
             .filter(pk=return_id).first() if isinstance(return_id, int) and not isinstance(return_id, bool)
             else None)
    if found is None:
        raise NotFound(_("No such pool return."))
    return found


@transactional
def pool_return_pay(*, return_id: int, paid_on: date, actor: User, idempotency_key: str,
                    on_date: date) -> tuple[PoolReturn, bool]:
    """A manager records that the bank sent a settled pool's return (its unspent money) to the funder on ``paid_on``
    (not before the pool settled, not after ``on_date``): Dr funder:<inst>:payable; Cr pools:outgoing, where the
    return's money has waited since the pool settled. Returns the return and whether it was recorded now (the same
    manager with the same key and date gets the first one back). Raises Forbidden, NotFound, InvalidState (paid
    already), ValidationFailed, IdempotencyConflict."""
    ACCESS.require(actor, "pool_return.payout")
    key = check_key(idempotency_key)
    found = _lock_return(return_id)
    journal_key = f"pool-return-payout:{found.pk}:{digest(key)}"
    if found.paid_on is not None:
        replay = Journal.objects.filter(pk=found.paid_journal_id or 0, idempotency_key=journal_key).first()
        if replay is None:
            raise InvalidState(
                _("This return was paid to its funder on %(date)s already.") % {"date": found.paid_on.isoformat()},
                fields={"state": [_("is paid")]})
        if replay.actor_id != actor.pk:
            raise IdempotencyConflict(_("This idempotency key was already used by someone else; use a new one."),
                                      fields={KEY_FIELD: [_("already used by another user")]})
        if found.paid_on != paid_on:
            raise IdempotencyConflict(_("This idempotency key was already used for a different request."),
                                      fields={KEY_FIELD: [_("already used with another payment date")]})
        return found, False
    check_money_date(paid_on, field="paid_on", today=on_date,
                     not_before=[Limit(found.on_date, _("the pool's settlement"))])
    funder, amount = found.funder, Decimal(found.amount.amount)
    book = funder.pool.contest.book
    posted = journal_post(
        lines=[debit(chart.account(book, chart.funder_payable_code(funder.institution_id)), amount),
               credit(_outgoing(book), amount)],
        kind="pool.return_payout", effective_date=paid_on, idempotency_key=journal_key, actor=actor,
        memo=f"매칭 펀드 잔액 반환 지급 {funder.pool.name} · {funder.institution.name}"[:500])
    before = snapshot(found, RETURN_AUDITED)
    found.paid_on, found.paid_journal = paid_on, posted.journal
    found.save(update_fields=["paid_on", "paid_journal"])
    audit_record(actor=actor, action=POOL_RETURN_PAYOUT, obj=found, before=before,
                 after=snapshot(found, RETURN_AUDITED))
    return found, True


__all__ = ["Export", "campaign_figures", "campaign_settle", "fee_rates", "payout_account_set",
           "payout_file", "payout_record", "pool_return_pay", "pool_settle"]
