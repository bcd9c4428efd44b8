"""Demo data of the crowdfunding contests, loaded by ``manage.py load_demo`` (settings.DEMO_EXTENSIONS).

- **대구 소셜 크라우드펀딩 대회 2026**, in its final (본선): 대구광역시 hosts it with eleven partners (public
  institutions, two banks, the social economy centre, a broadcaster), who paid 3억 into the joint fund. Thirty Daegu
  enterprises entered; five experts screened them (trimmed mean) and ten went on to crowdfunding and the final. In the
  final an expert panel (70 %) and a panel of 100 citizen judges (30 %) score; the experts have scored but for
  ``judge.choi``, who has entries left in its queue (and is recused from the entry its bank recommended); 60 of the
  100 citizens have scored. The award table is set (1st 3천만, 2nd-3rd 2천5백만, 4th-6th 2천만 원).
- **대구 소셜 크라우드펀딩 대회 2025**, closed: its final was z-scored (harsh and lenient judges count alike); six
  awards approved by a second manager and paid in two tranches; every first tranche's spending is reported and
  settled (the first-ranked team returned 1,250,000 won it did not spend); the second tranches are paid and wait for
  their reports. The bakery (``bakery.member``, of the guarantees' demo) is among the entrants.
- **대구 사회적경제 크라우드펀딩 2026 하반기**, in its funding phase: campaigns live, settled, failed and a draft,
  three matching pools, twenty backers; pledges through the payment provider's stand-in (``crowdfunding.demo_funding``).
- **전주 공동체 성장 지원 (3 stages)**: stage 1 (2024) chose four of eight teams, stage 2 (2025) two of its four
  graduates; stage 3 (2026) is open for entries, and only stage 2's award winners may enter.

Everything goes through the services, each act on its own day, in date order; dates are counted back from today.
Loaded once: if the 2026 contest exists, nothing is touched.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import Recused
from enterprises.management.commands import load_demo as base
from enterprises.models import Enterprise, Institution, Province, User
from enterprises.roles import Role
from enterprises.services import enterprise_create, institution_create

from . import demo_funding, services
from .models import AdvanceList, Award, AwardTranche, Contest, Entry, Panel, Round

DAEGU_2026 = "daegu-social-crowdfunding-2026"
DAEGU_2025 = "daegu-social-crowdfunding-2025"
JEONJU = "jeonju-community-growth"
EOK = 100_000_000
MAN = 10_000

# The Daegu contest's partners besides the city (its host) and the demo bank (judge.choi's: a recusal).
DAEGU_PARTNERS: list[tuple[str, str, str]] = [  # name, kind, business number (first nine digits)
    ("(재)대구사회적경제지원센터", "public_institution", "503-82-1101"),
    ("한빛에너지공사", "public_institution", "503-83-1102"),
    ("국토정보나눔원", "public_institution", "503-83-1103"),
    ("한국산업기술나눔평가원", "public_institution", "503-83-1104"),
    ("달구벌교육연수원", "public_institution", "503-83-1105"),
    ("한국장학나눔재단", "public_institution", "503-82-1106"),
    ("사회보장정보나눔원", "public_institution", "503-83-1107"),
    ("신용보증나눔기금", "public_institution", "503-83-1108"),
    ("(주)대구미래은행", "bank", "503-81-1109"),
    ("대구공익방송", "public_institution", "503-81-1110"),
]
JEONJU_CITY = "전주시"
JEONJU_CENTRE = "(재)전주시사회적경제지원센터"

RUBRIC: list[dict[str, Any]] = [
    {"key": "social-value", "name": "사회적 가치", "weight": 30, "max_score": 30},
    {"key": "business", "name": "사업성", "weight": 25, "max_score": 25},
    {"key": "feasibility", "name": "실현 가능성", "weight": 25, "max_score": 25},
    {"key": "local", "name": "지역 연계", "weight": 20, "max_score": 20},
]
EXPERTS = [("judge.choi", "최", "은영")] + [
    (f"judge.{name}", last, first) for name, last, first in
    [("kang", "강", "현우"), ("yoon", "윤", "지아"), ("han", "한", "서준"), ("seo", "서", "하은")]]

# Project ideas and the kinds of enterprise that run them, for the thirty Daegu entries.
IDEAS = [
    ("동네 빵집 나눔 프로젝트", "결식아동에게 매일 빵을 나누는 동네 빵집"),
    ("업사이클 가방 공방", "폐현수막으로 만드는 가방"),
    ("어르신 디지털 배움터", "어르신 스마트폰 교실과 키오스크 실습"),
    ("청년 농부 꾸러미", "청년 농부의 제철 꾸러미 정기배송"),
    ("발달장애 예술가 굿즈", "발달장애 작가의 그림으로 만든 생활용품"),
    ("마을 공유 부엌", "1인 가구가 함께 밥 짓는 공유 부엌"),
    ("제로웨이스트 리필 가게", "세제와 곡물을 덜어 파는 리필 가게"),
    ("경력보유여성 돌봄 협동조합", "아이 돌봄과 일자리를 잇는 협동조합"),
    ("폐목재 가구 공방", "버려진 목재로 만드는 가구"),
    ("이주민 요리 교실", "이주여성이 가르치는 고향 요리 교실"),
    ("골목 재생 투어", "대구 근대골목을 주민이 안내하는 여행"),
    ("장애인 자립 카페", "중증장애인 바리스타가 일하는 카페"),
    ("로컬 수제맥주", "대구 쌀로 빚은 수제맥주"),
    ("반려식물 병원", "시든 화분을 살려 주는 식물 병원"),
    ("청소년 목공 학교", "학교 밖 청소년의 목공 교육"),
    ("전통시장 배달 연합", "전통시장 상인의 공동 배달"),
    ("친환경 세탁 협동조합", "물과 세제를 아끼는 세탁 공장"),
    ("노인 일자리 도시락", "어르신이 만드는 건강 도시락"),
    ("공정무역 커피 로스터리", "공정무역 생두로 볶는 커피"),
    ("마을 에너지 발전소", "주민 출자 옥상 태양광"),
    ("자전거 수리 학교", "청년 정비사를 기르는 자전거 수리 학교"),
    ("지역 출판 협동조합", "대구의 이야기를 펴내는 작은 출판"),
    ("한부모 가정 반찬가게", "한부모 가정이 운영하는 반찬가게"),
    ("동물 보호 굿즈", "유기동물 보호소를 돕는 굿즈"),
    ("시각장애인 점자 굿즈", "점자를 새긴 생활소품"),
    ("농촌 체험 캠프", "도시 아이들의 농촌 체험"),
    ("재생 플라스틱 문구", "병뚜껑으로 만드는 문구"),
    ("마을 라디오", "주민이 만드는 골목 라디오"),
    ("돌봄 로봇 대여", "독거 어르신 말벗 로봇 대여"),
    ("청년 셰어하우스", "청년 주거 공동체"),
]
KINDS = list(Enterprise.Kind.values)
DISTRICTS = ["중구", "동구", "서구", "남구", "북구", "수성구", "달서구", "달성군"]


class Days:
    """Acts in date order: each is done on its own day, as it would have been; none after today (a phase that ends
    next month moves next month, by beat)."""

    def __init__(self) -> None:
        self.acts: list[tuple[date, int, Callable[[date], Any]]] = []
        self.today = timezone.localdate()

    def on(self, day: date, act: Callable[[date], Any]) -> None:
        self.acts.append((day, len(self.acts), act))

    def run(self) -> None:
        for day, _order, act in sorted(self.acts, key=lambda item: (item[0], item[1])):
            if day <= self.today:
                act(day)


def _institution(name: str, kind: str, number: str, province: str, district: str) -> Institution:
    found = Institution.objects.filter(name=name).first()
    return found or institution_create(actor=None, data={
        "name": name, "kind": kind, "business_number": base.business_number(number), "province": province,
        "district": district})


def _judges(specs: list[tuple[str, str, str]], like: User, institution: Institution | None = None) -> list[User]:
    """Judge users (the judge role), with the demo users' password (``like``'s hash, copied: no hashing spent)."""
    from django.contrib.auth.models import Group

    group, _created = Group.objects.get_or_create(name=Role.JUDGE)
    made = []
    for username, last, first in specs:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(username=username, last_name=last, first_name=first,
                                       display_name=f"{last}{first}", email=f"{username}@example.com",
                                       password=like.password, institution=institution)
        user.groups.add(group)
        made.append(user)
    return made


def _enterprises(count: int, *, prefix: str, province: str, districts: list[str], like: User,
                 first: int = 0) -> list[tuple[Enterprise, User]]:
    """``count`` enterprises of the region, each with its representative as a member (user ``<prefix>.NN``)."""
    pairs = []
    surnames = "김이박최정강조윤장임한오서신권황안송류홍"
    for n in range(first, first + count):
        number = base.business_number(f"{'504' if province == Province.DAEGU else '402'}-86-{4000 + n:04d}")
        idea = IDEAS[n % len(IDEAS)]
        if not Enterprise.objects.filter(business_number=number).exists():
            short = "".join(idea[0].split()[:2])
            town = "전주" if province == Province.JEONBUK else ""
            name = f"주식회사 {town}{short}" if n % 3 == 2 else \
                f"{town}{short}{'사회적협동조합' if n % 3 == 0 else '협동조합'}"
            enterprise_create(actor=None, data={
                "name": name,
                "kind": KINDS[n % len(KINDS)], "business_number": number,
                "representative": f"{surnames[n % len(surnames)]}대표{n + 1:02d}",
                "province": province, "district": districts[n % len(districts)],
                "employees": 5 + n % 20, "vulnerable_employees": 2 + n % 5,
            })
        pairs.append((f"{prefix}.{n + 1:02d}", number))
    members = base.representatives_as_members(pairs, like=like)
    by_number = {e.business_number: e for e in Enterprise.objects.filter(business_number__in=[n for _u, n in pairs])}
    return [(by_number[number], members[username]) for username, number in pairs]


class Marks:
    """Believable marks: each entry has a quality, each judge a bias (harsh or lenient) and some noise; marks in
    steps of 0.1 within each criterion's maximum. Seeded: the same demo every time."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)  # noqa: S311 (demo data, not security)
        self.quality: dict[int, float] = {}
        self.bias: dict[int, float] = {}

    def of(self, judge: User, entry: Entry) -> dict[str, Decimal]:
        quality = self.quality.setdefault(entry.pk, self.random.uniform(0.45, 0.95))
        bias = self.bias.setdefault(judge.pk, self.random.uniform(-0.12, 0.08))
        marks = {}
        for criterion in RUBRIC:
            top = criterion["max_score"]
            value = top * min(max(quality + bias + self.random.uniform(-0.07, 0.07), 0.0), 1.0)
            marks[criterion["key"]] = Decimal(round(value * 10)) / 10
        return marks


