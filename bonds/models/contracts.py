"""Social impact bond contracts (사회성과보상사업 협약) and their investors (투자자) with what each committed.

A contract goes ``draft`` (a manager sets up its parties, investors, metrics, payment terms and evaluation points)
-> ``signed`` (another manager signs it: four eyes; the city's outcome budget is appropriated) -> ``in_service``
(the provider runs the service; capital is called and disbursed) -> ``evaluating`` (the final evaluation) ->
``settled`` (the final outcome payment approved) -> ``closed`` (everything distributed, the unspent budget lapsed).

The counters on the contract and on each investment (``paid_in``, ``disbursed``, ``outcome_paid``, ``distributed``,
``called``...) move only under the contract's row lock, in the transaction that posts the journal they mirror; the
database refuses any that would go below zero or past its ceiling (the budget cap, a commitment).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import won_field
from enterprises.models import Enterprise, Institution
from ledger.models import Account, Book, Journal

ROUNDING_UNITS = (1, 10, 100)
ROUNDING_UNIT_CHOICES = [(unit, str(unit)) for unit in ROUNDING_UNITS]
ROUNDING_MODE_CHOICES = [
    ("floor", _("Floor (절사)")), ("half_up", _("Half up (반올림)")), ("ceil", _("Ceiling (절상)")),
]
ROUNDING_MODES = tuple(mode for mode, _label in ROUNDING_MODE_CHOICES)
HUNDRED = Decimal(100)


def percent_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """A percent from 0 (``42.00`` is 42 %), with two decimals."""
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=2,
                               validators=[MinValueValidator(Decimal(0))], **kwargs)


class DistributionMode(models.TextChoices):
    PRO_RATA = "pro_rata", _("In proportion to paid-in capital (납입 비율)")
    CLASSES = "classes", _("Senior and junior classes (선순위/후순위)")


class Contract(models.Model):
    """A social impact bond contract (사회성과보상사업 협약), with its own book of accounts."""

    objects: models.Manager[Contract] = models.Manager()

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft (작성 중)")
        SIGNED = "signed", _("Signed (협약 체결)")
        IN_SERVICE = "in_service", _("In service (사업 수행)")
        EVALUATING = "evaluating", _("Evaluating (성과 평가)")
        SETTLED = "settled", _("Settled (성과보상 완료)")
        CLOSED = "closed", _("Closed (종료)")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    outcome_payer = models.ForeignKey(Institution, verbose_name=_("outcome payer (성과보상 지급기관)"),
                                      on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey(Institution, verbose_name=_("operator (수행기관)"), on_delete=models.PROTECT,
                                 related_name="+")
    provider = models.ForeignKey(Enterprise, verbose_name=_("service provider (서비스 제공기관)"),
                                 on_delete=models.PROTECT, related_name="bond_contracts")
    evaluator = models.ForeignKey(Institution, verbose_name=_("evaluator (성과평가기관)"), on_delete=models.PROTECT,
                                  related_name="+")
    book = models.OneToOneField(Book, on_delete=models.PROTECT, related_name="bond_contract")
    service_starts_on = models.DateField(_("service starts on"))
    service_ends_on = models.DateField(_("service ends on"))
    max_payment = won_field(_("maximum outcome payment (성과보상 한도)"))
    interim_percent = percent_field(
        _("interim share (중간 성과보상 비율)"), default=Decimal(0),
        help_text=_("The percent of what interim results earn that is paid at an interim evaluation; 0: none."))
    rounding_unit = models.PositiveSmallIntegerField(_("rounding unit (won)"), choices=ROUNDING_UNIT_CHOICES,
                                                     default=1)
    rounding_mode = models.CharField(_("rounding mode"), max_length=10, choices=ROUNDING_MODE_CHOICES,
                                     default="floor")
    distribution_mode = models.CharField(_("distribution"), max_length=10, choices=DistributionMode.choices,
                                         default=DistributionMode.PRO_RATA)
    senior_return_percent = percent_field(_("senior class's return (선순위 수익률)"), default=Decimal(0),
                                          help_text=_("A flat percent of the senior class's paid-in capital."))
    senior_share_of_rest = percent_field(_("senior class's share of the rest"), null=True, blank=True)
    leftover_investor = models.ForeignKey(
        Institution, verbose_name=_("investor given the rounding leftover (잔여 단수 귀속 투자자)"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    appropriation_journal = models.OneToOneField(Journal, on_delete=models.PROTECT, null=True, blank=True,
                                                 related_name="+")
    started_on = models.DateField(_("service started on"), null=True, blank=True)
    evaluating_on = models.DateField(_("final evaluation from"), null=True, blank=True)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Counters, each mirroring the ledger (see the module's docstring).
    committed = won_field(_("commitments (약정액)"), default=0)
    called = won_field(_("capital called (출자 요청액)"), default=0)
    paid_in = won_field(_("capital paid in (납입액)"), default=0)
    disbursed = won_field(_("service funding disbursed (사업비 지급액)"), default=0)
    outcome_paid = won_field(_("outcome payments received (성과보상금 수령액)"), default=0)
    distributed = won_field(_("distributed to investors (배분액)"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("social impact bond contract")
        verbose_name_plural = _("social impact bond contracts")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["draft", "signed", "in_service", "evaluating", "settled",
                                                          "closed"]), name="bond_contract_state"),
            models.CheckConstraint(condition=Q(service_ends_on__gte=F("service_starts_on")),
                                   name="bond_contract_period_in_order"),
            models.CheckConstraint(condition=Q(max_payment__gt=0), name="bond_contract_max_payment_positive"),
            models.CheckConstraint(condition=Q(interim_percent__gte=0) & Q(interim_percent__lte=HUNDRED),
                                   name="bond_contract_interim_percent_in_range"),
            models.CheckConstraint(condition=Q(senior_return_percent__gte=0), name="bond_contract_senior_return"),
            models.CheckConstraint(
                condition=Q(senior_share_of_rest__isnull=True)
                | (Q(senior_share_of_rest__gte=0) & Q(senior_share_of_rest__lte=HUNDRED)),
                name="bond_contract_senior_share_in_range"),
            models.CheckConstraint(condition=Q(rounding_unit__in=ROUNDING_UNITS), name="bond_contract_rounding_unit"),
            models.CheckConstraint(condition=Q(rounding_mode__in=ROUNDING_MODES), name="bond_contract_rounding_mode"),
            models.CheckConstraint(condition=Q(distribution_mode__in=DistributionMode.values),
                                   name="bond_contract_distribution_mode"),
            # Four eyes: whoever prepared the contract cannot sign it.
            models.CheckConstraint(
                condition=Q(signed_by__isnull=True) | Q(prepared_by__isnull=True) | ~Q(signed_by=F("prepared_by")),
                name="bond_contract_four_eyes"),
            models.CheckConstraint(
                condition=Q(state="draft") | (Q(signed_by__isnull=False) & Q(signed_on__isnull=False)),
                name="bond_contract_signed_has_signer"),
            # The counters: never below zero, never past their ceilings.
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(called__gte=0) & Q(paid_in__gte=0) & Q(disbursed__gte=0)
                & Q(outcome_paid__gte=0) & Q(distributed__gte=0), name="bond_contract_counters_not_negative"),
            models.CheckConstraint(condition=Q(called__lte=F("committed")),
                                   name="bond_contract_called_within_commitments"),
            models.CheckConstraint(condition=Q(paid_in__lte=F("called")), name="bond_contract_paid_in_within_called"),
            models.CheckConstraint(condition=Q(outcome_paid__lte=F("max_payment")),
                                   name="bond_contract_outcome_paid_within_cap"),
            models.CheckConstraint(
                condition=Q(disbursed__lte=F("paid_in") + F("outcome_paid") - F("distributed")),
                name="bond_contract_cash_not_negative"),
        ]
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return self.name


class ShareClass(models.TextChoices):
    NONE = "", _("None (단일 클래스)")
    SENIOR = "senior", _("Senior (선순위)")
    JUNIOR = "junior", _("Junior (후순위)")


class Investment(models.Model):
    """An investor's commitment to a contract (투자 약정) and its running figures."""

    objects: models.Manager[Investment] = models.Manager()

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="investments")
    investor = models.ForeignKey(Institution, verbose_name=_("investor (투자자)"), on_delete=models.PROTECT,
                                 related_name="bond_investments")
    share_class = models.CharField(_("class"), max_length=10, choices=ShareClass.choices, blank=True, default="")
    commitment = won_field(_("commitment (약정액)"))
    called = won_field(_("called (요청액)"), default=0)
    paid_in = won_field(_("paid in (납입액)"), default=0)
    distributed = won_field(_("distributed (배분액)"), default=0)
    principal_returned = won_field(_("principal returned (원금 상환액)"), default=0)
    return_paid = won_field(_("senior return paid (선순위 수익 지급액)"), default=0)
    capital_account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="+")
    distribution_account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("investment")
        verbose_name_plural = _("investments")
        ordering = ["contract", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "investor"], name="bond_investment_one_per_investor"),
            models.CheckConstraint(condition=Q(share_class__in=ShareClass.values), name="bond_investment_class"),
            models.CheckConstraint(condition=Q(commitment__gt=0), name="bond_investment_commitment_positive"),
            models.CheckConstraint(
                condition=Q(called__gte=0) & Q(paid_in__gte=0) & Q(distributed__gte=0) & Q(principal_returned__gte=0)
                & Q(return_paid__gte=0), name="bond_investment_counters_not_negative"),
            models.CheckConstraint(condition=Q(called__lte=F("commitment")), name="bond_investment_called_within"),
            models.CheckConstraint(condition=Q(paid_in__lte=F("called")), name="bond_investment_paid_in_within"),
            models.CheckConstraint(condition=Q(principal_returned__lte=F("paid_in")),
                                   name="bond_investment_principal_returned_within"),
            models.CheckConstraint(condition=Q(principal_returned__lte=F("distributed")),
                                   name="bond_investment_returned_within_distributed"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} / {self.investor}"
