"""기업 거래명세서: everything one enterprise owes or paid over a period, across instruments: per loan the principal
at the start, what was disbursed, repaid, paid in interest and default interest, written off and recovered, the
principal at the end (checked against the ledger), and each loan's transactions; beside them its special guarantees
(특례보증): each guarantee's program, bank, loan balance and guaranteed amount at the period's end and now, its fee
bills (the year's fee, the city's and the enterprise's parts, what each paid, the late fees, refunds, what was still
owed at the end) and the period's fee payments, and the 구상채권 its paid claims opened (what was paid, recovered,
written off and is still owed); and its crowdfunding contests (소셜 크라우드펀딩 대회): its entries and how far each
went, its awards with what was paid, accepted as spent, returned and still due back at the period's end, each
award's unsettled advance checked against the contest's book, and the tranches paid, settled or returned in the
period.

and its campaigns' settlements (캠페인 정산): each settlement made by the period's end that was made or paid out in
it or still owed at its end, with its figures and what was still owed at the end beside the campaign's payable
account in the contest's book.

And the service funding (사업비) it received as the service provider of social impact bond contracts: per contract
what was disbursed to it before and in the period and in all by its end, checked against the contract's book (its
``service:disbursed`` account at the period's end), and each disbursement of the period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from bonds.accounts import SERVICE_DISBURSED
from bonds.models import Contract, Disbursement
from core.errors import NotFound
from crowdfunding.accounts import advance_code, campaign_payable_code
from crowdfunding.models import Award, AwardTranche, Entry
from crowdfunding.selectors.funding_reports import settlements_of_enterprise
from enterprises.models import Enterprise
from enterprises.validators import format_business_number
from funds.models import Loan
from guarantees.accounts import recourse_code
from guarantees.models import Claim, FeeBill, FeePayment, FeeRefund, Guarantee, Recovery
from guarantees.selectors import guaranteed_paths, loan_paths, recourse_position
from ledger.models import Account
from ledger.selectors import balances_on

from ..models import Statement
from .base import Built, StatementKind, Table, sees_enterprise
from .common import STATE_KO, ZERO, LoanPeriod, class_names, day_before, loan_period, paid_in

SYSTEM_ISSUER = "사회적경제 금융 시스템"
REPAID = ("repayment", "repayment_reversal")
COLUMNS = ("opening", "disbursed", "principal_repaid", "interest_paid", "default_paid", "written_off", "recovered",
           "received", "closing", "closing_interest", "closing_default", "ledger_closing")


def korean(label: Any) -> str:
    """'Social enterprise (사회적기업)' -> '사회적기업'; a label without a Korean part as it is."""
    text = str(label)
    found = re.search(r"\(([^()]*[가-힣][^()]*)\)\s*$", text)
    return found.group(1) if found else text


@dataclass
class LoanLine:
    loan: Loan
    period: LoanPeriod
    figures: dict[str, Decimal]
    state: str
    asset_class: str

    @property
    def agrees(self) -> bool:
        return self.figures["closing"] == self.figures["ledger_closing"]


GUARANTEE_STATE_KO = {
    "approved": "승인 (실행 대기)", "active": "보증 중", "repaid": "상환 완료", "defaulted": "사고",
    "claimed": "대위변제", "recovering": "구상 중", "closed": "종결", "written_off": "상각", "cancelled": "취소",
}


def guarantee_lines(enterprise: Enterprise, start: date, end: date) -> list[dict[str, Any]]:
    """The enterprise's guarantees made by ``end`` and not over before ``start``: each one's loan balance (as its
    bank reported it) and guaranteed amount at the end, and what it guarantees now."""
    rows = Guarantee.objects.filter(enterprise=enterprise).select_related("program__foundation", "bank").order_by("pk")
    guarantees = [g for g in rows if not (g.closed_on is not None and g.closed_on < start)]
    held = guaranteed_paths(guarantees)
    loans = loan_paths(guarantees)
    lines = []
    for g in guarantees:
        path = held[g.pk]
        if not path.steps or path.steps[0][0] > end:
            continue  # approved after the period
        lines.append({
            "guarantee": g, "number": f"G{g.pk}", "program": g.program.name, "bank": g.bank.name,
            "reference": g.bank_reference, "loan_amount": g.loan_amount.amount if g.loan_amount else None,
            "approved_amount": g.approved_amount.amount, "start_on": g.start_on, "ratio": g.ratio,
            "opening_guaranteed": path.on(day_before(start)), "balance": loans[g.pk].on(end),
            "guaranteed": path.on(end), "guaranteed_now": g.guaranteed.amount,
            "state": GUARANTEE_STATE_KO.get(g.state, g.state),
        })
    return lines


PAYER_KO = {"firm": "기업", "city": "지자체 (보증료 지원)"}


def fee_lines(enterprise: Enterprise, start: date, end: date) -> tuple[list[dict[str, Any]], list[FeePayment]]:
    """The fee bills of the enterprise's guarantees issued by ``end`` that were issued in the period, had a payment
    or refund in it, or were still owed at its end: each with what was paid, refunded and still owed by each payer
    at the end (its payments and refunds dated by then); and the period's payments, the oldest first."""
    bills = list(FeeBill.objects.filter(guarantee__enterprise=enterprise, billed_on__lte=end)
                 .select_related("program").order_by("billed_on", "pk"))
    payments = list(FeePayment.objects.filter(bill__in=bills, paid_on__lte=end).order_by("paid_on", "pk"))
    refunds = list(FeeRefund.objects.filter(bill__in=bills, journal__effective_date__lte=end)
                   .select_related("journal").order_by("pk"))
    rows = []
    for bill in bills:
        mine = [p for p in payments if p.bill_id == bill.pk]
        back = [r for r in refunds if r.bill_id == bill.pk]

        def paid(payer: str, mine: list[FeePayment] = mine) -> Decimal:
            return sum((p.share_paid.amount for p in mine if p.payer == payer), ZERO)

        def refunded(payer: str, name: str, back: list[FeeRefund] = back) -> Decimal:
            return sum((getattr(r, name).amount for r in back if r.payer == payer), ZERO)

        firm_left = (bill.enterprise_share.amount - refunded("firm", "amount") - paid("firm")
                     + refunded("firm", "returned"))
        city_left = (bill.city_share.amount - refunded("city", "amount") - paid("city")
                     + refunded("city", "returned"))
        late_charged = sum((p.late_fee_charged.amount for p in mine), ZERO)
        late_paid = sum((p.late_fee_paid.amount for p in mine), ZERO)
        in_period = start <= bill.billed_on or any(p.paid_on >= start for p in mine) or any(
            r.journal.effective_date >= start for r in back)
        if not (in_period or firm_left or city_left or late_charged - late_paid):
            continue
        rows.append({
            "bill": bill, "number": f"F{bill.pk}", "guarantee": f"G{bill.guarantee_id}", "year": bill.year,
            "period_start": bill.period_start, "period_end": bill.period_end, "fee": bill.fee.amount,
            "city_share": bill.city_share.amount, "enterprise_share": bill.enterprise_share.amount,
            "firm_paid": paid("firm"), "city_paid": paid("city"), "firm_refunded": refunded("firm", "amount"),
            "city_refunded": refunded("city", "amount"), "late_charged": late_charged, "late_paid": late_paid,
            "firm_left": firm_left, "city_left": city_left, "late_left": late_charged - late_paid,
            "due_on": bill.due_on,
        })
    shown = {row["bill"].pk for row in rows}
    return rows, [p for p in payments if p.paid_on >= start and p.bill_id in shown]


