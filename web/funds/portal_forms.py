"""The enterprise portal's forms for the revolving fund: they read input; the services decide (the lending rules are
checked when an application is submitted, a member's value date by ``repayment_make``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from funds.models import LoanProduct
from web.common.format import percent, won
from web.common.forms import WonField

from .forms import RepaymentForm


class ProductChoice(forms.ModelChoiceField):
    """An open loan product, named with its fund and its terms so that the borrower chooses knowingly."""

    def label_from_instance(self, obj: LoanProduct) -> str:
        return _("%(fund)s · %(name)s (%(rate)s, %(term)s months, %(low)s to %(high)s)") % {
            "fund": obj.fund.name, "name": obj.name, "rate": percent(obj.annual_rate), "term": obj.term_months,
            "low": won(obj.min_amount), "high": won(obj.max_amount)}


class ApplicationForm(forms.Form):
    """A new application: one of the member's own enterprises, an open product, the amount and what it is for."""

    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.none())
    product = ProductChoice(label=_("Loan product"), queryset=LoanProduct.objects.none())
    amount = WonField(label=_("Amount asked for"))
    purpose = forms.CharField(label=_("Purpose of the loan"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, enterprises: QuerySet[Enterprise], products: QuerySet[LoanProduct],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["enterprise"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = enterprises
        only = list(enterprises[:2])
        if len(only) == 1:  # the usual case: one enterprise, chosen already
            field.empty_label = None
            field.initial = only[0].pk
        products_field = self.fields["product"]
        assert isinstance(products_field, forms.ModelChoiceField)
        products_field.queryset = products


class ApplicationUpdateForm(forms.Form):
    """A draft's amount and purpose (the enterprise and the product stay as drafted)."""

    amount = WonField(label=_("Amount asked for"))
    purpose = forms.CharField(label=_("Purpose of the loan"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))


class MemberRepaymentForm(RepaymentForm):
    """A member's repayment: its value date is today. The field is not shown; a value date sent anyway goes to the
    service, which refuses any day but today for anyone but a fund manager, with its message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value_date"].widget = forms.HiddenInput()
