"""The social impact bonds' statements. Neither has a period: each states the contract on the day it is generated.

- 사회성과보상사업 명세서 (``bond_contract``): one contract's parties and terms, its capital (each investor's
  commitment, calls, paid-in capital, distributions, multiple and IRR), the service funding disbursed to the
  provider, the outcome metrics with their payment terms, the results recorded and confirmed at each evaluation
  point, the outcome payments and the distributions; each figure checked against the contract's book (one book per
  contract, ``bonds.accounts``), the whole-ledger check at generation, and a chart per metric of what was achieved
  against what the terms pay. For staff and the provider's members.
- 사회성과보상사업 투자 명세서 (``bond_investor``): one investor's investment in one contract: its calls and what it
  paid, its distributions, its dated flows, its money multiple and IRR (``bonds.selectors.investor_figures``),
  checked against its capital and distributions accounts. For staff and the investor's own users.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from bonds import accounts as chart
from bonds.models import (
    CapitalCallLine,
    Contract,
    Disbursement,
    Distribution,
    DistributionLine,
    EvaluationPoint,
    Investment,
    Metric,
    OutcomePayment,
    PaymentTerm,
    Result,
)
from bonds.selectors import contract_position, investor_figures
from bonds.services.common import rounding
from core.engines import bonds as engine
from core.errors import NotFound, ValidationFailed
from enterprises.roles import investor_of, is_member
from ledger.models import Account

from ..models import Statement
from .base import Built, StatementKind, Table, is_staff
from .fund import ledger_check_summary

ZERO = Decimal(0)
HUNDRED = Decimal(100)
STATE_KO = {"draft": "작성 중", "signed": "협약 체결", "in_service": "사업 수행", "evaluating": "성과 평가",
            "settled": "성과보상 완료", "closed": "종료"}
RESULT_KO = {"recorded": "입력 (확인 대기)", "confirmed": "확인", "reopened": "재검토"}
PAYMENT_KO = {"prepared": "지급 준비", "paid": "지급 완료"}
POINT_KO = {"interim": "중간", "final": "최종"}
VALIDATION_KO = {"rct": "무작위 대조 실험", "quasi_experimental": "준실험 설계", "historical": "과거 기준 비교",
                 "pre_post": "사전·사후 비교", "simple_verification": "사후 단순 확인", "not_available": "해당 없음"}
CLASS_KO = {"": "-", "senior": "선순위", "junior": "후순위"}


@dataclass(frozen=True)
class Check:
    """One figure of the statement, from the contract's rows, beside the same figure from its book."""

    label: str
    stated: Decimal
    book: Decimal
    source: str

    @property
    def agrees(self) -> bool:
        return self.stated == self.book


def _percent(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.2f}%"


def _multiple(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.4f}배"


def _irr(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * HUNDRED:.2f}%"


def _num(value: Decimal) -> str:
    """42.00 -> '42', 12.50 -> '12.5'."""
    return format(value.normalize(), "f")


def _terms_text(term: PaymentTerm) -> str:
    if term.kind == PaymentTerm.Kind.RATE_CARD:
        return f"단가표: 1단위당 {term.price.amount:,.0f}원, 최대 {term.max_units}단위"
    steps = ", ".join(f"{_num(step.threshold)}% → {_num(step.percent)}%" for step in term.steps.order_by("threshold"))
    mode = "구간별" if term.mode == engine.STEPWISE else "선형 보간"
    below = "최저 구간 미만 0%" if term.below == engine.BELOW_ZERO else "최저 구간 미만 0%까지 선형 감소"
    cap = f", 상한 {_num(term.cap_percent)}%" if term.cap_percent is not None else ""
    line = f", 원금상환선 {_num(term.principal_line)}%" if term.principal_line is not None else ""
    return f"성과보상 기준표 ({mode}; {steps}; {below}{cap}{line}), 기준 원금 {term.principal.amount:,.0f}원"


def _achievement(result: Result) -> Decimal:
    """The result's achievement rate (%); nobody engaged is none."""
    return engine.achievement_rate(result.with_outcome, result.engaged) if result.engaged else ZERO