def recourse_lines(enterprise: Enterprise, start: date, end: date) -> list[dict[str, Any]]:
    """The 구상채권 of the enterprise's claims paid by ``end`` and not settled before ``start``: the claim paid, what
    was recovered in the period and up to its end, written off, and what is owed (principal, costs and damages) on
    the period's last day, or on the last recovery if that is later (``recourse_position``); beside it the
    ledger's 구상채권 on that day (principal and costs not written off)."""
    claims = list(Claim.objects.filter(guarantee__enterprise=enterprise, state=Claim.State.PAID, paid_on__lte=end)
                  .exclude(settled_on__lt=start).select_related("guarantee__program").order_by("paid_on", "pk"))
    recoveries: dict[int, list[Recovery]] = {}
    for recovery in Recovery.objects.filter(claim__in=claims, received_on__lte=end).order_by("received_on", "pk"):
        recoveries.setdefault(recovery.claim_id, []).append(recovery)
    books = {claim.guarantee.program.book_id for claim in claims}
    accounts = {(book_id, code): pk for book_id, code, pk in Account.objects.filter(
        book_id__in=books, code__in=[recourse_code(c.pk) for c in claims]).values_list("book_id", "code", "pk")}
    lines = []
    for claim in claims:
        position = recourse_position(claim, end)
        assert position is not None
        got = recoveries.get(claim.pk, [])
        account_id = accounts.get((claim.guarantee.program.book_id, recourse_code(claim.pk)))
        ledger = balances_on([account_id], position.on).get(account_id, ZERO) if account_id else ZERO
        written_off = claim.written_off.amount if claim.written_off_on and claim.written_off_on <= end else ZERO
        owed = position.principal + position.costs
        lines.append({
            "claim": claim, "number": f"C{claim.pk}", "guarantee": f"G{claim.guarantee_id}",
            "program": claim.guarantee.program.name, "paid_on": claim.paid_on, "amount": claim.amount.amount,
            "recovered_in_period": sum((r.amount.amount for r in got if r.received_on >= start), ZERO),
            "recovered": sum((r.amount.amount for r in got), ZERO), "written_off": written_off,
            "principal": position.principal, "costs": position.costs, "damages": position.damages,
            "owed": position.total, "on": position.on, "ledger": ledger,
            "agrees": ledger == (ZERO if claim.written_off_on and claim.written_off_on <= position.on else owed),
            "state": "상각 (채무는 남음)" if written_off else ("회수 완료" if claim.settled_on else "구상 중"),
        })
    return lines


