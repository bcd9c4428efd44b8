"""The bonds pages' forms: they read input; the services decide (and their refusals come back beside the fields).
A form that moves money is an ``IdempotentForm``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from web.common.forms import DateField, IdempotentForm, ReasonField, WonField


class SignForm(forms.Form):
    signed_on = DateField(label=_("Signed on (협약 체결일)"),
                          help_text=_("The city's outcome budget is appropriated at the maximum outcome payment."))


class AdvanceForm(forms.Form):
    on_date = DateField(label=_("Date"))


class CapitalCallForm(IdempotentForm):
    amount = WonField(label=_("Amount called"),
                      help_text=_("Shared among the investors in proportion to what each has still to pay in."))
    call_on = DateField(label=_("Called on"))
    due_on = DateField(label=_("Due on"))


class CallPaidForm(IdempotentForm):
    paid_on = DateField(label=_("Paid on"))


class DisbursementForm(IdempotentForm):
    amount = WonField(label=_("Amount disbursed"), help_text=_("At most the contract's cash."))
    paid_on = DateField(label=_("Paid on"))
    memo = forms.CharField(label=_("Memo"), max_length=300, required=False)


class PaymentPrepareForm(forms.Form):
    paid_on = DateField(label=_("Payment date"),
                        help_text=_("Not before the evaluation point; another manager approves the payment."))


class PaymentApproveForm(IdempotentForm):
    """Approving pays it from the city's outcome budget: the form only carries its key (a double click pays once)."""


class DistributionForm(IdempotentForm):
    amount = WonField(label=_("Amount distributed"), help_text=_("At most the contract's cash."))
    paid_on = DateField(label=_("Paid on"))


class ResultForm(forms.Form):
    """A metric's result at an evaluation point, with its evidence file (PDF, JPEG or PNG, at most 10 MB)."""

    metric = forms.TypedChoiceField(label=_("Outcome metric"), coerce=int)
    point = forms.TypedChoiceField(label=_("Evaluation point"), coerce=int)
    engaged = forms.IntegerField(label=_("People engaged (참여자 수)"), min_value=0)
    with_outcome = forms.IntegerField(label=_("People with the outcome (성과 달성자 수)"), min_value=0)
    units = forms.IntegerField(label=_("Verified outcome units"), min_value=0, required=False,
                               help_text=_("For a rate card; empty: the people with the outcome."))
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(label=_("Evidence (증빙)"), required=False,
                               help_text=_("The evaluation report: PDF, JPEG or PNG, at most 10 MB."))

    def __init__(self, *args: Any, metrics: list[tuple[int, str]], points: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = metrics  # type: ignore[attr-defined]
        self.fields["point"].choices = points  # type: ignore[attr-defined]


class ConfirmForm(forms.Form):
    """Confirming a result takes nothing but the click (four eyes: another evaluator than the one who recorded it)."""


class ReopenForm(forms.Form):
    reason = ReasonField(required=True, help_text=_("Why the result is disputed; kept in the audit trail."))
