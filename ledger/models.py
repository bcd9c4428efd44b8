"""Books, accounts, journals and entries.

Entries and journals are append-only (a PostgreSQL trigger refuses UPDATE and DELETE). A journal declares how
many entries it has and their total; a deferred PostgreSQL constraint trigger checks at commit that its entries
are exactly that: debits = credits = total, count = entry_count, so nothing can be slipped in afterwards.
Each account keeps running totals so that "is there enough" is answered under the account's row lock, and CHECK
constraints keep those totals consistent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import won_field


class Side(models.TextChoices):
    DEBIT = "D", _("debit (차변)")
    CREDIT = "C", _("credit (대변)")


class Book(models.Model):
    """A set of accounts that balance among themselves: one per fund, guarantee program, contest or bond."""

    objects: models.Manager[Book] = models.Manager()

    code = models.SlugField(_("code"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("book")
        verbose_name_plural = _("books")

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    objects: models.Manager[Account] = models.Manager()
    class Type(models.TextChoices):
        ASSET = "asset", _("asset (자산)")
        LIABILITY = "liability", _("liability (부채)")
        EQUITY = "equity", _("equity (자본)")
        INCOME = "income", _("income (수익)")
        EXPENSE = "expense", _("expense (비용)")

    NORMAL_SIDE = {
        Type.ASSET: Side.DEBIT,
        Type.EXPENSE: Side.DEBIT,
        Type.LIABILITY: Side.CREDIT,
        Type.EQUITY: Side.CREDIT,
        Type.INCOME: Side.CREDIT,
    }

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="accounts")
    code = models.CharField(_("code"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    normal_side = models.CharField(_("normal side"), max_length=1, choices=Side.choices)
    no_overdraft = models.BooleanField(
        _("no overdraft"), default=False, help_text=_("Refuse any posting that would take the balance below zero.")
    )
    debit_total = won_field(_("debits"), default=0)
    credit_total = won_field(_("credits"), default=0)
    balance = won_field(
        _("balance"), default=0, help_text=_("On the normal side: debits - credits for a debit account.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Kept for now: funds.close and funds.servicing lock cash accounts with select_for_update() and no
        # order_by, so this is their lock order. It goes once they order their locks themselves.
        ordering = ["book_id", "code"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["book", "code"], name="ledger_account_unique_code_per_book"),
            models.CheckConstraint(
                condition=Q(type__in=["asset", "expense"], normal_side="D")
                | Q(type__in=["liability", "equity", "income"], normal_side="C"),
                name="ledger_account_normal_side_matches_type",
            ),
            models.CheckConstraint(
                condition=Q(debit_total__gte=0) & Q(credit_total__gte=0), name="ledger_account_totals_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(normal_side="D", balance=F("debit_total") - F("credit_total"))
                | Q(normal_side="C", balance=F("credit_total") - F("debit_total")),
                name="ledger_account_balance_is_totals_difference",
            ),
            models.CheckConstraint(
                condition=Q(no_overdraft=False) | Q(balance__gte=0), name="ledger_account_no_overdraft"
            ),
            models.CheckConstraint(
                condition=Q(debit_total_currency="KRW") & Q(credit_total_currency="KRW") & Q(balance_currency="KRW"),
                name="ledger_account_krw",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.book.code}:{self.code}"


class Journal(models.Model):
    """One balanced movement of money. Never changed once written; a mistake gets a reversing journal."""

    objects: models.Manager[Journal] = models.Manager()

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="journals")
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    fingerprint = models.CharField(
        max_length=64, help_text=_("SHA-256 of the content, to tell a replay from a different request.")
    )
    kind = models.CharField(_("kind"), max_length=60)
    effective_date = models.DateField(_("effective date"))
    recorded_at = models.DateTimeField(_("recorded at"))
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entry_count = models.PositiveSmallIntegerField(_("entries"), help_text=_("How many entries the journal has."))
    total = won_field(_("total"), help_text=_("The sum of the debits, which equals the sum of the credits."))
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by", verbose_name=_("reverses")
    )

    class Meta:
        verbose_name = _("journal")
        verbose_name_plural = _("journals")
        indexes = [models.Index(fields=["book", "effective_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(entry_count__gte=2), name="ledger_journal_two_entries_or_more"),
            models.CheckConstraint(
                condition=Q(total__gt=0) & Q(total_currency="KRW"), name="ledger_journal_total_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"J{self.pk} {self.kind} {self.effective_date}"


class Entry(models.Model):
    objects: models.Manager[Entry] = models.Manager()
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    side = models.CharField(_("side"), max_length=1, choices=Side.choices)
    amount = won_field(_("amount"))

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_entry_amount_positive"),
            models.CheckConstraint(condition=Q(side__in=["D", "C"]), name="ledger_entry_side_valid"),
            models.CheckConstraint(condition=Q(amount_currency="KRW"), name="ledger_entry_krw"),
        ]
        indexes = [models.Index(fields=["account", "journal"])]

    def __str__(self) -> str:
        return f"{self.side} {self.amount} {self.account_id}"
