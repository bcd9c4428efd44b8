"""``/api/v1/guarantee-applications/`` through the real URLs: the workflow from a member's draft to a manager's
approval that makes the guarantee, four eyes, the program's rules and limits as 400 and 422 naming the field or the
rule, bad input, and who sees what. Every role on every operation is the role matrix's
(tests/api/test_roles_matrix.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from core.models import AuditEvent
from enterprises.models import Institution
from guarantees.models import Guarantee, GuaranteeApplication
from tests.factories import EnterpriseFactory, InstitutionFactory, ManagerFactory
from tests.guarantees.factories import make_guarantee
from tests.guarantees.pipeline import make_application, member_of

from ..helpers import assert_error
from .life import GA, G, get, post, program_open_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    return program_open_today()


def body(the_program, member, **overrides: Any) -> dict[str, Any]:
    return {"program": the_program.pk, "enterprise": member.memberships.get().enterprise_id,
            "bank": the_program.partner_banks.get().pk, "amount": "30000000", "term_months": 60,
            "repayment_method": "equal_principal", "grace_months": 12, "purpose": "운영자금", **overrides}


def application(program, state: str, **kwargs: Any) -> GuaranteeApplication:
    return make_application(program, state=state, today=timezone.localdate(), **kwargs)


def test_a_members_application_goes_from_draft_to_a_guarantee(program, member):
    recommender, approver = ManagerFactory(), ManagerFactory()

    created = post(member, GA, body(program, member))
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["state"] == "draft" and data["amount"] == "30000000" and data["currency"] == "KRW"
    assert data["enterprise_name"] == member.memberships.get().enterprise.name and data["guarantee"] is None
    url = f"{GA}{data['id']}/"
    assert post(member, url + "submit/").json()["state"] == "submitted"
    recommended = post(recommender, url + "recommend/", {"decision": "recommend", "reason": "사업성 양호"})
    assert recommended.json()["state"] == "recommended" and recommended.json()["recommend_reason"] == "사업성 양호"
    approved = post(approver, url + "approve/", {"reason": "의결"})

    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    guarantee = Guarantee.objects.get(pk=approved.json()["guarantee"])
    assert guarantee.guaranteed.amount == 30_000_000 and guarantee.state == "approved"
    assert get(member, f"{G}{guarantee.pk}/").json()["guaranteed"] == "30000000"
    position = get(approver, f"/api/v1/guarantee-programs/{program.pk}/").json()
    assert position["used"] == "30000000"
    assert position["guarantees_by_state"]["approved"] == {
        "label": position["guarantees_by_state"]["approved"]["label"], "count": 1, "guaranteed": "30000000",
        "approved_amount": "30000000"}
    assert position["available"] == str(12 * 100_000_000 - 30_000_000)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"guarantees.application.create", "guarantees.application.submit", "guarantees.application.recommend",
            "guarantees.application.approve"} <= actions


def test_a_decline_and_a_rejection_need_their_reasons(program):
    submitted = application(program, "submitted")
    recommended = application(program, "recommended")

    assert_error(post(ManagerFactory(), f"{GA}{submitted.pk}/recommend/", {"decision": "decline"}), 400)
    declined = post(ManagerFactory(), f"{GA}{submitted.pk}/recommend/", {"decision": "decline", "reason": "미흡"})
    missing = assert_error(post(ManagerFactory(), f"{GA}{recommended.pk}/reject/", {}), 400)
    rejected = post(ManagerFactory(), f"{GA}{recommended.pk}/reject/", {"reason": "상환 계획 미흡"})

    assert declined.json()["state"] == "declined"
    assert "reason" in missing["fields"]
    assert rejected.json()["state"] == "rejected" and rejected.json()["decision_reason"] == "상환 계획 미흡"


def test_the_recommender_may_not_approve_four_eyes_409(program):
    recommender = ManagerFactory()
    recommended = application(program, "recommended", recommender=recommender)

    refused = assert_error(post(recommender, f"{GA}{recommended.pk}/approve/", {"reason": "승인"}), 409,
                           "invalid_state")

    assert refused["message"]
    assert not Guarantee.objects.exists()


def test_an_approval_beyond_the_capacity_is_a_422_naming_it_with_the_figures():
    # 2,000,000 won paid in x 12 = 24,000,000 of capacity, 30,000,000 asked.
    program = program_open_today(paid_in=2_000_000)
    recommended = application(program, "recommended")

    refused = assert_error(post(ManagerFactory(), f"{GA}{recommended.pk}/approve/", {}), 422, "limit_exceeded")

    assert set(refused["fields"]) == {"capacity"}
    assert "24,000,000" in refused["fields"]["capacity"][0] and "30,000,000" in refused["fields"]["capacity"][0]
    assert GuaranteeApplication.objects.get(pk=recommended.pk).state == "recommended"


def test_an_approval_beyond_the_per_firm_limit_across_programs_is_a_422(program):
    member = member_of()
    make_guarantee(program_open_today(code="other-program"), enterprise=member.memberships.get().enterprise,
                   amount=20_000_000)
    recommended = application(program, "recommended", member=member, amount=10_000_001)

    refused = assert_error(post(ManagerFactory(), f"{GA}{recommended.pk}/approve/", {}), 422, "limit_exceeded")

    assert set(refused["fields"]) == {"per_firm_limit"}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"amount": "30000000.5"}, "amount"),  # a fraction of a won
    ({"amount": "-30000000"}, "amount"),
    ({"amount": 0}, "amount"),
    ({"amount": 1.5}, "amount"),
    ({"amount": {"amount": "30000000", "currency": "USD"}}, "amount"),  # another currency
    ({"amount": "3,000,000"}, "amount"),
    ({"term_months": 0}, "term_months"),
    ({"term_months": 121}, "term_months"),
    ({"grace_months": 60}, "grace_months"),
    ({"repayment_method": "bullet", "grace_months": 12}, "grace_months"),
    ({"repayment_method": "monthly"}, "repayment_method"),
    ({"program": 10**9}, "program"),
    ({"bank": "abc"}, "bank"),
])
def test_a_bad_draft_is_a_400_naming_the_field(program, member, overrides, field):
    response = post(member, GA, body(program, member, **overrides))

    refused = assert_error(response, 400)
    assert field in refused["fields"], refused
    assert not GuaranteeApplication.objects.exists()


def test_the_programs_rules_are_400_and_the_per_firm_share_422(member):
    program = program_open_today(guarantee_ratio=Decimal("0.85"))
    not_a_partner = InstitutionFactory(kind=Institution.Kind.BANK)
    today = timezone.localdate()
    closed = program_open_today(code="closed", paid_in=0)
    closed.opens_on, closed.closes_on = today.replace(year=today.year - 2), today.replace(year=today.year - 1)
    closed.save()

    assert "bank" in assert_error(post(member, GA, body(program, member, bank=not_a_partner.pk)), 400)["fields"]
    assert "program" in assert_error(post(member, GA, body(closed, member, bank=closed.partner_banks.get().pk)),
                                     400)["fields"]
    # 85 % of 35,294,119 is 30,000,001.15 -> 30,000,001: over the 30,000,000 per firm.
    over = assert_error(post(member, GA, body(program, member, amount="35294119")), 422, "limit_exceeded")
    assert set(over["fields"]) == {"amount"}
    assert post(member, GA, body(program, member, amount="35294118")).status_code == 201


def test_another_enterprise_cannot_be_named(program, member):
    other = EnterpriseFactory()

    refused = assert_error(post(member, GA, body(program, member, enterprise=other.pk)), 400)

    assert "enterprise" in refused["fields"]
    assert other.name not in str(refused)


def test_members_see_only_their_own_enterprises_applications(program, member):
    own = application(program, "draft", member=member)
    other = application(program, "submitted")

    listed = get(member, GA).json()["results"]

    assert [row["id"] for row in listed] == [own.pk]
    assert_error(get(member, f"{GA}{other.pk}/"), 404)
    assert_error(post(member, f"{GA}{other.pk}/withdraw/", {"reason": "x"}), 404)
    assert_error(post(member, f"{GA}{other.pk}/submit/"), 404)
    assert {row["id"] for row in get(ManagerFactory(), GA).json()["results"]} == {own.pk, other.pk}


def test_an_illegal_move_is_a_409_naming_the_state(program):
    draft = application(program, "draft")

    refused = assert_error(post(ManagerFactory(), f"{GA}{draft.pk}/approve/", {}), 409, "invalid_state")
    assert refused["message"]
    withdrawn = application(program, "withdrawn")
    assert_error(post(withdrawn.created_by, f"{GA}{withdrawn.pk}/submit/"), 409, "invalid_state")


def test_the_auditor_reads_and_writes_nothing(program, auditor):
    recommended = application(program, "recommended")

    assert get(auditor, f"{GA}{recommended.pk}/").status_code == 200
    assert_error(post(auditor, f"{GA}{recommended.pk}/approve/", {}), 403, "permission_denied")
    assert_error(post(auditor, GA, {}), 403, "permission_denied")
