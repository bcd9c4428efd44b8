"""The social impact bonds through the API: a Seoul-style contract's whole life (signed with four eyes, capital
called and paid, funding disbursed, results recorded with evidence and confirmed by another evaluator, reopened with
a reason, the payment prepared and approved by another manager, distributed), each role's refusals, and who sees
what: an evaluator of another institution, an investor of another institution and a member of another enterprise get
404; an investor sees only its own institution's investments, call lines and distribution lines."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bonds.models import Contract, OutcomePayment, Result
from core.models import AuditEvent
from enterprises.models import Institution
from ledger.models import Journal
from tests.bonds.factories import (
    BondWorld,
    call_and_pay,
    days_ago,
    make_world,
    record_and_confirm,
    sign_and_start,
)
from tests.factories import EnterpriseFactory, InstitutionFactory, InvestorFactory, MembershipFactory

from ..helpers import assert_error

B, M, RS = "/api/v1/bonds/", "/api/v1/bond-metrics/", "/api/v1/bond-results/"
PY, DS = "/api/v1/bond-payments/", "/api/v1/bond-distributions/"
PDF = b"%PDF-1.4\n% evaluation report of the API test\n"


def pdf(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _key(name: str) -> dict[str, str]:
    return {"Idempotency-Key": name}


def _record(client: Any, world: BondWorld, point: Any, metric: Any, engaged: int, with_outcome: int,
            **extra: Any) -> Any:
    body = {"metric": metric.pk, "point": point.pk, "engaged": engaged, "with_outcome": with_outcome, **extra}
    return client.post(RS, data=body, format="multipart")


def test_a_contracts_whole_life_through_the_api(world, as_user) -> None:
    kim, lee = as_user(world.kim), as_user(world.lee)
    first, second = (as_user(user) for user in world.evaluators)
    contract = world.contract.pk

    # Four eyes: whoever prepared the draft cannot sign it.
    assert_error(kim.post(f"{B}{contract}/sign/", {"signed_on": days_ago(80).isoformat()}, format="json"), 409,
                 "invalid_state")
    signed = lee.post(f"{B}{contract}/sign/", {"signed_on": days_ago(80).isoformat()}, format="json")
    assert signed.status_code == 200 and signed.json()["state"] == "signed"
    assert lee.post(f"{B}{contract}/start/", {"started_on": days_ago(70).isoformat()},
                    format="json").json()["state"] == "in_service"

    # Capital: called pro rata (5억 : 3.6억 : 2.5억), each line paid.
    call = kim.post(f"{B}{contract}/capital-calls/", {"amount": "1110000000", "call_on": days_ago(70).isoformat(),
                                                       "due_on": days_ago(60).isoformat()}, format="json",
                    headers=_key("call-1"))
    assert call.status_code == 201, call.content
    assert [line["amount"] for line in call.json()["lines"]] == ["500000000", "360000000", "250000000"]
    for line in call.json()["lines"]:
        paid = kim.post(f"{B}{contract}/capital-call-lines/{line['id']}/pay/", {"paid_on": days_ago(65).isoformat()},
                        format="json", headers=_key(f"paid-{line['id']}"))
        assert paid.status_code == 200, paid.content
    assert paid.json()["state"] == "paid"
    tranche = kim.post(f"{B}{contract}/disbursements/", {"amount": "1110000000", "paid_on": days_ago(64).isoformat()},
                       format="json", headers=_key("d-1"))
    assert tranche.status_code == 201 and tranche.json()["number"] == 1
    assert_error(kim.post(f"{B}{contract}/disbursements/", {"amount": "1", "paid_on": days_ago(64).isoformat()},
                          format="json", headers=_key("d-2")), 422)

    # The final evaluation: results recorded with evidence by one evaluator, confirmed by another.
    assert lee.post(f"{B}{contract}/evaluate/", {"on_date": days_ago(20).isoformat()},
                    format="json").json()["state"] == "evaluating"
    cost = _record(first, world, world.final, world.cost, 74, 39, evidence=pdf())
    assert cost.status_code == 201, cost.content
    assert cost.json()["state"] == "recorded" and len(cost.json()["evidence"]) == 1
    incentive = _record(first, world, world.final, world.incentive, 74, 39, units=8)
    assert incentive.status_code == 201
    assert_error(first.post(f"{RS}{cost.json()['id']}/confirm/"), 409, "invalid_state")  # four eyes
    for result in (cost, incentive):
        assert second.post(f"{RS}{result.json()['id']}/confirm/").json()["state"] == "confirmed"
    # A disputed result is reopened with a reason (none: 400), corrected and confirmed again.
    assert_error(first.post(f"{RS}{cost.json()['id']}/reopen/", {"reason": ""}, format="json"), 400)
    reopened = first.post(f"{RS}{cost.json()['id']}/reopen/", {"reason": "중복 집계 이의"}, format="json")
    assert reopened.json()["state"] == "reopened" and reopened.json()["reopen_reason"] == "중복 집계 이의"
    assert _record(second, world, world.final, world.cost, 74, 39).status_code == 201
    assert first.post(f"{RS}{cost.json()['id']}/confirm/").json()["state"] == "confirmed"

    # The quote changes nothing: 39 of 74 (52.7 %) is past the 42 % line, 100 % of 10.3억.
    events = AuditEvent.objects.count()
    quote = kim.get(f"{B}{contract}/payment-quote/?metric={world.cost.pk}&engaged=74&achieved=39")
    assert quote.status_code == 200 and quote.json()["amount"] == "1030000000"
    assert AuditEvent.objects.count() == events

    # The payment: prepared by one manager, approved by another (four eyes), once.
    prepared = kim.post(PY, {"point": world.final.pk, "paid_on": days_ago(10).isoformat()}, format="json")
    assert prepared.status_code == 201, prepared.content
    assert prepared.json()["amount"] == "1340000000"  # 10.3억 + 8 x 3,875만 = 13.4억
    payment = prepared.json()["id"]
    assert_error(kim.post(f"{PY}{payment}/approve/", headers=_key("approve-kim")), 409, "invalid_state")
    approved = lee.post(f"{PY}{payment}/approve/", headers=_key("approve"))
    assert approved.status_code == 200 and approved.json()["state"] == "paid"
    journals = Journal.objects.count()
    again = lee.post(f"{PY}{payment}/approve/", headers=_key("approve"))
    assert again.json() == approved.json() and again["Idempotent-Replayed"] == "true"
    assert Journal.objects.count() == journals
    assert Contract.objects.get(pk=contract).state == "settled"

    # Distributed pro rata to paid-in capital, then closed.
    shared = lee.post(DS, {"contract": contract, "amount": "1340000000", "paid_on": days_ago(5).isoformat()},
                      format="json", headers=_key("dist"))
    assert shared.status_code == 201, shared.content
    assert sum(int(line["amount"]) for line in shared.json()["lines"]) == 1_340_000_000
    closed = lee.post(f"{B}{contract}/close/", {"closed_on": days_ago(0).isoformat()}, format="json")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"

    # The INDIGO export: staff get the PRIVATE sections, an investor does not.
    export = kim.get(f"{B}{contract}/indigo/").json()
    assert export["project"]["data"]["stage_development"]["value"] == "Complete"
    assert {"investments", "transactions"} <= set(export["project"]["data"])
    public = as_user(world.investor_users[0]).get(f"{B}{contract}/indigo/").json()
    assert not {"investments", "transactions"} & set(public["project"]["data"])

    # Each investor's figures: 13.4억 back on 11.1억.
    figures = kim.get(f"{B}{contract}/investments/").json()
    assert [row["paid_in"] for row in figures] == ["500000000", "360000000", "250000000"]
    assert all(row["multiple"] is not None and row["irr"] is not None for row in figures)


@pytest.fixture
def running(world) -> BondWorld:
    """The contract in service: capital called and paid, the interim results recorded and confirmed."""
    sign_and_start(world)
    call_and_pay(world)
    record_and_confirm(world, world.interim, engaged=60, improved=31, beyond=4)
    return world


def test_an_investor_sees_only_its_own_institutions_lines_and_another_investor_nothing(running, as_user) -> None:
    world, contract = running, running.contract.pk
    own = as_user(world.investor_users[1])

    mine = own.get(f"{B}{contract}/investments/").json()
    assert [row["investor"] for row in mine] == [world.investors[1].pk]
    calls = own.get(f"{B}{contract}/capital-calls/").json()
    assert [[line["investor"] for line in call["lines"]] for call in calls] == [[world.investors[1].pk]]
    assert own.get(B).json()["count"] == 1
    assert own.get(f"{M}?format=json").status_code == 200

    stranger = as_user(InvestorFactory())
    for path in (f"{B}{contract}/", f"{B}{contract}/investments/", f"{B}{contract}/capital-calls/",
                 f"{B}{contract}/indigo/", f"{B}{contract}/payment-quote/?metric={world.cost.pk}&engaged=1&achieved=1",
                 f"{M}{world.cost.pk}/"):
        assert_error(stranger.get(path), 404, "not_found")
    assert stranger.get(B).json()["count"] == 0
    # What an investor may not do at all: 403.
    assert_error(own.get(f"{B}{contract}/disbursements/"), 403, "permission_denied")
    assert_error(own.post(f"{B}{contract}/sign/", {"signed_on": days_ago(1).isoformat()}, format="json"), 403)


def test_evaluators_of_another_institution_and_members_of_another_enterprise_get_404(running, as_user) -> None:
    world, contract = running, running.contract.pk
    result = Result.objects.filter(point=world.interim).first()
    assert result is not None
    stranger = as_user(world.other_evaluator)

    for path in (f"{B}{contract}/", f"{RS}{result.pk}/", f"{M}{world.cost.pk}/"):
        assert_error(stranger.get(path), 404, "not_found")
    assert_error(stranger.post(f"{RS}{result.pk}/reopen/", {"reason": "이의"}, format="json"), 404)
    assert_error(_record(stranger, world, world.final, world.cost, 10, 5), 404, "not_found")
    assert stranger.get(RS).json()["count"] == 0

    provider_member = as_user(MembershipFactory(enterprise=world.provider).user)
    assert provider_member.get(f"{B}{contract}/").status_code == 200
    assert provider_member.get(f"{B}{contract}/disbursements/").status_code == 200
    assert provider_member.get(RS).json()["count"] == 2
    assert_error(provider_member.get(f"{B}{contract}/capital-calls/"), 403)
    other_member = as_user(MembershipFactory(enterprise=EnterpriseFactory()).user)
    for path in (f"{B}{contract}/", f"{B}{contract}/disbursements/", f"{RS}{result.pk}/", f"{PY}"):
        response = other_member.get(path)
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            assert response.json()["count"] == 0
        else:
            assert_error(response, 404, "not_found")


def test_managers_never_write_results_and_evaluators_never_move_money(running, as_user) -> None:
    world, contract = running, running.contract.pk
    kim, evaluator = as_user(world.kim), as_user(world.evaluators[0])
    result = Result.objects.filter(point=world.interim).first()
    assert result is not None
    events = AuditEvent.objects.count()

    assert_error(_record(kim, world, world.final, world.cost, 10, 5), 403, "permission_denied")
    assert_error(kim.post(f"{RS}{result.pk}/reopen/", {"reason": "이의"}, format="json"), 403)
    assert_error(kim.post(f"{RS}{result.pk}/confirm/"), 403)
    assert_error(evaluator.post(PY, {"point": world.interim.pk, "paid_on": days_ago(1).isoformat()},
                                format="json"), 403)
    assert_error(evaluator.post(f"{B}{contract}/capital-calls/", {"amount": "1", "call_on": days_ago(1).isoformat(),
                                                                   "due_on": days_ago(0).isoformat()},
                                format="json", headers=_key("e")), 403)
    assert_error(evaluator.get(PY), 403)
    assert evaluator.get(f"{B}{contract}/payment-quote/?metric={world.cost.pk}&engaged=74&achieved=39").json()[
        "amount"] == "1030000000"
    assert AuditEvent.objects.count() == events
    assert OutcomePayment.objects.count() == 0


def test_the_quote_names_its_bad_input_and_another_contracts_metric_is_not_found(running, as_user) -> None:
    kim = as_user(running.kim)
    contract = running.contract.pk
    other = make_world(code="other-sib")

    body = assert_error(kim.get(f"{B}{contract}/payment-quote/?metric={running.cost.pk}&engaged=10&achieved=11"),
                        400, "validation_error")
    assert "achieved" in body["fields"]
    assert "engaged" in assert_error(kim.get(f"{B}{contract}/payment-quote/?metric={running.cost.pk}&achieved=1"),
                                     400)["fields"]
    assert_error(kim.get(f"{B}{contract}/payment-quote/?metric={other.cost.pk}&engaged=1&achieved=1"), 404)


def test_a_manager_sets_a_draft_up_through_the_api(db, as_user) -> None:
    world = make_world(code="seed-sib")
    kim = as_user(world.kim)
    city = InstitutionFactory(kind=Institution.Kind.MUNICIPALITY)
    body = {"code": "api-sib", "name": "경기도 해봄 사업", "outcome_payer": city.pk, "operator": world.operator.pk,
            "provider": world.provider.pk, "evaluator": world.evaluator_institution.pk,
            "service_starts_on": "2026-01-01", "service_ends_on": "2027-12-31", "max_payment": "1550000000"}

    assert_error(as_user(world.evaluators[0]).post(B, body, format="json"), 403)
    bad = assert_error(kim.post(B, {**body, "outcome_payer": world.operator.pk}, format="json"), 400)
    assert "outcome_payer" in bad["fields"]
    created = kim.post(B, body, format="json")
    assert created.status_code == 201, created.content
    contract = created.json()["id"]
    renamed = kim.patch(f"{B}{contract}/", {"name": "경기도 해봄 (수정)"}, format="json")
    assert renamed.json()["name"] == "경기도 해봄 (수정)"
    investment = kim.post(f"{B}{contract}/investments/", {"investor": world.investors[0].pk,
                                                          "commitment": "1550000000"}, format="json")
    assert investment.status_code == 201, investment.content
    metric = kim.post(M, {"contract": contract, "code": "exit", "definition": "탈수급", "unit": "명",
                          "target_population": "수급자", "targeted_number": 100, "target": "20",
                          "validation_method": "historical", "data_source": "사회보장정보원"}, format="json")
    assert metric.status_code == 201, metric.content
    term = kim.put(f"{M}{metric.json()['id']}/term/", {
        "kind": "table", "mode": "linear", "below": "linear", "principal": "1550000000", "principal_line": "12",
        "cap_percent": "114", "steps": [{"threshold": "12", "percent": "100"}, {"threshold": "20", "percent": "114"}],
    }, format="json")
    assert term.status_code == 200, term.content
    assert term.json()["term"]["kind"] == "table" and len(term.json()["term"]["steps"]) == 2
    point = kim.post(f"{B}{contract}/points/", {"kind": "final", "name": "최종 평가", "on_date": "2027-12-31"},
                     format="json")
    assert point.status_code == 201, point.content
    assert kim.get(f"{B}{contract}/payment-quote/?metric={metric.json()['id']}&engaged=100&achieved=16").json()[
        "amount"] == "1658500000"  # 16 %: halfway from 100 % to 114 %: 107 % of 15.5억