def load(users: dict[str, User]) -> list[str]:
    if Contest.objects.filter(code=DAEGU_2026).exists():
        return [f"crowdfunding  already there: {DAEGU_2026}"]
    today = timezone.localdate()
    kim, lee, choi = users["manager.kim"], users["manager.lee"], users["judge.choi"]
    like = users["coop.member"]
    institutions = {i.name: i for i in Institution.objects.all()}
    daegu, bank = institutions[base.DAEGU], institutions[base.BANK]
    partners = [daegu, bank] + [_institution(name, kind, number, Province.DAEGU, "동구")
                                for name, kind, number, in DAEGU_PARTNERS]
    experts = [choi, *_judges(EXPERTS[1:], like)]
    citizens = _judges([(f"citizen.{n:03d}", "시민", f"심사위원{n:03d}") for n in range(1, 101)], like)
    daegu_firms = _enterprises(30, prefix="daegu", province=Province.DAEGU, districts=DISTRICTS, like=like)
    bakery_number = base.business_number("503-86-1904")
    bakery = Enterprise.objects.filter(business_number=bakery_number).first()
    lines = []
    lines.append(_daegu_2025(today, kim, lee, partners, experts, citizens[:30], daegu_firms, bakery, users))
    lines.append(_daegu_2026(today, kim, lee, partners, experts, citizens, daegu_firms, bakery, users))
    lines.append(_jeonju(today, kim, lee, experts[1:4], like))
    lines.extend(demo_funding.load(today, kim, lee, partners, experts[1:4], daegu_firms, like))
    return lines