ENTRY_STATE_KO = {
    "draft": "작성 중", "submitted": "접수", "withdrawn": "철회", "advanced": "서류 통과", "selected": "수상 선정",
    "not_advanced": "탈락",
}
ROUND_KO = {"screening": "서류심사", "final": "본선"}
AWARD_STATE_KO = {"prepared": "결정 대기", "approved": "지급 중", "settled": "정산 완료", "cancelled": "취소"}
TRANCHE_STATE_KO = {"planned": "지급 예정", "paid": "지급", "reported": "정산 보고", "settled": "반환 대기",
                    "closed": "정산 완료"}
AWARD_KEYS = ("amount", "paid_in_period", "paid", "spent", "returned", "due_back", "advance", "ledger")


def contest_lines(enterprise: Enterprise, start: date, end: date) -> tuple[list[dict[str, Any]],
                                                                           list[dict[str, Any]],
                                                                           list[dict[str, Any]]]:
    """The enterprise's contest entries drafted by ``end`` (withdrawn before ``start`` left out), where each stands
    now; its awards reserved out of a joint fund by ``end`` (those settled and closed before ``start`` left out),
    each with what was paid (in the period and up to its end), accepted as spent, returned and still due back at the
    end, and the unsettled advance beside the contest's book (the award's advance account on the period's last
    day); and the tranches paid, settled or returned in the period."""
    entries = [entry for entry in Entry.objects.filter(enterprise=enterprise, created_at__date__lte=end)
               .select_related("contest").order_by("created_at", "pk")
               if not (entry.state == Entry.State.WITHDRAWN and timezone.localtime(entry.updated_at).date() < start)]
    # An award's day is its reservation's (the journal that reserved it out of the joint fund).
    awards = list(Award.objects.filter(entry__enterprise=enterprise, reserve_journal__effective_date__lte=end,
                                       state__in=[Award.State.APPROVED, Award.State.SETTLED])
                  .select_related("contest__book", "entry", "tier", "reserve_journal")
                  .order_by("reserve_journal__effective_date", "pk"))
    tranches: dict[int, list[AwardTranche]] = {}
    for tranche in AwardTranche.objects.filter(award__in=awards).order_by("award_id", "number"):
        tranches.setdefault(tranche.award_id, []).append(tranche)
    accounts = {(book_id, code): pk for book_id, code, pk in Account.objects.filter(
        book_id__in={a.contest.book_id for a in awards}, code__in=[advance_code(a.pk) for a in awards])
        .values_list("book_id", "code", "pk")}
    ledger = balances_on(list(accounts.values()), end)

    def by(day: date | None) -> bool:
        return day is not None and day <= end

    def within(day: date | None) -> bool:
        return day is not None and start <= day <= end

    award_rows, tranche_rows = [], []
    for award in awards:
        mine = tranches.get(award.pk, [])
        paid = sum((t.amount.amount for t in mine if by(t.paid_on)), ZERO)
        spent = sum((t.spent.amount for t in mine if by(t.settled_on)), ZERO)
        returned = sum((t.unspent.amount for t in mine if by(t.returned_on)), ZERO)
        due_back = sum((t.unspent.amount for t in mine if by(t.settled_on) and not by(t.returned_on)), ZERO)
        assert award.reserve_journal is not None
        last = max((d for t in mine for d in (t.paid_on, t.settled_on, t.returned_on) if d is not None),
                   default=award.reserve_journal.effective_date)
        advance = paid - spent - returned
        if award.state == Award.State.SETTLED and last < start and not advance and not due_back:
            continue  # settled and done with before the period
        account_id = accounts.get((award.contest.book_id, advance_code(award.pk)))
        book = ledger.get(account_id, ZERO) if account_id else ZERO
        award_rows.append({
            "award": award, "number": f"A{award.pk}", "contest": award.contest.name, "entry": award.entry.title,
            "tier": award.tier.name, "rank": award.rank, "amount": award.amount.amount,
            "paid_in_period": sum((t.amount.amount for t in mine if within(t.paid_on)), ZERO), "paid": paid,
            "spent": spent, "returned": returned, "due_back": due_back, "advance": advance, "ledger": book,
            "agrees": book == advance, "state": AWARD_STATE_KO.get(award.state, award.state),
        })
        for t in mine:
            if within(t.paid_on) or within(t.settled_on) or within(t.returned_on):
                tranche_rows.append({
                    "award": f"A{award.pk}", "number": t.number, "amount": t.amount.amount, "paid_on": t.paid_on,
                    "settled_on": t.settled_on if by(t.settled_on) else None,
                    "spent": t.spent.amount if by(t.settled_on) else None,
                    "unspent": t.unspent.amount if by(t.settled_on) else None,
                    "returned_on": t.returned_on if by(t.returned_on) else None,
                    "state": TRANCHE_STATE_KO.get(t.state, t.state),
                })
    entry_rows = [{
        "entry": entry, "number": f"E{entry.pk}", "contest": entry.contest.name, "title": entry.title,
        "target": entry.target_amount.amount,
        "submitted_on": timezone.localtime(entry.submitted_at).date() if entry.submitted_at else None,
        "state": ENTRY_STATE_KO.get(entry.state, entry.state) + (
            f" ({ROUND_KO.get(entry.eliminated_in, entry.eliminated_in)})" if entry.eliminated_in else ""),
    } for entry in entries]
    return entry_rows, award_rows, tranche_rows


