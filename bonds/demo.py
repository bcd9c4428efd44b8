"""Demo data of the social impact bonds (사회성과보상사업), loaded by ``manage.py load_demo``
(settings.DEMO_EXTENSIONS).

- **서울시 제1호 사회성과보상사업 (경계선지능 아동)**, settled and closed: 서울특별시 pays for outcomes, the demo's
  intermediary ((재)한결사회가치금융재단) runs the contract, a Seoul social cooperative provides the service and
  성균관대학교 evaluates it. Three investors commit 5억, 3.6억 and 2.5억 (11.1억), called in two calls, all paid in
  and disbursed to the provider in three tranches. The terms are the illustrative ones of the engine's tests
  (tests/core/engines/test_bonds.py): the 10.3억 service cost paid in full (a stepwise table, 100 % from the 42 %
  target) and an incentive of 38,750,000 won per child improved beyond the 31 the target implies (at most 10). The
  interim result is recorded, disputed and reopened, corrected and confirmed; the final one (39 of 74 children
  improved on both measures: 52.70 % against 42 %) earns 10.3억 + 8 x 3,875만 = 3.1억 = 13.4억, prepared by
  ``manager.kim`` and approved by ``manager.lee``, and distributed to the investors pro rata to what they paid in;
  then the contract is closed and the city's unspent budget lapses.
- **경기도 해봄 프로젝트 (탈수급 지원)**, in service: 15.5억 committed by the same three investors, 10억 called and
  paid, 9억 disbursed; an achievement table on the principal (12 % exit from welfare -> 100 %, 20 % -> 114 %,
  linear between, capped at 114 %, falling linearly to 0 % at 0 below 12 %). Its interim result (62 of 480: 12.91 %)
  is recorded by ``evaluator.jung`` of 서울숲대학교 and confirmed by a colleague; no interim payment (the contract
  pays only at the final evaluation).

Investor users, one per investing institution (``invest.kim``, ``invest.park``, ``invest.choi``), the evaluators and
the providers' representatives get the demo users' password. Everything goes through the services, each act on its
own day (``today``), in date order; dates are counted back from today. Loaded once: if the Seoul contract exists,
nothing is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.engines.schedules import add_months
from enterprises.management.commands import load_demo as base
from enterprises.models import Enterprise, Institution, Province, User
from enterprises.roles import Role
from enterprises.services import enterprise_create, institution_create

from . import services
from .models import CapitalCall, Contract, EvaluationPoint, Result

SEOUL_CODE = "seoul-sib-1"
GYEONGGI_CODE = "gyeonggi-haebom"
EOK = 100_000_000
MAN = 10_000

SEOUL_CITY = "서울특별시"
GYEONGGI = "경기도"
SKKU = "성균관대학교 산학협력단"
# The investing institutions (invented names), their users, and what each commits to the two contracts.
INVESTORS: list[tuple[str, str, str, str, str, int, int]] = [
    # name, business number (first nine digits), user name, family name, given name, Seoul, Gyeonggi
    ("(주)새싹임팩트투자", "206-81-8801", "invest.kim", "김", "도현", 500_000_000, 700_000_000),
    ("(재)나눔사회투자재단", "206-82-8802", "invest.park", "박", "서윤", 360_000_000, 500_000_000),
    ("다온사회적금융협동조합", "206-82-8803", "invest.choi", "최", "지호", 250_000_000, 350_000_000),
]
SKKU_EVALUATORS = [("evaluator.song", "송", "민재"), ("evaluator.lim", "임", "수아")]
SEOULSOOP_EVALUATORS = [("evaluator.moon", "문", "채원")]  # evaluator.jung's colleague

SEOUL_PROVIDER = base.business_number("206-82-8811")
GYEONGGI_PROVIDER = base.business_number("124-82-8812")
PROVIDERS: list[dict[str, Any]] = [
    {
        "name": "함께자람사회적협동조합",
        "kind": Enterprise.Kind.SOCIAL_COOPERATIVE,
        "business_number": SEOUL_PROVIDER,
        "corporate_number": base.corporate_number("110172-008811"),
        "representative": "장은비",
        "province": Province.SEOUL,
        "district": "성동구",
        "address": "서울특별시 성동구 왕십리로 115, 3층",
        "certified_on": date(2015, 3, 2),
        "employees": 31,
        "vulnerable_employees": 9,
        "founded_on": date(2014, 11, 20),
        "phone": "02-2294-8811",
        "email": "jaram@together-grow.example.com",
    },
    {
        "name": "해봄일자리사회적협동조합",
        "kind": Enterprise.Kind.SOCIAL_COOPERATIVE,
        "business_number": GYEONGGI_PROVIDER,
        "corporate_number": base.corporate_number("134172-008812"),
        "representative": "한지성",
        "province": Province.GYEONGGI,
        "district": "수원시",
        "address": "경기도 수원시 팔달구 효원로 241, 5층",
        "certified_on": date(2019, 7, 1),
        "employees": 22,
        "vulnerable_employees": 11,
        "founded_on": date(2018, 4, 9),
        "phone": "031-246-8812",
        "email": "haebom@haebom-jobs.example.com",
    },
]
PROVIDER_MEMBERS: list[tuple[str, str]] = [("jaram.member", SEOUL_PROVIDER), ("haebom.member", GYEONGGI_PROVIDER)]

REPORT = b"%PDF-1.4\n% demo evaluation report\n"


def evidence(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, REPORT, content_type="application/pdf")


class Days:
    """Acts in date order: each is done on its own day, as it would have been."""

    def __init__(self) -> None:
        self.acts: list[tuple[date, int, Callable[[date], Any]]] = []

    def on(self, day: date, act: Callable[[date], Any]) -> None:
        self.acts.append((day, len(self.acts), act))

    def run(self) -> None:
        for day, _order, act in sorted(self.acts, key=lambda item: (item[0], item[1])):
            act(day)


def _institution(name: str, kind: str, number: str, province: str, district: str) -> Institution:
    found = Institution.objects.filter(name=name).first()
    return found or institution_create(actor=None, data={
        "name": name, "kind": kind, "business_number": base.business_number(number), "province": province,
        "district": district})


def _people(specs: list[tuple[str, str, str]], role: str, institution: Institution, like: User) -> list[User]:
    """Users of ``institution`` with ``role``, with the demo users' password (``like``'s hash, copied)."""
    group, _created = Group.objects.get_or_create(name=role)
    made = []
    for username, last, first in specs:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(username=username, last_name=last, first_name=first,
                                       display_name=f"{last}{first}", email=f"{username}@example.com",
                                       password=like.password, institution=institution)
        elif user.password != like.password:
            user.password = like.password
            user.save(update_fields=["password"])
        user.groups.add(group)
        made.append(user)
    return made


def load(users: dict[str, User]) -> list[str]:
    """The parties, their people and the two contracts."""
    like = users["coop.member"]
    for data in PROVIDERS:
        if not Enterprise.objects.filter(business_number=data["business_number"]).exists():
            enterprise_create(actor=None, data=data)
    base.representatives_as_members(PROVIDER_MEMBERS, like=like)
    seoul = _institution(SEOUL_CITY, Institution.Kind.MUNICIPALITY, "104-83-0001", Province.SEOUL, "중구")
    gyeonggi = _institution(GYEONGGI, Institution.Kind.MUNICIPALITY, "124-83-0002", Province.GYEONGGI, "수원시")
    skku = _institution(SKKU, Institution.Kind.EVALUATOR, "101-82-8804", Province.SEOUL, "종로구")
    investors = [_institution(name, Institution.Kind.INVESTOR, number, Province.SEOUL, "성동구")
                 for name, number, *_rest in INVESTORS]
    investor_users = [_people([(username, last, first)], Role.INVESTOR, institution, like)[0]
                      for institution, (_n, _b, username, last, first, _s, _g) in zip(investors, INVESTORS,
                                                                                      strict=True)]
    skku_evaluators = _people(SKKU_EVALUATORS, Role.EVALUATOR, skku, like)
    seoulsoop = Institution.objects.get(name=base.EVALUATOR)
    seoulsoop_evaluators = [users["evaluator.jung"], *_people(SEOULSOOP_EVALUATORS, Role.EVALUATOR, seoulsoop, like)]
    people = (f"members       bonds: investors {', '.join(u.username for u in investor_users)}; evaluators "
              f"{', '.join(u.username for u in skku_evaluators + seoulsoop_evaluators[1:])}; providers "
              + ", ".join(username for username, _number in PROVIDER_MEMBERS))
    if Contract.objects.filter(code=SEOUL_CODE).exists():
        return [f"bonds         already there: {SEOUL_CODE}", people]
    today = timezone.localdate()
    operator = Institution.objects.get(name=base.INTERMEDIARY)
    providers = {e.business_number: e for e in Enterprise.objects.filter(
        business_number__in=[SEOUL_PROVIDER, GYEONGGI_PROVIDER])}
    kim, lee = users["manager.kim"], users["manager.lee"]
    days = Days()
    seoul_contract = _seoul(days, today, kim, lee, seoul, operator, providers[SEOUL_PROVIDER], skku, investors,
                            skku_evaluators)
    gyeonggi_contract = _gyeonggi(days, today, kim, lee, gyeonggi, operator, providers[GYEONGGI_PROVIDER],
                                  seoulsoop, investors, seoulsoop_evaluators)
    days.run()
    seoul_contract.refresh_from_db()
    gyeonggi_contract.refresh_from_db()
    return [
        f"bonds         created: {seoul_contract.name} ({seoul_contract.get_state_display()}; 11.1억 paid in, "
        f"outcome payments {seoul_contract.outcome_paid.amount:,.0f} won = 10.3억 + 3.1억 for 39 of 74, all "
        f"distributed); {gyeonggi_contract.name} ({gyeonggi_contract.get_state_display()}; 15.5억 committed, "
        f"{gyeonggi_contract.paid_in.amount:,.0f} won paid in, an interim result confirmed)",
        people,
    ]


def _call(days: Days, contract: Contract, kim: User, lee: User, *, amount: int, on: date, key: str,
          paid_after: tuple[int, ...]) -> None:
    """A capital call made by Kim on ``on``, due a month later; the investors' payments recorded by Lee, the n-th
    investor's ``paid_after[n]`` days after the call."""
    box: dict[str, CapitalCall] = {}

    def make(day: date) -> None:
        box["call"], _new = services.capital_call_make(
            actor=kim, contract_id=contract.pk, amount=amount, call_on=day, due_on=day + timedelta(days=30),
            idempotency_key=key, today=day)

    days.on(on, make)
    for position, after in enumerate(paid_after):
        def paid(day: date, position: int = position) -> None:
            line = box["call"].lines.filter(investment__position=position).first()
            if line is not None:
                services.capital_call_paid(actor=lee, line_id=line.pk, paid_on=day,
                                           idempotency_key=f"{key}-paid-{position}", today=day)
        days.on(on + timedelta(days=after), paid)


