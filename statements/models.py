"""Statements: PDFs issued by the system, stored once rendered, with their SHA-256 and a log of every download.

A statement is asked for (kind, subject, period), rendered once by a Celery task, and then only served. Its file's
SHA-256 is kept (and sent with every download); the PDF cannot print its own hash, so its footer prints the SHA-256
of the data it carries (the CSV embedded in it), which ``verify`` accepts too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bonds.models import Contract as BondContract
from bonds.models import Investment as BondInvestment
from crowdfunding.models import Campaign, Contest, Pledge, PoolFunder
from enterprises.models import Enterprise
from funds.models import Fund, Loan, Repayment
from guarantees.models import FeeBill, GuaranteeProgram, SubsidyRun


class Statement(models.Model):
    objects: models.Manager[Statement] = models.Manager()

    class Kind(models.TextChoices):
        LOAN = "loan", _("Loan statement (대출 거래명세서)")
        ENTERPRISE = "enterprise", _("Enterprise statement (기업 거래명세서)")
        FUND = "fund", _("Fund statement (기금 운용 명세서)")
        RECEIPT = "receipt", _("Repayment receipt (상환 영수증)")
        SUBSIDY_RUN = "subsidy_run", _("Interest subsidy payment statement (이차보전금 지급 명세서)")
        GUARANTEE_PROGRAM = "guarantee_program", _("Special guarantee program statement (특례보증 운용 명세서)")
        FEE_RECEIPT = "fee_receipt", _("Guarantee fee receipt (보증료 납부 확인서)")
        CONTEST = "contest", _("Contest report (크라우드펀딩 대회 결과 보고서)")
        CAMPAIGN_SETTLEMENT = "campaign_settlement", _("Campaign settlement statement (캠페인 정산서)")
        PLEDGE_RECEIPT = "pledge_receipt", _("Pledge payment receipt (후원 영수증)")
        POOL_FUNDER = "pool_funder", _("Matching fund use statement (매칭 재원 사용 내역서)")
        BOND_CONTRACT = "bond_contract", _("Social impact bond contract statement (사회성과보상사업 명세서)")
        BOND_INVESTOR = "bond_investor", _("Social impact bond investor statement (사회성과보상사업 투자 명세서)")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending (대기)")
        READY = "ready", _("Ready (발급 완료)")
        FAILED = "failed", _("Failed (실패)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, null=True, blank=True, related_name="statements")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="statements",
        help_text=_("The enterprise the statement is about (set for loan, enterprise and receipt statements, and fee "
                    "receipts)."),
    )
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, null=True, blank=True, related_name="statements")
    repayment = models.ForeignKey(
        Repayment, on_delete=models.PROTECT, null=True, blank=True, related_name="statements"
    )
    subsidy_run = models.ForeignKey(
        SubsidyRun, on_delete=models.PROTECT, null=True, blank=True, related_name="statements",
        help_text=_("The interest subsidy run paid (set for subsidy run statements)."),
    )
    guarantee_program = models.ForeignKey(
        GuaranteeProgram, on_delete=models.PROTECT, null=True, blank=True, related_name="statements",
        help_text=_("The special guarantee program (set for program statements)."),
    )
    fee_bill = models.ForeignKey(
        FeeBill, on_delete=models.PROTECT, null=True, blank=True, related_name="statements",
        help_text=_("The guarantee fee bill (set for fee receipts)."),
    )
    contest = models.ForeignKey(
        Contest, on_delete=models.PROTECT, null=True, blank=True, related_name="statements",
        help_text=_("The crowdfunding contest (set for contest reports)."),
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="statements",
        help_text=_("The crowdfunding campaign (set for campaign settlement statements)."),
    )
    pledge = models.ForeignKey(
        Pledge, on_delete=models.PROTECT, null=True, blank=True, related_name="statements",
        help_text=_("The charged pledge (set for pledge receipts)."),
    )
    pool_funder = models.ForeignKey(
        PoolFunder, on_delete=models.PROTECT, null=True, blank=True, related_name="statements",
        help_text=_("The matching pool's funder (set for matching fund use statements)."),
    )
    bond_contract = models.ForeignKey(
        BondContract, on_delete=models.PROTECT, null=True, blank=True, related_name="statements",
        help_text=_("The social impact bond contract (set for bond contract and investor statements)."),
    )
    bond_investment = models.ForeignKey(
        BondInvestment, on_delete=models.PROTECT, null=True, blank=True, related_name="statements",
        help_text=_("The investor's investment in a social impact bond (set for bond investor statements)."),
    )
    period_start = models.DateField(_("first day"), null=True, blank=True)
    period_end = models.DateField(_("last day"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="statements/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, null=True, blank=True, unique=True)
    data_sha256 = models.CharField(
        _("SHA-256 of the embedded data"), max_length=64, blank=True, db_index=True,
        help_text=_("Printed in the PDF's footer: the hash of the CSV attached inside it."),
    )
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    render_seconds = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    ledger_check = models.JSONField(_("ledger check at generation"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="loan", loan__isnull=False, enterprise__isnull=False, period_start__isnull=False)
                    | Q(kind="enterprise", enterprise__isnull=False, loan__isnull=True, period_start__isnull=False)
                    | Q(kind="fund", fund__isnull=False, enterprise__isnull=True, period_start__isnull=False)
                    | Q(kind="receipt", repayment__isnull=False, enterprise__isnull=False)
                    | Q(kind="subsidy_run", subsidy_run__isnull=False, enterprise__isnull=True)
                    | Q(kind="guarantee_program", guarantee_program__isnull=False, enterprise__isnull=True,
                        period_start__isnull=False)
                    | Q(kind="fee_receipt", fee_bill__isnull=False, enterprise__isnull=False)
                    | Q(kind="contest", contest__isnull=False, enterprise__isnull=True)
                    | Q(kind="campaign_settlement", campaign__isnull=False, enterprise__isnull=False)
                    | Q(kind="pledge_receipt", pledge__isnull=False, enterprise__isnull=True)
                    | Q(kind="pool_funder", pool_funder__isnull=False, enterprise__isnull=True)
                    | Q(kind="bond_contract", bond_contract__isnull=False, enterprise__isnull=False)
                    | Q(kind="bond_investor", bond_investment__isnull=False, bond_contract__isnull=False,
                        enterprise__isnull=True)
                ),
                name="statement_subject_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True) | Q(period_end__gte=models.F("period_start")),
                name="statement_period_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(state="ready") | (Q(sha256__isnull=False) & ~Q(file="")),
                name="statement_ready_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    @property
    def number(self) -> str:
        """The document number printed on the statement: ST-<year requested, in KST>-<id>."""
        return f"ST-{timezone.localtime(self.requested_at):%Y}-{self.pk:06d}"


class StatementDownload(models.Model):
    """One download of a statement's PDF: who, when, from where. Append-only."""

    objects: models.Manager[StatementDownload] = models.Manager()

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256 sent"), max_length=64)

    class Meta:
        verbose_name = _("statement download")
        verbose_name_plural = _("statement downloads")

    def __str__(self) -> str:
        return f"{self.statement.number} {self.user} {self.at:%Y-%m-%d %H:%M}"
