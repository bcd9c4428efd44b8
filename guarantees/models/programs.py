"""Special guarantee programs (특례보증 사업) and the money paid into them (출연금)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import won_field
from enterprises.models import Institution
from ledger.models import Book, Journal

# Every rate of a program is an annual rate as a fraction, at most the legal maximum (이자제한법: 20 % a year).
MAX_RATE = Decimal("0.20000")
# The rounding units the city may name (국고금관리법 s47 drops amounts under 10 won).
ROUNDING_UNITS = (1, 10, 100)
ROUNDING_UNIT_CHOICES = [(unit, str(unit)) for unit in ROUNDING_UNITS]
ROUNDING_MODE_CHOICES = [
    ("floor", _("Floor (절사)")), ("half_up", _("Half up (반올림)")), ("ceil", _("Ceiling (절상)")),
]
ROUNDING_MODES = tuple(mode for mode, _label in ROUNDING_MODE_CHOICES)


def _rate(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """An annual rate as a fraction, from 0 to the legal maximum: 0.00800 is 0.8 %."""
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=5,
                               validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_RATE)], **kwargs)


class ContributionSource(models.TextChoices):
    CITY = "city", _("City or district (지자체 출연)")
    BANK = "bank", _("Bank (은행 출연)")
    OTHER = "other", _("Other (기타)")


class SubsidyPayee(models.TextChoices):
    BANK = "bank", _("The bank (은행)")
    FIRM = "firm", _("The enterprise (기업)")


class GuaranteeProgram(models.Model):
    """A special guarantee program (특례보증 사업) of one year, run by a credit guarantee foundation with partner
    banks, with its own book of accounts."""

    objects: models.Manager[GuaranteeProgram] = models.Manager()

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    foundation = models.ForeignKey(Institution, verbose_name=_("credit guarantee foundation (신용보증재단)"),
                                   on_delete=models.PROTECT, related_name="+")
    partner_banks = models.ManyToManyField(Institution, verbose_name=_("partner banks (협약은행)"), blank=True,
                                           related_name="+")
    book = models.OneToOneField(Book, on_delete=models.PROTECT, related_name="guarantee_program")
    multiple = models.DecimalField(_("multiple (보증배수)"), max_digits=6, decimal_places=2,
                                   validators=[MinValueValidator(Decimal("0.01"))])
    per_firm_limit = won_field(_("limit per enterprise (업체당 한도)"))
    guarantee_ratio = models.DecimalField(
        _("guarantee ratio (보증비율)"), max_digits=3, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(1))],
        help_text=_("The share of each loan guaranteed: 1.00, 0.90, 0.85."))
    fee_rate = _rate(_("annual fee rate (보증료율)"))
    city_fee_rate = _rate(_("city's share of the fee rate (보증료 지원)"), default=Decimal(0),
                          help_text=_("In percentage points of the fee rate; never above it."))
    subsidy_rate = _rate(_("interest subsidy rate (이차보전)"), default=Decimal(0))
    subsidy_months = models.PositiveSmallIntegerField(_("interest subsidy months"), default=0,
                                                      validators=[MaxValueValidator(120)])
    subsidy_payee = models.CharField(_("interest subsidy paid to"), max_length=10, choices=SubsidyPayee.choices,
                                     default=SubsidyPayee.BANK)
    late_damages_rate = _rate(_("late damages rate on claims (구상채권 지연손해금)"), default=Decimal("0.12000"))
    eligible_kinds = models.JSONField(_("eligible enterprise kinds"), default=list,
                                      help_text=_("Which kinds of enterprise may be guaranteed."))
    opens_on = models.DateField(_("applications open on"))
    closes_on = models.DateField(_("applications close on"))
    rounding_unit = models.PositiveSmallIntegerField(
        _("rounding unit (won)"), choices=ROUNDING_UNIT_CHOICES, default=10)
    rounding_mode = models.CharField(_("rounding mode"), max_length=10, choices=ROUNDING_MODE_CHOICES,
                                     default="floor")
    subsidy_period = models.CharField(_("interest subsidy run period"), max_length=10,
                                      choices=[("monthly", _("Monthly")), ("quarterly", _("Quarterly"))],
                                      default="monthly")
    # The capacity in use: what approved guarantees commit and active ones guarantee (guaranteed balance), moved only
    # under this row's lock, in the transaction that changes a guarantee (capacity check: committed <= capacity).
    committed = won_field(_("capacity in use"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guarantee program")
        verbose_name_plural = _("guarantee programs")
        constraints = [
            models.CheckConstraint(condition=Q(multiple__gt=0), name="program_multiple_positive"),
            models.CheckConstraint(condition=Q(per_firm_limit__gt=0), name="program_per_firm_limit_positive"),
            models.CheckConstraint(condition=Q(guarantee_ratio__gt=0) & Q(guarantee_ratio__lte=1),
                                   name="program_ratio_in_range"),
            models.CheckConstraint(condition=Q(fee_rate__gte=0) & Q(fee_rate__lte=MAX_RATE),
                                   name="program_fee_rate_in_range"),
            models.CheckConstraint(condition=Q(city_fee_rate__gte=0) & Q(city_fee_rate__lte=F("fee_rate")),
                                   name="program_city_rate_within_fee_rate"),
            models.CheckConstraint(condition=Q(subsidy_rate__gte=0) & Q(subsidy_rate__lte=MAX_RATE),
                                   name="program_subsidy_rate_in_range"),
            models.CheckConstraint(condition=Q(late_damages_rate__gte=0) & Q(late_damages_rate__lte=MAX_RATE),
                                   name="program_late_damages_rate_in_range"),
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="program_window_in_order"),
            models.CheckConstraint(condition=Q(rounding_unit__in=ROUNDING_UNITS), name="program_rounding_unit"),
            models.CheckConstraint(condition=Q(rounding_mode__in=ROUNDING_MODES), name="program_rounding_mode"),
            models.CheckConstraint(condition=Q(committed__gte=0), name="program_committed_not_negative"),
            models.CheckConstraint(condition=Q(subsidy_period__in=["monthly", "quarterly"]),
                                   name="program_subsidy_period"),
        ]

    def __str__(self) -> str:
        return self.name


class ProgramContribution(models.Model):
    """Money paid into a program (출연금), by source."""

    objects: models.Manager[ProgramContribution] = models.Manager()

    program = models.ForeignKey(GuaranteeProgram, on_delete=models.PROTECT, related_name="contributions")
    source = models.CharField(_("source"), max_length=20, choices=ContributionSource.choices)
    contributor = models.ForeignKey(Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount = won_field(_("amount"))
    received_on = models.DateField(_("received on"))
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="+")
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("program contribution")
        verbose_name_plural = _("program contributions")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="program_contribution_amount_positive"),
            models.UniqueConstraint(fields=["program", "idempotency_key"],
                                    name="program_contribution_unique_key_per_program"),
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.source} {self.amount}"