def _disburse(days: Days, contract: Contract, kim: User, *, amount: int, on: date, key: str, memo: str) -> None:
    days.on(on, lambda day: services.disbursement_make(actor=kim, contract_id=contract.pk, amount=amount,
                                                       paid_on=day, idempotency_key=key, today=day, memo=memo))


def _seoul(days: Days, today: date, kim: User, lee: User, city: Institution, operator: Institution,
           provider: Enterprise, evaluator: Institution, investors: list[Institution],
           evaluators: list[User]) -> Contract:
    """Set up now (the system: a draft's setup is back-dated by nobody), signed 40 months ago, three years of
    service ending six months ago, the final evaluation, payment and distribution since, closed a month ago."""
    signed = add_months(today, -40)
    starts, ends = add_months(today, -38), add_months(today, -6)
    contract = services.contract_create(
        actor=kim, code=SEOUL_CODE, name="서울시 제1호 사회성과보상사업", outcome_payer=city, operator=operator,
        provider=provider, evaluator=evaluator, service_starts_on=starts, service_ends_on=ends,
        max_payment=15 * EOK, interim_percent=0)
    for institution, (*_head, seoul_amount, _gyeonggi_amount) in zip(investors, INVESTORS, strict=True):
        services.investment_add(actor=None, contract_id=contract.pk, investor=institution, commitment=seoul_amount)
    cost = services.metric_create(
        actor=None, contract_id=contract.pk, code="improved", definition="인지·정서 두 영역 모두 개선된 아동",
        unit="명", target_population="경계선지능 아동 (서울시 거주, 초등학생)", targeted_number=101, target=42,
        validation_method="pre_post", data_source="성균관대학교 성과평가 보고서 (K-WISC, 정서행동 척도 사전·사후)",
        baseline=0)
    services.payment_term_set(actor=None, metric_id=cost.pk, kind="table", steps=[(42, 100)], mode="stepwise",
                              principal=1_030_000_000, principal_line=42)
    incentive = services.metric_create(
        actor=None, contract_id=contract.pk, code="beyond-target", definition="목표 인원(평가 대상의 42 %)을 넘어 "
        "개선된 아동", unit="명", target_population="경계선지능 아동 (서울시 거주, 초등학생)", targeted_number=10,
        target=42, validation_method="pre_post", data_source="성균관대학교 성과평가 보고서")
    services.payment_term_set(actor=None, metric_id=incentive.pk, kind="rate_card", price=38_750_000,
                              max_units=10)
    interim = services.point_create(actor=None, contract_id=contract.pk, kind="interim", name="중간 평가 (1차년도)",
                                    on_date=add_months(starts, 18))
    final = services.point_create(actor=None, contract_id=contract.pk, kind="final", name="최종 평가",
                                  on_date=ends + timedelta(days=14))
    # Kim corrects the draft's name before Lee signs it (four eyes).
    services.contract_update(actor=kim, contract_id=contract.pk,
                             name="서울시 제1호 사회성과보상사업 (경계선지능 아동 교육)")
    days.on(signed, lambda day: services.contract_sign(actor=lee, contract_id=contract.pk, signed_on=day, today=day))
    days.on(starts, lambda day: services.contract_start(actor=lee, contract_id=contract.pk, started_on=day,
                                                        today=day))
    # 11.1억 in two calls (6억 at the start, 5.1억 a year later), disbursed to the provider in three tranches.
    _call(days, contract, kim, lee, amount=600_000_000, on=starts, key="seoul-call-1", paid_after=(7, 10, 12))
    _disburse(days, contract, kim, amount=400_000_000, on=starts + timedelta(days=14), key="seoul-d1",
              memo="1차년도 사업비 (상반기)")
    _disburse(days, contract, kim, amount=200_000_000, on=add_months(starts, 6), key="seoul-d2",
              memo="1차년도 사업비 (하반기)")
    second = add_months(starts, 12)
    _call(days, contract, kim, lee, amount=510_000_000, on=second, key="seoul-call-2", paid_after=(5, 9, 14))
    _disburse(days, contract, kim, amount=510_000_000, on=second + timedelta(days=20), key="seoul-d3",
              memo="2·3차년도 사업비")

    # The interim result: recorded by Song, confirmed by Lim; disputed (one child counted twice) and reopened by
    # Lim, corrected by Song and confirmed again by Lim. No interim payment (the terms pay at the final evaluation).
    first, other = evaluators
    box: dict[str, Result] = {}

    def record(point: EvaluationPoint, engaged: int, improved: int, beyond: int, name: str) -> Callable[[date], Any]:
        def act(day: date) -> None:
            box["cost"] = services.result_record(
                actor=first, metric_id=cost.pk, point_id=point.pk, engaged=engaged, with_outcome=improved,
                note=f"{point.name}: 평가 대상 {engaged}명 중 {improved}명 두 영역 모두 개선",
                evidence=[evidence(name)])
            box["incentive"] = services.result_record(
                actor=first, metric_id=incentive.pk, point_id=point.pk, engaged=engaged, with_outcome=improved,
                units=beyond, note=f"목표 인원을 넘어 개선된 아동 {beyond}명")
        return act

    def confirm(*names: str) -> Callable[[date], Any]:
        return lambda day: [services.result_confirm(actor=other, result_id=box[name].pk) for name in names]

    days.on(interim.on_date + timedelta(days=10), record(interim, 60, 31, 5, "interim-report.pdf"))
    days.on(interim.on_date + timedelta(days=14), confirm("cost", "incentive"))
    days.on(interim.on_date + timedelta(days=30), lambda day: services.result_reopen(
        actor=other, result_id=box["cost"].pk, reason="중복 집계된 아동 1명 확인 (이의 제기)"))

    def correct(day: date) -> None:
        box["cost"] = services.result_record(
            actor=first, metric_id=cost.pk, point_id=interim.pk, engaged=60, with_outcome=30,
            note="중간 평가 정정: 중복 집계 1명 제외", evidence=[evidence("interim-report-corrected.pdf")])

    days.on(interim.on_date + timedelta(days=35), correct)
    days.on(interim.on_date + timedelta(days=37), confirm("cost"))

    # The final evaluation: 39 of 74 children improved (52.70 % >= 42 %), 8 beyond the 31 of the target.
    days.on(final.on_date, lambda day: services.contract_evaluate(actor=lee, contract_id=contract.pk, on_date=day,
                                                                  today=day))
    days.on(final.on_date + timedelta(days=20), record(final, 74, 39, 8, "final-report.pdf"))
    days.on(final.on_date + timedelta(days=24), confirm("cost", "incentive"))
    payment_day = final.on_date + timedelta(days=40)
    payment: dict[str, Any] = {}
    days.on(payment_day - timedelta(days=5), lambda day: payment.update(it=services.outcome_payment_prepare(
        actor=kim, point_id=final.pk, paid_on=payment_day, today=day)))
    days.on(payment_day, lambda day: services.outcome_payment_approve(
        actor=lee, payment_id=payment["it"].pk, idempotency_key="seoul-final-payment", today=day))
    # Distributed in two parts: the principal first, then the rest; closed once the cash is all paid out.
    days.on(payment_day + timedelta(days=10), lambda day: services.distribution_make(
        actor=kim, contract_id=contract.pk, amount=1_110_000_000, paid_on=day, idempotency_key="seoul-dist-1",
        today=day))
    days.on(payment_day + timedelta(days=25), lambda day: services.distribution_make(
        actor=kim, contract_id=contract.pk, amount=230_000_000, paid_on=day, idempotency_key="seoul-dist-2",
        today=day))
    days.on(payment_day + timedelta(days=30), lambda day: services.contract_close(
        actor=lee, contract_id=contract.pk, closed_on=day, today=day))
    return contract