def _contest(kim: User, *, code: str, name: str, host: Institution, opens: date, funding: bool = True,
             provinces: list[str], districts: list[str] = (), stage: int = 1,  # type: ignore[assignment]
             previous: Contest | None = None, target_max: int = 30_000_000, description: str = "") -> Contest:
    """A contest whose call opens on ``opens``: call 30 days, screening 20, funding 60, final 20, awards 30."""
    call_closes = opens + timedelta(days=29)
    screening_ends = call_closes + timedelta(days=20)
    funding_ends = screening_ends + timedelta(days=60) if funding else None
    final_ends = (funding_ends or screening_ends) + timedelta(days=20)
    return services.contest_create(
        actor=kim, today=opens - timedelta(days=20), code=code, name=name, host=host, description=description,
        eligible_kinds=KINDS, eligible_provinces=provinces, eligible_districts=list(districts),
        call_opens_on=opens, call_closes_on=call_closes, screening_ends_on=screening_ends,
        funding_ends_on=funding_ends, final_ends_on=final_ends, awards_end_on=final_ends + timedelta(days=30),
        target_min=1_000_000, target_max=target_max, previous_stage=previous)


def _money(days: Days, kim: User, contest: Contest, partners: list[tuple[Institution, int]], on: date) -> None:
    def add(day: date) -> None:
        for institution, amount in partners:
            partner, _created = services.contest_partner_add(actor=kim, today=day, contest_id=contest.pk,
                                                             institution=institution, pledged=amount)
            if amount:
                services.contribution_record(
                    actor=kim, today=day, contest_id=contest.pk, partner_id=partner.pk, amount=amount,
                    received_on=day, idempotency_key=f"demo-{contest.code}-{institution.pk}",
                    memo=f"{institution.name} 공동기금 출연")
    days.on(on, add)