def metric_charts(contract: Contract, metrics: list[Metric], results: list[Result]) -> list[dict[str, str]]:
    """Per metric with terms, the terms drawn against what each evaluation point's result achieved."""
    from ..charts import terms_chart  # matplotlib: loaded by the worker that renders, not by the web processes

    rule = rounding(contract)
    charts = []
    for metric in metrics:
        term = getattr(metric, "term", None)
        if term is None:
            continue
        terms = term.engine_terms(rule)
        mine = [r for r in results if r.metric_id == metric.pk]
        if isinstance(terms, engine.RateCard):
            top = max([term.max_units + 2, *(r.units + 1 for r in mine)])
            curve = [(Decimal(u), terms.pay(units=Decimal(u)).amount) for u in range(0, top + 1)]
            marks = [(r.point.name, Decimal(r.units), terms.pay(units=Decimal(r.units)).amount) for r in mine]
            uri = terms_chart(curve, marks, title=f"{metric.code}: 검증된 성과 단위와 지급액",
                              x_label=f"검증된 성과 단위 ({metric.unit})", y_label="지급액 (원)", money=True)
        else:
            highest = max([*(step.threshold for step in term.steps.all()), *(_achievement(r) for r in mine)])
            right = max(Decimal(10), (highest * Decimal("1.25")).quantize(Decimal(1)))
            xs = sorted({Decimal(0), right, *(step.threshold for step in term.steps.all()),
                         *(step.threshold - Decimal("0.01") for step in term.steps.all() if step.threshold > 0),
                         *(right * Decimal(i) / 100 for i in range(0, 101, 2))})
            curve = [(x, terms.percent(x)) for x in xs]
            marks = [(r.point.name, _achievement(r), terms.percent(_achievement(r))) for r in mine]
            uri = terms_chart(curve, marks, title=f"{metric.code}: 성과 달성률과 지급률 (원금 대비)",
                              x_label="성과 달성률 (%)", y_label="지급률 (원금 대비 %)")
        charts.append({"metric": metric.code, "uri": uri})
    return charts