def _gyeonggi(days: Days, today: date, kim: User, lee: User, province: Institution, operator: Institution,
              provider: Enterprise, evaluator: Institution, investors: list[Institution],
              evaluators: list[User]) -> Contract:
    """Signed 14 months ago, in service for three years from 13 months ago; an interim evaluation a month ago."""
    signed = add_months(today, -14)
    starts = add_months(today, -13)
    contract = services.contract_create(
        actor=lee, code=GYEONGGI_CODE, name="경기도 해봄 프로젝트 (탈수급 지원)", outcome_payer=province,
        operator=operator, provider=provider, evaluator=evaluator, service_starts_on=starts,
        service_ends_on=add_months(starts, 36) - timedelta(days=1), max_payment=1_767_000_000)
    for institution, (*_head, _seoul_amount, amount) in zip(investors, INVESTORS, strict=True):
        services.investment_add(actor=None, contract_id=contract.pk, investor=institution, commitment=amount)
    exit_rate = services.metric_create(
        actor=None, contract_id=contract.pk, code="welfare-exit", definition="생계급여 수급에서 벗어나 6개월 이상 "
        "취업·창업을 유지한 참여자", unit="명", target_population="경기도 근로능력 있는 생계급여 수급자",
        targeted_number=500, target=20, validation_method="historical",
        data_source="사회보장정보시스템 수급 이력, 고용보험 가입 이력", baseline=8)
    services.payment_term_set(actor=None, metric_id=exit_rate.pk, kind="table", steps=[(12, 100), (20, 114)],
                              mode="linear", below="linear", principal=1_550_000_000, principal_line=12,
                              cap_percent=114)
    interim = services.point_create(actor=None, contract_id=contract.pk, kind="interim", name="중간 평가 (1차년도)",
                                    on_date=add_months(today, -1))
    services.point_create(actor=None, contract_id=contract.pk, kind="final", name="최종 평가",
                          on_date=add_months(starts, 36) + timedelta(days=30))
    days.on(signed, lambda day: services.contract_sign(actor=kim, contract_id=contract.pk, signed_on=day, today=day))
    days.on(starts, lambda day: services.contract_start(actor=kim, contract_id=contract.pk, started_on=day,
                                                        today=day))
    _call(days, contract, kim, lee, amount=1_000_000_000, on=starts, key="haebom-call-1", paid_after=(6, 8, 13))
    _disburse(days, contract, kim, amount=500_000_000, on=starts + timedelta(days=15), key="haebom-d1",
              memo="1차년도 사업비 (상반기)")
    _disburse(days, contract, kim, amount=400_000_000, on=add_months(starts, 6), key="haebom-d2",
              memo="1차년도 사업비 (하반기)")
    recorder, confirmer = evaluators
    box: dict[str, Result] = {}
    days.on(interim.on_date + timedelta(days=5), lambda day: box.update(result=services.result_record(
        actor=recorder, metric_id=exit_rate.pk, point_id=interim.pk, engaged=480, with_outcome=62,
        note="1차년도 참여자 480명 중 62명 탈수급 (12.91 %)", evidence=[evidence("haebom-interim.pdf")])))
    days.on(interim.on_date + timedelta(days=8), lambda day: services.result_confirm(
        actor=confirmer, result_id=box["result"].pk))
    return contract