def _phases(days: Days, contest: Contest) -> None:
    """Celery beat's daily move of the phases, on each day a phase ends (the day after)."""
    ends = [contest.call_opens_on - timedelta(days=1), contest.call_closes_on, contest.screening_ends_on,
            contest.funding_ends_on, contest.final_ends_on, contest.awards_end_on]
    for end in ends:
        if end is not None:
            days.on(end + timedelta(days=1), lambda day: services.contests_advance_due(today=day))


def _enter(days: Days, contest: Contest, firms: list[tuple[Enterprise, User]], start: date,
           partners: list[Institution], *, target: int, submit: int | None = None) -> dict[int, Entry]:
    """Each firm drafts an entry (a day apart from ``start``) and submits it the next day (the first ``submit``)."""
    entries: dict[int, Entry] = {}
    for n, (enterprise, member) in enumerate(firms):
        idea = IDEAS[n % len(IDEAS)]

        def draft(day: date, n: int = n, enterprise: Enterprise = enterprise, member: User = member,
                  idea: tuple[str, str] = idea) -> None:
            entries[n] = services.entry_create(
                actor=member, today=day, contest_id=contest.pk, enterprise_id=enterprise.pk, title=idea[0],
                summary=f"{idea[1]}. 지역 주민과 함께 만들고, 수익의 일부를 지역에 돌려줍니다.",
                use_of_funds="설비 50 %, 재료 30 %, 홍보 20 %", target_amount=target + (n % 5) * 1_000_000,
                campaign_type="reward" if n % 4 else "donation",
                team=[{"name": enterprise.representative, "role": "대표"}, {"name": "김실무", "role": "사업 담당"}],
                partner=partners[n % len(partners)] if partners else None)

        def send(day: date, n: int = n, member: User = member) -> None:
            services.entry_submit(actor=member, today=day, entry_id=entries[n].pk)

        days.on(start + timedelta(days=n % 20), draft)
        if submit is None or n < submit:
            days.on(start + timedelta(days=n % 20 + 1), send)
    return entries


def _round(days: Days, kim: User, contest: Contest, kind: str, aggregation: str, on: date,
           panels: list[tuple[str, str, int, list[User]]]) -> dict[str, Any]:
    """A round set up on ``on`` (rubric, panels, judges); opened when its phase begins (``open_round``)."""
    box: dict[str, Any] = {}

    def setup(day: date) -> None:
        box["round"] = services.round_setup(
            actor=kim, today=day, contest_id=contest.pk, kind=kind, aggregation=aggregation, criteria=RUBRIC,
            panels=[{"name": name, "kind": panel_kind, "weight": weight} for name, panel_kind, weight, _j in panels])
        for panel in Panel.objects.filter(round=box["round"]).order_by("pk"):
            judges = next(j for name, _k, _w, j in panels if name == panel.name)
            services.panel_judges_assign(actor=kim, today=day, panel_id=panel.pk, judges=judges)
    days.on(on, setup)
    return box


