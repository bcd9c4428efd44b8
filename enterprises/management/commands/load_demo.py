"""``manage.py load_demo``: a believable Korean demo dataset, loaded idempotently.

``make demo`` runs this on every start, so a second run must change nothing and must not fail: institutions are
matched by name, enterprises by business registration number, users by user name, memberships by (user,
enterprise); what exists is left as it is. Only the demo users' password is set again, so that a changed
``DEMO_PASSWORD`` takes effect.

All names, numbers, addresses and phone numbers are invented, except the public bodies (성동구청, 대구광역시,
대구신용보증재단), whose registration numbers are invented too. Registration numbers are written below as their
first digits; the check digit is computed with ``enterprises.validators``, never typed by hand.

The data lives in the constants at the top, one per kind of thing, so later issues can add funds, loan products,
guarantee programs, contests and bonds as further constants and loader steps.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.module_loading import import_string

from enterprises.models import Enterprise, Institution, Membership, Province, User
from enterprises.roles import Role, roles_of
from enterprises.services import enterprise_create, institution_create, membership_grant
from enterprises.validators import business_number_check_digit, corporate_number_check_digit

DEFAULT_PASSWORD = "demo-pass-2026"


def business_number(first_nine: str) -> str:
    """'206-86-1234' -> '2068612345': the given nine digits plus their 사업자등록번호 check digit."""
    digits = first_nine.replace("-", "")
    return digits + str(business_number_check_digit(digits))


def corporate_number(first_twelve: str) -> str:
    """'110111-712345' -> the thirteen digits of a 법인등록번호 with its check digit."""
    digits = first_twelve.replace("-", "")
    return digits + str(corporate_number_check_digit(digits))


# ---------------------------------------------------------------------------------------------------------------
# Partner institutions (Institution). Keyed by name.

SEONGDONG = "서울특별시 성동구청"
INTERMEDIARY = "(재)한결사회가치금융재단"
DAEGU = "대구광역시"
DAEGU_GUARANTEE = "대구신용보증재단"
BANK = "(주)달빛은행"
EVALUATOR = "서울숲대학교 사회성과평가센터"

INSTITUTIONS: list[dict[str, Any]] = [
    {
        "name": SEONGDONG,
        "kind": Institution.Kind.MUNICIPALITY,
        "business_number": business_number("206-83-0041"),  # 83: 국가기관·지방자치단체
        "province": Province.SEOUL,
        "district": "성동구",
        "contact_name": "이서연 (사회적경제과)",
        "phone": "02-2286-6417",
        "email": "social-economy@seongdong.example.com",
    },
    {
        "name": INTERMEDIARY,
        "kind": Institution.Kind.INTERMEDIARY,
        "business_number": business_number("206-82-6153"),  # 82: 비영리법인
        "province": Province.SEOUL,
        "district": "성동구",
        "contact_name": "김민준 (기금운용팀)",
        "phone": "02-6952-0310",
        "email": "fund@hangyeol-finance.example.com",
    },
    {
        "name": DAEGU,
        "kind": Institution.Kind.MUNICIPALITY,
        "business_number": business_number("503-83-0025"),
        "province": Province.DAEGU,
        "district": "중구",
        "contact_name": "사회적경제과",
        "phone": "053-803-3620",
        "email": "social-economy@daegu.example.com",
    },
    {
        "name": DAEGU_GUARANTEE,
        "kind": Institution.Kind.CREDIT_GUARANTEE_FOUNDATION,
        "business_number": business_number("503-82-0317"),
        "province": Province.DAEGU,
        "district": "중구",
        "contact_name": "특례보증부",
        "phone": "053-560-6215",
        "email": "guarantee@daegu-cgf.example.com",
    },
    {
        "name": BANK,
        "kind": Institution.Kind.BANK,
        "business_number": business_number("504-81-2209"),  # 81: 영리법인 본점
        "province": Province.DAEGU,
        "district": "북구",
        "contact_name": "사회적금융팀",
        "phone": "053-740-2871",
        "email": "social@dalbit-bank.example.com",
    },
    {
        "name": EVALUATOR,
        "kind": Institution.Kind.EVALUATOR,
        "business_number": business_number("206-82-7720"),
        "province": Province.SEOUL,
        "district": "성동구",
        "contact_name": "정하늘 (연구교수)",
        "phone": "02-2220-4715",
        "email": "impact@seoulsoop-univ.example.com",
    },
]

# ---------------------------------------------------------------------------------------------------------------
# Social economy enterprises (Enterprise), created through enterprises.services.enterprise_create. Keyed by
# business registration number. Mostly 성동구, Seoul (the revolving fund); some 대구 (guarantees, the contest).

SEOULSOOP_COFFEE = business_number("206-86-3041")
OKSU_MAEUL_BAPSANG = business_number("206-87-1127")

ENTERPRISES: list[dict[str, Any]] = [
    {
        "name": "주식회사 왕십리돌봄",
        "kind": Enterprise.Kind.SOCIAL,
        "business_number": business_number("206-81-5537"),
        "corporate_number": corporate_number("110111-512874"),
        "representative": "이정미",
        "province": Province.SEOUL,
        "district": "성동구",
        "address": "서울특별시 성동구 왕십리로 222, 4층",
        "certified_on": date(2018, 12, 20),
        "employees": 34,
        "vulnerable_employees": 21,
        "founded_on": date(2014, 6, 10),
        "phone": "02-2293-1870",
        "email": "care@wangsimni-care.example.com",
    },
    {
        "name": "주식회사 응봉리사이클랩",
        "kind": Enterprise.Kind.PRE_SOCIAL,
        "business_number": business_number("206-86-7402"),
        "corporate_number": corporate_number("110111-804519"),
        "representative": "최우진",
        "province": Province.SEOUL,
        "district": "성동구",
        "address": "서울특별시 성동구 고산자로 180, 지하1층",
        "certified_on": date(2024, 6, 1),  # 예비사회적기업 지정: 3 years
        "certification_expires_on": date(2027, 5, 31),
        "employees": 6,
        "vulnerable_employees": 2,
        "founded_on": date(2022, 9, 1),
        "phone": "02-2281-0456",
        "email": "lab@eungbong-recycle.example.com",
    },
    {
        "name": "옥수마을밥상협동조합",
        "kind": Enterprise.Kind.VILLAGE,
        "business_number": OKSU_MAEUL_BAPSANG,
        "corporate_number": corporate_number("110171-008432"),
        "representative": "정순자",
        "province": Province.SEOUL,
        "district": "성동구",
        "address": "서울특별시 성동구 독서당로 281, 1층",
        "certified_on": date(2022, 4, 15),  # 마을기업 지정
        "employees": 8,
        "vulnerable_employees": 5,
        "founded_on": date(2020, 11, 3),
        "phone": "02-2297-3364",
        "email": "bapsang@oksu-village.example.com",
    },
    {
        "name": "서울숲커피협동조합",
        "kind": Enterprise.Kind.COOPERATIVE,
        "business_number": SEOULSOOP_COFFEE,
        "corporate_number": corporate_number("110171-006218"),
        "representative": "윤재호",
        "province": Province.SEOUL,
        "district": "성동구",
        "address": "서울특별시 성동구 서울숲2길 32-14",
        "employees": 9,
        "vulnerable_employees": 2,
        "founded_on": date(2019, 4, 22),
        "phone": "02-462-7705",
        "email": "coop@seoulsoop-coffee.example.com",
    },
    {
        "name": "행당다함께의료사회적협동조합",
        "kind": Enterprise.Kind.SOCIAL_COOPERATIVE,
        "business_number": business_number("206-82-4458"),
        "corporate_number": corporate_number("110172-001396"),
        "representative": "강은주",
        "province": Province.SEOUL,
        "district": "성동구",
        "address": "서울특별시 성동구 행당로 79, 2층",
        "certified_on": date(2017, 9, 12),  # 설립 인가
        "employees": 27,
        "vulnerable_employees": 9,
        "founded_on": date(2017, 10, 2),
        "phone": "02-2295-8841",
        "email": "clinic@haengdang-coop.example.com",
    },
    {
        # 개인사업자 (sole proprietorship): no 법인등록번호.
        "name": "성동클린케어",
        "kind": Enterprise.Kind.SELF_SUFFICIENCY,
        "business_number": business_number("206-23-6819"),
        "representative": "김영수",
        "province": Province.SEOUL,
        "district": "성동구",
        "address": "서울특별시 성동구 마조로 15, 지하1층",
        "certified_on": date(2021, 2, 1),  # 자활기업 인정
        "employees": 7,
        "vulnerable_employees": 6,
        "founded_on": date(2019, 1, 15),
        "phone": "02-2282-9013",
    },
    {
        "name": "주식회사 한땀슈즈",
        "kind": Enterprise.Kind.SOCIAL_VENTURE,
        "business_number": business_number("206-86-9135"),
        "corporate_number": corporate_number("110111-739205"),
        "representative": "박지훈",
        "province": Province.SEOUL,
        "district": "성동구",
        "address": "서울특별시 성동구 연무장길 45, 2층",
        "certified_on": date(2023, 5, 15),  # 소셜벤처 판별
        "employees": 12,
        "vulnerable_employees": 3,
        "founded_on": date(2021, 3, 2),
        "phone": "02-464-2231",
        "email": "hello@hantteum-shoes.example.com",
    },
    {
        "name": "주식회사 동성로두레베이커리",
        "kind": Enterprise.Kind.SOCIAL,
        "business_number": business_number("503-86-1904"),
        "corporate_number": corporate_number("170111-064127"),
        "representative": "서민재",
        "province": Province.DAEGU,
        "district": "중구",
        "address": "대구광역시 중구 동성로3길 12",
        "certified_on": date(2020, 6, 30),
        "employees": 15,
        "vulnerable_employees": 8,
        "founded_on": date(2016, 8, 19),
        "phone": "053-255-1904",
        "email": "dure@dongseongro-bakery.example.com",
    },
    {
        "name": "칠성텃밭영농조합법인",
        "kind": Enterprise.Kind.VILLAGE,
        "business_number": business_number("504-81-7736"),
        "corporate_number": corporate_number("170145-002871"),
        "representative": "배상철",
        "province": Province.DAEGU,
        "district": "북구",
        "address": "대구광역시 북구 칠성시장로 7",
        "certified_on": date(2023, 3, 20),  # 마을기업 지정
        "employees": 5,
        "vulnerable_employees": 3,
        "founded_on": date(2021, 5, 11),
        "phone": "053-353-7736",
    },
    {
        "name": "주식회사 달구벌공정여행",
        "kind": Enterprise.Kind.PRE_SOCIAL,
        "business_number": business_number("515-86-0528"),
        "corporate_number": corporate_number("170111-091584"),
        "representative": "문하린",
        "province": Province.DAEGU,
        "district": "수성구",
        "address": "대구광역시 수성구 들안로 118, 5층",
        "certified_on": date(2025, 1, 1),  # 예비사회적기업 지정
        "certification_expires_on": date(2027, 12, 31),
        "employees": 4,
        "vulnerable_employees": 1,
        "founded_on": date(2023, 2, 6),
        "phone": "053-767-0528",
        "email": "trip@dalgubeol-travel.example.com",
    },
]

# ---------------------------------------------------------------------------------------------------------------
# People. Keyed by user name; all get the demo password.


@dataclass(frozen=True)
class DemoUser:
    username: str
    last_name: str  # family name (성)
    first_name: str  # given name (이름)
    groups: tuple[str, ...] = ()
    institution: str | None = None  # an Institution's name
    superuser: bool = False
    title: str = ""  # shown instead of the name when set

    @property
    def display_name(self) -> str:
        return self.title or f"{self.last_name}{self.first_name}"

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"


USERS: list[DemoUser] = [
    DemoUser("admin", "", "", superuser=True, title="시스템 관리자"),
    DemoUser("manager.kim", "김", "민준", groups=(Role.FUND_MANAGER,), institution=INTERMEDIARY),
    DemoUser("manager.lee", "이", "서연", groups=(Role.FUND_MANAGER,), institution=SEONGDONG),
    DemoUser("auditor.park", "박", "수진", groups=(Role.AUDITOR,), institution=SEONGDONG),
    DemoUser("judge.choi", "최", "은영", groups=(Role.JUDGE,), institution=BANK),
    DemoUser("evaluator.jung", "정", "하늘", groups=(Role.EVALUATOR,), institution=EVALUATOR),
    DemoUser("bank.officer", "윤", "재호", groups=(Role.BANK_OFFICER,), institution=BANK),
    DemoUser("coop.member", "한", "도윤"),
    DemoUser("village.member", "오", "미숙"),
]

# Who acts for which enterprise: (user name, business registration number, role).
MEMBERSHIPS: list[tuple[str, str, str]] = [
    ("coop.member", SEOULSOOP_COFFEE, Membership.Role.MEMBER),
    ("village.member", OKSU_MAEUL_BAPSANG, Membership.Role.MEMBER),
]

# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one loader step created and what it found already there."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)

    def line(self, label: str) -> str:
        text = f"{label:<13} {len(self.created)} created, {len(self.existing)} already there"
        return f"{text}: {', '.join(self.created)}" if self.created else text


def load_institutions(tally: Tally) -> dict[str, Institution]:
    by_name = {i.name: i for i in Institution.objects.filter(name__in=[d["name"] for d in INSTITUTIONS])}
    for data in INSTITUTIONS:
        if data["name"] in by_name:
            tally.existing.append(data["name"])
            continue
        by_name[data["name"]] = institution_create(actor=None, data=data)
        tally.created.append(data["name"])
    return by_name


def load_enterprises(tally: Tally) -> dict[str, Enterprise]:
    numbers = [d["business_number"] for d in ENTERPRISES]
    by_number = {e.business_number: e for e in Enterprise.objects.filter(business_number__in=numbers)}
    for data in ENTERPRISES:
        if data["business_number"] in by_number:
            tally.existing.append(by_number[data["business_number"]].name)
            continue
        by_number[data["business_number"]] = enterprise_create(actor=None, data=data)
        tally.created.append(data["name"])
    return by_number


def load_users(tally: Tally, password: str, institutions: dict[str, Institution]) -> dict[str, User]:
    """Create the demo users that are missing; give every one its groups and the current password."""
    users: dict[str, User] = {}
    for spec in USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(
                username=spec.username,
                last_name=spec.last_name,
                first_name=spec.first_name,
                display_name=spec.display_name,
                email=spec.email,
                institution=institutions[spec.institution] if spec.institution else None,
                is_staff=spec.superuser,
                is_superuser=spec.superuser,
            )
            user.set_password(password)
            user.save()
            tally.created.append(spec.username)
        else:
            # Hashing again when the password is unchanged would rewrite the row on every run.
            if not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            tally.existing.append(spec.username)
        missing = set(spec.groups) - set(user.groups.values_list("name", flat=True))
        if missing:
            user.groups.add(*[Group.objects.get_or_create(name=name)[0] for name in sorted(missing)])
        users[spec.username] = user
    return users


def load_memberships(tally: Tally, users: dict[str, User], enterprises: dict[str, Enterprise]) -> None:
    for username, number, role in MEMBERSHIPS:
        user, enterprise = users[username], enterprises[number]
        label = f"{username}@{enterprise.name}"
        if Membership.objects.filter(user=user, enterprise=enterprise).exists():
            tally.existing.append(label)
            continue
        membership_grant(actor=None, user=user, enterprise=enterprise, role=role)
        tally.created.append(label)


def representatives_as_members(pairs: list[tuple[str, str]], like: User) -> dict[str, User]:
    """Each enterprise's representative (대표) as a member (owner) of it, under the user name given in ``pairs``
    ((user name, business number)), with the demo users' password: the hash of ``like``'s, copied, so that a changed
    DEMO_PASSWORD reaches them too and no hashing is spent. For the instruments' demos, whose applicants are the
    enterprises' own people. Users and memberships that exist are left as they are (their password refreshed)."""
    from enterprises.services import membership_grant

    enterprises = {e.business_number: e for e in Enterprise.objects.filter(business_number__in=[n for _u, n in pairs])}
    members = {}
    for username, number in pairs:
        enterprise = enterprises[number]
        user = User.objects.filter(username=username).first()
        if user is None:
            name = enterprise.representative
            user = User.objects.create(
                username=username, last_name=name[:1], first_name=name[1:], display_name=name,
                email=f"{username}@example.com", password=like.password,
            )
        elif user.password != like.password:
            user.password = like.password
            user.save(update_fields=["password"])
        if not Membership.objects.filter(user=user, enterprise=enterprise).exists():
            membership_grant(actor=None, user=user, enterprise=enterprise, role=Membership.Role.OWNER)
        members[username] = user
    return members


