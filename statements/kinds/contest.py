"""크라우드펀딩 대회 결과 보고서: one contest, as it stands on the day the report is generated, for staff. The contest's
terms (host, partners, phases with their dates, eligibility, targets); the funding results (per campaign what was
pledged, by how many backers, matched, charged and paid out, and its state; each matching pool's money by funder:
paid in, used, returned, left: ``crowdfunding.selectors.funding_reports``); its entries by phase (how many entered, were
submitted, withdrawn, passed the screening, were selected, and where the others stopped); each judging round with
its panels and the ranking with every panel's result (``crowdfunding.selectors.round_ranking``), marked with the
confirmed advance list, and a chart of the scores by panel; the awards with what was approved, paid, accepted as
spent, returned and is still due back (``award_summary``); the joint fund by contributor (``contest_fund``); and
every money figure beside the contest's book (the accounts of ``crowdfunding.accounts``), with the whole-ledger
check at generation time.

A contest report has no period of its own: it covers the contest from its call to the day it is generated.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotFound, ValidationFailed
from crowdfunding import accounts as chart
from crowdfunding.models import (
    AdvanceList,
    Contest,
    ContestPartner,
    Entry,
    Panel,
    PanelJudge,
    Phase,
    Round,
    RoundKind,
)
from crowdfunding.selectors import award_summary, contest_fund, contributions_of, round_ranking
from crowdfunding.selectors.funding_reports import campaigns_of_contest, pools_of_contest
from enterprises.models import Enterprise, Province
from enterprises.validators import format_business_number
from ledger.models import Account

from ..models import Statement
from .base import Built, StatementKind, Table, is_staff
from .campaign import CAMPAIGN_STATE_KO, MODE_KO, RULE_KO
from .enterprise import korean
from .fund import ledger_check_summary

ZERO = Decimal(0)
PHASE_KO = {
    "draft": "공고 전", "call": "공모", "screening": "서류심사", "funding": "펀딩", "final": "본선", "awards": "시상",
    "closed": "종료",
}
ENTRY_STATE_KO = {
    "draft": "작성 중", "submitted": "접수", "withdrawn": "철회", "advanced": "서류 통과", "selected": "수상 선정",
    "not_advanced": "탈락",
}
ROUND_KO = {"screening": "서류심사", "final": "본선"}
ROUND_STATE_KO = {"setup": "준비 중", "open": "심사 중", "closed": "심사 마감"}
AGGREGATION_KO = {
    "mean": "평균", "trimmed": "절사평균 (심사위원 5인 이상: 최고·최저점 제외)",
    "zscore": "표준점수 (심사위원별 정규화 후 평균)",
}
PANEL_KO = {"expert": "전문가", "citizen": "시민"}
AWARD_STATE_KO = {"prepared": "결정 대기", "approved": "지급 중", "settled": "정산 완료", "cancelled": "취소"}
TRANCHE_STATE_KO = {"planned": "지급 예정", "paid": "지급 (집행 보고 전)", "reported": "정산 보고",
                    "settled": "반환 대기", "closed": "정산 완료"}
CAMPAIGN_KO = {"reward": "리워드형", "donation": "기부형"}
CHART_ENTRIES = 15  # the best of a round drawn in its chart; the tables hold every entry


@dataclass
class Check:
    """One figure of the report, from the contest's rows, beside the same figure from its book."""

    label: str
    stated: Decimal
    book: Decimal
    source: str

    @property
    def agrees(self) -> bool:
        return self.stated == self.book


def phase_spans(contest: Contest) -> list[tuple[str, date, date | None]]:
    """Each phase with its first and last day as announced (the next begins the day after); funding only when the
    contest has it."""
    day = timedelta(days=1)
    spans: list[tuple[str, date, date | None]] = [
        (Phase.CALL, contest.call_opens_on, contest.call_closes_on),
        (Phase.SCREENING, contest.call_closes_on + day, contest.screening_ends_on),
    ]
    if contest.funding_ends_on is not None:
        spans.append((Phase.FUNDING, contest.screening_ends_on + day, contest.funding_ends_on))
    spans += [
        (Phase.FINAL, (contest.funding_ends_on or contest.screening_ends_on) + day, contest.final_ends_on),
        (Phase.AWARDS, contest.final_ends_on + day, contest.awards_end_on),
    ]
    return spans