def _score(days: Days, marks: Marks, box: dict[str, Any], judges: list[User], entries: Callable[[], list[Entry]],
           start: date, *, skip: Callable[[User, Entry], bool] = lambda _j, _e: False) -> None:
    def score(day: date) -> None:
        pool = entries()
        for judge in judges:
            for entry in pool:
                if skip(judge, entry):
                    continue
                try:
                    services.score_record(actor=judge, today=day, entry_id=entry.pk, marks=marks.of(judge, entry))
                except Recused:
                    continue
    days.on(start, score)


def _advance(days: Days, kim: User, lee: User, box: dict[str, Any], day: date, top_n: int,
             first_try: int | None = None) -> None:
    """Kim closes the round and prepares the list of the top ``top_n`` (after a first list of ``first_try``,
    cancelled when the committee changed the number); Lee confirms it."""
    def close(d: date) -> None:
        services.round_close(actor=kim, today=d, round_id=box["round"].pk)

    def prepare(d: date) -> None:
        if first_try is not None:
            first = services.advance_prepare(actor=kim, today=d, round_id=box["round"].pk, top_n=first_try)
            services.advance_cancel(actor=kim, today=d, list_id=first.pk,
                                    reason=f"운영위원회 의결로 진출 팀 수를 {first_try}팀에서 {top_n}팀으로 변경")
        box["list"] = services.advance_prepare(actor=kim, today=d, round_id=box["round"].pk, top_n=top_n)

    def confirm(d: date) -> None:
        services.advance_confirm(actor=lee, today=d, list_id=box["list"].pk)
    days.on(day, close)
    days.on(day + timedelta(days=1), prepare)
    days.on(day + timedelta(days=2), confirm)


def _open(days: Days, kim: User, box: dict[str, Any], day: date) -> None:
    days.on(day, lambda d: services.round_open(actor=kim, today=d, round_id=box["round"].pk))


def _pool(contest: Contest, kind: str) -> Callable[[], list[Entry]]:
    from .selectors import round_pool

    return lambda: list(round_pool(Round.objects.get(contest=contest, kind=kind)))


