"""What the statements read about the funding phase (campaigns, pledges, matching pools): the one place the reporting
layer asks the instrument about them. Read-only: rows (``Pledge``, ``PledgePayment``, ``Match``, ``PoolFunding``,
``PoolReturn``, ``CampaignSettlement``) summed into plain figures, each money figure beside the same figure read
from the contest's book (the accounts of ``crowdfunding.accounts``), so a statement can say whether they agree.

The ledger checks rely only on what the chart says each account is for, not on how a settlement journal is laid
out: every charge credits ``campaign:<id>:pledges`` and the refunds and the settlement take it back to zero; every
match drawn debits ``campaign:<id>:matched``; the settled net payout is credited to ``campaign:<id>:payable`` and the
payout debits it; a funder's money left in a pool is the balance of its own account.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from ledger.models import Account, Entry

from .. import accounts as chart
from ..models import (
    Campaign,
    CampaignSettlement,
    Contest,
    Match,
    MatchingPool,
    Pledge,
    PledgePayment,
    PoolFunder,
    PoolFunding,
    PoolReturn,
)

ZERO = Decimal(0)
KEPT = (Match.State.HELD, Match.State.PAID)


@dataclass(frozen=True)
class Check:
    """One figure from the rows beside the same figure from the contest's book."""

    label: str
    stated: Decimal
    book: Decimal
    source: str  # the account (or entries) the book figure is read from

    @property
    def agrees(self) -> bool:
        return self.stated == self.book


@dataclass(frozen=True)
class StateLine:
    state: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class MatchLine:
    """What one funder of one pool put into a campaign, by kind: drawn, of it returned (its pledge stopped being
    live, or the campaign failed), and kept (held until settlement, then paid)."""

    pool_id: int
    pool: str
    rule: str
    funder_id: int
    institution: str
    kind: str
    drawn: Decimal
    returned: Decimal

    @property
    def kept(self) -> Decimal:
        return self.drawn - self.returned


@dataclass
class CampaignFigures:
    """A campaign's funding figures from its rows (pledges, the provider's trail, matches, the settlement) and the
    checks of them against the contest's book."""

    campaign: Campaign
    settlement: CampaignSettlement | None
    by_state: list[StateLine]
    pledges: int
    backers: int
    charged: Decimal  # every charge the provider made (PledgePayment charge rows)
    refunded: Decimal  # refunds and voids of charges
    declined_out: Decimal  # pledges cancelled after their charges were declined to the last retry
    declined_out_count: int
    matches: list[MatchLine]
    checks: list[Check] = field(default_factory=list)

    @property
    def matched(self) -> Decimal:
        """Matching kept by the campaign, every kind."""
        return sum((line.kept for line in self.matches), ZERO)

    def kept(self, kind: str) -> Decimal:
        return sum((line.kept for line in self.matches if line.kind == kind), ZERO)

    @property
    def reconciled(self) -> bool:
        return all(check.agrees for check in self.checks)


def _accounts(book_id: int, codes: list[str]) -> dict[str, Account]:
    return {a.code: a for a in Account.objects.filter(book_id=book_id, code__in=codes)}


def _balance(accounts: dict[str, Account], code: str) -> Decimal:
    found = accounts.get(code)
    return found.balance.amount if found is not None else ZERO


def _total(accounts: dict[str, Account], code: str, side: str) -> Decimal:
    found = accounts.get(code)
    if found is None:
        return ZERO
    return (found.debit_total if side == "D" else found.credit_total).amount


def _refund_kinds() -> list[str]:
    return [PledgePayment.Kind.REFUND, PledgePayment.Kind.VOID]