def choose_password(option: str | None) -> tuple[str, str]:
    """The demo password and where it came from: ``--password``, then ``DEMO_PASSWORD``, then the default."""
    if option is not None:
        if not option:
            raise CommandError("--password must not be empty")
        return option, "--password"
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"], "DEMO_PASSWORD"
    return DEFAULT_PASSWORD, "default"


class Command(BaseCommand):
    help = (
        "Load the Korean demo dataset: institutions, social economy enterprises, managers, an auditor, a judge, an "
        "evaluator, enterprise members and an admin. Idempotent; the users' password is set again on every run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help=f"password for every demo user (default: $DEMO_PASSWORD, else {DEFAULT_PASSWORD!r})",
        )

    def handle(self, *args: Any, password: str | None = None, **options: Any) -> None:
        password, source = choose_password(password)
        tallies = {name: Tally() for name in ("institutions", "enterprises", "users", "memberships")}
        with transaction.atomic():
            institutions = load_institutions(tallies["institutions"])
            enterprises = load_enterprises(tallies["enterprises"])
            users = load_users(tallies["users"], password, institutions)
            load_memberships(tallies["memberships"], users, enterprises)
            # Instruments add their own demo data (settings.DEMO_EXTENSIONS), so this kernel module does not
            # import them: each is a function taking the demo users and returning lines to print.
            extension_lines = [
                line for path in settings.DEMO_EXTENSIONS for line in import_string(path)(users)
            ]

        self.stdout.write("Demo data:")
        for name, tally in tallies.items():
            self.stdout.write(f"  {tally.line(name)}")
        for line in extension_lines:
            self.stdout.write(f"  {line}")
        self.stdout.write("Demo users:")
        for spec in USERS:
            self.stdout.write(f"  {_describe(User.objects.select_related('institution').get(username=spec.username))}")
        if source == "default":
            self.stdout.write(
                f"Password of every demo user: {DEFAULT_PASSWORD} "
                "(the default; set DEMO_PASSWORD or pass --password to choose another)"
            )
        else:
            self.stdout.write(f"Password of every demo user: the one given by {source}")


def _describe(user: User) -> str:
    roles = ", ".join(sorted(roles_of(user))) or "-"
    where = user.institution.name if user.institution else ""
    enterprises = ", ".join(
        f"{m.enterprise.name} ({m.role})" for m in user.memberships.select_related("enterprise").order_by("id")
    )
    details = "; ".join(part for part in (where, enterprises) if part)
    return f"{user.username:<15} {user.display_name:<8} {roles:<18} {details}".rstrip()
