"""A contract as INDIGO data standard 4.1 JSON (Government Outcomes Lab, University of Oxford): the project with its
dates, finance, service provision, outcome payment commitment, investments, intermediary, outcome metrics, pricings,
results, outcome payments and transactions, and the organisations the project names.

A read (a selector-like builder): it changes nothing and holds no view logic. The field names and codelist values
are the standard's, exactly (``schema/project.json`` and ``schema/organisation.json`` of
INDIGO-Initiative/indigo-data-standard). Each section's status is PUBLIC or PRIVATE by
``settings.BONDS_INDIGO_PRIVATE`` (the section names of ``SECTIONS``; by default the investments and the
transactions are PRIVATE); ``indigo_export(contract, include_private=False)`` leaves the PRIVATE sections out (what
a caller who is not staff gets). Amounts are KRW in whole won, as JSON integers; dates are ``YYYY-MM-DD``.

The export is::

    {"standard": "INDIGO", "version": "4.1",
     "project": {"id": "KR-BOND-<code>", "data": {...the project...}},
     "organisations": [{"id": "KR-BOND-ORG-...", "data": {...an organisation...}}, ...]}
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings

from enterprises.models import Enterprise, Institution

from .models import (
    INDIGO_VALIDATION_METHOD,
    CapitalCallLine,
    Contract,
    Disbursement,
    DistributionLine,
    EvaluationPoint,
    Investment,
    Metric,
    OutcomePayment,
    PaymentTerm,
    Result,
)

VERSION = "4.1"
PUBLIC, PRIVATE, DISPUTED = "PUBLIC", "PRIVATE", "DISPUTED"
CURRENCY = "KRW"
# The sections whose status the setting decides.
SECTIONS = ("project", "dates", "overall_project_finance", "service_and_beneficiaries", "service_provisions",
            "outcome_payment_commitments", "investments", "intermediary_services", "outcome_metrics",
            "outcome_pricings", "results", "outcome_payments", "transactions", "organisations")
DEFAULT_PRIVATE = ("investments", "transactions")

# Codelists (the standard's values, exactly).
STAGE: dict[str, str] = {
    Contract.State.SIGNED: "Contracted",
    Contract.State.IN_SERVICE: "Implementation",
    Contract.State.EVALUATING: "Service delivery complete",
    Contract.State.SETTLED: "Complete",
    Contract.State.CLOSED: "Complete",
}
GOVERNMENT = "Government/Public Sector/Public Bank"
PROVIDER_ROLE: dict[str, str] = {  # service_provisions.organisation_role_category
    Enterprise.Kind.SOCIAL_COOPERATIVE: "Nonprofit/NGO",
}
PROVIDER_ROLE_DEFAULT = "For-profit"  # social enterprises, cooperatives, ventures: registered companies
# investments.organisation_role_category: a contract's investors are institutions of the investor kind (the services
# refuse any other), the social investors that take part in outcome-based contracts.
INVESTOR_ROLE = "Impact Investor"
# The investors' capital is repaid only from outcome payments, with no fixed interest: equity-like, as INDIGO records
# such investments ("Equity" both for the investment and for the paid-in capital's transactions).
INVESTMENT_TYPE = "Equity"
# The operator (수행기관) runs the contract for the city: it manages the provider's performance against the metrics and
# reports to the evaluator; INDIGO's closest intermediary role.
INTERMEDIARY_ROLE = "Performance management"
ORGANISATION_TYPE_COMPANY = "Registered company, partnership or commercial association"
ORGANISATION_TYPE_NON_PROFIT = "Registered non-profit organisation, charity or foundation"
ORGANISATION_TYPE_GOVERNMENT = "Government body"
RESULT_LEVEL = "Outcome level"
RESULT_TYPE: dict[str, str] = {EvaluationPoint.Kind.INTERIM: "Interim", EvaluationPoint.Kind.FINAL: "Final"}
PAYMENT_TYPE_ACTUAL = "Actual"
TRANSACTION_CAPITAL = "Equity"  # as INVESTMENT_TYPE
TRANSACTION_REPAYMENT = "Capital Repayment"
TRANSACTION_REPAYMENT_AND_RETURN = "Capital Repayment and Interest"
TRANSACTION_RETURN = "Interest Payment"
# The capital passed on to the provider for the service (서비스 사업비): neither a grant nor a loan, and the codelist
# has no service-payment type.
TRANSACTION_OTHER = "Other"
REPAYMENT = ("No repayment (no principle or return)", "Some repayment (but below value of principle)",
             "Principal repaid (but no net return)", "Principal + positive financial returns")
UNIT_INDIVIDUAL = "Individual"
VALIDATION_METHOD: dict[str, str] = {str(key): value for key, value in INDIGO_VALIDATION_METHOD.items()}


def private_sections() -> frozenset[str]:
    return frozenset(getattr(settings, "BONDS_INDIGO_PRIVATE", DEFAULT_PRIVATE))


def _status(section: str) -> str:
    return PRIVATE if section in private_sections() else PUBLIC


def _value(value: Any, status: str | None = None) -> dict[str, Any]:
    return {"value": value} if status is None else {"value": value, "status": status}


def _won(amount: Any) -> int:
    return int(getattr(amount, "amount", amount))


def _date(on: date | None) -> str | None:
    return None if on is None else on.isoformat()


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f} %"


def institution_id(institution_id: int) -> str:
    return f"KR-BOND-ORG-I{institution_id}"


def enterprise_id(enterprise_id: int) -> str:
    return f"KR-BOND-ORG-E{enterprise_id}"


def _org(value: str) -> dict[str, str]:
    return {"value": value}


def _dates(contract: Contract, final: EvaluationPoint | None) -> dict[str, Any]:
    status = _status("dates")
    found = {
        "outcomes_contract_signed": contract.signed_on,
        "contracts_between_all_parties_signed": contract.signed_on,
        "anticipated_completion_date": final.on_date if final is not None else None,
        "actual_completion_date": contract.settled_on,
        "start_date_of_service_provision": contract.started_on or contract.service_starts_on,
        "anticipated_end_date_of_service_provision": contract.service_ends_on,
        "actual_end_date_of_service_provision": contract.evaluating_on,
    }
    dates: dict[str, Any] = {name: _value(_date(on), status) for name, on in found.items() if on is not None}
    months = ((contract.service_ends_on.year - contract.service_starts_on.year) * 12
              + contract.service_ends_on.month - contract.service_starts_on.month)
    dates["anticipated_duration_of_service_provision"] = _value(max(months, 0), status)
    return dates


def _finance(contract: Contract) -> dict[str, Any]:
    status = _status("overall_project_finance")
    return {
        "total_investment_commitment": {"currency": _value(CURRENCY, status),
                                        "amount": {"exact": _value(_won(contract.committed), status)}},
        "maximum_potential_outcome_payment_v2": {"currency": _value(CURRENCY, status),
                                                 "amount": _value(_won(contract.max_payment), status)},
        "total_outcome_payments_made": {"currency": _value(CURRENCY, status),
                                        "amount": _value(_won(contract.outcome_paid), status)},
    }


def _repayment(investment: Investment) -> str | None:
    """How the investor came out, once the contract is settled (INDIGO's investor_repayment)."""
    paid_in, got = investment.paid_in.amount, investment.distributed.amount
    if not paid_in:
        return None
    if not got:
        return REPAYMENT[0]
    if got < paid_in:
        return REPAYMENT[1]
    return REPAYMENT[2] if got == paid_in else REPAYMENT[3]


def investment_key(investment: Investment) -> str:
    return f"investment-{investment.position + 1}"


def _investments(contract: Contract, investments: list[Investment]) -> list[dict[str, Any]]:
    status = _status("investments")
    done = contract.state in (Contract.State.SETTLED, Contract.State.CLOSED)
    rows = []
    for investment in investments:
        row: dict[str, Any] = {
            "id": investment_key(investment),
            "organisation_id": _org(institution_id(investment.investor_id)),
            "organisation_role_category": _value(INVESTOR_ROLE),
            "investment_type": _value(INVESTMENT_TYPE),
            "investment_commitment": {"currency": _value(CURRENCY),
                                      "amount": {"exact": _value(_won(investment.commitment))}},
            "status": status,
        }
        repayment = _repayment(investment) if done else None
        if repayment is not None:
            row["investor_repayment"] = _value(repayment)
        rows.append(row)
    return rows


def _metric(metric: Metric, status: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": metric.code,
        "definition": _value(metric.definition),
        "target_population": _value(metric.target_population),
        "targeted_number_of_service_users_or_beneficiaries_total": _value(metric.targeted_number),
        "unit_type_of_targeted_service_users_or_beneficiaries": _value(UNIT_INDIVIDUAL),
        "unit_description_of_service_user_or_beneficiaries": _value(metric.unit),
        "outcome_metric_target": _value(_percent(metric.target)),
        "outcome_validation_method": _value(VALIDATION_METHOD[metric.validation_method]),
        "data_source_for_outcome_validation": _value(metric.data_source),
        "status": status,
    }
    if metric.baseline is not None:
        row["other_target_for_meeting_outcome_metric_target"] = _value(f"baseline {_percent(metric.baseline)}")
    return row


def _pricing(metric: Metric, term: PaymentTerm, status: str) -> dict[str, Any]:
    row: dict[str, Any] = {"outcome_metric_id": _value(metric.code), "currency": _value(CURRENCY), "status": status}
    if term.kind == PaymentTerm.Kind.RATE_CARD:
        price = _won(term.price)
        row["price_per_unit"] = {"amount": _value(price)}
        row["maximum_price_if_all_targets_achieved"] = {"amount": _value(str(price * term.max_units))}
        row["price_description"] = _value(f"rate card: {price} KRW per verified outcome unit, at most "
                                          f"{term.max_units} units")
        return row
    steps = sorted(term.steps.all(), key=lambda step: step.threshold)
    table = ", ".join(f"{_percent(step.threshold)} -> {_percent(step.percent)}" for step in steps)
    top = max((step.percent for step in steps), default=Decimal(0))
    if term.cap_percent is not None:
        top = min(top, term.cap_percent) if term.mode == PaymentTerm.Mode.STEPWISE else term.cap_percent
    principal = _won(term.principal)
    row["maximum_price_if_all_targets_achieved"] = {"amount": _value(str(int(principal * top / 100)))}
    description = (f"achievement table ({term.mode}) of the principal {principal} KRW: {table}"
                   + (f"; principal line {_percent(term.principal_line)}" if term.principal_line is not None else "")
                   + (f"; cap {_percent(term.cap_percent)}" if term.cap_percent is not None else ""))
    row["price_description"] = _value(description)
    return row


def _results(contract: Contract, results: list[Result]) -> list[dict[str, Any]]:
    """The confirmed results (PUBLIC or PRIVATE by the setting) and the reopened ones (DISPUTED); results not yet
    confirmed are not results yet."""
    status = _status("results")
    rows = []
    for result in results:
        if result.state == Result.State.RECORDED:
            continue
        rate = (Decimal(result.with_outcome) * 100 / result.engaged).quantize(Decimal("0.1")) if result.engaged \
            else Decimal(0)
        rows.append({
            "outcome_metric_id": _value(result.metric.code),
            "result_level": _value(RESULT_LEVEL),
            "result_type": _value(RESULT_TYPE[result.point.kind]),
            "period": {"start_date": _value(_date(contract.started_on or contract.service_starts_on)),
                       "end_date": _value(_date(result.point.on_date))},
            "outcomes_achieved": _value(f"{result.with_outcome} of {result.engaged} ({rate} %)"),
            "number_engaged_in_impact_bond": _value(result.engaged),
            "number_with_positive_social_outcomes": _value(result.with_outcome),
            "outcomes_validator_organisation_ids": _value(institution_id(contract.evaluator_id)),
            "status": DISPUTED if result.state == Result.State.REOPENED else status,
        })
    return rows


def _payments(contract: Contract, payments: list[OutcomePayment]) -> list[dict[str, Any]]:
    status = _status("outcome_payments")
    return [{
        "period": {"start_date": _value(_date(contract.started_on or contract.service_starts_on)),
                   "end_date": _value(_date(payment.point.on_date))},
        "payer_organisation_id": _org(institution_id(contract.outcome_payer_id)),
        "recipient_organisation_id": _org(institution_id(contract.operator_id)),
        "type": _value(PAYMENT_TYPE_ACTUAL),
        "money": {"currency": _value(CURRENCY), "amount": _value(_won(payment.amount))},
        "status": status,
    } for payment in payments if payment.state == OutcomePayment.State.PAID and payment.amount.amount]


def _transaction(on: date, sender: str, receiver: str, kind: str, amount: Any, status: str,
                 investment: Investment | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "date": _value(_date(on)), "sending_organisation_id": _org(sender), "receiving_organisation_id": _org(receiver),
        "transaction_type": _value(kind), "money": {"currency": _value(CURRENCY), "amount": _value(_won(amount))},
        "status": status,
    }
    if investment is not None:
        row["investment_id"] = _value(investment_key(investment))
    return row


def _transactions(contract: Contract, investments: dict[int, Investment]) -> list[dict[str, Any]]:
    """Capital paid in (investor to operator), service funding (operator to provider) and distributions (operator
    to investor: principal, return or both), by date."""
    status = _status("transactions")
    operator = institution_id(contract.operator_id)
    rows: list[tuple[date, int, dict[str, Any]]] = []
    lines = CapitalCallLine.objects.filter(call__contract=contract, paid_on__isnull=False).order_by("paid_on", "pk")
    for line in lines:
        investment = investments[line.investment_id]
        assert line.paid_on is not None
        rows.append((line.paid_on, 0, _transaction(line.paid_on, institution_id(investment.investor_id), operator,
                                                   TRANSACTION_CAPITAL, line.amount, status, investment)))
    for tranche in Disbursement.objects.filter(contract=contract).order_by("paid_on", "pk"):
        rows.append((tranche.paid_on, 1, _transaction(tranche.paid_on, operator, enterprise_id(contract.provider_id),
                                                       TRANSACTION_OTHER, tranche.amount, status)))
    shares = (DistributionLine.objects.filter(distribution__contract=contract).select_related("distribution")
              .order_by("distribution__paid_on", "pk"))
    for share in shares:
        investment = investments[share.investment_id]
        returned = share.senior_return.amount + share.rest.amount
        kind = (TRANSACTION_REPAYMENT_AND_RETURN if share.principal.amount and returned
                else TRANSACTION_REPAYMENT if share.principal.amount else TRANSACTION_RETURN)
        on = share.distribution.paid_on
        rows.append((on, 2, _transaction(on, operator, institution_id(investment.investor_id), kind, share.amount,
                                         status, investment)))
    return [row for _on, _order, row in sorted(rows, key=lambda item: (item[0], item[1]))]


def _organisation(key: str, name: str, kind: str | None, status: str) -> dict[str, Any]:
    data: dict[str, Any] = {"status": status, "name": _value(name), "jurisdiction": _value("KR"),
                            "country": _value("KR")}
    if kind is not None:
        data["type"] = _value(kind)
    return {"id": key, "data": data}


def _organisations(contract: Contract, investments: list[Investment], include_private: bool) -> list[dict[str, Any]]:
    status = _status("organisations")
    found: dict[str, dict[str, Any]] = {}

    def add_institution(institution: Institution, kind: str | None) -> None:
        found.setdefault(institution_id(institution.pk), _organisation(institution_id(institution.pk),
                                                                       institution.name, kind, status))

    add_institution(contract.outcome_payer, ORGANISATION_TYPE_GOVERNMENT)
    add_institution(contract.operator, None)
    add_institution(contract.evaluator, None)
    provider = contract.provider
    found[enterprise_id(provider.pk)] = _organisation(
        enterprise_id(provider.pk), provider.name,
        ORGANISATION_TYPE_NON_PROFIT if provider.kind == Enterprise.Kind.SOCIAL_COOPERATIVE
        else ORGANISATION_TYPE_COMPANY, status)
    if include_private or "investments" not in private_sections():
        for investment in investments:
            add_institution(investment.investor, None)
    return list(found.values())


def indigo_export(contract: Contract, *, include_private: bool = False) -> dict[str, Any]:
    """The contract as INDIGO 4.1 JSON (see the module's docstring). ``include_private``: the sections the setting
    makes PRIVATE are in it (marked so); otherwise they are left out."""
    contract = (Contract.objects.select_related("outcome_payer", "operator", "evaluator", "provider")
                .get(pk=contract.pk))
    investments = list(Investment.objects.filter(contract=contract).select_related("investor")
                       .order_by("position", "pk"))
    metrics = list(Metric.objects.filter(contract=contract).order_by("position", "pk"))
    terms = {term.metric_id: term for term in PaymentTerm.objects.filter(metric__contract=contract)
             .prefetch_related("steps")}
    points = list(EvaluationPoint.objects.filter(contract=contract).order_by("on_date"))
    final = next((point for point in points if point.kind == EvaluationPoint.Kind.FINAL), None)
    results = list(Result.objects.filter(metric__contract=contract).select_related("metric", "point")
                   .order_by("point__on_date", "metric__position", "pk"))
    payments = list(OutcomePayment.objects.filter(contract=contract).select_related("point")
                    .order_by("paid_on", "pk"))
    shown = {section for section in SECTIONS if include_private or _status(section) == PUBLIC}

    project: dict[str, Any] = {"status": _status("project"), "name": _value(contract.name)}
    if contract.state in STAGE:
        project["stage_development"] = {"value": STAGE[contract.state], "status": _status("project")}
    project["jurisdiction"] = {"jurisdiction": _value("KR", _status("project"))}
    sections: dict[str, Any] = {
        "dates": lambda: _dates(contract, final),
        "overall_project_finance": lambda: _finance(contract),
        "service_and_beneficiaries": lambda: {
            "target_population": _value(metrics[0].target_population, _status("service_and_beneficiaries")),
            "targeted_number_service_users_or_beneficiaries_total": _value(
                max(metric.targeted_number for metric in metrics), _status("service_and_beneficiaries")),
            "unit_type_targeted_service_users_or_beneficiaries": {"value": UNIT_INDIVIDUAL,
                                                                  "status": _status("service_and_beneficiaries")},
        } if metrics else {},
        "service_provisions": lambda: [{
            "id": "service-provision-1",
            "organisation_id": _org(enterprise_id(contract.provider_id)),
            "organisation_role_category": _value(PROVIDER_ROLE.get(contract.provider.kind, PROVIDER_ROLE_DEFAULT)),
            "planned_service": {"start_date": _value(_date(contract.service_starts_on)),
                                "end_date": _value(_date(contract.service_ends_on))},
            **({"actual_service": {"start_date": _value(_date(contract.started_on)),
                                   **({"end_date": _value(_date(contract.evaluating_on))}
                                      if contract.evaluating_on else {})}} if contract.started_on else {}),
            "status": _status("service_provisions"),
        }],
        "outcome_payment_commitments": lambda: [{
            "organisation_id": _org(institution_id(contract.outcome_payer_id)),
            "organisation_role_category": _value(GOVERNMENT),
            "maximum_potential_outcome_payment": {"currency": _value(CURRENCY, _status("outcome_payment_commitments")),
                                                  "amount": _value(_won(contract.max_payment))},
            "result_type": _value("Overall"),
            "period": {"start_date": _value(_date(contract.service_starts_on)),
                       "end_date": _value(_date(final.on_date if final is not None else contract.service_ends_on))},
            "total_outcome_payments": {"currency": _value(CURRENCY, _status("outcome_payment_commitments")),
                                       "amount": _value(_won(contract.outcome_paid))},
            "status": _status("outcome_payment_commitments"),
        }],
        "investments": lambda: _investments(contract, investments),
        "intermediary_services": lambda: [{
            "organisation_id": _org(institution_id(contract.operator_id)),
            "organisation_role_category": _value(INTERMEDIARY_ROLE),
            "status": _status("intermediary_services"),
        }],
        "outcome_metrics": lambda: [_metric(metric, _status("outcome_metrics")) for metric in metrics],
        "outcome_pricings": lambda: [_pricing(metric, terms[metric.pk], _status("outcome_pricings"))
                                     for metric in metrics if metric.pk in terms],
        "results": lambda: _results(contract, results),
        "outcome_payments": lambda: _payments(contract, payments),
        "transactions": lambda: _transactions(contract, {inv.pk: inv for inv in investments}),
    }
    for section, build in sections.items():
        if section in shown:
            project[section] = build()
    return {
        "standard": "INDIGO",
        "version": VERSION,
        "project": {"id": f"KR-BOND-{contract.code}", "data": project},
        "organisations": _organisations(contract, investments, include_private) if "organisations" in shown else [],
    }
