"""Guarantee fees (보증료) and the city's share of them (보증료 지원): a bill per guarantee year, what each payer paid
of it (the enterprise its part, the city its part in batches), the late fees charged on the enterprise's part, and
the refunds of unused days when the loan is repaid early.

A bill's figures are the engine's (``core.engines.guarantee_fees``): the fee for the year, the city's share of it
and the enterprise's (``city_share + enterprise_share == fee``), quoted on the amount guaranteed at the year's start
with the program's rates and rounding, which the bill keeps (a refund is quoted again on the same terms). For each
payer the bill keeps what it paid, what was refunded of its share, and how much of that refund went back to it in
cash (the rest reduced what it still owed)::

    outstanding = share - refunded - (paid - returned)

A bill is ``open`` while anything is outstanding (either share, or a late fee charged and not paid), ``paid`` when
nothing is, ``refunded`` when nothing is and part of it was refunded on an early repayment.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import won_field
from ledger.models import Journal

from .guarantees import Guarantee
from .programs import ROUNDING_MODE_CHOICES, ROUNDING_UNIT_CHOICES, GuaranteeProgram


class Payer(models.TextChoices):
    """Who pays a part of a fee."""

    FIRM = "firm", _("The enterprise (기업)")
    CITY = "city", _("The city (지자체 보증료 지원)")


def _settled(payer: str) -> Q:
    """Nothing of ``payer``'s share is outstanding: paid - returned == share - refunded."""
    share = "city_share" if payer == Payer.CITY else "enterprise_share"
    return Q(**{f"{payer}_paid": F(share) - F(f"{payer}_refunded") + F(f"{payer}_returned")})