SETTLEMENT_KEYS = ("charged", "refunded", "fees", "matching", "net_payout", "owed", "ledger")


BOND_STATE_KO = {"draft": "작성 중", "signed": "협약 체결", "in_service": "사업 수행", "evaluating": "성과 평가",
                 "settled": "성과보상 완료", "closed": "종료"}
BOND_KEYS = ("before", "in_period", "to_end", "ledger")


def bond_funding_lines(enterprise: Enterprise, start: date, end: date) -> tuple[list[dict[str, Any]], list[Any]]:
    """The social impact bond contracts the enterprise provides the service for that had funding disbursed to it
    by ``end``: per contract what was disbursed before the period, in it and in all by its end, beside the contract's
    ``service:disbursed`` account at the end; and the period's disbursements."""
    contracts = list(Contract.objects.filter(provider=enterprise, disbursements__paid_on__lte=end).distinct()
                     .select_related("outcome_payer").order_by("pk"))
    accounts = dict(Account.objects.filter(book_id__in=[c.book_id for c in contracts], code=SERVICE_DISBURSED)
                    .values_list("book_id", "pk"))
    ledger = balances_on(list(accounts.values()), end)
    rows = []
    for contract in contracts:
        paid = list(Disbursement.objects.filter(contract=contract, paid_on__lte=end).values_list("paid_on", "amount"))
        before = sum((amount for on, amount in paid if on < start), ZERO)
        in_period = sum((amount for on, amount in paid if on >= start), ZERO)
        book = ledger.get(accounts.get(contract.book_id, 0), ZERO)
        rows.append({"contract": contract, "code": contract.code, "name": contract.name,
                     "payer": contract.outcome_payer.name, "state": BOND_STATE_KO.get(contract.state, contract.state),
                     "before": before, "in_period": in_period, "to_end": before + in_period, "ledger": book,
                     "agrees": before + in_period == book})
    period = list(Disbursement.objects.filter(contract__provider=enterprise, paid_on__range=(start, end))
                  .select_related("contract").order_by("paid_on", "pk"))
    return rows, period


