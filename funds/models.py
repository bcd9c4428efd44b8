"""Revolving funds: a fund is a ledger book; products are its lending terms; applications become loans.

A loan copies its product's terms when it is approved (the contract does not change when the product does) and
has its own receivable accounts in the fund's book, so its statement is a ledger query.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.engines.schedules import DayCount, Method
from core.fields import won_field
from enterprises.models import Enterprise, Institution
from ledger.models import Account, Book, Journal

# The legal maximum rate (이자제한법: 20 % a year) caps every rate of a loan, the default rate included.
MAX_RATE = Decimal("0.20000")
# The longest loan a fund makes: ten years (the longest Korean policy loans to small firms run).
MAX_TERM_MONTHS = 120


def _rate(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """An annual rate as a fraction, from 0 to the legal maximum: 0.02000 is 2 %."""
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=5,
                               validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_RATE)], **kwargs)


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
    # The book's accounts every loan's servicing moves (``accounts.SHARED``), so that a write on a loan reads them
    # with the loan's row instead of looking them up by code.
    cash_account = models.OneToOneField(Account, verbose_name=_("cash account"), on_delete=models.PROTECT,
                                        related_name="+", null=True, editable=False)
    interest_income_account = models.OneToOneField(Account, verbose_name=_("interest income account"),
                                                   on_delete=models.PROTECT, related_name="+", null=True,
                                                   editable=False)
    default_interest_income_account = models.OneToOneField(
        Account, verbose_name=_("default interest income account"), on_delete=models.PROTECT, related_name="+",
        null=True, editable=False)
    opened_on = models.DateField(
        _("opened on (기금 조성일)"),
        help_text=_("The day the fund began: nothing of it (capital, loans) is dated earlier."),
    )
    eligible_kinds = models.JSONField(
        _("eligible enterprise kinds"), default=list, help_text=_("Which kinds of enterprise may borrow.")
    )
    exposure_limit = won_field(
        _("exposure limit per enterprise"), help_text=_("Outstanding principal plus approved loans, per enterprise.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
    term_months = models.PositiveSmallIntegerField(
        _("term in months"), validators=[MinValueValidator(1), MaxValueValidator(MAX_TERM_MONTHS)])
    grace_months = models.PositiveSmallIntegerField(
        _("grace months (거치기간)"), default=0, validators=[MaxValueValidator(MAX_TERM_MONTHS - 1)])
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
            models.CheckConstraint(condition=Q(default_spread__gte=0) & Q(default_spread__lte=MAX_RATE),
                                   name=f"{prefix}_spread_within_legal_maximum"),
            models.CheckConstraint(condition=Q(default_rate_cap__lte=MAX_RATE), name=f"{prefix}_cap_legal_maximum"),
            models.CheckConstraint(condition=Q(term_months__gte=1) & Q(grace_months__lt=F("term_months")),
                                   name=f"{prefix}_grace_within_term"),
            models.CheckConstraint(condition=Q(term_months__lte=MAX_TERM_MONTHS),
                                   name=f"{prefix}_term_at_most_ten_years"),
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
    closed_through = models.DateField(
        _("closed through"), null=True, blank=True,
        help_text=_("The last day whose close of business (interest falling due, default interest, days past due) "
                    "has been applied to this loan."),
    )
    revision = models.PositiveIntegerField(
        default=0, help_text=_("Raised by each reversal, so re-run close-of-business journals get new keys.")
    )
    default_interest_carry = models.DecimalField(
        max_digits=8, decimal_places=5, default=0,
        help_text=_("Default interest accrued but not yet posted (less than a won), in 365ths of a won: posted when "
                    "it makes a won."),
    )
    paid_off_on = models.DateField(_("paid off on"), null=True, blank=True)
    written_off_on = models.DateField(_("written off on"), null=True, blank=True)
    principal_account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="+")
    interest_account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="+")
    default_interest_account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        constraints = [
            *LoanTerms.terms_constraints("loan"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="loan_principal_positive"),
            models.CheckConstraint(condition=Q(secured_amount__gte=0), name="loan_secured_not_negative"),
            models.CheckConstraint(
                condition=Q(state="approved") | Q(disbursed_on__isnull=False), name="loan_disbursed_has_date"
            ),
            models.CheckConstraint(
                condition=Q(default_interest_carry__gte=0) & Q(default_interest_carry__lt=365),
                name="loan_default_carry_below_one_won",
            ),
            models.CheckConstraint(
                condition=~Q(state="paid_off") | Q(paid_off_on__isnull=False), name="loan_paid_off_has_date"
            ),
            models.CheckConstraint(
                condition=~Q(state="written_off") | Q(written_off_on__isnull=False), name="loan_written_off_has_date"
            ),
        ]
        indexes = [models.Index(fields=["state", "closed_through"], name="loan_state_closed_idx")]

    def __str__(self) -> str:
        return f"L{self.pk} {self.enterprise} {self.principal}"

    @property
    def default_rate(self) -> Any:
        """연체이자율: the contract rate plus the spread, capped."""
        return min(self.annual_rate + self.default_spread, self.default_rate_cap)


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
    interest_recognized = won_field(
        _("interest recognised"), default=0,
        help_text=_("Interest posted to the receivable: when the installment falls due, or paid early as accrued."),
    )
    accrual_start = models.DateField(
        _("interest accrues from"), null=True, blank=True,
        help_text=_("After a prepayment in this period, the day from which the rest of its interest accrues."),
    )
    interest_fixed = won_field(
        _("interest fixed before accrual start"), default=0,
        help_text=_("Interest of this period accrued (and paid) before a prepayment."),
    )

    class Meta:
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
            models.CheckConstraint(
                condition=Q(interest_paid__lte=F("interest_recognized"))
                & Q(interest_recognized__lte=F("interest_due"))
                & Q(interest_fixed__gte=0)
                & Q(interest_fixed__lte=F("interest_due")),
                name="installment_recognized_within_due",
            ),
        ]
        indexes = [models.Index(fields=["due_on"], name="installment_due_idx")]

    def __str__(self) -> str:
        return f"L{self.loan_id}#{self.number} {self.due_on}"


# --- servicing: repayments, close of business, write-offs, recoveries --------------------------------------------


class AssetPart(models.TextChoices):
    ALL = "all", _("the whole balance")
    SECURED = "secured", _("the part covered by collateral or a guarantee")
    UNSECURED = "unsecured", _("the part not covered")


class AssetClassRule(models.Model):
    """자산건전성 분류 기준: from ``min_days_past_due`` days, ``part`` of a loan's balance is in this class and needs
    ``allowance_rate`` of it as an allowance (대손충당금). Data, seeded by a migration, changed in the admin."""

    objects: models.Manager[AssetClassRule] = models.Manager()

    code = models.SlugField(_("code"), max_length=20, unique=True)
    korean_name = models.CharField(_("Korean name"), max_length=20)
    min_days_past_due = models.PositiveIntegerField(_("from days past due"))
    part = models.CharField(_("applies to"), max_length=10, choices=AssetPart.choices, default=AssetPart.ALL)
    allowance_rate = models.DecimalField(_("allowance rate"), max_digits=5, decimal_places=4)
    severity = models.PositiveSmallIntegerField(_("severity"), unique=True, help_text=_("0 is the soundest."))

    class Meta:
        verbose_name = _("asset class rule")
        verbose_name_plural = _("asset class rules")
        constraints = [
            models.CheckConstraint(condition=Q(allowance_rate__gte=0) & Q(allowance_rate__lte=1),
                                   name="asset_class_allowance_rate_0_to_1"),
        ]

    def __str__(self) -> str:
        return f"{self.korean_name} ({self.code})"


class LoanTransaction(models.Model):
    """One journal that moved a loan's balances, with its effect on each of them: the loan's statement."""

    objects: models.Manager[LoanTransaction] = models.Manager()

    class Kind(models.TextChoices):
        DISBURSEMENT = "disbursement", _("Disbursement (대출 실행)")
        REPAYMENT = "repayment", _("Repayment (상환)")
        REPAYMENT_REVERSAL = "repayment_reversal", _("Repayment reversed (상환 취소)")
        CLOSE_OF_BUSINESS = "close_of_business", _("Interest due and default interest (이자 도래 · 연체이자)")
        CLOSE_REVERSAL = "close_reversal", _("Close of business re-run (일마감 재계산)")
        WRITE_OFF = "write_off", _("Write-off (상각)")
        RECOVERY = "recovery", _("Recovery (상각채권 회수)")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="transactions")
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="loan_transaction")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    value_date = models.DateField(_("value date"))
    amount = won_field(_("amount"), help_text=_("Money received or paid out; for accruals, what was accrued."))
    principal_change = models.DecimalField(_("principal change"), max_digits=18, decimal_places=0, default=0)
    interest_change = models.DecimalField(_("interest receivable change"), max_digits=18, decimal_places=0,
                                          default=0)
    default_interest_change = models.DecimalField(_("default interest receivable change"), max_digits=18,
                                                  decimal_places=0, default=0)
    reversed = models.BooleanField(_("reversed"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("loan transaction")
        verbose_name_plural = _("loan transactions")
        indexes = [models.Index(fields=["loan", "value_date"], name="loan_txn_loan_date_idx")]

    def __str__(self) -> str:
        return f"L{self.loan_id} {self.kind} {self.value_date} {self.amount}"


class Repayment(models.Model):
    """Money an enterprise paid on a loan, and how it was allocated (충당 순서)."""

    objects: models.Manager[Repayment] = models.Manager()

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    amount = won_field(_("amount"))
    value_date = models.DateField(_("value date"))
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="+")
    default_interest = won_field(_("default interest"), default=0)
    overdue_interest = won_field(_("overdue interest"), default=0)
    overdue_principal = won_field(_("overdue principal"), default=0)
    interest = won_field(_("interest due"), default=0)
    principal = won_field(_("principal due"), default=0)
    accrued_interest = won_field(_("accrued interest (경과이자)"), default=0)
    prepayment = won_field(_("prepaid principal (중도상환)"), default=0)
    paid_off = models.BooleanField(_("paid the loan off"), default=False)
    before = models.JSONField(editable=False, help_text=_("The loan and its installments before, for a reversal."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reversal_reason = models.TextField(_("reversal reason"), blank=True)
    reversal_journal = models.OneToOneField(
        Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        constraints = [
            models.UniqueConstraint(fields=["loan", "idempotency_key"], name="repayment_unique_key_per_loan"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_amount_positive"),
            models.CheckConstraint(
                condition=Q(
                    amount=F("default_interest") + F("overdue_interest") + F("overdue_principal") + F("interest")
                    + F("principal") + F("accrued_interest") + F("prepayment")
                ),
                name="repayment_allocated_in_full",
            ),
            models.CheckConstraint(
                condition=Q(reversed_at__isnull=True, reversal_journal__isnull=True)
                | Q(reversed_at__isnull=False, reversal_journal__isnull=False),
                name="repayment_reversal_has_journal",
            ),
        ]

    def __str__(self) -> str:
        return f"R{self.pk} L{self.loan_id} {self.amount} {self.value_date}"


class BusinessDay(models.Model):
    """A closed business day (일마감). Closing a day is done once; a second run finds it here."""

    objects: models.Manager[BusinessDay] = models.Manager()

    date = models.DateField(_("date"), unique=True)
    closed_at = models.DateTimeField(_("closed at"))
    loans_processed = models.PositiveIntegerField(_("loans with events"), default=0)
    loans_advanced = models.PositiveIntegerField(_("loans without events"), default=0)
    journals_posted = models.PositiveIntegerField(_("journals posted"), default=0)
    seconds = models.DecimalField(_("seconds taken"), max_digits=10, decimal_places=3, default=0)

    class Meta:
        verbose_name = _("closed business day")
        verbose_name_plural = _("closed business days")

    def __str__(self) -> str:
        return str(self.date)


class WriteOff(models.Model):
    """상각: requested by one manager for a loan in 추정손실, approved by another; the receivables go to expense."""

    objects: models.Manager[WriteOff] = models.Manager()

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested (상각 요청)")
        APPROVED = "approved", _("Approved, written off (상각 승인)")
        REJECTED = "rejected", _("Rejected (반려)")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="write_offs")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    written_off_on = models.DateField(_("written off on"), null=True, blank=True)
    principal = won_field(_("principal written off"), default=0)
    interest = won_field(_("interest written off"), default=0)
    default_interest = won_field(_("default interest written off"), default=0)
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="write_off_four_eyes",
            ),
            models.UniqueConstraint(
                fields=["loan"], condition=Q(state__in=["requested", "approved"]), name="write_off_one_open_per_loan"
            ),
            models.CheckConstraint(
                condition=~Q(state="approved") | (Q(journal__isnull=False) & Q(written_off_on__isnull=False)),
                name="write_off_approved_has_journal",
            ),
        ]

    def __str__(self) -> str:
        return f"W{self.pk} L{self.loan_id} {self.state}"

    @property
    def total(self) -> Any:
        return self.principal + self.interest + self.default_interest


class Recovery(models.Model):
    """Money recovered on a written-off loan (상각채권 회수), posted as income."""

    objects: models.Manager[Recovery] = models.Manager()

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="recoveries")
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    amount = won_field(_("amount"))
    received_on = models.DateField(_("received on"))
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")
        constraints = [
            models.UniqueConstraint(fields=["loan", "idempotency_key"], name="recovery_unique_key_per_loan"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"V{self.pk} L{self.loan_id} {self.amount}"