def funnel(contest: Contest) -> list[tuple[str, int]]:
    """How far the contest's entries went: drafted, submitted, withdrawn, out at screening, through it, out at the
    final, selected; one query."""
    counts = Counter((state, eliminated) for state, eliminated in
                     Entry.objects.filter(contest=contest).values_list("state", "eliminated_in"))
    by_state = Counter[str]()
    for (state, _eliminated), n in counts.items():
        by_state[state] += n
    submitted_ever = (Entry.objects.filter(contest=contest, submitted_at__isnull=False).count())
    out_screening = counts[("not_advanced", RoundKind.SCREENING)]
    out_final = counts[("not_advanced", RoundKind.FINAL)]
    through_screening = by_state["advanced"] + by_state["selected"] + out_final
    return [
        ("신청 (작성 포함)", sum(counts.values())),
        ("접수 (제출)", submitted_ever),
        ("철회", by_state["withdrawn"]),
        ("작성 중 (미제출)", by_state["draft"]),
        ("서류심사 대기 (접수)", by_state["submitted"]),
        ("서류심사 탈락", out_screening),
        ("서류심사 통과", through_screening),
        ("본선 탈락", out_final),
        ("본선 진행 중 (서류 통과)", by_state["advanced"]),
        ("수상 선정", by_state["selected"]),
    ]


@dataclass
class RoundReport:
    round: Round
    label: str
    state: str
    aggregation: str
    panels: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    advance: AdvanceList | None
    chart: str | None


def round_reports(contest: Contest) -> list[RoundReport]:
    """Each judged round of the contest (screening, then the final): its panels with their weights and judges, and
    its ranking (``round_ranking``) marked with the confirmed advance list's decision."""
    from ..charts import grouped_bar_chart  # matplotlib: loaded by the worker that renders, not the web processes

    rounds = sorted(Round.objects.filter(contest=contest), key=lambda r: list(RoundKind.values).index(r.kind))
    reports = []
    for judged in rounds:
        panels = list(Panel.objects.filter(round=judged).order_by("pk"))
        seats = Counter(PanelJudge.objects.filter(round=judged).values_list("panel_id", flat=True))
        advance = (AdvanceList.objects.filter(round=judged, state=AdvanceList.State.CONFIRMED)
                   .prefetch_related("lines").first())
        decided = {line.entry_id: line.advances for line in advance.lines.all()} if advance else {}
        ranking = round_ranking(judged) if panels else []
        rows: list[dict[str, Any]] = []
        for row in ranking:
            by_panel = {p.panel_id: p for p in row.panels}
            rows.append({
                "rank": row.rank, "entry": f"E{row.entry_id}", "entry_id": row.entry_id, "title": row.title,
                "enterprise": row.enterprise_name,
                "panels": [(by_panel[p.pk].score if p.pk in by_panel else None,
                            by_panel[p.pk].judges if p.pk in by_panel else 0) for p in panels],
                "combined": row.combined, "tie_broken": row.tie_broken, "complete": row.complete,
                "advances": decided.get(row.entry_id),
            })
        drawn = [row for row in rows if row["rank"] is not None][:CHART_ENTRIES]
        chart_uri = None
        if drawn and panels:
            chart_uri = grouped_bar_chart(
                [f"{row['rank']}. {row['title'][:12]}" for row in drawn],
                [(f"{p.name} ({p.weight.normalize():f}%)", [row["panels"][i][0] for row in drawn])
                 for i, p in enumerate(panels)] + [("종합", [row["combined"] for row in drawn])],
                title=f"{ROUND_KO.get(judged.kind, judged.kind)} 심사위원단별 점수 (상위 {len(drawn)}개 참가작)",
                top=100.0)
        reports.append(RoundReport(
            round=judged, label=ROUND_KO.get(judged.kind, judged.kind),
            state=ROUND_STATE_KO.get(judged.state, judged.state),
            aggregation=AGGREGATION_KO.get(judged.aggregation, judged.aggregation),
            panels=[{"name": p.name, "kind": PANEL_KO.get(p.kind, p.kind), "weight": p.weight,
                     "judges": seats.get(p.pk, 0)} for p in panels],
            rows=rows, advance=advance, chart=chart_uri,
        ))
    return reports


