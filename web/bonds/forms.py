"""The bonds pages' forms: they read input; the services decide (and their refusals come back beside the fields).
A form that moves money is an ``IdempotentForm``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bonds.models import Contract, DistributionMode, EvaluationPoint, PaymentTerm, ShareClass, ValidationMethod
from enterprises.models import Enterprise, Institution
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


# --- setting a draft contract up ---------------------------------------------------------------------------------


def _institutions(kind: str) -> QuerySet[Institution]:
    return Institution.objects.filter(kind=kind).order_by("name", "pk")


class PercentField(forms.DecimalField):
    """A percent with at most two decimals (42, 42.5); the service checks its range."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 7)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "class": "num"}))
        super().__init__(*args, **kwargs)


class ContractForm(forms.Form):
    """A draft contract's parties and terms (the new-contract form adds its code)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    outcome_payer = forms.ModelChoiceField(label=_("Outcome payer (성과보상 지급기관)"),
                                           queryset=Institution.objects.none(), empty_label=_("Choose…"),
                                           help_text=_("A municipality."))
    operator = forms.ModelChoiceField(label=_("Operator (수행기관)"), queryset=Institution.objects.none(),
                                      empty_label=_("Choose…"), help_text=_("An intermediary."))
    provider = forms.ModelChoiceField(label=_("Service provider (서비스 제공기관)"),
                                      queryset=Enterprise.objects.none(), empty_label=_("Choose…"))
    evaluator = forms.ModelChoiceField(label=_("Evaluator (성과평가기관)"), queryset=Institution.objects.none(),
                                       empty_label=_("Choose…"), help_text=_("An evaluator institution."))
    service_starts_on = DateField(label=_("Service starts on"))
    service_ends_on = DateField(label=_("Service ends on"))
    max_payment = WonField(label=_("Maximum outcome payment (성과보상 한도)"),
                           help_text=_("In won; the city's outcome budget appropriated when the contract is signed."))
    interim_percent = PercentField(label=_("Interim share (%)"), initial=Decimal(0),
                                   help_text=_("The percent of what interim results earn that is paid at an interim "
                                               "evaluation; 0: none."))
    distribution_mode = forms.ChoiceField(label=_("Distribution to the investors"), choices=DistributionMode.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = (("outcome_payer", Institution.Kind.MUNICIPALITY), ("operator", Institution.Kind.INTERMEDIARY),
                 ("evaluator", Institution.Kind.EVALUATOR))
        for name, kind in kinds:
            self.fields[name].queryset = _institutions(kind)  # type: ignore[attr-defined]
        self.fields["provider"].queryset = Enterprise.objects.order_by("name", "pk")  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        """What the service takes: every field but the code."""
        return {name: value for name, value in self.cleaned_data.items() if name != "code"}

    @staticmethod
    def initial_of(contract: Contract) -> dict[str, Any]:
        return {"name": contract.name, "outcome_payer": contract.outcome_payer_id, "operator": contract.operator_id,
                "provider": contract.provider_id, "evaluator": contract.evaluator_id,
                "service_starts_on": contract.service_starts_on, "service_ends_on": contract.service_ends_on,
                "max_payment": f"{contract.max_payment.amount:,.0f}", "interim_percent": contract.interim_percent,
                "distribution_mode": contract.distribution_mode}


class ContractCreateForm(ContractForm):
    code = forms.CharField(label=_("Code"), max_length=50,
                           help_text=_("Letters, digits and dashes, e.g. seoul-sib-2; it cannot change later."))
    field_order = ("code",)


class InvestmentForm(forms.Form):
    investor = forms.ModelChoiceField(label=_("Investor (투자자)"), queryset=Institution.objects.none(),
                                      empty_label=_("Choose…"))
    commitment = WonField(label=_("Commitment (약정액)"))
    share_class = forms.ChoiceField(label=_("Class"), choices=ShareClass.choices, required=False,
                                    help_text=_("Senior or junior for a contract distributed by classes."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["investor"].queryset = _institutions(Institution.Kind.INVESTOR)  # type: ignore[attr-defined]


class MetricForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=50, help_text=_("Letters, digits and dashes, e.g. improved."))
    definition = forms.CharField(label=_("Definition"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    unit = forms.CharField(label=_("Unit"), max_length=100, help_text=_("e.g. 명 (people)."))
    target_population = forms.CharField(label=_("Target population"), max_length=2000)
    targeted_number = forms.IntegerField(label=_("Number targeted"), min_value=0)
    target = PercentField(label=_("Target achievement rate (%)"))
    baseline = PercentField(label=_("Baseline (%)"), required=False)
    validation_method = forms.ChoiceField(label=_("Validation method"), choices=ValidationMethod.choices)
    data_source = forms.CharField(label=_("Data source"), max_length=300)


class TermForm(forms.Form):
    """A metric's payment term: an achievement table (its rows typed one a line, ``threshold:percent``) or a rate
    card. The fields of the other kind are ignored."""

    kind = forms.ChoiceField(label=_("Kind"), choices=PaymentTerm.Kind.choices, widget=forms.RadioSelect)
    steps = forms.CharField(
        label=_("Achievement table rows"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One row a line, achievement %:payment % of the principal, e.g. 42:100. Thresholds increasing, "
                    "payments never decreasing."))
    mode = forms.ChoiceField(label=_("Between thresholds"), choices=PaymentTerm.Mode.choices, required=False)
    below = forms.ChoiceField(label=_("Below the lowest threshold"), choices=PaymentTerm.Below.choices,
                              required=False)
    principal = WonField(label=_("Principal (the table's 100 %)"), required=False)
    principal_line = PercentField(label=_("Principal line (%)"), required=False,
                                  help_text=_("The achievement rate at which the table pays 100 %; empty: none."))
    cap_percent = PercentField(label=_("Cap (percent of the principal)"), required=False,
                               help_text=_("Empty: no cap."))
    price = WonField(label=_("Price per verified unit"), required=False)
    max_units = forms.IntegerField(label=_("Most units paid"), min_value=0, required=False)

    def clean_steps(self) -> list[tuple[str, str]]:
        """The rows, each ``threshold:percent`` (a space, a tab or "=" also separate them); a bad line is named."""
        rows: list[tuple[str, str]] = []
        for number, line in enumerate((self.cleaned_data.get("steps") or "").splitlines(), start=1):
            text = line.strip()
            if not text:
                continue
            parts = [part.strip().rstrip("%").strip()
                     for part in text.replace("=", ":").replace("\t", ":").replace(" ", ":").split(":") if part.strip()]
            if len(parts) != 2:
                raise ValidationError(_("Line %(line)s (%(text)s): write achievement %%:payment %%, e.g. 42:100.")
                                      % {"line": number, "text": text})
            for part in parts:
                try:
                    value = Decimal(part)
                except InvalidOperation:
                    value = Decimal("NaN")
                if not value.is_finite():
                    raise ValidationError(_("Line %(line)s (%(text)s): %(part)s is not a number.")
                                          % {"line": number, "text": text, "part": part})
            rows.append((parts[0], parts[1]))
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == PaymentTerm.Kind.TABLE:
            for name in ("steps", "mode", "below", "principal"):
                if name in data and not data[name] and name not in self.errors:
                    self.add_error(name, _("Required for an achievement table."))
        elif data.get("kind") == PaymentTerm.Kind.RATE_CARD:
            for name in ("price", "max_units"):
                if name in data and data[name] in (None, "") and name not in self.errors:
                    self.add_error(name, _("Required for a rate card."))
        return data

    def values(self) -> dict[str, Any]:
        """What ``payment_term_set`` takes for the kind chosen."""
        data = self.cleaned_data
        if data["kind"] == PaymentTerm.Kind.TABLE:
            return {"kind": data["kind"], "steps": data["steps"], "mode": data["mode"], "below": data["below"],
                    "principal": data["principal"], "principal_line": data["principal_line"],
                    "cap_percent": data["cap_percent"]}
        return {"kind": data["kind"], "price": data["price"], "max_units": data["max_units"]}

    @staticmethod
    def initial_of(term: PaymentTerm | None) -> dict[str, Any]:
        if term is None:
            return {"kind": PaymentTerm.Kind.TABLE, "mode": PaymentTerm.Mode.STEPWISE, "below": PaymentTerm.Below.ZERO}
        steps = "\n".join(f"{step.threshold.normalize():f}:{step.percent.normalize():f}"
                          for step in term.steps.order_by("threshold"))
        return {"kind": term.kind, "steps": steps, "mode": term.mode, "below": term.below,
                "principal": f"{term.principal.amount:,.0f}" if term.principal.amount else "",
                "principal_line": term.principal_line, "cap_percent": term.cap_percent,
                "price": f"{term.price.amount:,.0f}" if term.price.amount else "", "max_units": term.max_units}


class PointForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EvaluationPoint.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. 중간 평가."))
    on_date = DateField(label=_("Evaluation date"),
                        help_text=_("On or after the service's start; one final point, after every interim one."))
