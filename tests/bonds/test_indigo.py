"""The INDIGO 4.1 export of a contract (bonds.indigo): validated against the standard's project schema (when the
schema is at hand: ../shared/standards/indigo/project.schema.json, or INDIGO_PROJECT_SCHEMA), every codelist value one
of the standard's (copied here from its schema), the figures those of the contract, PRIVATE sections by the setting."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from bonds import indigo
from bonds.models import Investment

from .factories import make_world, whole_life

SHARED = Path(settings.BASE_DIR).parent / "shared"
SCHEMA = Path(os.environ.get("INDIGO_PROJECT_SCHEMA", SHARED / "standards" / "indigo" / "project.schema.json"))

# The standard's codelists (schema/project.json and schema/organisation.json of INDIGO 4.1).
STAGES = {"Contracted", "Implementation", "Service delivery complete", "Complete"}
PROVIDER_ROLES = {"Nonprofit/NGO", "Foundation/Philanthropist", "Government/Public Sector/Public Bank", "For-profit",
                  "Other"}
PAYER_ROLES = {"Nonprofit/NGO", "Foundation/Philanthropist", "Government/Public Sector/Public Bank",
               "Multilateral/Bilateral/Intergovernmental Financial Institution", "Corporate Giving", "Investment Fund",
               "Other"}
INVESTOR_ROLES = PAYER_ROLES - {"Other"} | {"High Net Worth Individual/Family Office/Private Bank", "Impact Investor",
                                            "Commercial"}
INVESTOR_REPAYMENT = {"No repayment (no principle or return)", "Some repayment (but below value of principle)",
                      "Principal repaid (but no net return)", "Principal + positive financial returns",
                      "Not publicly available"}
INTERMEDIARY_ROLES = {"Impact bond design", "Financial and commercial modelling", "Impact bond investment structure",
                      "Capital raise", "Loan arranger", "Performance management", "Legal counsel",
                      "Technical assistance", "Other"}
VALIDATION_METHODS = {"Randomised Control Trial", "Quasi-experimental study", "Historical comparison",
                      "Pre-Post analysis", "Simple ex-post verification", "Not available"}
UNIT_TYPES = {"Individual", "Other"}
RESULT_LEVELS = {"Project level", "Outcome level"}
RESULT_TYPES = {"Interim", "Final"}
PAYMENT_TYPES = {"Planned", "Actual"}
TRANSACTION_TYPES = {"Debt", "Grant", "Equity", "Debt and Equity", "Interest Payment", "Capital Repayment",
                     "Capital Repayment and Interest", "Outcome Payment", "Other"}
ORGANISATION_TYPES = {"Registered company, partnership or commercial association",
                      "Registered non-profit organisation, charity or foundation", "Government body",
                      "Multilateral, bilateral or intergovernmental body", "Arrangement", "Crowdfunding",
                      "Unregistered organisation", "Individual", "Collective"}
STATUSES = {"PUBLIC", "PRIVATE", "DISPUTED"}
PROJECT_KEYS = {"status", "name", "stage_development", "jurisdiction", "dates", "overall_project_finance",
                "service_and_beneficiaries", "service_provisions", "outcome_payment_commitments", "investments",
                "intermediary_services", "outcome_metrics", "outcome_pricings", "results", "outcome_payments",
                "transactions"}


@pytest.fixture
def settled(db) -> Any:
    world = make_world(interim_percent=30)
    whole_life(world)
    return world


def _values(rows: list[dict[str, Any]], *path: str) -> set[Any]:
    found = set()
    for row in rows:
        node: Any = row
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            found.add(node)
    return found


def _statuses(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "status" and isinstance(value, str):
                found.add(value)
            else:
                found |= _statuses(value)
    elif isinstance(node, list):
        for item in node:
            found |= _statuses(item)
    return found


@pytest.mark.skipif(not SCHEMA.exists(), reason="the INDIGO project schema is not at hand")
def test_the_export_of_a_whole_life_is_valid_against_the_standards_project_schema(settled) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    for include_private in (True, False):
        export = indigo.indigo_export(settled.contract, include_private=include_private)
        # A round trip through JSON: what the API sends.
        data = json.loads(json.dumps(export))["project"]["data"]
        jsonschema.Draft7Validator(schema).validate(data)
        assert set(data) <= set(schema["properties"]), "a field the standard does not have"


def test_the_export_uses_the_standards_field_names_and_codelists(settled) -> None:
    export = indigo.indigo_export(settled.contract, include_private=True)
    project = export["project"]["data"]

    assert export["standard"] == "INDIGO" and export["version"] == "4.1"
    assert set(project) == PROJECT_KEYS
    assert project["stage_development"]["value"] in STAGES
    assert project["stage_development"]["value"] == "Complete"
    assert _values(project["service_provisions"], "organisation_role_category", "value") <= PROVIDER_ROLES
    assert _values(project["outcome_payment_commitments"], "organisation_role_category", "value") <= PAYER_ROLES
    assert _values(project["investments"], "organisation_role_category", "value") <= INVESTOR_ROLES
    assert _values(project["investments"], "investor_repayment", "value") <= INVESTOR_REPAYMENT
    assert _values(project["investments"], "investment_type", "value") == {"Equity"}  # of Debt, Equity, Combination
    assert _values(project["intermediary_services"], "organisation_role_category", "value") <= INTERMEDIARY_ROLES
    assert _values(project["outcome_metrics"], "outcome_validation_method", "value") == {"Pre-Post analysis"}
    assert _values(project["outcome_metrics"], "unit_type_of_targeted_service_users_or_beneficiaries",
                   "value") <= UNIT_TYPES
    assert _values(project["results"], "result_level", "value") <= RESULT_LEVELS
    assert _values(project["results"], "result_type", "value") == RESULT_TYPES
    assert _values(project["outcome_payments"], "type", "value") <= PAYMENT_TYPES
    assert _values(project["transactions"], "transaction_type", "value") <= TRANSACTION_TYPES
    assert {org["data"]["type"]["value"] for org in export["organisations"] if "type" in org["data"]} \
        <= ORGANISATION_TYPES
    assert _statuses(export) <= STATUSES


def test_the_exports_figures_are_the_contracts(settled) -> None:
    contract = settled.refresh()
    project = indigo.indigo_export(contract, include_private=True)["project"]["data"]
    finance = project["overall_project_finance"]

    assert finance["total_investment_commitment"]["amount"]["exact"]["value"] == 1_110_000_000
    assert finance["maximum_potential_outcome_payment_v2"]["amount"]["value"] == 1_500_000_000
    assert finance["total_outcome_payments_made"]["amount"]["value"] == int(contract.outcome_paid.amount)
    assert sum(p["money"]["amount"]["value"] for p in project["outcome_payments"]) == int(contract.outcome_paid.amount)
    assert [m["id"] for m in project["outcome_metrics"]] == ["improved", "beyond-target"]
    final = [r for r in project["results"] if r["result_type"]["value"] == "Final"]
    assert {(r["number_engaged_in_impact_bond"]["value"], r["number_with_positive_social_outcomes"]["value"])
            for r in final} == {(74, 39)}
    by_type: dict[str, int] = {}
    for row in project["transactions"]:
        by_type[row["transaction_type"]["value"]] = (by_type.get(row["transaction_type"]["value"], 0)
                                                     + row["money"]["amount"]["value"])
    assert by_type["Equity"] == int(contract.paid_in.amount)
    assert by_type["Other"] == int(contract.disbursed.amount)
    distributed = sum(v for k, v in by_type.items() if k.startswith(("Capital", "Interest")))
    assert distributed == int(contract.distributed.amount)
    # The investors came out above their principal (the Seoul figures: 13.4억 back on 11.1억).
    assert _values(project["investments"], "investor_repayment", "value") == {"Principal + positive financial returns"}
    assert [i["investment_commitment"]["amount"]["exact"]["value"] for i in project["investments"]] == [
        int(i.commitment.amount) for i in Investment.objects.filter(contract=contract).order_by("position")]


def test_private_sections_are_marked_and_left_out_unless_asked_for(settled, settings) -> None:
    settings.BONDS_INDIGO_PRIVATE = ("investments", "transactions", "results")
    full = indigo.indigo_export(settled.contract, include_private=True)["project"]["data"]
    public = indigo.indigo_export(settled.contract)

    assert {row["status"] for row in full["investments"]} == {"PRIVATE"}
    assert {row["status"] for row in full["results"]} <= {"PRIVATE", "DISPUTED"}
    assert {row["status"] for row in full["outcome_metrics"]} == {"PUBLIC"}
    assert not {"investments", "transactions", "results"} & set(public["project"]["data"])
    investor_ids = {indigo.institution_id(inv.investor_id) for inv in settled.investments}
    assert not investor_ids & {org["id"] for org in public["organisations"]}

    settings.BONDS_INDIGO_PRIVATE = ()
    everything = indigo.indigo_export(settled.contract)["project"]["data"]
    assert {"investments", "transactions", "results"} <= set(everything)
    assert _statuses(everything) <= {"PUBLIC", "DISPUTED"}


def test_a_draft_has_no_stage_and_no_money_yet(db) -> None:
    world = make_world(code="draft-sib")
    project = indigo.indigo_export(world.contract, include_private=True)["project"]["data"]

    assert "stage_development" not in project
    assert project["results"] == [] and project["outcome_payments"] == [] and project["transactions"] == []
    assert project["outcome_pricings"][0]["maximum_price_if_all_targets_achieved"]["amount"]["value"] == "1030000000"
    assert project["outcome_pricings"][1]["price_per_unit"]["amount"]["value"] == 38_750_000

