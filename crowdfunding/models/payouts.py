"""Where a campaign's payout goes (정산 계좌): the bank account of the enterprise, as the bank file needs it. The
enterprises app keeps no bank account, and only the crowdfunding payouts need one, so it lives here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise


class Bank(models.TextChoices):
    """Korean banks by their 3-digit code (금융기관 코드), as transfer files name them."""

    KDB = "002", _("KDB Korea Development Bank (산업은행)")
    IBK = "003", _("IBK Industrial Bank of Korea (기업은행)")
    KB = "004", _("KB Kookmin Bank (국민은행)")
    SUHYUP = "007", _("Suhyup Bank (수협은행)")
    NH = "011", _("NongHyup Bank (농협은행)")
    WOORI = "020", _("Woori Bank (우리은행)")
    SC = "023", _("SC First Bank (SC제일은행)")
    CITI = "027", _("Citibank Korea (한국씨티은행)")
    IM = "031", _("iM Bank (아이엠뱅크, 구 대구은행)")
    BUSAN = "032", _("Busan Bank (부산은행)")
    GWANGJU = "034", _("Gwangju Bank (광주은행)")
    JEJU = "035", _("Jeju Bank (제주은행)")
    JEONBUK = "037", _("Jeonbuk Bank (전북은행)")
    KYONGNAM = "039", _("Kyongnam Bank (경남은행)")
    MG = "045", _("MG Community Credit Cooperatives (새마을금고)")
    CU = "048", _("Credit Union (신협)")
    POST = "071", _("Korea Post (우체국)")
    HANA = "081", _("Hana Bank (하나은행)")
    SHINHAN = "088", _("Shinhan Bank (신한은행)")
    KBANK = "089", _("K Bank (케이뱅크)")
    KAKAO = "090", _("Kakao Bank (카카오뱅크)")
    TOSS = "092", _("Toss Bank (토스뱅크)")


class PayoutAccount(models.Model):
    """An enterprise's bank account for its campaigns' payouts (정산 계좌): bank, account number (digits only) and
    the holder's name (예금주), which must be the enterprise's."""

    objects: models.Manager[PayoutAccount] = models.Manager()

    enterprise = models.OneToOneField(Enterprise, on_delete=models.PROTECT, related_name="payout_account")
    bank = models.CharField(_("bank"), max_length=3, choices=Bank.choices)
    account_number = models.CharField(_("account number (계좌번호)"), max_length=20,
                                      help_text=_("10 to 16 digits, without dashes."))
    holder = models.CharField(_("account holder (예금주)"), max_length=100)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payout account")
        verbose_name_plural = _("payout accounts")
        constraints = [
            models.CheckConstraint(condition=Q(bank__in=Bank.values), name="payout_account_bank_known"),
            models.CheckConstraint(condition=Q(account_number__regex=r"^[0-9]{10,16}$"),
                                   name="payout_account_number_digits"),
            models.CheckConstraint(condition=~Q(holder=""), name="payout_account_holder_named"),
        ]

    def __str__(self) -> str:
        return f"{self.get_bank_display()} {self.account_number}"
