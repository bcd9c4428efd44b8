"""The bank desk's forms: what a partner bank's officer reports about a guaranteed loan. They read and shape input
(an amount in won, a rate typed in percent, a date); the lifecycle and claims services check the rules, and their
refusals come back beside the fields, whose names are the services' own (``loan_amount``, ``on_date``...)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from web.common.forms import DateField, IdempotentForm, WonField


class PercentField(forms.DecimalField):
    """A yearly rate typed in percent ("4.5" for 4.5 %), handed to the service as the fraction it keeps (0.045):
    from 0 to 20 % (the legal maximum), at most three decimals (the service's five, as a fraction)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", Decimal(20))
        kwargs.setdefault("max_digits", 6)
        kwargs.setdefault("decimal_places", 3)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                                           "class": "num"}))
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> Decimal | None:
        number = super().clean(value)
        return None if number is None else Decimal(number).scaleb(-2)


class ExecuteForm(IdempotentForm):
    """The loan made (대출 실행)."""

    loan_amount = WonField(label=_("Loan amount made"), help_text=_("At most the amount approved; in won."))
    loan_rate = PercentField(label=_("Loan rate (% a year)"), help_text=_("e.g. 4.5 for 4.5 % a year"))
    start_on = DateField(label=_("Loan made on"), help_text=_("Not in the future; the loan matures after its term."))
    bank_reference = forms.CharField(label=_("Bank's loan number"), max_length=50, required=False)


class ReportForm(IdempotentForm):
    """A balance (잔액 보고) or a repayment (상환): one of the two."""

    on_date = DateField(label=_("As of"), help_text=_("Not before the last balance reported, not in the future."))
    balance = WonField(label=_("Loan balance"), required=False, allow_zero=True,
                       help_text=_("The loan's balance from that day; 0 is a full repayment. Or give the amount "
                                   "repaid below, not both."))
    repaid = WonField(label=_("Principal repaid"), required=False,
                      help_text=_("Principal repaid that day; at most the balance."))


class RepayForm(IdempotentForm):
    """The loan repaid in full (완제), early or at maturity."""

    on_date = DateField(label=_("Repaid in full on"),
                        help_text=_("Not before the last balance reported, not in the future."))


class DefaultForm(IdempotentForm):
    """The loan in default (사고)."""

    on_date = DateField(label=_("Defaulted on (사고일)"),
                        help_text=_("Not before the last balance reported, not in the future."))
    balance = WonField(label=_("Loan balance then"), help_text=_("Above 0, at most the last balance reported."))
    interest_paid_to = DateField(label=_("Interest paid up to"),
                                 help_text=_("From the day interest was last paid to, up to the day of default."))


class ClaimRequestForm(forms.Form):
    """The bank's claim on a defaulted guarantee (대위변제 청구). No money moves until managers prepare and approve
    it, and a guarantee has one open claim at a time: sending it twice is refused, not paid twice."""

    principal = WonField(label=_("Principal outstanding"), help_text=_("At most the loan's balance; in won."))
    interest = WonField(label=_("Unpaid interest"), required=False, allow_zero=True,
                        help_text=_("As the bank counts it; the foundation works out its own. Empty: 0."))
    costs = WonField(label=_("Bank's costs"), required=False, allow_zero=True, help_text=_("Empty: 0."))
    requested_on = DateField(label=_("Claimed on"),
                             help_text=_("Not before the day of default, not in the future."))