def build_contract(statement: Statement, *, generated_at: datetime) -> Built:
    contract = Contract.objects.select_related("outcome_payer", "operator", "provider", "evaluator").get(
        pk=int(statement.bond_contract_id or 0))
    generated_on = timezone.localtime(generated_at).date()
    position = contract_position(contract)
    investments = list(Investment.objects.filter(contract=contract).select_related("investor")
                       .order_by("position", "pk"))
    figures = {inv.pk: investor_figures(inv) for inv in investments}
    call_lines = list(CapitalCallLine.objects.filter(call__contract=contract)
                      .select_related("call", "investment__investor").order_by("call__number", "investment__position"))
    disbursements = list(Disbursement.objects.filter(contract=contract).order_by("number"))
    metrics = list(Metric.objects.filter(contract=contract).select_related("term").order_by("position", "pk"))
    points = list(EvaluationPoint.objects.filter(contract=contract).order_by("on_date"))
    results = list(Result.objects.filter(metric__contract=contract).select_related(
        "metric", "point", "recorded_by", "confirmed_by").order_by("point__on_date", "metric__position"))
    payments = list(OutcomePayment.objects.filter(contract=contract).select_related(
        "point", "prepared_by", "approved_by").order_by("paid_on", "pk"))
    distributions = list(Distribution.objects.filter(contract=contract).order_by("number"))
    distribution_lines = list(DistributionLine.objects.filter(distribution__contract=contract).select_related(
        "distribution", "investment__investor").order_by("distribution__number", "investment__position"))
    balances: dict[str, Decimal] = dict(Account.objects.filter(book_id=contract.book_id).values_list("code", "balance"))

    paid_lines = [line for line in call_lines if line.paid_on is not None]
    paid_payments = [p for p in payments if p.state == OutcomePayment.State.PAID]
    checks = [
        Check("납입 출자금 (납입 내역 합계)", sum((line.amount.amount for line in paid_lines), ZERO),
              sum((b for code, b in balances.items() if code.startswith("capital:")), ZERO), "출자금 계정 합계"),
        Check("사업비 지급 (지급 내역 합계)", sum((d.amount.amount for d in disbursements), ZERO),
              balances.get(chart.SERVICE_DISBURSED, ZERO), "사업비 지급 계정"),
        Check("성과보상금 수령 (지급 완료 합계)", sum((p.amount.amount for p in paid_payments), ZERO),
              balances.get(chart.OUTCOME_INCOME, ZERO), "성과보상금 수령 계정"),
        Check("투자자 배분 (배분 내역 합계)", sum((line.amount.amount for line in distribution_lines), ZERO),
              sum((b for code, b in balances.items() if code.startswith("distributed:")), ZERO),
              "배분금 지급 계정 합계"),
        Check("현금 (납입 + 수령 - 사업비 - 배분)",
              position.paid_in + position.outcome_paid - position.disbursed - position.distributed,
              balances.get(chart.CASH, ZERO), "현금 계정"),
        Check("성과보상 예산 잔액 (한도 - 지급, 종료 시 불용)",
              ZERO if contract.state == Contract.State.CLOSED or contract.signed_on is None
              else contract.max_payment.amount - position.outcome_paid,
              balances.get(chart.OUTCOME_BUDGET, ZERO), "성과보상 예산 계정"),
    ]
    report, check_json = ledger_check_summary()
    charts = metric_charts(contract, metrics, results)
    investor_rows = [
        {"investment": inv, "name": inv.investor.name, "share_class": CLASS_KO.get(inv.share_class, inv.share_class),
         "commitment": inv.commitment.amount, "called": inv.called.amount, "paid_in": inv.paid_in.amount,
         "distributed": inv.distributed.amount, "principal_returned": inv.principal_returned.amount,
         "multiple": _multiple(figures[inv.pk].multiple), "irr": _irr(figures[inv.pk].irr)}
        for inv in investments]
    result_rows = [
        {"point": r.point.name, "kind": POINT_KO.get(r.point.kind, r.point.kind), "on_date": r.point.on_date,
         "metric": r.metric.code, "engaged": r.engaged, "with_outcome": r.with_outcome, "units": r.units,
         "achievement": _percent(_achievement(r)), "state": RESULT_KO.get(r.state, r.state),
         "recorded_by": r.recorded_by.display_name or r.recorded_by.username,
         "confirmed_by": (r.confirmed_by.display_name or r.confirmed_by.username) if r.confirmed_by else "-"}
        for r in results]
    metric_rows = [
        {"metric": m, "validation": VALIDATION_KO.get(m.validation_method, m.validation_method),
         "terms": _terms_text(m.term) if getattr(m, "term", None) is not None else "-"} for m in metrics]
    state = STATE_KO.get(contract.state, contract.state)
    tables = [
        Table("협약", ["항목", "값"], [
            ["협약", contract.name], ["코드", contract.code], ["상태", state],
            ["성과보상 지급기관", contract.outcome_payer.name], ["수행기관", contract.operator.name],
            ["서비스 제공기관", contract.provider.name], ["성과평가기관", contract.evaluator.name],
            ["사업 기간 시작", contract.service_starts_on], ["사업 기간 종료", contract.service_ends_on],
            ["성과보상 한도", contract.max_payment.amount], ["협약 체결일", contract.signed_on],
            ["성과보상 완료일", contract.settled_on], ["종료일", contract.closed_on],
            ["약정액", position.committed], ["출자 요청액", position.called], ["납입액", position.paid_in],
            ["사업비 지급액", position.disbursed], ["성과보상금 수령액", position.outcome_paid],
            ["배분액", position.distributed], ["현금", position.cash], ["기준일", generated_on],
        ]),
        Table("투자자", ["투자자", "구분", "약정액", "요청액", "납입액", "배분액", "원금 상환", "회수 배수", "IRR"],
              [[row["name"], row["share_class"], row["commitment"], row["called"], row["paid_in"], row["distributed"],
                row["principal_returned"], row["multiple"], row["irr"]] for row in investor_rows]),
        Table("출자 요청", ["차수", "요청일", "납입기한", "투자자", "금액", "납입일", "전표"],
              [[line.call.number, line.call.call_on, line.call.due_on, line.investment.investor.name,
                line.amount.amount, line.paid_on, f"J{line.journal_id}" if line.journal_id else ""]
               for line in call_lines]),
        Table("사업비 지급", ["차수", "지급일", "금액", "적요", "전표"],
              [[d.number, d.paid_on, d.amount.amount, d.memo, f"J{d.journal_id}"] for d in disbursements]),
        Table("성과지표", ["지표", "정의", "단위", "대상", "목표 (%)", "기준선 (%)", "검증 방법", "자료원",
                       "지급 기준"],
              [[m.code, m.definition, m.unit, f"{m.target_population} ({m.targeted_number})", m.target, m.baseline,
                VALIDATION_KO.get(m.validation_method, m.validation_method), m.data_source,
                _terms_text(m.term) if getattr(m, "term", None) is not None else "-"] for m in metrics]),
        Table("성과 측정 결과", ["평가", "구분", "평가일", "지표", "참여자", "성과 달성자", "검증 단위", "달성률",
                           "상태", "입력", "확인"],
              [[row["point"], row["kind"], row["on_date"], row["metric"], row["engaged"], row["with_outcome"],
                row["units"], row["achievement"], row["state"], row["recorded_by"], row["confirmed_by"]]
               for row in result_rows]),
        Table("성과보상금", ["평가", "지급일", "산정액", "지급 가능액", "기지급액", "한도 잔액", "지급액", "한도 적용",
                        "상태", "준비", "승인", "전표"],
              [[p.point.name, p.paid_on, p.earned.amount, p.payable.amount, p.already_paid.amount, p.cap_left.amount,
                p.amount.amount, "예" if p.capped else "아니오", PAYMENT_KO.get(p.state, p.state),
                p.prepared_by.username, p.approved_by.username if p.approved_by else "",
                f"J{p.journal_id}" if p.journal_id else ""] for p in payments]),
        Table("배분", ["차수", "지급일", "투자자", "금액", "원금", "선순위 수익", "잔여", "전표"],
              [[line.distribution.number, line.distribution.paid_on, line.investment.investor.name,
                line.amount.amount, line.principal.amount, line.senior_return.amount, line.rest.amount,
                f"J{line.distribution.journal_id}"] for line in distribution_lines]),
        Table("원장 대사", ["항목", "명세", "원장", "원장 출처", "일치"],
              [[c.label, c.stated, c.book, c.source, "일치" if c.agrees else "불일치"] for c in checks]),
    ]
    return Built(
        title="사회성과보상사업 명세서",
        subject=f"{contract.name} ({contract.code})",
        issuer=contract.operator.name,
        fund_name=contract.name,
        template="statements/bond_contract.html",
        filename=f"사회성과보상사업명세서_{contract.code}_{generated_on.isoformat()}",
        context={
            "contract": contract, "state": state, "position": position, "investors": investor_rows,
            "call_lines": call_lines, "disbursements": disbursements, "metrics": metric_rows, "points": points,
            "results": result_rows, "payments": payments, "payment_ko": PAYMENT_KO, "distributions": distributions,
            "distribution_lines": distribution_lines, "checks": checks, "agrees": all(c.agrees for c in checks),
            "charts": charts, "generated_on": generated_on, "ledger_report": report, "ledger_check_json": check_json,
        },
        tables=tables,
    )