def _eligibility(contest: Contest) -> str:
    kinds = dict(Enterprise.Kind.choices)
    provinces = dict(Province.choices)
    parts = [", ".join(korean(kinds.get(k, k)) for k in contest.eligible_kinds) or "-"]
    parts.append(", ".join(korean(provinces.get(p, p)) for p in contest.eligible_provinces) or "전국")
    if contest.eligible_districts:
        parts.append(", ".join(contest.eligible_districts))
    if contest.previous_stage is not None:
        parts.append(f"{contest.previous_stage.name} 수상 기업")
    return " · ".join(parts)


def build(statement: Statement, *, generated_at: datetime) -> Built:
    contest = (Contest.objects.select_related("host", "book", "previous_stage")
               .get(pk=int(statement.contest_id or 0)))
    generated_on = timezone.localtime(generated_at).date()
    partners = list(ContestPartner.objects.filter(contest=contest).select_related("institution")
                    .order_by("created_at", "pk"))
    flow = funnel(contest)
    entries = list(Entry.objects.filter(contest=contest).select_related("enterprise", "partner")
                   .order_by("submitted_at", "pk"))
    rounds = round_reports(contest)
    awards = award_summary(contest)
    award_rows = [{
        "award": line.award, "number": f"A{line.award.pk}", "rank": line.award.rank, "tier": line.award.tier.name,
        "entry": line.award.entry.title, "enterprise": line.award.entry.enterprise.name,
        "business_number": format_business_number(line.award.entry.enterprise.business_number),
        "amount": line.award.amount.amount, "tranches": len(line.award.tranches.all()),
        "state": AWARD_STATE_KO.get(line.award.state, line.award.state), "figures": line.figures,
    } for line in awards.lines]
    tranche_rows = [{
        "award": f"A{line.award.pk}", "entry": line.award.entry.title, "number": t.number,
        "amount": t.amount.amount, "state": TRANCHE_STATE_KO.get(t.state, t.state), "paid_on": t.paid_on,
        "spent": t.spent.amount if t.state in ("settled", "closed") else None,
        "unspent": t.unspent.amount if t.state in ("settled", "closed") else None,
        "settled_on": t.settled_on, "returned_on": t.returned_on,
    } for line in awards.lines for t in line.award.tranches.all()]
    fund = contest_fund(contest)
    contributions = list(contributions_of(contest))
    balances = dict(Account.objects.filter(book_id=contest.book_id).values_list("code", "balance"))
    book = {
        "cash": Decimal(balances.get(chart.CASH, ZERO)),
        "contributions": fund.contributions,
        "reserved": awards.ledger.get("reserved", ZERO),
        "advance": awards.ledger.get("advance", ZERO),
        "spent": awards.ledger.get("spent", ZERO),
    }
    where = book["cash"] + book["reserved"] + book["advance"] + book["spent"]
    checks = [
        Check("출연금 납입 (출연 내역)", fund.paid, fund.contributions, "출연금 계정 합계"),
        *(Check(f"출연금 · {line.name}", line.paid, line.ledger, "해당 기관 출연금 계정")
          for line in fund.contributors),
        Check("현금 + 시상금 유보 + 선급금 + 집행 (공동기금의 현재 위치)", where, fund.contributions,
              "출연금 계정 합계"),
        Check("시상금 유보 (승인액 - 지급액, 시상별)", awards.total.reserved, book["reserved"],
              "award:*:reserved 계정"),
        Check("시상금 선급금 (지급액 - 정산 집행 - 반환, 시상별)", awards.total.advance, book["advance"],
              "award:*:advance 계정"),
        Check("시상금 집행 (정산 인정액)", awards.total.spent, book["spent"], "expense:awards 계정"),
    ]
    campaigns = campaigns_of_contest(contest)
    pools = pools_of_contest(contest)
    campaign_rows = [{
        "figures": f, "number": f"K{f.campaign.pk}", "title": f.campaign.title,
        "enterprise": f.campaign.enterprise.name,
        "mode": MODE_KO.get(f.campaign.mode, f.campaign.mode), "target": f.campaign.target.amount,
        "pledged": f.settlement.pledged.amount if f.settlement else f.campaign.pledged.amount,
        "backers": f.backers, "matched": f.matched, "charged": f.charged, "refunded": f.refunded,
        "net_payout": f.settlement.net_payout.amount if f.settlement else None,
        "paid_out_on": f.settlement.paid_out_on if f.settlement else None,
        "state": CAMPAIGN_STATE_KO.get(f.campaign.state, f.campaign.state),
    } for f in campaigns]
    funding_totals = {key: sum((row[key] or ZERO for row in campaign_rows), ZERO)
                      for key in ("pledged", "matched", "charged", "refunded", "net_payout")}
    checks += [Check(f"캠페인 K{f.campaign.pk} · {c.label}", c.stated, c.book, c.source)
               for f in campaigns for c in f.checks]
    checks += [Check(f"매칭 재원 · {pool.pool.name} · {f.funder.institution.name} · {c.label}", c.stated, c.book,
                     c.source) for pool in pools for f in pool.funders for c in f.checks]
    report, check_json = ledger_check_summary()
    counts = Counter(e.state for e in entries)
    spans = phase_spans(contest)

    tables = [
        Table("대회 개요", ["항목", "값"], [
            ["대회", contest.name], ["코드", contest.code], ["주관기관", contest.host.name],
            ["단계", contest.stage], ["이전 단계", contest.previous_stage.name if contest.previous_stage else ""],
            ["현재 단계", PHASE_KO.get(contest.phase, contest.phase)], ["참가 자격", _eligibility(contest)],
            ["목표 금액 하한", contest.target_min.amount], ["목표 금액 상한", contest.target_max.amount],
            ["참여기관 수", len(partners)], ["참가 신청", len(entries)], ["작성일", generated_on],
        ]),
        Table("일정", ["단계", "시작", "종료"], [[PHASE_KO[code], starts, ends] for code, starts, ends in spans]),
        Table("단계별 참가 현황", ["구분", "건수"], [list(row) for row in flow]),
        Table("참가작", ["참가작", "제목", "기업", "사업자등록번호", "목표 금액", "펀딩 유형", "추천기관", "제출",
                      "상태", "탈락 단계"],
              [[f"E{e.pk}", e.title, e.enterprise.name, format_business_number(e.enterprise.business_number),
                e.target_amount.amount, CAMPAIGN_KO.get(e.campaign_type, e.campaign_type),
                e.partner.name if e.partner else "",
                timezone.localtime(e.submitted_at).date() if e.submitted_at else None,
                ENTRY_STATE_KO.get(e.state, e.state), ROUND_KO.get(e.eliminated_in, "")] for e in entries]),
        *(Table(f"{r.label} 심사위원단", ["심사위원단", "구분", "가중치 (%)", "심사위원 수"],
                [[p["name"], p["kind"], p["weight"], p["judges"]] for p in r.panels]) for r in rounds),
        *(Table(f"{r.label} 순위", ["순위", "참가작", "제목", "기업",
                                  *(f"{p['name']} 점수" for p in r.panels), *(f"{p['name']} 반영 심사위원"
                                                                               for p in r.panels),
                                  "종합 점수", "동점 처리", "진출"],
                [[row["rank"], row["entry"], row["title"], row["enterprise"],
                  *(score for score, _n in row["panels"]), *(n for _score, n in row["panels"]), row["combined"],
                  "예" if row["tie_broken"] else "",
                  "" if row["advances"] is None else ("진출" if row["advances"] else "탈락")] for row in r.rows])
          for r in rounds),
        Table("시상", ["시상", "순위", "시상 구분", "참가작", "기업", "사업자등록번호", "시상금", "분할", "승인 (유보)",
                     "지급", "미지급 유보", "정산 집행", "반환", "반환 대기", "선급금 잔액", "상태"],
              [[row["number"], row["rank"], row["tier"], row["entry"], row["enterprise"], row["business_number"],
                row["amount"], row["tranches"], row["figures"].approved, row["figures"].paid,
                row["figures"].reserved, row["figures"].spent, row["figures"].returned, row["figures"].due_back,
                row["figures"].advance, row["state"]] for row in award_rows]),
        Table("분할 지급 및 정산", ["시상", "참가작", "차수", "금액", "상태", "지급일", "정산 집행",
                             "미집행 (반환 대상)", "정산일", "반환일"],
              [[row["award"], row["entry"], row["number"], row["amount"], row["state"], row["paid_on"],
                row["spent"], row["unspent"], row["settled_on"], row["returned_on"]] for row in tranche_rows]),
        Table("공동기금 출연기관별", ["기관", "약정액", "납입액", "원장 출연금", "미납 약정"],
              [[line.name, line.pledged, line.paid, line.ledger, line.outstanding] for line in fund.contributors]),
        Table("공동기금 납입 내역", ["일자", "기관", "금액", "전표", "적요"],
              [[c.received_on, c.partner.institution.name, c.amount.amount, f"J{c.journal_id}", c.memo]
               for c in contributions]),
        Table("펀딩 결과", ["캠페인", "제목", "기업", "결제 방식", "목표 금액", "후원 약정", "후원자", "매칭",
                        "결제", "환불", "지급액", "상태"],
              [[row["number"], row["title"], row["enterprise"], row["mode"], row["target"], row["pledged"],
                row["backers"], row["matched"], row["charged"], row["refunded"], row["net_payout"], row["state"]]
               for row in campaign_rows]),
        Table("매칭 펀드 사용", ["매칭 펀드", "방식", "출연기관", "입금", "매칭 사용", "반환", "반환 지급",
                           "남은 재원"],
              [[pool.pool.name, RULE_KO.get(pool.pool.rule, pool.pool.rule), f.funder.institution.name, f.paid_in,
                f.used, f.returned, f.returned_paid, f.left] for pool in pools for f in pool.funders]),
        Table("원장 대사", ["항목", "명세", "원장", "원장 출처", "일치"],
              [[c.label, c.stated, c.book, c.source, "일치" if c.agrees else "불일치"] for c in checks]),
        Table("공동기금 원장 잔액", ["계정", "잔액"], [
            ["현금 (cash)", book["cash"]], ["시상금 유보 (award:*:reserved)", book["reserved"]],
            ["시상금 선급금 (award:*:advance)", book["advance"]], ["시상금 집행 (expense:awards)", book["spent"]],
            ["출연금 합계 (contribution:*)", book["contributions"]]]),
    ]
    return Built(
        title="크라우드펀딩 대회 결과 보고서",
        subject=f"{contest.name} ({contest.code})",
        issuer=contest.host.name,
        fund_name=contest.name,
        template="statements/contest.html",
        filename=f"대회결과보고서_{contest.code}_{generated_on.isoformat()}",
        context={
            "contest": contest, "phase": PHASE_KO.get(contest.phase, contest.phase), "generated_on": generated_on,
            "eligibility": _eligibility(contest), "partners": partners, "spans": [
                (PHASE_KO[code], starts, ends, code == contest.phase) for code, starts, ends in spans],
            "flow": flow, "entries": entries, "entry_counts": counts, "rounds": rounds, "awards": awards,
            "award_rows": award_rows, "tranche_rows": tranche_rows, "fund": fund, "contributions": contributions,
            "book": book, "where": where, "checks": checks, "campaign_rows": campaign_rows,
            "funding_totals": funding_totals, "pools": pools, "rule_ko": RULE_KO,
            "checks_agree": all(c.agrees for c in checks) and fund.reconciled and awards.reconciled,
            "entry_state_ko": ENTRY_STATE_KO, "round_ko": ROUND_KO, "campaign_ko": CAMPAIGN_KO,
            "ledger_report": report, "ledger_check_json": check_json,
        },
        tables=tables,
    )


class ContestStatement(StatementKind):
    """크라우드펀딩 대회 결과 보고서: of a contest, for staff only (anyone else: not found, never a hint that the
    contest exists); it has no period of its own (it covers the contest to the day it is generated)."""

    kind = Statement.Kind.CONTEST
    build = staticmethod(build)

    def period(self, start: date | None, end: date | None, *, today: date) -> tuple[date | None, date | None]:
        if start is not None or end is not None:
            raise ValidationFailed(_("A contest report covers the whole contest to the day it is generated."),
                                   fields={"period_start": [_("not for a contest report")]})
        return None, None

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        contest = Contest.objects.filter(pk=subject_id).first()
        if contest is None or not is_staff(actor):
            raise NotFound(_("No such contest."), fields={"subject": [_("no contest with this id")]})
        return {"contest": contest}


KIND = ContestStatement()


