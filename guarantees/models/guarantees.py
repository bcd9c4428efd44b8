"""Special guarantee programs (특례보증 사업): a city's contributions to a credit guarantee foundation, which
guarantees a multiple of them in bank loans to social-economy enterprises.

A program is a ledger book: what is paid into it is posted there by source, and its capacity follows from its
accounts (``selectors.program_position``). An enterprise applies (``GuaranteeApplication``); a manager recommends,
another approves, which makes a ``Guarantee`` that holds part of the program's capacity (``GuaranteeProgram.committed``,
a counter moved under the program's row lock); the partner bank's officer reports that the bank lent (the guarantee
is active), then the loan's balances (``GuaranteeBalance``), its repayment or its default.

States of a guarantee::

    approved -> active -> repaid
                       -> defaulted -> claimed -> recovering -> closed | written_off
    approved -> cancelled (the bank never lent)
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.engines.schedules import Method
from core.fields import won_field
from enterprises.models import Enterprise, Institution

from .programs import MAX_RATE, GuaranteeProgram


class RepaymentMethod(models.TextChoices):
    """How the bank loan is repaid: at maturity, or after a grace period in equal principal parts (the national
    standard for these guarantees: 1 year of grace, then 4 years)."""

    BULLET = Method.BULLET.value, _("Bullet (만기일시상환)")
    EQUAL_PRINCIPAL = Method.EQUAL_PRINCIPAL.value, _("Grace, then equal principal (거치 후 원금균등분할상환)")


MAX_TERM_MONTHS = 120


class GuaranteeApplication(models.Model):
    """An enterprise's application for a guarantee under a program (보증 신청), for a loan from one partner bank."""

    objects: models.Manager[GuaranteeApplication] = models.Manager()

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft (작성 중)")
        SUBMITTED = "submitted", _("Applied (신청)")
        RECOMMENDED = "recommended", _("Recommended (추천)")
        DECLINED = "declined", _("Declined at review (심사 부결)")
        APPROVED = "approved", _("Approved (승인)")
        REJECTED = "rejected", _("Rejected (반려)")
        WITHDRAWN = "withdrawn", _("Withdrawn (철회)")

    program = models.ForeignKey(GuaranteeProgram, on_delete=models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="guarantee_applications")
    bank = models.ForeignKey(Institution, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="+")
    amount = won_field(_("loan amount requested"))
    term_months = models.PositiveSmallIntegerField(
        _("term in months"), validators=[MinValueValidator(1), MaxValueValidator(MAX_TERM_MONTHS)])
    repayment_method = models.CharField(_("repayment method"), max_length=20, choices=RepaymentMethod.choices)
    grace_months = models.PositiveSmallIntegerField(_("grace months (거치기간)"), default=0)
    purpose = models.TextField(_("purpose of the loan"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    recommend_reason = models.TextField(_("review reason"), blank=True)
    recommended_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("guarantee application")
        verbose_name_plural = _("guarantee applications")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="guarantee_application_amount_positive"),
            models.CheckConstraint(condition=Q(grace_months__lt=F("term_months")),
                                   name="guarantee_application_grace_within_term"),
            models.CheckConstraint(
                condition=Q(repayment_method__in=RepaymentMethod.values), name="guarantee_application_method"),
            # Four eyes: whoever recommended cannot decide.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | Q(recommended_by__isnull=True)
                | ~Q(decided_by=F("recommended_by")),
                name="guarantee_application_four_eyes"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.enterprise} {self.amount} ({self.state})"


