"""factory_boy factories for the shared kernel."""

from __future__ import annotations

from datetime import UTC, datetime

import factory
from django.contrib.auth.models import Group

from enterprises.models import Enterprise, Institution, Membership, Province, User
from enterprises.validators import business_number_check_digit, corporate_number_check_digit
from ledger.models import Book
from ledger.services import account_create

PASSWORD = "correct-horse-battery-staple"


def business_number(n: int) -> str:
    """A valid 10-digit 사업자등록번호 made from a sequence number."""
    first_nine = f"{101 + n % 800:03d}{81 + n % 9:02d}{n % 10000:04d}"
    return first_nine + str(business_number_check_digit(first_nine))


def corporate_number(n: int) -> str:
    first_twelve = f"110111{n % 1000000:06d}"
    return first_twelve + str(corporate_number_check_digit(first_twelve))


def _join(user: User, create: bool, names: list[str] | None) -> None:
    """Put the user in the role groups (they exist: a migration creates them) and save the password."""
    if not create:
        return
    if names:
        user.groups.add(*[Group.objects.get_or_create(name=name)[0] for name in names])
    user.save()


def _role(*names: str) -> factory.PostGeneration:
    return factory.PostGeneration(lambda user, create, extracted, **kw: _join(user, create, extracted or list(names)))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.kr")
    display_name = factory.Sequence(lambda n: f"사용자{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    role_groups = factory.PostGeneration(lambda user, create, extracted, **kw: _join(user, create, extracted))


class ManagerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"manager{n}")
    role_groups = _role("fund_manager")


class AuditorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"auditor{n}")
    role_groups = _role("auditor")


class JudgeFactory(UserFactory):
    username = factory.Sequence(lambda n: f"judge{n}")
    role_groups = _role("judge")


class EvaluatorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"evaluator{n}")
    role_groups = _role("evaluator")


class BankOfficerFactory(UserFactory):
    """A partner bank's officer (은행 담당자): the role, and a bank as the user's institution (a new one unless
    ``institution`` is given)."""

    username = factory.Sequence(lambda n: f"banker{n}")
    institution = factory.SubFactory("tests.factories.InstitutionFactory", kind=Institution.Kind.BANK)
    role_groups = _role("bank_officer")


class InvestorFactory(UserFactory):
    """A user of an investing institution (투자자): the role, and an investor as the user's institution (a new one
    unless ``institution`` is given)."""

    username = factory.Sequence(lambda n: f"investor{n}")
    institution = factory.SubFactory("tests.factories.InstitutionFactory", kind=Institution.Kind.INVESTOR)
    role_groups = _role("investor")


class BackerFactory(UserFactory):
    """A citizen who signed up as a backer (후원자) and verified its email address: user name = the address."""

    username = factory.Sequence(lambda n: f"backer{n}@example.kr")
    email = factory.LazyAttribute(lambda o: o.username)
    email_verified_at = factory.LazyFunction(lambda: datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    role_groups = _role("backer")


class UnverifiedBackerFactory(BackerFactory):
    """A backer that has not opened the link sent to its email address yet."""

    email_verified_at = None


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"기관{n}")
    kind = Institution.Kind.MUNICIPALITY


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"사회적기업{n}")
    kind = Enterprise.Kind.SOCIAL
    business_number = factory.Sequence(business_number)
    representative = "홍길동"
    province = Province.SEOUL
    district = "성동구"
    employees = 10
    vulnerable_employees = 4


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    role = Membership.Role.MEMBER


class BookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Book

    code = factory.Sequence(lambda n: f"book-{n}")
    name = factory.Sequence(lambda n: f"장부 {n}")


def make_accounts(book: Book) -> dict[str, object]:
    """A small chart: cash (no overdraft), capital, receivable, interest income, expense."""
    return {
        "cash": account_create(book=book, code="cash", name="현금", type="asset", no_overdraft=True),
        "capital": account_create(book=book, code="capital", name="출연금", type="equity"),
        "receivable": account_create(book=book, code="receivable", name="대출채권", type="asset", no_overdraft=True),
        "income": account_create(book=book, code="income", name="이자수익", type="income"),
        "expense": account_create(book=book, code="expense", name="비용", type="expense"),
    }