def build_investor(statement: Statement, *, generated_at: datetime) -> Built:
    investment = Investment.objects.select_related("contract__operator", "investor").get(
        pk=int(statement.bond_investment_id or 0))
    contract = investment.contract
    generated_on = timezone.localtime(generated_at).date()
    figures = investor_figures(investment)
    lines = list(CapitalCallLine.objects.filter(investment=investment).select_related("call")
                 .order_by("call__number"))
    got = list(DistributionLine.objects.filter(investment=investment).select_related("distribution")
               .order_by("distribution__number"))
    accounts = dict(Account.objects.filter(pk__in=[investment.capital_account_id, investment.distribution_account_id])
                    .values_list("pk", "balance"))
    checks = [
        Check("납입액 (납입 내역 합계)", figures.paid_in, accounts.get(investment.capital_account_id, ZERO),
              f"출자금 계정 ({chart.capital_code(investment.investor_id)})"),
        Check("배분액 (배분 내역 합계)", figures.distributed, accounts.get(investment.distribution_account_id, ZERO),
              f"배분금 지급 계정 ({chart.distributed_code(investment.investor_id)})"),
        Check("납입액 (투자 약정의 집계)", investment.paid_in.amount, figures.paid_in, "납입 내역 합계"),
        Check("배분액 (투자 약정의 집계)", investment.distributed.amount, figures.distributed, "배분 내역 합계"),
    ]
    report, check_json = ledger_check_summary()
    facts = [
        ["투자자", investment.investor.name], ["협약", contract.name], ["협약 상태", STATE_KO.get(contract.state, "")],
        ["구분", CLASS_KO.get(investment.share_class, investment.share_class)],
        ["약정액", investment.commitment.amount], ["요청액", investment.called.amount],
        ["납입액", figures.paid_in], ["배분액", figures.distributed],
        ["원금 상환", investment.principal_returned.amount], ["순수익", figures.distributed - figures.paid_in],
        ["회수 배수", _multiple(figures.multiple)], ["IRR", _irr(figures.irr)], ["기준일", generated_on],
    ]
    tables = [
        Table("투자", ["항목", "값"], facts),
        Table("출자 요청", ["차수", "요청일", "납입기한", "금액", "납입일", "전표"],
              [[line.call.number, line.call.call_on, line.call.due_on, line.amount.amount, line.paid_on,
                f"J{line.journal_id}" if line.journal_id else ""] for line in lines]),
        Table("배분", ["차수", "지급일", "금액", "원금", "선순위 수익", "잔여", "전표"],
              [[line.distribution.number, line.distribution.paid_on, line.amount.amount, line.principal.amount,
                line.senior_return.amount, line.rest.amount, f"J{line.distribution.journal_id}"] for line in got]),
        Table("현금흐름", ["일자", "금액"], [[on, amount] for on, amount in figures.flows]),
        Table("원장 대사", ["항목", "명세", "원장", "원장 출처", "일치"],
              [[c.label, c.stated, c.book, c.source, "일치" if c.agrees else "불일치"] for c in checks]),
    ]
    return Built(
        title="사회성과보상사업 투자 명세서",
        subject=f"{investment.investor.name} · {contract.name}",
        issuer=contract.operator.name,
        fund_name=contract.name,
        template="statements/bond_investor.html",
        filename=f"사회성과보상사업투자명세서_{contract.code}_{investment.investor_id}_{generated_on.isoformat()}",
        context={
            "investment": investment, "contract": contract, "facts": facts, "figures": figures,
            "multiple": _multiple(figures.multiple), "irr": _irr(figures.irr), "lines": lines, "distributions": got,
            "checks": checks, "agrees": all(c.agrees for c in checks), "generated_on": generated_on,
            "ledger_report": report, "ledger_check_json": check_json,
        },
        tables=tables,
    )


