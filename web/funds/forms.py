"""The revolving fund's action forms: they read input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from web.common.forms import DateField, IdempotentForm, ReasonField, WonField


class DisburseForm(forms.Form):
    disbursed_on = DateField(label=_("Disbursed on"), required=False,
                             help_text=_("Empty: today. A past date is allowed within the back-dating window."))
    secured_amount = WonField(label=_("Covered by collateral or guarantee"), required=False, allow_zero=True,
                              help_text=_("The part classified 고정 from 90 days past due; empty: none."))


class RepaymentForm(IdempotentForm):
    amount = WonField(label=_("Amount received"))
    value_date = DateField(label=_("Value date"), required=False,
                           help_text=_("The day the money arrived; empty: today. Only a fund manager may back-date."))


class RecoveryForm(IdempotentForm):
    amount = WonField(label=_("Amount recovered"))
    received_on = DateField(label=_("Received on"), required=False, help_text=_("Empty: today."))
    memo = forms.CharField(label=_("Memo"), max_length=300, required=False)


class ReviewForm(forms.Form):
    """A manager's review of a submitted application: recommend it to another manager for approval, or decline it."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("Choose…")), ("recommend", _("Recommend for approval (추천)")),
                 ("decline", _("Decline (부결)"))],
        help_text=_("A recommended application goes to another fund manager, who approves or rejects it."))
    reason = ReasonField(required=True, help_text=_("Your review opinion; kept in the audit trail."))


class JournalExportForm(forms.Form):
    """The period and the file type of a fund's journal (분개장) download."""

    start = DateField(label=_("First day"))
    end = DateField(label=_("Last day"))
    file = forms.ChoiceField(label=_("File type"), choices=[("xlsx", "XLSX"), ("csv", "CSV")], initial="xlsx")
