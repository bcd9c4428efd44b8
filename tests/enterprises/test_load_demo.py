"""manage.py load_demo: the demo dataset is complete, valid, audited, and loading it again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from core.audit import audit_seal, audit_verify
from core.models import AuditEvent
from enterprises.management.commands import load_demo
from enterprises.models import Enterprise, Institution, Membership, Province, User
from enterprises.roles import Role, roles_of
from enterprises.validators import normalize_business_number, normalize_corporate_number
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

DEMO_USERNAMES = {
    "admin",
    "manager.kim",
    "manager.lee",
    "auditor.park",
    "judge.choi",
    "evaluator.jung",
    "bank.officer",
    "coop.member",
    "village.member",
}


def run(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def user(username: str) -> User:
    return User.objects.select_related("institution").get(username=username)


def everything() -> dict[str, list]:
    """Every row the command may touch, as plain values, to compare one run with the next. The audit events are
    sealed first, as the commit of each run would have sealed them."""
    audit_seal()
    return {
        "institutions": list(Institution.objects.order_by("pk").values()),
        "enterprises": list(Enterprise.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values()),
        "groups": list(User.groups.through.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "audit": list(AuditEvent.objects.order_by("seq").values("seq", "hash")),
    }


@pytest.fixture(autouse=True)
def _kernel_only(settings) -> None:
    """These tests are about the kernel's data. The instruments' demo data (settings.DEMO_EXTENSIONS) has its own
    tests (tests/funds/test_demo.py); loading the fund's two years of loan history in each test here would take
    minutes."""
    settings.DEMO_EXTENSIONS = []


@pytest.fixture
def demo_password(monkeypatch) -> str:
    monkeypatch.setenv("DEMO_PASSWORD", "seongdong-fund-2026")
    return "seongdong-fund-2026"


@pytest.fixture
def loaded(demo_password) -> str:
    return run()


def test_the_demo_users_exist_with_their_roles(loaded):
    expected = {
        "admin": {Role.ADMIN},
        "manager.kim": {Role.FUND_MANAGER},
        "manager.lee": {Role.FUND_MANAGER},
        "auditor.park": {Role.AUDITOR},
        "judge.choi": {Role.JUDGE},
        "evaluator.jung": {Role.EVALUATOR},
        "bank.officer": {Role.BANK_OFFICER},
        "coop.member": {Role.ENTERPRISE_MEMBER},
        "village.member": {Role.ENTERPRISE_MEMBER},
    }
    assert {name: roles_of(user(name)) for name in expected} == expected
    admin = user("admin")
    assert admin.is_superuser and admin.is_staff


def test_the_demo_users_have_korean_display_names(loaded):
    for name in DEMO_USERNAMES:
        display = user(name).display_name
        assert display and any("가" <= char <= "힣" for char in display), name


def test_the_managers_work_at_the_intermediary_and_the_municipality(loaded):
    kinds = {user("manager.kim").institution.kind, user("manager.lee").institution.kind}
    assert kinds == {Institution.Kind.INTERMEDIARY, Institution.Kind.MUNICIPALITY}
    assert user("evaluator.jung").institution.kind == Institution.Kind.EVALUATOR
    assert user("bank.officer").institution.kind == Institution.Kind.BANK


def test_the_partner_institutions_cover_the_four_instruments(loaded):
    kinds = set(Institution.objects.values_list("kind", flat=True))
    assert {
        Institution.Kind.MUNICIPALITY,
        Institution.Kind.INTERMEDIARY,
        Institution.Kind.CREDIT_GUARANTEE_FOUNDATION,
        Institution.Kind.BANK,
        Institution.Kind.EVALUATOR,
    } <= kinds
    assert Institution.objects.filter(name="서울특별시 성동구청", kind=Institution.Kind.MUNICIPALITY).exists()


def test_the_enterprise_members_belong_to_a_cooperative_and_a_village_enterprise(loaded):
    coop = Membership.objects.select_related("enterprise").get(user__username="coop.member")
    village = Membership.objects.select_related("enterprise").get(user__username="village.member")
    assert coop.enterprise.kind == Enterprise.Kind.COOPERATIVE
    assert village.enterprise.kind == Enterprise.Kind.VILLAGE


def test_there_are_at_least_six_enterprises_of_at_least_six_kinds(loaded):
    assert Enterprise.objects.count() >= 6
    assert len(set(Enterprise.objects.values_list("kind", flat=True))) >= 6


def test_the_enterprises_are_mostly_in_seongdong_and_some_in_daegu(loaded):
    seongdong = Enterprise.objects.filter(province=Province.SEOUL, district="성동구").count()
    daegu = Enterprise.objects.filter(province=Province.DAEGU).count()
    assert seongdong > Enterprise.objects.count() / 2
    assert daegu >= 1


def test_every_registration_number_passes_its_checksum(loaded):
    for enterprise in Enterprise.objects.all():
        assert normalize_business_number(enterprise.business_number) == enterprise.business_number
        if enterprise.corporate_number:
            assert normalize_corporate_number(enterprise.corporate_number) == enterprise.corporate_number
    for institution in Institution.objects.exclude(business_number=""):
        assert normalize_business_number(institution.business_number) == institution.business_number
    assert Enterprise.objects.exclude(corporate_number="").exists()


def test_the_enterprise_details_are_filled_in_and_consistent(loaded):
    for enterprise in Enterprise.objects.all():
        assert enterprise.representative and enterprise.phone and enterprise.founded_on
        assert enterprise.employees > 0
        assert enterprise.vulnerable_employees <= enterprise.employees
    assert Enterprise.objects.filter(vulnerable_employees__gt=0).exists()
    assert Enterprise.objects.exclude(certified_on=None).exists()


def test_the_enterprises_memberships_and_institutions_are_in_the_audit_trail(loaded):
    assert AuditEvent.objects.filter(action="enterprises.enterprise.create").count() == Enterprise.objects.count()
    assert AuditEvent.objects.filter(action="enterprises.membership.grant").count() == Membership.objects.count()
    assert AuditEvent.objects.filter(action="enterprises.institution.create").count() == Institution.objects.count()
    audit_seal()
    assert audit_verify().ok


def test_a_second_run_changes_nothing_and_says_everything_is_already_there(loaded):
    before = everything()
    output = run()
    assert everything() == before
    assert "0 created" in output
    for section in ("institutions", "enterprises", "users", "memberships"):
        line = next(line for line in output.splitlines() if line.strip().startswith(section))
        assert " 0 created" in line, line
    assert audit_verify().ok


def test_the_summary_lists_the_users_and_their_roles(loaded):
    for name in DEMO_USERNAMES:
        assert name in loaded
    user_lines = {line.split()[0]: line for line in loaded.split("Demo users:")[1].splitlines() if line.strip()}
    assert "fund_manager" in user_lines["manager.kim"]
    assert "(재)한결사회가치금융재단" in user_lines["manager.kim"]
    assert "enterprise_member" in user_lines["coop.member"]
    assert "서울숲커피협동조합" in user_lines["coop.member"]


def test_demo_password_from_the_environment_is_used_and_not_printed(loaded, demo_password):
    for name in DEMO_USERNAMES:
        assert user(name).check_password(demo_password), name
    assert demo_password not in loaded
    assert "DEMO_PASSWORD" in loaded


def test_a_changed_demo_password_takes_effect_on_the_next_run(loaded, monkeypatch):
    counts = (User.objects.count(), Enterprise.objects.count(), Membership.objects.count())
    monkeypatch.setenv("DEMO_PASSWORD", "a-new-password-2027")
    run()
    for name in DEMO_USERNAMES:
        assert user(name).check_password("a-new-password-2027"), name
        assert not user(name).check_password("seongdong-fund-2026"), name
    assert (User.objects.count(), Enterprise.objects.count(), Membership.objects.count()) == counts


def test_the_password_option_wins_over_the_environment(demo_password):
    run("--password", "from-the-option-1")
    assert user("manager.lee").check_password("from-the-option-1")
    assert not user("manager.lee").check_password(demo_password)


def test_an_empty_password_option_is_refused(db):
    with pytest.raises(CommandError):
        run("--password", "")
    assert not User.objects.exists()


def test_without_a_password_the_default_is_used_and_printed(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    output = run()
    assert load_demo.DEFAULT_PASSWORD in output
    assert user("auditor.park").check_password(load_demo.DEFAULT_PASSWORD)


def test_an_enterprise_already_registered_with_a_demo_number_is_kept_and_not_duplicated(demo_password):
    number = load_demo.SEOULSOOP_COFFEE
    existing = EnterpriseFactory(business_number=number, name="이미 등록된 협동조합", kind=Enterprise.Kind.COOPERATIVE)
    output = run()
    assert Enterprise.objects.filter(business_number=number).get() == existing
    assert Enterprise.objects.get(pk=existing.pk).name == "이미 등록된 협동조합"
    assert Membership.objects.get(user__username="coop.member").enterprise == existing
    assert "1 already there" in next(line for line in output.splitlines() if "enterprises" in line)


def test_an_existing_user_keeps_its_details_but_gets_its_role_group_and_the_password(demo_password):
    User.objects.create_user(username="auditor.park", password="old-password-0", display_name="박 감사")
    run()
    auditor = user("auditor.park")
    assert auditor.display_name == "박 감사"
    assert auditor.groups.filter(name="auditor").exists()
    assert auditor.check_password(demo_password)
    assert User.objects.filter(username="auditor.park").count() == 1


def test_the_command_uses_the_role_groups_the_migration_created_and_adds_none(demo_password):
    groups = set(Group.objects.values_list("pk", "name"))
    run()
    assert set(Group.objects.values_list("pk", "name")) == groups


def test_the_data_at_the_top_of_the_module_has_valid_numbers_and_distinct_keys():
    numbers = [data["business_number"] for data in load_demo.ENTERPRISES]
    assert len(set(numbers)) == len(numbers)
    names = [data["name"] for data in load_demo.INSTITUTIONS]
    assert len(set(names)) == len(names)
    assert {spec.username for spec in load_demo.USERS} == DEMO_USERNAMES
    for number in numbers:
        normalize_business_number(number)
