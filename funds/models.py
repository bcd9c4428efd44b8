"""Revolving funds: a fund is a ledger book; products are its lending terms; applications become loans.

A loan copies its product's terms when it is approved (the contract does not change when the product does) and
has its own receivable accounts in the fund's book, so its statement is a ledger query.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import won_field
from enterprises.models import Enterprise, Institution
from ledger.models import Account, Book, Journal

from .schedules import DayCount, Method


def _rate(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """An annual rate as a fraction: 0.02000 is 2 %."""
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=5, **kwargs)


class CapitalSource(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality (지자체 출연)")
    PRIVATE = "private", _("Private matching (민간 매칭)")
    OTHER = "other", _("Other (기타)")


class Fund(models.Model):
    """A revolving fund run by an operator institution, with its own book of accounts."""

    objects: models.Manager[Fund] = models.Manager()

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    operator = models.ForeignKey(Institution, verbose_name=_("operator"), on_delete=models.PROTECT, related_name="+")
    book = models.OneToOneField(Book, on_delete=models.PROTECT, related_name="fund")
    eligible_kinds = models.JSONField(
        _("eligible enterprise kinds"), default=list, help_text=_("Which kinds of enterprise may borrow.")
    )
    exposure_limit = won_field(
        _("exposure limit per enterprise"), help_text=_("Outstanding principal plus approved loans, per enterprise.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        constraints = [models.CheckConstraint(condition=Q(exposure_limit__gt=0), name="fund_exposure_limit_positive")]

    def __str__(self) -> str:
        return self.name


class FundContribution(models.Model):
    """Capital paid into a fund (출연금), by source."""

    objects: models.Manager[FundContribution] = models.Manager()

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="contributions")
    source = models.CharField(_("source"), max_length=20, choices=CapitalSource.choices)
    contributor = models.ForeignKey(Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount = won_field(_("amount"))
    received_on = models.DateField(_("received on"))
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="+")
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="contribution_amount_positive")]

    def __str__(self) -> str:
        return f"{self.fund} {self.source} {self.amount}"


class PrepaymentPolicy(models.TextChoices):
    SHORTEN_TERM = "shorten_term", _("Shorten the term (기간 단축)")
    LOWER_INSTALLMENTS = "lower_installments", _("Lower later installments (상환액 감소)")


class LoanTerms(models.Model):
    """The lending terms shared by a product and by the loans made under it (each loan keeps its own copy)."""

    annual_rate = _rate(_("annual rate"))
    term_months = models.PositiveSmallIntegerField(_("term in months"))
    grace_months = models.PositiveSmallIntegerField(_("grace months (거치기간)"), default=0)
    method = models.CharField(
        _("repayment method"),
        max_length=20,
        choices=[
            (Method.EQUAL_PAYMENT.value, _("Equal payment (원리금균등)")),
            (Method.EQUAL_PRINCIPAL.value, _("Equal principal (원금균등)")),
            (Method.BULLET.value, _("Bullet (만기일시)")),
        ],
    )
    day_count = models.CharField(
        _("day count"),
        max_length=12,
        choices=[(DayCount.MONTHLY.value, _("Monthly (rate / 12)")), (DayCount.ACTUAL_365.value, _("Actual/365"))],
        default=DayCount.MONTHLY.value,
    )
    rounding_unit = models.PositiveSmallIntegerField(
        _("rounding unit (won)"), choices=[(1, "1"), (10, "10")], default=1
    )
    rounding_mode = models.CharField(
        _("rounding mode"),
        max_length=10,
        choices=[("floor", _("Floor (절사)")), ("half_up", _("Half up (반올림)")), ("ceil", _("Ceiling (절상)"))],
        default="floor",
    )
    default_spread = _rate(_("default interest spread (연체가산금리)"), default="0.03000")
    default_rate_cap = _rate(_("default interest cap"), default="0.20000")
    prepayment_policy = models.CharField(
        _("prepayment policy"),
        max_length=20,
        choices=PrepaymentPolicy.choices,
        default=PrepaymentPolicy.LOWER_INSTALLMENTS,
    )

    class Meta:
        abstract = True

    @classmethod
    def terms_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        return [
            models.CheckConstraint(condition=Q(annual_rate__gte=0) & Q(annual_rate__lte=F("default_rate_cap")),
                                   name=f"{prefix}_rate_within_cap"),
            models.CheckConstraint(condition=Q(default_spread__gte=0), name=f"{prefix}_spread_not_negative"),
            models.CheckConstraint(condition=Q(default_rate_cap__lte="0.20000"), name=f"{prefix}_cap_legal_maximum"),
            models.CheckConstraint(condition=Q(term_months__gte=1) & Q(grace_months__lt=F("term_months")),
                                   name=f"{prefix}_grace_within_term"),
            models.CheckConstraint(condition=~Q(method="bullet") | Q(grace_months=0), name=f"{prefix}_bullet_no_grace"),
            models.CheckConstraint(condition=Q(rounding_unit__in=[1, 10]), name=f"{prefix}_rounding_unit"),
        ]


class LoanProduct(LoanTerms):
    objects: models.Manager[LoanProduct] = models.Manager()

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("name"), max_length=200)
    min_amount = won_field(_("minimum amount"))
    max_amount = won_field(_("maximum amount"))
    is_active = models.BooleanField(_("open for applications"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["fund_id", "name"]
        verbose_name = _("loan product")
        verbose_name_plural = _("loan products")
        constraints = [
            *LoanTerms.terms_constraints("product"),
            models.CheckConstraint(condition=Q(min_amount__gt=0) & Q(max_amount__gte=F("min_amount")),
                                   name="product_amount_range"),
            models.UniqueConstraint(fields=["fund", "name"], name="product_unique_name_per_fund"),
        ]

    def __str__(self) -> str:
        return self.name


class ApprovalTier(models.Model):
    """Above ``above_amount``, an application needs ``approvers`` distinct approving managers."""

    objects: models.Manager[ApprovalTier] = models.Manager()

    product = models.ForeignKey(LoanProduct, on_delete=models.CASCADE, related_name="approval_tiers")
    above_amount = won_field(_("above amount"))
    approvers = models.PositiveSmallIntegerField(_("approvers needed"))

    class Meta:
        ordering = ["above_amount"]
        constraints = [
            models.UniqueConstraint(fields=["product", "above_amount"], name="tier_unique_amount"),
            models.CheckConstraint(condition=Q(approvers__gte=1) & Q(approvers__lte=5), name="tier_approvers_1_to_5"),
            models.CheckConstraint(condition=Q(above_amount__gte=0), name="tier_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"> {self.above_amount}: {self.approvers}"


class LoanApplication(models.Model):
    objects: models.Manager[LoanApplication] = models.Manager()

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft (작성 중)")
        SUBMITTED = "submitted", _("Submitted (접수)")
        RECOMMENDED = "recommended", _("Recommended (심사 추천)")
        DECLINED = "declined", _("Declined at review (심사 부결)")
        APPROVED = "approved", _("Approved (승인)")
        REJECTED = "rejected", _("Rejected (반려)")
        WITHDRAWN = "withdrawn", _("Withdrawn (철회)")

    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="loan_applications")
    amount = won_field(_("amount requested"))
    purpose = models.TextField(_("purpose of the loan"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_reason = models.TextField(_("review reason"), blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    approvals_required = models.PositiveSmallIntegerField(_("approvals required"), default=1)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("loan application")
        verbose_name_plural = _("loan applications")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="application_amount_positive")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.enterprise} {self.amount} ({self.state})"


class ApplicationApproval(models.Model):
    objects: models.Manager[ApplicationApproval] = models.Manager()

    application = models.ForeignKey(LoanApplication, on_delete=models.PROTECT, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["approved_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "approver"], name="approval_one_per_approver")
        ]

    def __str__(self) -> str:
        return f"{self.application_id} approved by {self.approver_id}"


class Loan(LoanTerms):
    objects: models.Manager[Loan] = models.Manager()

    class State(models.TextChoices):
        APPROVED = "approved", _("Approved, not yet disbursed (실행 대기)")
        ACTIVE = "active", _("Active (정상 상환 중)")
        PAID_OFF = "paid_off", _("Paid off (상환 완료)")
        WRITTEN_OFF = "written_off", _("Written off (상각)")

    application = models.OneToOneField(LoanApplication, on_delete=models.PROTECT, related_name="loan")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="loans")
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="loans")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="loans")
    principal = won_field(_("principal"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.APPROVED)
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    maturity_on = models.DateField(_("matures on"), null=True, blank=True)
    accelerated_on = models.DateField(_("accelerated on (기한이익상실일)"), null=True, blank=True)
    days_past_due = models.PositiveIntegerField(_("days past due"), default=0)
    asset_class = models.CharField(_("asset class"), max_length=20, default="normal")
    secured_amount = won_field(
        _("covered by collateral or guarantee"),
        default=0,
        help_text=_("The part that is classified 고정 from 90 days."),
    )
    principal_account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="+")
    interest_account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="+")
    default_interest_account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        constraints = [
            *LoanTerms.terms_constraints("loan"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="loan_principal_positive"),
            models.CheckConstraint(condition=Q(secured_amount__gte=0), name="loan_secured_not_negative"),
            models.CheckConstraint(
                condition=Q(state="approved") | Q(disbursed_on__isnull=False), name="loan_disbursed_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"L{self.pk} {self.enterprise} {self.principal}"


class Installment(models.Model):
    objects: models.Manager[Installment] = models.Manager()

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="installments")
    number = models.PositiveSmallIntegerField(_("number"))
    due_on = models.DateField(_("due on"))
    period_start = models.DateField(_("period start"))
    principal_due = won_field(_("principal due"))
    interest_due = won_field(_("interest due"))
    principal_paid = won_field(_("principal paid"), default=0)
    interest_paid = won_field(_("interest paid"), default=0)

    class Meta:
        ordering = ["loan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="installment_unique_number"),
            models.CheckConstraint(
                condition=Q(principal_due__gte=0) & Q(interest_due__gte=0), name="installment_due_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(principal_paid__gte=0)
                & Q(principal_paid__lte=F("principal_due"))
                & Q(interest_paid__gte=0)
                & Q(interest_paid__lte=F("interest_due")),
                name="installment_paid_within_due",
            ),
        ]

    def __str__(self) -> str:
        return f"L{self.loan_id}#{self.number} {self.due_on}"
