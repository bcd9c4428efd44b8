"""Users, social economy enterprises, partner institutions and memberships."""
from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .validators import (
    format_business_number,
    format_corporate_number,
    validate_business_number,
    validate_corporate_number,
)


class Province(models.TextChoices):
    """시/도: the 17 top-level regions."""

    SEOUL = "seoul", _("Seoul (서울특별시)")
    BUSAN = "busan", _("Busan (부산광역시)")
    DAEGU = "daegu", _("Daegu (대구광역시)")
    INCHEON = "incheon", _("Incheon (인천광역시)")
    GWANGJU = "gwangju", _("Gwangju (광주광역시)")
    DAEJEON = "daejeon", _("Daejeon (대전광역시)")
    ULSAN = "ulsan", _("Ulsan (울산광역시)")
    SEJONG = "sejong", _("Sejong (세종특별자치시)")
    GYEONGGI = "gyeonggi", _("Gyeonggi (경기도)")
    GANGWON = "gangwon", _("Gangwon (강원특별자치도)")
    CHUNGBUK = "chungbuk", _("North Chungcheong (충청북도)")
    CHUNGNAM = "chungnam", _("South Chungcheong (충청남도)")
    JEONBUK = "jeonbuk", _("Jeonbuk (전북특별자치도)")
    JEONNAM = "jeonnam", _("South Jeolla (전라남도)")
    GYEONGBUK = "gyeongbuk", _("North Gyeongsang (경상북도)")
    GYEONGNAM = "gyeongnam", _("South Gyeongsang (경상남도)")
    JEJU = "jeju", _("Jeju (제주특별자치도)")


class Institution(models.Model):
    """A partner organisation: the city, the intermediary that runs a fund, a bank, a guarantee foundation..."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality (지방자치단체)")
        INTERMEDIARY = "intermediary", _("Intermediary (사회적금융 중개기관)")
        BANK = "bank", _("Bank (은행)")
        CREDIT_GUARANTEE_FOUNDATION = "credit_guarantee_foundation", _("Credit guarantee foundation (신용보증재단)")
        PUBLIC_INSTITUTION = "public_institution", _("Public institution (공공기관)")
        INVESTOR = "investor", _("Investor (투자자)")
        EVALUATOR = "evaluator", _("Evaluator (평가기관)")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    business_number = models.CharField(
        _("business registration number (사업자등록번호)"),
        max_length=10,
        blank=True,
        validators=[validate_business_number],
    )
    province = models.CharField(_("province (시/도)"), max_length=20, choices=Province.choices, blank=True)
    district = models.CharField(_("city/county/district (시/군/구)"), max_length=50, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Kept for now: the API's related-field querysets (Institution.objects.all() in api/fund_serializers.py)
        # list their choices in this order. It goes once they say order_by themselves.
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Roles come from groups (managers, auditors, judges, evaluators) and memberships."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Where a fund manager, auditor or evaluator works."),
    )
    email_verified_at = models.DateTimeField(
        _("email verified at (이메일 인증 일시)"),
        null=True,
        blank=True,
        help_text=_("When the user opened the link sent to its email address; a backer pledges only once it has."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            # One account per email address, whatever its case; users without one (staff made by hand) are free.
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="user_email_unique_ci",
                violation_error_message=_("A user with this email address already exists."),
            ),
        ]

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class Enterprise(models.Model):
    """A social economy enterprise (사회적경제기업)."""

    class Kind(models.TextChoices):
        PRE_SOCIAL = "pre_social", _("Pre-certified social enterprise (예비사회적기업)")
        SOCIAL = "social", _("Social enterprise (사회적기업)")
        VILLAGE = "village", _("Village enterprise (마을기업)")
        COOPERATIVE = "cooperative", _("Cooperative (협동조합)")
        SOCIAL_COOPERATIVE = "social_cooperative", _("Social cooperative (사회적협동조합)")
        SELF_SUFFICIENCY = "self_sufficiency", _("Self-sufficiency enterprise (자활기업)")
        SOCIAL_VENTURE = "social_venture", _("Social venture (소셜벤처)")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    business_number = models.CharField(
        _("business registration number (사업자등록번호)"),
        max_length=10,
        unique=True,
        validators=[validate_business_number],
        help_text=_("10 digits, stored without dashes, shown as 123-45-67890."),
    )
    corporate_number = models.CharField(
        _("corporate registration number (법인등록번호)"),
        max_length=13,
        blank=True,
        validators=[validate_corporate_number],
    )
    representative = models.CharField(_("representative (대표자)"), max_length=100)
    province = models.CharField(_("province (시/도)"), max_length=20, choices=Province.choices)
    district = models.CharField(_("city/county/district (시/군/구)"), max_length=50)
    address = models.CharField(_("address"), max_length=255, blank=True)
    certified_on = models.DateField(_("certified or designated on (인증·지정일)"), null=True, blank=True)
    certification_expires_on = models.DateField(_("certification expires on"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees"), default=0)
    vulnerable_employees = models.PositiveIntegerField(_("vulnerable-group employees (취약계층 고용)"), default=0)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Kept for now: the API's related-field querysets (api/fund_serializers.py, api/fund_views.py) list their
        # choices in this order. It goes once they say order_by themselves.
        ordering = ["name", "id"]
        verbose_name = _("social economy enterprise")
        verbose_name_plural = _("social economy enterprises")
        constraints = [
            models.CheckConstraint(
                condition=Q(vulnerable_employees__lte=F("employees")),
                name="enterprise_vulnerable_within_employees",
                violation_error_message=_("vulnerable-group employees cannot exceed employees"),
            ),
            models.CheckConstraint(
                condition=Q(certification_expires_on__isnull=True)
                | Q(certified_on__isnull=True)
                | Q(certification_expires_on__gte=F("certified_on")),
                name="enterprise_certification_expiry_after_start",
                violation_error_message=_("certification cannot expire before it was granted"),
            ),
            models.CheckConstraint(
                condition=Q(business_number__regex=r"^[0-9]{10}$"),
                name="enterprise_business_number_ten_digits",
            ),
            models.CheckConstraint(
                condition=Q(corporate_number="") | Q(corporate_number__regex=r"^[0-9]{13}$"),
                name="enterprise_corporate_number_thirteen_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def business_number_display(self) -> str:
        return format_business_number(self.business_number)

    @property
    def corporate_number_display(self) -> str:
        return format_corporate_number(self.corporate_number) if self.corporate_number else ""


class Membership(models.Model):
    """A user who acts for an enterprise."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner (대표)")
        MEMBER = "member", _("Member (구성원)")
        BOOKKEEPER = "bookkeeper", _("Bookkeeper (회계 담당)")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "enterprise"], name="membership_unique_user_enterprise")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise} ({self.role})"