class _NoPeriod(StatementKind):
    def period(self, start: date | None, end: date | None, *, today: date) -> tuple[date | None, date | None]:
        if start is not None or end is not None:
            raise ValidationFailed(_("A social impact bond statement has no period."),
                                   fields={"period_start": [_("not for a social impact bond statement")]})
        return None, None


class BondContractStatement(_NoPeriod):
    """사회성과보상사업 명세서: of a contract (the subject is the contract's id), for staff and the members of its
    provider; anyone else (an investor or an evaluator too): not found."""

    kind = Statement.Kind.BOND_CONTRACT
    build = staticmethod(build_contract)

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        contract = Contract.objects.filter(pk=subject_id).first()
        if contract is None or not (is_staff(actor) or is_member(actor, contract.provider_id)):
            raise NotFound(_("No such social impact bond contract."),
                           fields={"subject": [_("no social impact bond contract with this id")]})
        return {"bond_contract": contract, "enterprise": contract.provider}


class BondInvestorStatement(_NoPeriod):
    """사회성과보상사업 투자 명세서: of an investment (the subject is the investment's id), for staff and the users of
    the investing institution; anyone else: not found."""

    kind = Statement.Kind.BOND_INVESTOR
    build = staticmethod(build_investor)

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        investment = Investment.objects.filter(pk=subject_id).select_related("contract").first()
        if investment is None or not (is_staff(actor) or (investor_of(actor) or 0) == investment.investor_id):
            raise NotFound(_("No such investment."), fields={"subject": [_("no investment with this id")]})
        return {"bond_investment": investment, "bond_contract": investment.contract}


CONTRACT_KIND = BondContractStatement()
INVESTOR_KIND = BondInvestorStatement()
