"""The console's action forms of the special guarantees: they read input; the services decide (and their refusals
come back beside the fields). A form that moves money is an ``IdempotentForm``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guarantees import selectors
from statements.services import EXPORT_TYPES
from web.common.forms import DateField, IdempotentForm, ReasonField, WonField


class RecommendForm(forms.Form):
    """A manager's review of a submitted application: recommend it (추천) to another manager, or decline it."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("Choose…")), ("recommend", _("Recommend for approval (추천)")),
                 ("decline", _("Decline (부결)"))],
        help_text=_("A recommended application goes to another fund manager, who approves or rejects it."))
    reason = ReasonField(required=True, help_text=_("Your review opinion; kept in the audit trail."))


class SubsidyRunPrepareForm(forms.Form):
    """Which program's subsidies, for which month or quarter (its first day)."""

    program = forms.ModelChoiceField(label=_("Program"), queryset=selectors.programs_all(), empty_label=_("Choose…"))
    period_start = DateField(
        label=_("First day of the period"),
        help_text=_("The first day of a month (or of a quarter: 1 January, April, July or October, by the program's "
                    "setting) that has ended."))


class SubsidyRunApproveForm(IdempotentForm):
    """Approving a run pays it: the form only carries its idempotency key (a double click pays once)."""


class PaymentFileForm(forms.Form):
    """Which bank's payment file, in which format (the query of the download link)."""

    bank = forms.IntegerField(label=_("Bank"), min_value=1, max_value=2**63 - 1)
    format = forms.ChoiceField(label=_("File type"), choices=[(kind, kind.upper()) for kind in EXPORT_TYPES])


class ClaimPrepareForm(forms.Form):
    paid_on = DateField(label=_("Payment date"),
                        help_text=_("Unpaid interest runs at the loan's rate up to (not including) this day."))
    costs = WonField(label=_("Bank's costs accepted"), required=False, allow_zero=True,
                     help_text=_("At most what the bank claimed; empty: all of it."))


class ClaimApproveForm(IdempotentForm):
    reason = ReasonField(required=False)


class RecoveryForm(IdempotentForm):
    amount = WonField(label=_("Amount recovered"))
    received_on = DateField(label=_("Received on"))
    memo = forms.CharField(label=_("Memo"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _("Spent on costs, then late damages, then principal (민법 제479조).")