def _evidence(name: str) -> SimpleUploadedFile:
    """A one-page PDF receipt (영수증), as an enterprise would scan it."""
    body = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def _awards(days: Days, kim: User, lee: User, contest: Contest, on: date,
            amounts: list[int], tranches: int = 2, redo_last: bool = False) -> list[dict[str, Any]]:
    """Awards prepared by Kim for the selected entries by final rank and approved by Lee the next day; the first
    tranche paid three days later. With ``redo_last`` the last award is first prepared at 15,000,000 won and
    cancelled (the panel raised it) before it is prepared again."""
    boxes: list[dict[str, Any]] = [{} for _amount in amounts]

    def prepare(day: date) -> None:
        confirmed = AdvanceList.objects.get(round__contest=contest, round__kind="final", state="confirmed")
        lines = [line for line in confirmed.lines.order_by("rank") if line.advances]
        for n, (box, line, amount) in enumerate(zip(boxes, lines, amounts, strict=False)):
            if redo_last and n == len(amounts) - 1:
                first = services.award_prepare(actor=kim, today=day, entry_id=line.entry_id, amount=15_000_000,
                                               tranches=[15_000_000])
                services.award_cancel(actor=kim, today=day, award_id=first.pk,
                                      reason="심사위원회가 우수상 금액을 2천만 원으로 의결")
            parts = [amount // tranches] * (tranches - 1)
            box["award"] = services.award_prepare(actor=kim, today=day, entry_id=line.entry_id, amount=amount,
                                                  tranches=[*parts, amount - sum(parts)])

    def approve(day: date) -> None:
        for box in boxes:
            if "award" in box:
                services.award_approve(actor=lee, today=day, award_id=box["award"].pk,
                                       idempotency_key=f"demo-award-{box['award'].pk}")

    def pay_first(day: date) -> None:
        for box in boxes:
            if "award" in box:
                first = AwardTranche.objects.get(award=box["award"], number=1)
                services.tranche_pay(actor=kim, today=day, tranche_id=first.pk, paid_on=day,
                                     idempotency_key=f"demo-tranche-{first.pk}")
    days.on(on, prepare)
    days.on(on + timedelta(days=1), approve)
    days.on(on + timedelta(days=4), pay_first)
    return boxes


def _daegu_2025(today: date, kim: User, lee: User, partners: list[Institution], experts: list[User],
                citizens: list[User], firms: list[tuple[Enterprise, User]], bakery: Enterprise | None,
                users: dict[str, User]) -> str:
    """Last year's contest, closed: 20 entries, ten finalists, six awards in two tranches."""
    opens = today - timedelta(days=400)
    contest = _contest(kim, code=DAEGU_2025, name="대구 소셜 크라우드펀딩 대회 2025", host=partners[0], opens=opens,
                       provinces=[Province.DAEGU],
                       description="대구광역시와 공공기관·은행이 함께하는 사회적경제기업 크라우드펀딩 대회")
    days = Days()
    _money(days, kim, contest, [(p, 2_000 * MAN * (2 if n < 3 else 1)) for n, p in enumerate(partners)],
           opens - timedelta(days=10))
    _phases(days, contest)
    entrants = firms[10:30]
    if bakery is not None:
        bakery_member = base.representatives_as_members([("bakery.member", bakery.business_number)],
                                                        like=users["coop.member"])["bakery.member"]
        entrants = [(bakery, bakery_member), *firms[11:30]]
    _enter(days, contest, entrants, opens + timedelta(days=1), partners[2:], target=8_000_000)
    marks = Marks(2025)
    screening = _round(days, kim, contest, "screening", "trimmed", opens + timedelta(days=5),
                       [("서류심사 전문가 심사단", "expert", 100, experts)])
    _open(days, kim, screening, contest.call_closes_on + timedelta(days=1))
    _score(days, marks, screening, experts, _pool(contest, "screening"), contest.call_closes_on + timedelta(days=5))
    _advance(days, kim, lee, screening, contest.screening_ends_on - timedelta(days=4), top_n=10, first_try=8)
    final = _round(days, kim, contest, "final", "zscore", contest.screening_ends_on + timedelta(days=2),
                   [("본선 전문가 심사단", "expert", 70, experts), ("시민 심사단", "citizen", 30, citizens)])
    assert contest.funding_ends_on is not None
    _open(days, kim, final, contest.funding_ends_on + timedelta(days=1))
    _score(days, marks, final, experts + citizens, _pool(contest, "final"), contest.funding_ends_on + timedelta(days=3))
    _advance(days, kim, lee, final, contest.final_ends_on - timedelta(days=4), top_n=6)
    _set_table(days, kim, contest, opens)
    boxes = _awards(days, kim, lee, contest, contest.final_ends_on + timedelta(days=3),
                    [30_000_000, 25_000_000, 25_000_000, 20_000_000, 20_000_000, 20_000_000], redo_last=True)
    # Every award's first tranche is spent and settled; the first-ranked returns 1,250,000 won it did not spend.
    report_on = contest.awards_end_on + timedelta(days=60)

    def settle_first(day: date) -> None:
        for n, box in enumerate(boxes):
            if "award" not in box:
                continue
            first = AwardTranche.objects.get(award=box["award"], number=1)
            member = box["award"].entry.created_by
            spend = first.amount.amount - (1_250_000 if n == 0 else 0)
            for part, (category, what) in zip((Decimal("0.6"), Decimal("0.4")), (
                    ("equipment", "설비 구입"), ("marketing", "펀딩 홍보물 제작")), strict=True):
                amount = (spend * part).quantize(Decimal(1)) if category == "equipment" else \
                    spend - (spend * Decimal("0.6")).quantize(Decimal(1))
                services.spending_add(actor=member, today=day, tranche_id=first.pk, amount=amount, category=category,
                                      description=what, spent_on=day - timedelta(days=10),
                                      evidence=_evidence(f"receipt-{first.pk}-{category}.pdf"))
            services.tranche_report(actor=member, today=day, tranche_id=first.pk)
            services.tranche_settle(actor=kim, today=day + timedelta(days=5), tranche_id=first.pk)
            first.refresh_from_db()
            if first.state == AwardTranche.State.SETTLED:
                services.tranche_return(actor=kim, today=day + timedelta(days=12), tranche_id=first.pk,
                                        returned_on=day + timedelta(days=12),
                                        idempotency_key=f"demo-return-{first.pk}")

    def pay_second(day: date) -> None:
        for box in boxes:
            if "award" in box:
                second = AwardTranche.objects.get(award=box["award"], number=2)
                services.tranche_pay(actor=kim, today=day, tranche_id=second.pk, paid_on=day,
                                     idempotency_key=f"demo-tranche-{second.pk}")
    days.on(report_on, settle_first)
    days.on(report_on + timedelta(days=20), pay_second)
    days.run()
    awarded = Award.objects.filter(contest=contest).exclude(state="cancelled").count()
    return f"crowdfunding  {contest.name}: {contest.entries.count()} entries, {awarded} awards (closed)"


def _set_table(days: Days, kim: User, contest: Contest, on: date) -> None:
    days.on(on, lambda day: services.award_table_set(actor=kim, today=day, contest_id=contest.pk, tiers=[
        {"name": "대상", "rank_from": 1, "rank_to": 1, "amount_min": 30_000_000, "amount_max": 30_000_000},
        {"name": "최우수상", "rank_from": 2, "rank_to": 3, "amount_min": 25_000_000, "amount_max": 25_000_000},
        {"name": "우수상", "rank_from": 4, "rank_to": 6, "amount_min": 15_000_000, "amount_max": 20_000_000},
    ]))


def _daegu_2026(today: date, kim: User, lee: User, partners: list[Institution], experts: list[User],
                citizens: list[User], firms: list[tuple[Enterprise, User]], bakery: Enterprise | None,
                users: dict[str, User]) -> str:
    """This year's contest, in its final: thirty entries, ten finalists, the citizens scoring."""
    # The final runs from 9 days ago to 10 days from now: the call opened 9 + 20 + 60 + 20 + 30 days ago.
    opens = today - timedelta(days=119)
    contest = _contest(kim, code=DAEGU_2026, name="대구 소셜 크라우드펀딩 대회 2026", host=partners[0], opens=opens,
                       provinces=[Province.DAEGU],
                       description="공공기관 12곳의 공동기금으로 본선 진출팀에 2천만~3천만 원을 지원합니다.")
    days = Days()
    _money(days, kim, contest, [(p, 3_000 * MAN * (3 if n < 2 else 2)) for n, p in enumerate(partners)],
           opens - timedelta(days=10))
    _phases(days, contest)
    entrants = firms[:30]
    entries = _enter(days, contest, entrants, opens + timedelta(days=1), partners[1:], target=10_000_000)
    editor, leaver = entrants[-1][1], entrants[-2][1]
    days.on(opens + timedelta(days=1 + 29 % 20), lambda day: services.entry_update(
        actor=editor, today=day, entry_id=entries[29].pk, target_amount=15_000_000,
        use_of_funds="설비 40 %, 재료 30 %, 홍보 20 %, 교육 10 %"))
    days.on(contest.call_closes_on + timedelta(days=3), lambda day: services.entry_withdraw(
        actor=leaver, today=day, entry_id=entries[28].pk, reason="대표자 건강 문제로 사업 일정을 미룹니다"))
    marks = Marks(2026)
    screening = _round(days, kim, contest, "screening", "trimmed", opens + timedelta(days=5),
                       [("서류심사 전문가 심사단", "expert", 100, experts)])
    _open(days, kim, screening, contest.call_closes_on + timedelta(days=1))
    _score(days, marks, screening, experts, _pool(contest, "screening"), contest.call_closes_on + timedelta(days=5))
    _advance(days, kim, lee, screening, contest.screening_ends_on - timedelta(days=4), top_n=10)
    final = _round(days, kim, contest, "final", "trimmed", contest.screening_ends_on + timedelta(days=2),
                   [("본선 전문가 심사단", "expert", 70, experts), ("시민 심사단", "citizen", 30, citizens)])
    assert contest.funding_ends_on is not None
    final_opens = contest.funding_ends_on + timedelta(days=1)
    _open(days, kim, final, final_opens)
    pool = _pool(contest, "final")
    # judge.choi has scored the first four finalists only; the other experts all; 60 citizens all.
    choi = experts[0]
    days.on(final_opens + timedelta(days=1), lambda day: services.conflict_declare(
        actor=choi, today=day, entry_id=pool()[5].pk, reason="심사 대상 기업의 대표와 전 직장 동료입니다"))
    _score(days, marks, final, experts, pool, final_opens + timedelta(days=2),
           skip=lambda judge, entry: judge == choi and entry.pk not in {e.pk for e in pool()[:4]})
    _score(days, marks, final, citizens[:60], pool, final_opens + timedelta(days=4))
    _set_table(days, kim, contest, opens)
    days.run()
    return (f"crowdfunding  {contest.name}: {contest.entries.count()} entries, final open "
            f"({final['round'].scores.count()} scores so far)")


def _jeonju(today: date, kim: User, lee: User, experts: list[User], like: User) -> str:
    """Jeonju's staged community grants: stage 1 (2024) four of eight teams, stage 2 (2025) two of those four, stage
    3 (2026) open for the two."""
    city = _institution(JEONJU_CITY, "municipality", "402-83-0001", Province.JEONBUK, "전주시")
    centre = _institution(JEONJU_CENTRE, "public_institution", "402-82-0002", Province.JEONBUK, "전주시")
    firms = _enterprises(8, prefix="jeonju", province=Province.JEONBUK, districts=["전주시"], like=like, first=30)
    stages: list[Contest] = []
    plan = [  # opens (days ago), award amounts, entrants taken from the previous stage's winners
        (760, [10_000_000, 8_000_000, 6_000_000, 5_000_000], 3),
        (400, [30_000_000, 25_000_000], 2),
    ]
    winners = firms
    for number, (ago, amounts, top) in enumerate(plan, start=1):
        opens = today - timedelta(days=ago)
        contest = _contest(kim, code=f"{JEONJU}-stage-{number}", name=f"전주 공동체 성장 지원 {number}단계",
                           host=city, opens=opens, funding=False, provinces=[Province.JEONBUK],
                           districts=["전주시"], stage=number, previous=stages[-1] if stages else None,
                           target_max=100_000_000 if number == 3 else 30_000_000)
        days = Days()
        _money(days, kim, contest, [(city, sum(amounts) + 10_000_000), (centre, 0)], opens - timedelta(days=10))
        _phases(days, contest)
        entries = _enter(days, contest, winners, opens + timedelta(days=1), [], target=5_000_000 * number)
        marks = Marks(3000 + number)
        screening = _round(days, kim, contest, "screening", "mean", opens + timedelta(days=3),
                           [("서류심사단", "expert", 100, experts)])
        _open(days, kim, screening, contest.call_closes_on + timedelta(days=1))
        _score(days, marks, screening, experts, _pool(contest, "screening"),
               contest.call_closes_on + timedelta(days=3))
        _advance(days, kim, lee, screening, contest.screening_ends_on - timedelta(days=4), top_n=len(amounts) + top)
        final = _round(days, kim, contest, "final", "mean", opens + timedelta(days=4),
                       [("발표심사단", "expert", 100, experts)])
        _open(days, kim, final, contest.screening_ends_on + timedelta(days=1))
        _score(days, marks, final, experts, _pool(contest, "final"), contest.screening_ends_on + timedelta(days=5))
        _advance(days, kim, lee, final, contest.final_ends_on - timedelta(days=4), top_n=len(amounts))
        tiers = [{"name": f"{rank}위", "rank_from": rank, "rank_to": rank, "amount_min": amount, "amount_max": amount}
                 for rank, amount in enumerate(amounts, start=1)]

        def table(day: date, contest: Contest = contest, tiers: list[dict[str, Any]] = tiers) -> None:
            services.award_table_set(actor=kim, today=day, contest_id=contest.pk, tiers=tiers)
        days.on(opens, table)
        _awards(days, kim, lee, contest, contest.final_ends_on + timedelta(days=3), amounts, tranches=1)
        days.run()
        del entries
        stages.append(contest)
        awarded = set(Award.objects.filter(contest=contest, state__in=["approved", "settled"])
                      .values_list("entry__enterprise_id", flat=True))
        winners = [(e, m) for e, m in winners if e.pk in awarded]
    # Stage 3: the call is open; one graduate has submitted, the other is drafting.
    opens = today - timedelta(days=10)
    third = _contest(kim, code=f"{JEONJU}-stage-3", name="전주 공동체 성장 지원 3단계", host=city, opens=opens,
                     funding=False, provinces=[Province.JEONBUK], districts=["전주시"], stage=3,
                     previous=stages[-1], target_max=100_000_000)
    days = Days()
    _money(days, kim, third, [(city, 300_000_000)], opens - timedelta(days=10))
    _phases(days, third)
    _enter(days, third, winners, opens + timedelta(days=1), [], target=60_000_000, submit=1)
    days.run()
    return f"crowdfunding  {third.name}: stages 1-2 closed, {len(winners)} graduates entering stage 3"