def match_lines(matches: list[Match]) -> list[MatchLine]:
    """Matches summed per (pool, funder, kind), in pool and funder order."""
    sums: dict[tuple[int, int, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    names: dict[tuple[int, int, str], tuple[str, str, str, int]] = {}
    for m in matches:
        key = (m.pool_id, m.funder_id, m.kind)
        sums[key][0] += m.amount.amount
        if m.state == Match.State.RETURNED:
            sums[key][1] += m.amount.amount
        names[key] = (m.pool.name, m.pool.rule, m.funder.institution.name, m.funder.position)
    order = sorted(sums, key=lambda k: (k[0], names[k][3], k[1], list(Match.Kind.values).index(k[2])))
    return [MatchLine(pool_id=k[0], pool=names[k][0], rule=names[k][1], funder_id=k[1], institution=names[k][2],
                      kind=k[2], drawn=sums[k][0], returned=sums[k][1]) for k in order]


def campaign_figures(campaign_id: int) -> CampaignFigures:
    """The campaign's pledges by state (count and amount), its backers, what the provider charged, refunded and
    what was declined to the end, its matching by pool, funder and kind, its settlement if it has one, and each
    figure checked against the contest's book: charges against the credits of ``campaign:<id>:pledges``, what is
    left of them (nothing once settled) against its balance, matches drawn against the debits of
    ``campaign:<id>:matched``, the matching kept against the settlement's, the net payout against the credits of
    ``campaign:<id>:payable`` and what is still owed against its balance, and the platform fee against the
    settlement journal's entries on ``income:platform_fees``."""
    campaign = Campaign.objects.select_related("contest__book", "enterprise", "entry").get(pk=campaign_id)
    settlement = CampaignSettlement.objects.filter(campaign=campaign).first()
    pledges = list(Pledge.objects.filter(campaign=campaign).order_by("pk"))
    states: dict[str, list[Decimal]] = {}
    for pledge in pledges:
        line = states.setdefault(pledge.state, [Decimal(0), ZERO])
        line[0] += 1
        line[1] += pledge.amount.amount
    by_state = [StateLine(state, int(states[state][0]), states[state][1]) for state in Pledge.State.values
                if state in states]
    payments = list(PledgePayment.objects.filter(pledge__campaign=campaign).values_list("pledge_id", "kind",
                                                                                          "amount"))
    charged = sum((amount for _p, kind, amount in payments if kind == PledgePayment.Kind.CHARGE), ZERO)
    refunded = sum((amount for _p, kind, amount in payments if kind in _refund_kinds()), ZERO)
    declined = {p for p, kind, _a in payments if kind == PledgePayment.Kind.DECLINE}
    charged_ids = {p for p, kind, _a in payments if kind == PledgePayment.Kind.CHARGE}
    out = [p for p in pledges if p.state == Pledge.State.CANCELLED and p.pk in declined and p.pk not in charged_ids]
    matches = list(Match.objects.filter(campaign=campaign).select_related("pool", "funder__institution"))
    figures = CampaignFigures(
        campaign=campaign, settlement=settlement, by_state=by_state, pledges=len(pledges),
        backers=len({p.backer_id for p in pledges if p.state in (Pledge.State.CHARGED, Pledge.State.RESERVED,
                                                                  Pledge.State.RETRYING)}),
        charged=Decimal(charged), refunded=Decimal(refunded),
        declined_out=sum((p.amount.amount for p in out), ZERO), declined_out_count=len(out),
        matches=match_lines(matches),
    )
    figures.checks = _campaign_checks(figures, matches)
    return figures


def _campaign_checks(figures: CampaignFigures, matches: list[Match]) -> list[Check]:
    campaign, settlement = figures.campaign, figures.settlement
    pledges_code = chart.campaign_pledges_code(campaign.pk)
    matched_code = chart.campaign_matched_code(campaign.pk)
    payable_code = chart.campaign_payable_code(campaign.pk)
    accounts = _accounts(campaign.contest.book_id, [pledges_code, matched_code, payable_code])
    settled = settlement is not None
    checks = [
        Check("결제 합계 (결제 내역)", figures.charged, _total(accounts, pledges_code, "C"),
              f"{pledges_code} 대변 합계"),
        Check("후원금 예수금 잔액 (결제 - 환불" + (" - 정산)" if settled else ")"),
              ZERO if settled else figures.charged - figures.refunded, _balance(accounts, pledges_code),
              f"{pledges_code} 잔액"),
        Check("매칭 인출 합계 (반환분 포함)", sum((m.amount.amount for m in matches), ZERO),
              _total(accounts, matched_code, "D"), f"{matched_code} 차변 합계"),
    ]
    if settlement is not None:
        kept = settlement.matched.amount + settlement.top_up.amount + settlement.quadratic.amount
        checks.append(Check("매칭 유지액 (매칭 + 목표 채움 + 이차 매칭)", figures.matched, kept, "정산서"))
        checks.append(Check("정산 지급액", settlement.net_payout.amount, _total(accounts, payable_code, "C"),
                            f"{payable_code} 대변 합계"))
        owed = ZERO if settlement.paid_out_on is not None else settlement.net_payout.amount
        checks.append(Check("미지급 정산금", owed, _balance(accounts, payable_code), f"{payable_code} 잔액"))
        if settlement.journal_id is not None:
            fee = Entry.objects.filter(journal_id=settlement.journal_id, account__code=chart.PLATFORM_FEES, side="C",
                                       account__book_id=campaign.contest.book_id).aggregate(s=Sum("amount"))["s"]
            checks.append(Check("플랫폼 수수료", settlement.platform_fee.amount, Decimal(fee or 0),
                                f"정산 전표 J{settlement.journal_id}의 {chart.PLATFORM_FEES}"))
    return checks


def settlements_of_enterprise(enterprise_id: int, start: date, end: date) -> list[CampaignSettlement]:
    """The enterprise's campaign settlements made by ``end`` that were made or paid out in the period, or were still
    to be paid out at its end, the oldest first."""
    return list(CampaignSettlement.objects.filter(campaign__enterprise_id=enterprise_id, settled_on__lte=end)
                .filter(Q(settled_on__gte=start) | Q(paid_out_on__isnull=True) | Q(paid_out_on__gt=end)
                        | Q(paid_out_on__gte=start))
                .select_related("campaign__contest").order_by("settled_on", "pk"))


def campaigns_of_contest(contest: Contest) -> list[CampaignFigures]:
    """Every launched campaign of the contest (drafts left out) with its figures, in the order they were made."""
    return [campaign_figures(pk) for pk in Campaign.objects.filter(contest=contest).exclude(
        state=Campaign.State.DRAFT).order_by("pk").values_list("pk", flat=True)]


# --- pledge receipts (후원 영수증) ---------------------------------------------------------------------------------


@dataclass
class ReceiptFigures:
    pledge: Pledge
    charges: list[PledgePayment]
    refunds: list[PledgePayment]

    @property
    def charged(self) -> Decimal:
        return sum((p.amount.amount for p in self.charges), ZERO)

    @property
    def refunded(self) -> Decimal:
        return sum((p.amount.amount for p in self.refunds), ZERO)

    @property
    def kept(self) -> Decimal:
        return self.charged - self.refunded


def was_charged(pledge: Pledge) -> bool:
    """Whether the provider ever charged the pledge (a receipt is for a charged pledge, refunded later or not)."""
    return pledge.charged_on is not None or PledgePayment.objects.filter(
        pledge=pledge, kind=PledgePayment.Kind.CHARGE).exists()


def receipt_figures(pledge_id: int) -> ReceiptFigures:
    """A pledge with its campaign, enterprise, reward and backer, the provider's charges and its refunds."""
    pledge = Pledge.objects.select_related("campaign__enterprise", "campaign__contest__host", "reward",
                                           "backer").get(pk=pledge_id)
    payments = list(PledgePayment.objects.filter(pledge=pledge).order_by("on_date", "created_at", "pk"))
    return ReceiptFigures(pledge=pledge, charges=[p for p in payments if p.kind == PledgePayment.Kind.CHARGE],
                          refunds=[p for p in payments if p.kind in _refund_kinds() and p.amount.amount])


# --- matching pools and their funders (매칭 재원) ------------------------------------------------------------------


@dataclass(frozen=True)
class FunderCampaignLine:
    """What one funder's money did for one campaign, by kind (kept: drawn and not returned)."""

    campaign_id: int
    campaign: str
    enterprise: str
    pledge_matches: Decimal
    pledge_returned: Decimal
    top_up: Decimal
    quadratic: Decimal

    @property
    def kept(self) -> Decimal:
        return self.pledge_matches - self.pledge_returned + self.top_up + self.quadratic


@dataclass
class FunderFigures:
    funder: PoolFunder
    fundings: list[PoolFunding]
    returns: list[PoolReturn]
    campaigns: list[FunderCampaignLine]
    checks: list[Check] = field(default_factory=list)

    @property
    def paid_in(self) -> Decimal:
        return sum((f.amount.amount for f in self.fundings), ZERO)

    @property
    def used(self) -> Decimal:
        return sum((line.kept for line in self.campaigns), ZERO)

    @property
    def returned(self) -> Decimal:
        return sum((r.amount.amount for r in self.returns), ZERO)

    @property
    def returned_paid(self) -> Decimal:
        """Of what was returned, what the bank has sent to the funder (반환금 지급)."""
        return sum((r.amount.amount for r in self.returns if r.paid_on is not None), ZERO)

    @property
    def left(self) -> Decimal:
        return self.paid_in - self.used - self.returned

    @property
    def reconciled(self) -> bool:
        return all(check.agrees for check in self.checks)


def funder_figures(funder_id: int) -> FunderFigures:
    """A pool funder's money: what it paid in, what was matched from it to each campaign (pledge matches summed per
    campaign, less those returned; top-up; quadratic), what came back to it when the pool settled, and what is left;
    checked against its own account in the contest's book (its balance is what is left) and its contribution
    account (credited with what it paid in)."""
    funder = PoolFunder.objects.select_related("pool__contest__book", "institution", "account").get(pk=funder_id)
    fundings = list(PoolFunding.objects.filter(funder=funder).order_by("received_on", "pk"))
    returns = list(PoolReturn.objects.filter(funder=funder).order_by("on_date", "pk"))
    per: dict[int, dict[str, Decimal]] = {}
    titles: dict[int, tuple[str, str]] = {}
    for m in Match.objects.filter(funder=funder).select_related("campaign__enterprise").order_by("campaign_id"):
        line = per.setdefault(m.campaign_id, defaultdict(lambda: ZERO))
        titles[m.campaign_id] = (m.campaign.title, m.campaign.enterprise.name)
        amount = m.amount.amount
        if m.kind == Match.Kind.PLEDGE:
            line["pledge"] += amount
            if m.state == Match.State.RETURNED:
                line["returned"] += amount
        elif m.state in KEPT:
            line[m.kind] += amount
    campaigns = [FunderCampaignLine(campaign_id=cid, campaign=titles[cid][0], enterprise=titles[cid][1],
                                    pledge_matches=v["pledge"], pledge_returned=v["returned"],
                                    top_up=v[Match.Kind.TOP_UP], quadratic=v[Match.Kind.QUADRATIC])
                 for cid, v in sorted(per.items())]
    figures = FunderFigures(funder=funder, fundings=fundings, returns=returns, campaigns=campaigns)
    pool = funder.pool
    contribution = chart.pool_contribution_code(pool.pk, funder.institution_id)
    accounts = _accounts(pool.contest.book_id, [contribution])
    figures.checks = [
        Check("남은 재원 (입금 - 매칭 사용 - 반환)", figures.left, funder.account.balance.amount,
              f"{funder.account.code} 잔액"),
        Check("입금 합계", figures.paid_in, _total(accounts, contribution, "C"), f"{contribution} 대변 합계"),
    ]
    return figures


@dataclass
class PoolUse:
    pool: MatchingPool
    funders: list[FunderFigures]

    @property
    def paid_in(self) -> Decimal:
        return sum((f.paid_in for f in self.funders), ZERO)

    @property
    def used(self) -> Decimal:
        return sum((f.used for f in self.funders), ZERO)

    @property
    def returned(self) -> Decimal:
        return sum((f.returned for f in self.funders), ZERO)

    @property
    def left(self) -> Decimal:
        return sum((f.left for f in self.funders), ZERO)

    @property
    def reconciled(self) -> bool:
        return all(f.reconciled for f in self.funders)


def pools_of_contest(contest: Contest) -> list[PoolUse]:
    """The contest's matching pools, each with its funders' figures (``funder_figures``), in the order they were
    made."""
    return [PoolUse(pool=pool, funders=[funder_figures(pk) for pk in PoolFunder.objects.filter(pool=pool)
                                        .order_by("position", "pk").values_list("pk", flat=True)])
            for pool in MatchingPool.objects.filter(contest=contest).order_by("pk")]