class FeeBill(models.Model):
    """The fee billed upfront for one guarantee year (보증연도), ``year`` 1 the first; the last may be short."""

    objects: models.Manager[FeeBill] = models.Manager()

    class State(models.TextChoices):
        OPEN = "open", _("Open (미납)")
        PAID = "paid", _("Paid (납부 완료)")
        REFUNDED = "refunded", _("Refunded (환급)")

    guarantee = models.ForeignKey(Guarantee, on_delete=models.PROTECT, related_name="fee_bills")
    program = models.ForeignKey(GuaranteeProgram, on_delete=models.PROTECT, related_name="fee_bills")
    year = models.PositiveSmallIntegerField(_("guarantee year (보증연도)"), validators=[MinValueValidator(1)])
    period_start = models.DateField(_("period starts on"))
    period_end = models.DateField(_("period ends on"))
    days = models.PositiveSmallIntegerField(_("days"))
    # The terms the bill was quoted on: the amount guaranteed at the period's start, the program's rates and rounding.
    amount = won_field(_("guaranteed amount (보증금액)"))
    fee_rate = models.DecimalField(_("annual fee rate (보증료율)"), max_digits=7, decimal_places=5)
    city_fee_rate = models.DecimalField(_("city's share of the fee rate (보증료 지원)"), max_digits=7,
                                        decimal_places=5)
    rounding_unit = models.PositiveSmallIntegerField(_("rounding unit (won)"), choices=ROUNDING_UNIT_CHOICES)
    rounding_mode = models.CharField(_("rounding mode"), max_length=10, choices=ROUNDING_MODE_CHOICES)
    fee = won_field(_("fee (보증료)"))
    city_share = won_field(_("city's share (보증료 지원)"))
    enterprise_share = won_field(_("enterprise's share"))
    billed_on = models.DateField(_("billed on"))
    due_on = models.DateField(_("due on (납부기한)"))
    city_paid = won_field(_("paid by the city"), default=0)
    firm_paid = won_field(_("paid by the enterprise"), default=0)
    city_refunded = won_field(_("refunded of the city's share"), default=0)
    firm_refunded = won_field(_("refunded of the enterprise's share"), default=0)
    city_returned = won_field(_("returned to the city in cash"), default=0)
    firm_returned = won_field(_("returned to the enterprise in cash"), default=0)
    late_fee_charged = won_field(_("late fees charged (연체료)"), default=0)
    late_fee_paid = won_field(_("late fees paid"), default=0)
    late_fee_through = models.DateField(_("late fees charged through"), null=True, blank=True)
    refunded_on = models.DateField(_("refunded for a repayment on"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   help_text=_("The billing journal; none for a fee of 0."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guarantee fee bill")
        verbose_name_plural = _("guarantee fee bills")
        constraints = [
            models.UniqueConstraint(fields=["guarantee", "year"], name="fee_bill_one_per_guarantee_year"),
            models.CheckConstraint(condition=Q(year__gte=1), name="fee_bill_year_from_one"),
            models.CheckConstraint(condition=Q(period_end__gt=F("period_start")), name="fee_bill_period_in_order"),
            models.CheckConstraint(condition=Q(days__gt=0), name="fee_bill_days_positive"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_bill_amount_positive"),
            models.CheckConstraint(condition=Q(city_fee_rate__gte=0) & Q(city_fee_rate__lte=F("fee_rate")),
                                   name="fee_bill_city_rate_within_fee_rate"),
            models.CheckConstraint(
                condition=Q(city_share__gte=0) & Q(enterprise_share__gte=0)
                & Q(fee=F("city_share") + F("enterprise_share")),
                name="fee_bill_shares_add_up"),
            # Paid never above the share; refunded never above it either; cash returned only of what was paid and
            # refunded; what is kept never above what is still billed.
            models.CheckConstraint(
                condition=Q(city_paid__gte=0) & Q(city_paid__lte=F("city_share"))
                & Q(firm_paid__gte=0) & Q(firm_paid__lte=F("enterprise_share")),
                name="fee_bill_paid_within_share"),
            models.CheckConstraint(
                condition=Q(city_refunded__gte=0) & Q(city_refunded__lte=F("city_share"))
                & Q(firm_refunded__gte=0) & Q(firm_refunded__lte=F("enterprise_share")),
                name="fee_bill_refunded_within_share"),
            models.CheckConstraint(
                condition=Q(city_returned__gte=0) & Q(city_returned__lte=F("city_paid"))
                & Q(city_returned__lte=F("city_refunded"))
                & Q(firm_returned__gte=0) & Q(firm_returned__lte=F("firm_paid"))
                & Q(firm_returned__lte=F("firm_refunded")),
                name="fee_bill_returned_within_paid_and_refunded"),
            models.CheckConstraint(
                condition=Q(city_paid__lte=F("city_share") - F("city_refunded") + F("city_returned"))
                & Q(firm_paid__lte=F("enterprise_share") - F("firm_refunded") + F("firm_returned")),
                name="fee_bill_kept_within_billed"),
            models.CheckConstraint(
                condition=Q(late_fee_paid__gte=0) & Q(late_fee_paid__lte=F("late_fee_charged")),
                name="fee_bill_late_fee_paid_within_charged"),
            models.CheckConstraint(condition=Q(state__in=["open", "paid", "refunded"]), name="fee_bill_state"),
            # Open exactly while something is outstanding; refunded only with a refund.
            models.CheckConstraint(
                condition=Q(state="open") | (_settled(Payer.CITY) & _settled(Payer.FIRM)
                                             & Q(late_fee_paid=F("late_fee_charged"))),
                name="fee_bill_settled_unless_open"),
            models.CheckConstraint(
                condition=~Q(state="open") | ~(_settled(Payer.CITY) & _settled(Payer.FIRM)
                                               & Q(late_fee_paid=F("late_fee_charged"))),
                name="fee_bill_open_while_outstanding"),
            models.CheckConstraint(condition=~Q(state="refunded") | Q(refunded_on__isnull=False),
                                   name="fee_bill_refunded_has_a_refund"),
        ]
        indexes = [models.Index(fields=["program", "state"]), models.Index(fields=["guarantee", "year"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.guarantee_id}/{self.year} {self.fee} ({self.state})"

    def outstanding(self, payer: str) -> Decimal:
        """What ``payer`` still owes of its share."""
        if payer == Payer.CITY:
            return (self.city_share.amount - self.city_refunded.amount - self.city_paid.amount
                    + self.city_returned.amount)
        return (self.enterprise_share.amount - self.firm_refunded.amount - self.firm_paid.amount
                + self.firm_returned.amount)

    @property
    def city_outstanding(self) -> Decimal:
        return self.outstanding(Payer.CITY)

    @property
    def firm_outstanding(self) -> Decimal:
        return self.outstanding(Payer.FIRM)

    @property
    def late_fee_outstanding(self) -> Decimal:
        return self.late_fee_charged.amount - self.late_fee_paid.amount


class CityFeeBatch(models.Model):
    """The city's shares of many bills of one program, paid at once (보증료 지원금 일괄 납부): one journal."""

    objects: models.Manager[CityFeeBatch] = models.Manager()

    program = models.ForeignKey(GuaranteeProgram, on_delete=models.PROTECT, related_name="city_fee_batches")
    paid_on = models.DateField(_("paid on"))
    due_by = models.DateField(_("bills due by"), null=True, blank=True,
                              help_text=_("Set when the batch was every open city share due by this day."))
    amount = won_field(_("amount"))
    bill_count = models.PositiveIntegerField(_("bills"))
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="+")
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("city fee payment batch")
        verbose_name_plural = _("city fee payment batches")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="city_fee_batch_amount_positive"),
            models.CheckConstraint(condition=Q(bill_count__gt=0), name="city_fee_batch_has_bills"),
            models.UniqueConstraint(fields=["program", "idempotency_key"], name="city_fee_batch_unique_key"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.program_id} {self.amount} ({self.bill_count})"


class FeePayment(models.Model):
    """What one payer paid on one bill: the enterprise (with the late fee charged at that payment, paid first), or
    the city as a line of a batch."""

    objects: models.Manager[FeePayment] = models.Manager()

    bill = models.ForeignKey(FeeBill, on_delete=models.PROTECT, related_name="payments")
    payer = models.CharField(_("payer"), max_length=10, choices=Payer.choices)
    amount = won_field(_("amount"))
    share_paid = won_field(_("paid of the share"))
    late_fee_charged = won_field(_("late fee charged with it (연체료)"), default=0)
    late_fee_paid = won_field(_("paid of the late fees"), default=0)
    paid_on = models.DateField(_("paid on"))
    batch = models.ForeignKey(CityFeeBatch, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="payments")
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guarantee fee payment")
        verbose_name_plural = _("guarantee fee payments")
        constraints = [
            models.CheckConstraint(condition=Q(payer__in=["firm", "city"]), name="fee_payment_payer"),
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(share_paid__gte=0) & Q(late_fee_paid__gte=0)
                & Q(late_fee_charged__gte=0) & Q(amount=F("share_paid") + F("late_fee_paid")),
                name="fee_payment_parts_add_up"),
            # The city pays in batches and is charged no late fee; the enterprise pays one bill at a time.
            models.CheckConstraint(
                condition=(Q(payer="city") & Q(batch__isnull=False) & Q(late_fee_charged=0) & Q(late_fee_paid=0))
                | (Q(payer="firm") & Q(batch__isnull=True)),
                name="fee_payment_city_in_batches"),
            models.UniqueConstraint(fields=["bill", "idempotency_key"], condition=Q(payer="firm"),
                                    name="fee_payment_firm_unique_key"),
            models.UniqueConstraint(fields=["bill", "batch"], condition=Q(payer="city"),
                                    name="fee_payment_once_per_batch"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.bill_id} {self.payer} {self.amount}"


class FeeRefund(models.Model):
    """What was refunded of one payer's share of a bill for the unused days after an early full repayment (보증료
    환급): ``returned`` in cash (of what it had paid), ``written_down`` off what it still owed."""

    objects: models.Manager[FeeRefund] = models.Manager()

    bill = models.ForeignKey(FeeBill, on_delete=models.PROTECT, related_name="refunds")
    payer = models.CharField(_("payer"), max_length=10, choices=Payer.choices)
    repaid_on = models.DateField(_("loan repaid on"))
    days = models.PositiveSmallIntegerField(_("unused days"))
    amount = won_field(_("refund"))
    returned = won_field(_("returned in cash"))
    written_down = won_field(_("taken off what was owed"))
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guarantee fee refund")
        verbose_name_plural = _("guarantee fee refunds")
        constraints = [
            models.CheckConstraint(condition=Q(payer__in=["firm", "city"]), name="fee_refund_payer"),
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(returned__gte=0) & Q(written_down__gte=0)
                & Q(amount=F("returned") + F("written_down")),
                name="fee_refund_parts_add_up"),
            models.UniqueConstraint(fields=["bill", "payer"], name="fee_refund_once_per_payer"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.bill_id} {self.payer} {self.amount}"
