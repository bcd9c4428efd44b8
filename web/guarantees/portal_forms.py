"""The enterprise portal's forms for the special guarantees: an application and a fee payment. They read and shape
input; the services decide (the program's window, the enterprise's kind, the partner bank, the per-firm limit are
checked when an application is drafted and again when it is submitted; what is due when a fee is paid)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from guarantees.models import MAX_TERM_MONTHS, GuaranteeProgram, RepaymentMethod
from web.common.format import percent, won
from web.common.forms import IdempotentForm, WonField

# The two shapes of loan the portal offers (the national standard for these guarantees): at maturity, or a year of
# grace then equal principal.
GRACE_MONTHS = 12
METHODS = [
    (RepaymentMethod.BULLET.value, _("Bullet: interest only, the principal at maturity (만기일시상환)")),
    (RepaymentMethod.EQUAL_PRINCIPAL.value,
     _("12 months' grace, then equal principal every month (1년 거치 후 원금균등분할상환)")),
]


class ProgramChoice(forms.ModelChoiceField):
    """An open program, named with its terms so that the enterprise chooses knowingly."""

    def label_from_instance(self, obj: GuaranteeProgram) -> str:
        return _("%(name)s (%(ratio)s guaranteed, fee %(fee)s a year of which the city pays %(city)s, at most "
                 "%(limit)s per enterprise)") % {
            "name": obj.name, "ratio": percent(obj.guarantee_ratio), "fee": percent(obj.fee_rate),
            "city": percent(obj.city_fee_rate), "limit": won(obj.per_firm_limit)}


class GuaranteeApplicationForm(forms.Form):
    """A draft application: one of the member's enterprises, an open program, one of its partner banks, the loan
    asked for, its term and repayment method, and what it is for."""

    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.none())
    program = ProgramChoice(label=_("Guarantee program"), queryset=GuaranteeProgram.objects.none())
    bank = forms.TypedChoiceField(label=_("Bank"), coerce=int, choices=(),
                                  help_text=_("One of the chosen program's partner banks (협약은행)."))
    amount = WonField(label=_("Loan amount asked for"),
                      help_text=_("In won, e.g. 30,000,000. The guaranteed share (amount x the program's ratio) "
                                  "must stay within the limit per enterprise."))
    term_months = forms.IntegerField(label=_("Term in months"), min_value=1, max_value=MAX_TERM_MONTHS,
                                     initial=60, help_text=_("e.g. 60 for 5 years."))
    repayment_method = forms.ChoiceField(label=_("Repayment method"), choices=METHODS,
                                         initial=RepaymentMethod.EQUAL_PRINCIPAL.value)
    purpose = forms.CharField(label=_("Purpose of the loan"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, enterprises: QuerySet[Enterprise], programs: list[GuaranteeProgram],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["enterprise"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = enterprises
        only = list(enterprises[:2])
        if len(only) == 1:  # the usual case: one enterprise, chosen already
            field.empty_label = None
            field.initial = only[0].pk
        program_field = self.fields["program"]
        assert isinstance(program_field, forms.ModelChoiceField)
        program_field.queryset = GuaranteeProgram.objects.filter(pk__in=[p.pk for p in programs])
        if len(programs) == 1:
            program_field.empty_label = None
            program_field.initial = programs[0].pk
        bank_field = self.fields["bank"]
        assert isinstance(bank_field, forms.TypedChoiceField)
        # The banks grouped by program: which bank lends under which program is plain to see, and the service
        # refuses a bank that is not the chosen program's partner, beside this field.
        bank_field.choices = [("", "---------"), *[
            (program.name, [(bank.pk, bank.name) for bank in program.partner_banks.all()]) for program in programs]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        method = data.get("repayment_method")
        data["grace_months"] = GRACE_MONTHS if method == RepaymentMethod.EQUAL_PRINCIPAL else 0
        return data


class FeePayForm(IdempotentForm):
    """The enterprise pays its part of a fee bill (today): its late fee first, then its share; part of it or all."""

    amount = WonField(label=_("Amount paid"), help_text=_("At most what is due today; in won."))
