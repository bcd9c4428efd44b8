"""매칭 재원 사용 내역서: one funder of one matching pool, for staff (managers, auditors, administrators): what it paid
into the pool, what was matched from its money to which campaigns (pledge matches summed per campaign, less those
that went back when their pledges stopped being live; top-up; quadratic), what came back to it when the pool
settled (and whether the bank has paid it), and what is left; reconciled to its own account in the contest's book
(``crowdfunding.selectors.funding_reports.funder_figures``). It has no period: it states the funder's money on the
day it is generated."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotFound, ValidationFailed
from crowdfunding.models import PoolFunder
from crowdfunding.selectors.funding_reports import funder_figures

from ..models import Statement
from .base import Built, StatementKind, Table, is_staff
from .campaign import RULE_KO


def build(statement: Statement, *, generated_at: datetime) -> Built:
    figures = funder_figures(int(statement.pool_funder_id or 0))
    funder, pool = figures.funder, figures.funder.pool
    contest = pool.contest
    generated_on = timezone.localtime(generated_at).date()
    tables = [
        Table("재원", ["항목", "값"], [
            ["출연기관", funder.institution.name], ["매칭 펀드", pool.name],
            ["방식", RULE_KO.get(pool.rule, pool.rule)],
            ["대회", contest.name], ["약정액", funder.committed.amount], ["입금 합계", figures.paid_in],
            ["매칭 사용", figures.used], ["반환 받음", figures.returned], ["남은 재원", figures.left],
            ["기준일", generated_on],
        ]),
        Table("입금 내역", ["일자", "금액", "전표", "적요"],
              [[f.received_on, f.amount.amount, f"J{f.journal_id}", f.memo] for f in figures.fundings]),
        Table("캠페인별 매칭", ["캠페인", "제목", "기업", "후원 매칭", "후원 매칭 반환", "목표 채움", "이차 매칭",
                          "사용 합계"],
              [[f"K{line.campaign_id}", line.campaign, line.enterprise, line.pledge_matches, line.pledge_returned,
                line.top_up, line.quadratic, line.kept] for line in figures.campaigns]),
        Table("반환 내역", ["일자", "금액", "전표", "지급일", "지급 전표"],
              [[r.on_date, r.amount.amount, f"J{r.journal_id}", r.paid_on or "미지급",
                f"J{r.paid_journal_id}" if r.paid_journal_id else ""] for r in figures.returns]),
        Table("원장 대사", ["항목", "명세", "원장", "원장 출처", "일치"],
              [[c.label, c.stated, c.book, c.source, "일치" if c.agrees else "불일치"] for c in figures.checks]),
    ]
    return Built(
        title="매칭 재원 사용 내역서",
        subject=f"{funder.institution.name} · {pool.name}",
        issuer=contest.host.name,
        fund_name=contest.name,
        template="statements/pool_funder.html",
        filename=f"매칭재원사용내역서_P{pool.pk}_{funder.institution_id}_{generated_on.isoformat()}",
        context={"funder": funder, "pool": pool, "contest": contest, "figures": figures,
                 "rule": RULE_KO.get(pool.rule, pool.rule), "generated_on": generated_on},
        tables=tables,
    )


class PoolFunderStatement(StatementKind):
    """매칭 재원 사용 내역서: of a pool funder (the subject is the ``PoolFunder`` id), for staff only (anyone else: not
    found). It has no period."""

    kind = Statement.Kind.POOL_FUNDER
    build = staticmethod(build)

    def period(self, start: date | None, end: date | None, *, today: date) -> tuple[date | None, date | None]:
        if start is not None or end is not None:
            raise ValidationFailed(_("A matching fund use statement has no period."),
                                   fields={"period_start": [_("not for a matching fund use statement")]})
        return None, None

    def subject(self, actor: Any, subject_id: int) -> dict[str, Any]:
        funder = PoolFunder.objects.filter(pk=subject_id).first()
        if funder is None or not is_staff(actor):
            raise NotFound(_("No such pool funder."), fields={"subject": [_("no pool funder with this id")]})
        return {"pool_funder": funder}


KIND = PoolFunderStatement()