class Guarantee(models.Model):
    """A guarantee on one bank loan (보증), made by approving an application. ``guaranteed`` is what the program
    stands behind now: the approved amount x ratio until the bank lends, then the loan's balance x ratio (floored
    to the won), 0 once repaid; a claim turns it into a loss."""

    objects: models.Manager[Guarantee] = models.Manager()

    class State(models.TextChoices):
        APPROVED = "approved", _("Approved, loan not yet made (실행 대기)")
        ACTIVE = "active", _("Active (보증 중)")
        REPAID = "repaid", _("Repaid (상환 완료)")
        DEFAULTED = "defaulted", _("Defaulted (사고)")
        CLAIMED = "claimed", _("Claim paid (대위변제)")
        RECOVERING = "recovering", _("Recovering (구상 중)")
        CLOSED = "closed", _("Closed (종결)")
        WRITTEN_OFF = "written_off", _("Written off (상각)")
        CANCELLED = "cancelled", _("Cancelled (취소)")

    application = models.OneToOneField(GuaranteeApplication, on_delete=models.PROTECT, related_name="guarantee")
    program = models.ForeignKey(GuaranteeProgram, on_delete=models.PROTECT, related_name="guarantees")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="guarantees")
    bank = models.ForeignKey(Institution, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.APPROVED)
    ratio = models.DecimalField(_("guarantee ratio (보증비율)"), max_digits=3, decimal_places=2)
    approved_amount = won_field(_("loan amount approved"))
    guaranteed = won_field(_("guaranteed now (보증잔액)"), default=0)
    # The bank loan, as the bank reports it when it lends (대출 실행).
    loan_amount = won_field(_("loan amount"), null=True, blank=True)
    loan_rate = models.DecimalField(_("loan rate"), max_digits=7, decimal_places=5, null=True, blank=True,
                                    validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_RATE)])
    term_months = models.PositiveSmallIntegerField(_("term in months"))
    repayment_method = models.CharField(_("repayment method"), max_length=20, choices=RepaymentMethod.choices)
    grace_months = models.PositiveSmallIntegerField(_("grace months (거치기간)"), default=0)
    start_on = models.DateField(_("loan made on"), null=True, blank=True)
    maturity_on = models.DateField(_("matures on"), null=True, blank=True)
    bank_reference = models.CharField(_("bank's loan number"), max_length=50, blank=True)
    balance = won_field(_("loan balance"), default=0)
    balance_on = models.DateField(_("balance as of"), null=True, blank=True)
    repaid_on = models.DateField(_("repaid on"), null=True, blank=True)
    defaulted_on = models.DateField(_("defaulted on (사고일)"), null=True, blank=True)
    interest_paid_to = models.DateField(_("interest paid up to"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()
    executed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("guarantee")
        verbose_name_plural = _("guarantees")
        constraints = [
            models.CheckConstraint(condition=Q(approved_amount__gt=0), name="guarantee_approved_amount_positive"),
            models.CheckConstraint(condition=Q(guaranteed__gte=0), name="guarantee_guaranteed_not_negative"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="guarantee_balance_not_negative"),
            models.CheckConstraint(condition=Q(ratio__gt=0) & Q(ratio__lte=1), name="guarantee_ratio_in_range"),
            models.CheckConstraint(
                condition=Q(loan_amount__isnull=True) | (Q(loan_amount__gt=0)
                                                         & Q(loan_amount__lte=F("approved_amount"))),
                name="guarantee_loan_within_approval"),
            models.CheckConstraint(condition=Q(balance__lte=F("approved_amount")),
                                   name="guarantee_balance_within_approval"),
            models.CheckConstraint(
                condition=Q(state__in=["approved", "cancelled"]) | (
                    Q(loan_amount__isnull=False) & Q(loan_rate__isnull=False) & Q(start_on__isnull=False)
                    & Q(maturity_on__isnull=False)),
                name="guarantee_loan_terms_once_lent"),
            models.CheckConstraint(condition=Q(maturity_on__isnull=True) | Q(maturity_on__gt=F("start_on")),
                                   name="guarantee_maturity_after_start"),
        ]
        indexes = [models.Index(fields=["program", "state"]), models.Index(fields=["bank", "state"]),
                   models.Index(fields=["enterprise", "state"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.enterprise} {self.guaranteed} ({self.state})"


class GuaranteeBalance(models.Model):
    """The bank loan's balance from a day on (잔액), as the bank reported it: at the loan's making, at each
    repayment or balance report, at full repayment (0). The subsidy and the guaranteed amount follow it: the
    balance in force on a day is the last one reported on or before it."""

    objects: models.Manager[GuaranteeBalance] = models.Manager()

    class Kind(models.TextChoices):
        EXECUTION = "execution", _("Loan made (대출 실행)")
        REPORT = "report", _("Balance reported (잔액 보고)")
        REPAYMENT = "repayment", _("Repayment (상환)")
        PAID_OFF = "paid_off", _("Repaid in full (완제)")
        DEFAULT = "default", _("Default (사고)")

    guarantee = models.ForeignKey(Guarantee, on_delete=models.PROTECT, related_name="balances")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    on_date = models.DateField(_("as of"))
    balance = won_field(_("loan balance"))
    repaid = won_field(_("principal repaid"), default=0)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)

    class Meta:
        verbose_name = _("reported loan balance")
        verbose_name_plural = _("reported loan balances")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="guarantee_balance_row_not_negative"),
            models.CheckConstraint(condition=Q(repaid__gte=0), name="guarantee_balance_repaid_not_negative"),
            models.UniqueConstraint(fields=["guarantee", "idempotency_key"],
                                    name="guarantee_balance_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.guarantee_id} {self.on_date} {self.balance}"
