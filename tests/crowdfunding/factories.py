"""Rows for the contests' tests, made directly (the services are tested on their own): a Daegu-style contest of 2026
with its book, partners, entries, a round with the four-criterion rubric (사회적 가치 30, 사업성 25, 실현 가능성 25,
지역 연계 20) and panels, judges on panels, and money in the joint fund."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from crowdfunding import accounts as chart
from crowdfunding.models import (
    Contest,
    ContestPartner,
    Criterion,
    Entry,
    JointFundContribution,
    Panel,
    PanelJudge,
    Round,
)
from enterprises.models import Enterprise, Institution, User
from ledger.models import Book
from ledger.services import credit, debit, journal_post
from tests.factories import EnterpriseFactory, InstitutionFactory, JudgeFactory, UserFactory

# The phase dates of the standard contest (each phase ends at the end of its day).
CALL_OPENS = date(2026, 3, 2)
CALL_CLOSES = date(2026, 3, 31)
SCREENING_ENDS = date(2026, 4, 20)
FUNDING_ENDS = date(2026, 6, 30)
FINAL_ENDS = date(2026, 7, 20)
AWARDS_END = date(2026, 8, 31)

RUBRIC = (  # key, name, weight, max score
    ("social-value", "사회적 가치", Decimal(30), Decimal(30)),
    ("business", "사업성", Decimal(25), Decimal(25)),
    ("feasibility", "실현 가능성", Decimal(25), Decimal(25)),
    ("local", "지역 연계", Decimal(20), Decimal(20)),
)


class ContestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contest

    code = factory.Sequence(lambda n: f"daegu-2026-{n}")
    name = factory.Sequence(lambda n: f"대구 소셜 크라우드펀딩 대회 2026 #{n}")
    host = factory.SubFactory(InstitutionFactory, kind=Institution.Kind.MUNICIPALITY)
    book = factory.LazyAttribute(lambda o: _book(o.code, o.name))
    phase = "call"
    eligible_kinds = factory.LazyFunction(lambda: list(Enterprise.Kind.values))
    eligible_provinces = factory.LazyFunction(lambda: ["daegu"])
    call_opens_on = CALL_OPENS
    call_closes_on = CALL_CLOSES
    screening_ends_on = SCREENING_ENDS
    funding_ends_on = FUNDING_ENDS
    final_ends_on = FINAL_ENDS
    awards_end_on = AWARDS_END
    target_min = 1_000_000
    target_max = 30_000_000


def _book(code: str, name: str) -> Book:
    book = Book.objects.create(code=f"contest-{code}", name=name)
    chart.open_contest_accounts(book)
    return book


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContestPartner

    contest = factory.SubFactory(ContestFactory)
    institution = factory.SubFactory(InstitutionFactory, kind=Institution.Kind.PUBLIC_INSTITUTION)
    pledged = 50_000_000


class EntryFactory(factory.django.DjangoModelFactory):
    """A submitted entry of a Daegu enterprise."""

    class Meta:
        model = Entry

    contest = factory.SubFactory(ContestFactory)
    enterprise = factory.SubFactory(EnterpriseFactory, province="daegu", district="중구")
    title = factory.Sequence(lambda n: f"동네 빵집 나눔 프로젝트 {n}")
    summary = "취약계층 청년을 고용해 지역 농산물로 빵을 굽고, 수익의 일부로 결식아동에게 빵을 나눕니다."
    use_of_funds = "제빵 설비 구입 60 %, 원재료 30 %, 홍보 10 %"
    target_amount = 10_000_000
    campaign_type = "reward"
    team = factory.LazyFunction(lambda: [{"name": "김대표", "role": "대표"}])
    state = Entry.State.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(UserFactory)


class RoundFactory(factory.django.DjangoModelFactory):
    """A round with the standard rubric (no panels: add them with ``PanelFactory``)."""

    class Meta:
        model = Round
        skip_postgeneration_save = True

    contest = factory.SubFactory(ContestFactory, phase="screening")
    kind = "screening"
    aggregation = "trimmed"
    state = Round.State.OPEN

    @factory.post_generation
    def criteria(self: Round, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        for position, (key, name, weight, max_score) in enumerate(extracted or RUBRIC):
            Criterion.objects.create(round=self, key=key, name=name, weight=weight, max_score=max_score,
                                     position=position)


class PanelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Panel

    round = factory.SubFactory(RoundFactory)
    name = factory.Sequence(lambda n: f"전문가 심사단 {n}")
    kind = Panel.Kind.EXPERT
    weight = Decimal(100)


def seat(panel: Panel, judge: User | None = None, **judge_fields: Any) -> User:
    """A judge (new unless given) on ``panel``."""
    judge = judge or JudgeFactory(**judge_fields)
    PanelJudge.objects.create(panel=panel, round=panel.round, judge=judge)
    return judge


def fund(contest: Contest, amount: int, *, partner: ContestPartner | None = None, key: str | None = None,
         on: date = date(2026, 2, 16)) -> JointFundContribution:
    """Money paid into the contest's joint fund by ``partner`` (a new one unless given), posted to the ledger."""
    partner = partner or PartnerFactory(contest=contest)
    key = key or f"test-fund-{contest.pk}-{JointFundContribution.objects.count() + 1}"
    posted = journal_post(
        lines=[debit(chart.account(contest.book, chart.CASH), amount),
               credit(chart.contribution_account(contest.book, partner.institution_id, partner.institution.name),
                      amount)],
        kind="contest.contribution", effective_date=on, idempotency_key=f"contest:{contest.pk}:{key}",
    )
    return JointFundContribution.objects.create(contest=contest, partner=partner, amount=amount, received_on=on,
                                                journal=posted.journal, idempotency_key=key)