def settlement_lines(enterprise: Enterprise, start: date, end: date) -> list[dict[str, Any]]:
    """The enterprise's campaign settlements (``settlements_of_enterprise``): each one's figures, and what was still
    to be paid out at the period's end beside the campaign's payable account on that day."""
    settlements = settlements_of_enterprise(enterprise.pk, start, end)
    accounts = {(book_id, code): pk for book_id, code, pk in Account.objects.filter(
        book_id__in={s.campaign.contest.book_id for s in settlements},
        code__in=[campaign_payable_code(s.campaign_id) for s in settlements]).values_list("book_id", "code", "pk")}
    ledger = balances_on(list(accounts.values()), end)
    lines = []
    for s in settlements:
        paid = s.paid_out_on is not None and s.paid_out_on <= end
        owed = ZERO if paid else s.net_payout.amount
        account_id = accounts.get((s.campaign.contest.book_id, campaign_payable_code(s.campaign_id)))
        book = ledger.get(account_id, ZERO) if account_id else ZERO
        lines.append({
            "settlement": s, "number": f"K{s.campaign_id}", "contest": s.campaign.contest.name,
            "title": s.campaign.title, "settled_on": s.settled_on, "succeeded": s.succeeded,
            "charged": s.charged.amount, "refunded": s.refunded.amount,
            "fees": s.platform_fee.amount + s.payment_fee.amount,
            "matching": s.matched.amount + s.top_up.amount + s.quadratic.amount, "net_payout": s.net_payout.amount,
            "paid_out_on": s.paid_out_on if paid else None, "owed": owed, "ledger": book, "agrees": book == owed,
        })
    return lines


def build(statement: Statement, *, generated_at: datetime) -> Built:
    enterprise = Enterprise.objects.get(pk=int(statement.enterprise_id or 0))
    start, end = statement.period_start, statement.period_end
    assert start is not None and end is not None
    loans = list(Loan.objects.filter(enterprise=enterprise, disbursed_on__lte=end)
                 .select_related("fund__operator", "product", "principal_account").order_by("disbursed_on", "pk"))
    waiting = list(Loan.objects.filter(enterprise=enterprise, state=Loan.State.APPROVED).select_related("product")
                   .order_by("pk"))
    paid = paid_in(loans, start, end)
    ledger = balances_on([loan.principal_account_id for loan in loans], end)
    names = class_names()
    lines = []
    for loan in loans:
        period = loan_period(loan, start, end)
        figures = {
            "opening": period.opening_principal,
            "disbursed": period.total("principal", ("disbursement",)),
            "principal_repaid": -period.total("principal", REPAID),
            "interest_paid": paid[loan.pk]["interest"],
            "default_paid": paid[loan.pk]["default_interest"],
            "written_off": -period.total("principal", ("write_off",)),
            "recovered": period.total("amount", ("recovery",)),
            "received": period.total("amount", ("repayment",)) - period.total("amount", ("repayment_reversal",)),
            "closing": period.closing_principal,
            "closing_interest": period.closing_interest,
            "closing_default": period.closing_default,
            "ledger_closing": ledger.get(loan.principal_account_id, ZERO),
        }
        if not period.movements and not (period.opening_principal or period.opening_interest
                                         or period.opening_default):
            continue  # settled before the period, nothing in it: nothing to state
        lines.append(LoanLine(loan, period, figures, STATE_KO.get(loan.state, loan.state),
                              names.get(loan.asset_class, loan.asset_class)))
    totals = {key: sum((line.figures[key] for line in lines), ZERO) for key in COLUMNS}
    guarantees = guarantee_lines(enterprise, start, end)
    recourse = recourse_lines(enterprise, start, end)
    fees, fee_payments = fee_lines(enterprise, start, end)
    fee_totals = {key: sum((row[key] for row in fees), ZERO)
                  for key in ("fee", "city_share", "enterprise_share", "firm_paid", "city_paid", "firm_refunded",
                              "city_refunded", "late_charged", "late_paid", "firm_left", "city_left", "late_left")}
    guarantee_totals = {key: sum((row[key] or ZERO for row in guarantees), ZERO)
                        for key in ("opening_guaranteed", "balance", "guaranteed", "guaranteed_now")}
    recourse_totals = {key: sum((row[key] for row in recourse), ZERO)
                       for key in ("amount", "recovered_in_period", "recovered", "written_off", "owed", "ledger")}
    contest_entries, contest_awards, contest_tranches = contest_lines(enterprise, start, end)
    award_totals = {key: sum((row[key] for row in contest_awards), ZERO) for key in AWARD_KEYS}
    settlements = settlement_lines(enterprise, start, end)
    settlement_totals = {key: sum((row[key] for row in settlements), ZERO) for key in SETTLEMENT_KEYS}
    bond_funding, bond_disbursements = bond_funding_lines(enterprise, start, end)
    bond_totals = {key: sum((row[key] for row in bond_funding), ZERO) for key in BOND_KEYS}
    operators = sorted({loan.fund.operator.name for loan in loans}
                       | {row["guarantee"].program.foundation.name for row in guarantees})
    funds = sorted({loan.fund.name for loan in loans} | {row["program"] for row in guarantees})

    tables = [
        Table("대출별 요약", ["대출", "기금", "상품", "실행일", "기초 대출원금", "실행", "원금 상환", "이자 납입",
                          "연체이자 납입", "상각 (원금)", "상각채권 회수", "기말 대출원금", "기말 미수이자",
                          "기말 미수연체이자", "원장 기말 대출원금", "상태 (현재)", "자산건전성 (현재)"],
              [[f"L{line.loan.pk}", line.loan.fund.name, line.loan.product.name, line.loan.disbursed_on,
                *(line.figures[key] for key in ("opening", "disbursed", "principal_repaid", "interest_paid",
                                                "default_paid", "written_off", "recovered", "closing",
                                                "closing_interest", "closing_default", "ledger_closing")),
                line.state, line.asset_class] for line in lines]),
        Table("거래내역", ["대출", "기금", "일자", "구분", "금액", "원금 증감", "이자 증감", "연체이자 증감",
                       "원금 잔액", "비고", "전표"],
              [[f"L{line.loan.pk}", line.loan.fund.name, m.on, m.label, m.amount, m.principal, m.interest,
                m.default_interest, m.principal_after, m.note, m.journal_id]
               for line in lines for m in line.period.movements]),
        Table("보증별 요약", ["보증", "사업", "은행", "대출번호", "대출금액", "실행일", "보증비율", "기초 보증잔액",
                          "기말 대출잔액", "기말 보증잔액", "현재 보증잔액", "상태 (현재)"],
              [[row["number"], row["program"], row["bank"], row["reference"],
                row["loan_amount"] if row["loan_amount"] is not None else row["approved_amount"], row["start_on"],
                row["ratio"], row["opening_guaranteed"], row["balance"], row["guaranteed"], row["guaranteed_now"],
                row["state"]] for row in guarantees]),
        Table("보증료 청구서", ["청구서", "보증", "보증연도", "기간 시작", "기간 종료", "보증료", "지자체 부담",
                           "기업 부담", "납부기한", "기업 납부", "연체료 부과", "연체료 납부", "기업 환급",
                           "지자체 납부", "지자체 환급", "기업 미납 (기말)", "연체료 미납 (기말)",
                           "지자체 미납 (기말)"],
              [[row["number"], row["guarantee"], row["year"], row["period_start"], row["period_end"], row["fee"],
                row["city_share"], row["enterprise_share"], row["due_on"], row["firm_paid"], row["late_charged"],
                row["late_paid"], row["firm_refunded"], row["city_paid"], row["city_refunded"], row["firm_left"],
                row["late_left"], row["city_left"]] for row in fees]),
        Table("보증료 납부 내역", ["일자", "청구서", "납부자", "금액", "보증료 충당", "연체료 부과", "연체료 충당",
                             "전표"],
              [[p.paid_on, f"F{p.bill_id}", PAYER_KO.get(p.payer, p.payer), p.amount.amount, p.share_paid.amount,
                p.late_fee_charged.amount, p.late_fee_paid.amount, p.journal_id] for p in fee_payments]),
        Table("구상채권", ["대위변제", "보증", "사업", "지급일", "대위변제금", "기간 중 회수", "회수 누계", "상각",
                       "미회수 원금", "미회수 비용", "지연손해금", "미회수 합계", "기준일", "원장 구상채권", "상태"],
              [[row["number"], row["guarantee"], row["program"], row["paid_on"], row["amount"],
                row["recovered_in_period"], row["recovered"], row["written_off"], row["principal"], row["costs"],
                row["damages"], row["owed"], row["on"], row["ledger"], row["state"]] for row in recourse]),
        Table("대회 참가", ["참가작", "대회", "제목", "목표 금액", "제출일", "상태 (현재)"],
              [[row["number"], row["contest"], row["title"], row["target"], row["submitted_on"], row["state"]]
               for row in contest_entries]),
        Table("시상금", ["시상", "대회", "참가작", "시상 구분", "순위", "시상금", "기간 중 지급", "지급 누계",
                      "정산 집행", "반환", "반환 대기 (기말)", "미정산 선급금 (기말)", "원장 선급금 (기말)",
                      "상태 (현재)"],
              [[row["number"], row["contest"], row["entry"], row["tier"], row["rank"], row["amount"],
                row["paid_in_period"], row["paid"], row["spent"], row["returned"], row["due_back"], row["advance"],
                row["ledger"], row["state"]] for row in contest_awards]),
        Table("시상금 분할 지급", ["시상", "차수", "금액", "지급일", "정산일", "정산 집행", "미집행", "반환일",
                             "상태 (현재)"],
              [[row["award"], row["number"], row["amount"], row["paid_on"], row["settled_on"], row["spent"],
                row["unspent"], row["returned_on"], row["state"]] for row in contest_tranches]),
        Table("캠페인 정산", ["캠페인", "대회", "제목", "정산일", "목표 달성", "결제", "환불", "수수료", "매칭",
                          "지급액", "지급일", "미지급 (기말)", "원장 미지급 (기말)"],
              [[row["number"], row["contest"], row["title"], row["settled_on"], "예" if row["succeeded"] else "아니오",
                row["charged"], row["refunded"], row["fees"], row["matching"], row["net_payout"], row["paid_out_on"],
                row["owed"], row["ledger"]] for row in settlements]),
        Table("사회성과보상사업 사업비", ["협약", "사업", "성과보상 지급기관", "기초 누계", "기간 중 지급", "기말 누계",
                                 "원장 기말 누계", "상태 (현재)"],
              [[row["code"], row["name"], row["payer"], row["before"], row["in_period"], row["to_end"], row["ledger"],
                row["state"]] for row in bond_funding]),
        Table("사회성과보상사업 사업비 지급 내역", ["협약", "차수", "지급일", "금액", "적요", "전표"],
              [[d.contract.code, d.number, d.paid_on, d.amount.amount, d.memo, f"J{d.journal_id}"]
               for d in bond_disbursements]),
    ]
    business_number = format_business_number(enterprise.business_number)
    return Built(
        title="기업 거래명세서",
        subject=f"{enterprise.name} (사업자등록번호 {business_number})",
        issuer=" · ".join(operators) or SYSTEM_ISSUER,
        fund_name=" · ".join(funds),
        template="statements/enterprise.html",
        filename=f"기업거래명세서_{enterprise.business_number}_{start.isoformat()}_{end.isoformat()}",
        context={
            "enterprise": enterprise, "business_number": business_number, "kind": korean(enterprise.get_kind_display()),
            "province": korean(enterprise.get_province_display()), "lines": lines, "totals": totals,
            "waiting": waiting, "ledger_agrees": all(line.agrees for line in lines),
            "guarantees": guarantees, "guarantee_totals": guarantee_totals, "recourse": recourse,
            "recourse_totals": recourse_totals, "recourse_agrees": all(row["agrees"] for row in recourse),
            "fees": fees, "fee_payments": fee_payments, "fee_totals": fee_totals, "payer_ko": PAYER_KO,
            "contest_entries": contest_entries, "contest_awards": contest_awards,
            "contest_tranches": contest_tranches, "award_totals": award_totals,
            "awards_agree": all(row["agrees"] for row in contest_awards),
            "settlements": settlements, "settlement_totals": settlement_totals,
            "settlements_agree": all(row["agrees"] for row in settlements),
            "bond_funding": bond_funding, "bond_disbursements": bond_disbursements, "bond_totals": bond_totals,
            "bond_agrees": all(row["agrees"] for row in bond_funding),
        },
        tables=tables,
    )


class EnterpriseStatement(StatementKind):
    """기업 거래명세서: of an enterprise, for staff and its members."""

    kind = Statement.Kind.ENTERPRISE
    build = staticmethod(build)

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        enterprise = Enterprise.objects.filter(pk=subject_id).first()
        if enterprise is None or not sees_enterprise(actor, enterprise.pk):
            raise NotFound(_("No such enterprise."), fields={"subject": [_("no enterprise with this id")]})
        return {"enterprise": enterprise}


KIND = EnterpriseStatement()
