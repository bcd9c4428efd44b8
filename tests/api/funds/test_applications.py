"""The loan application workflow through the API: draft, edit, submit, withdraw; review; approve (four eyes, as
many approvers as the amount's tier demands) or reject; the lending rules checked at submission and again at
approval. Every refusal has its status, its error code and the field it concerns, and writes nothing."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from rest_framework.test import APIClient

from core.models import AuditEvent
from enterprises.models import Enterprise
from funds.models import ApplicationApproval, Loan, LoanApplication
from tests.factories import EnterpriseFactory, ManagerFactory, MembershipFactory
from tests.funds.factories import make_application, make_fund, make_loan, make_product, member_of, repay

from .helpers import assert_error, nothing_written

A = "/api/v1/loan-applications/"
State = LoanApplication.State


def client(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def post(user: Any, path: str, body: dict[str, Any] | None = None) -> Any:
    return client(user).post(path, body or {}, format="json")


@pytest.fixture
def fund(db):
    return make_fund(exposure_limit=50_000_000)


@pytest.fixture
def product(fund):
    """1,000,000 to 50,000,000 won; above 30,000,000 two approvers."""
    return make_product(fund)


@pytest.fixture
def reviewer(db):
    return ManagerFactory()


def state_of(application: LoanApplication) -> str:
    application.refresh_from_db()
    return application.state


# --- the enterprise's side ------------------------------------------------------------------------------------


def test_a_member_drafts_edits_and_submits_an_application(product, member, enterprise):
    created = post(member, A, {"product": product.pk, "enterprise": enterprise.pk, "amount": "20000000"})
    assert created.status_code == 201, created.content
    assert created.json()["state"] == "draft"
    app_id = created.json()["id"]

    edited = client(member).patch(f"{A}{app_id}/", {"amount": 35_000_000, "purpose": "설비 구입"}, format="json")
    assert edited.status_code == 200, edited.content
    assert (edited.json()["amount"], edited.json()["purpose"]) == ("35000000", "설비 구입")

    submitted = post(member, f"{A}{app_id}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted"
    assert submitted.json()["approvals_required"] == 2  # above 30,000,000
    assert submitted.json()["submitted_at"] is not None
    actions = list(
        AuditEvent.objects.filter(action__startswith="funds.application.", object_id=str(app_id))
        .order_by("id")
        .values_list("action", "actor")
    )
    assert actions == [
        ("funds.application.create", member.pk),
        ("funds.application.update", member.pk),
        ("funds.application.submit", member.pk),
    ]


def test_a_member_may_not_apply_in_the_name_of_another_enterprise_nor_learn_that_it_exists(product, member):
    other = EnterpriseFactory()
    body = {"product": product.pk, "amount": "10000000"}

    with nothing_written():
        theirs = post(member, A, {**body, "enterprise": other.pk})
        nobodys = post(member, A, {**body, "enterprise": other.pk + 1000})

    assert assert_error(theirs, 400, "validation_error")["fields"].keys() == {"enterprise"}
    assert re.sub(r"\d+", "N", theirs.content.decode()) == re.sub(r"\d+", "N", nobodys.content.decode())


def test_an_application_for_a_closed_product_is_refused(fund, product, member, enterprise):
    product.is_active = False
    product.save()

    with nothing_written():
        response = post(member, A, {"product": product.pk, "enterprise": enterprise.pk, "amount": "10000000"})

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"product"}


@pytest.mark.parametrize("missing", ["product", "enterprise", "amount"])
def test_an_application_without_a_required_field_is_refused_naming_it(product, member, enterprise, missing):
    body = {"product": product.pk, "enterprise": enterprise.pk, "amount": "10000000"}
    del body[missing]

    with nothing_written():
        response = post(member, A, body)

    assert missing in assert_error(response, 400, "validation_error")["fields"]


@pytest.mark.parametrize("state", ["submitted", "recommended", "withdrawn"])
def test_only_a_draft_can_be_edited_or_submitted(product, member, state):
    application = make_application(product, member=member, state=state)

    with nothing_written():
        edited = client(member).patch(f"{A}{application.pk}/", {"amount": "2000000"}, format="json")
        submitted = post(member, f"{A}{application.pk}/submit/")

    assert_error(edited, 409, "invalid_state")
    assert_error(submitted, 409, "invalid_state")


@pytest.mark.parametrize("state", ["draft", "submitted", "recommended"])
def test_a_member_withdraws_an_application_before_a_decision(product, member, state):
    application = make_application(product, member=member, state=state)

    response = post(member, f"{A}{application.pk}/withdraw/", {"reason": "자체 자금 조달"})

    assert response.status_code == 200, response.content
    assert state_of(application) == State.WITHDRAWN
    event = AuditEvent.objects.filter(action="funds.application.withdraw").get()
    assert (event.actor, event.reason, event.before["state"]) == (member, "자체 자금 조달", state)


def test_an_application_with_one_of_two_approvals_can_still_be_withdrawn(product, member, reviewer):
    application = make_application(product, member=member, amount=40_000_000, state="recommended", reviewer=reviewer)
    post(ManagerFactory(), f"{A}{application.pk}/approve/")

    response = post(member, f"{A}{application.pk}/withdraw/")

    assert response.status_code == 200, response.content
    assert state_of(application) == State.WITHDRAWN
    assert not Loan.objects.exists()


@pytest.mark.parametrize("state", ["approved", "rejected", "declined", "withdrawn"])
def test_an_application_that_was_decided_can_no_longer_be_withdrawn(product, member, state):
    application = make_application(product, member=member, state=state)

    with nothing_written():
        response = post(member, f"{A}{application.pk}/withdraw/")

    assert_error(response, 409, "invalid_state")


# --- the lending rules, at submission -------------------------------------------------------------------------


def test_an_enterprise_of_a_kind_the_fund_does_not_lend_to_may_not_submit(member, enterprise):
    fund = make_fund(kinds=[Enterprise.Kind.COOPERATIVE, Enterprise.Kind.VILLAGE])
    product = make_product(fund)
    assert enterprise.kind == Enterprise.Kind.SOCIAL
    application = make_application(product, member=member)

    with nothing_written():
        response = post(member, f"{A}{application.pk}/submit/")

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"enterprise"}
    assert state_of(application) == State.DRAFT


@pytest.mark.parametrize(
    ("amount", "accepted"),
    [(999_999, False), (1_000_000, True), (50_000_000, True), (50_000_001, False)],
)
def test_the_amount_must_be_within_the_products_range(product, member, amount, accepted):
    application = make_application(product, member=member, amount=amount)

    if accepted:
        assert post(member, f"{A}{application.pk}/submit/").status_code == 200
        assert state_of(application) == State.SUBMITTED
        return
    with nothing_written():
        response = post(member, f"{A}{application.pk}/submit/")
    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"amount"}


@pytest.fixture
def exposure(product, member):
    """The enterprise owes 15,000,000 on a 20,000,000 loan (5,000,000 repaid) and has a 20,000,000 loan approved
    but not paid out: 35,000,000 of its 50,000,000 limit is used. (Counting principal instead of what is owed
    would make it 40,000,000; leaving out the approved loan, 15,000,000.)

    The repayment, on the first due date 2026-03-02, is 5,033,330: installment 1's interest (grace, so interest
    only: 20,000,000 x 0.02 / 12 = 33,333.3 -> 33,330 at the 10 won floor), nothing accrued yet in the period
    starting that day, and 5,000,000 of principal prepaid."""
    # Neither drafts, submitted or recommended applications, nor other enterprises' loans count.
    make_application(product, member=member, amount=25_000_000, state="submitted")
    make_application(product, member=member, amount=25_000_000, state="recommended")
    make_application(product, member=member, amount=25_000_000)
    make_loan(product, member=member_of(), amount=40_000_000)
    active = make_loan(product, member=member, amount=20_000_000, disbursed_on=date(2026, 2, 2))
    repayment = repay(active, 5_033_330, on_date=date(2026, 3, 2))
    assert (repayment.interest.amount, repayment.prepayment.amount) == (33_330, 5_000_000)
    make_loan(product, member=member, amount=20_000_000)
    return active


def test_the_exposure_limit_counts_what_is_owed_plus_what_is_approved(product, member, exposure):
    fits = make_application(product, member=member, amount=15_000_000)

    response = post(member, f"{A}{fits.pk}/submit/")

    assert response.status_code == 200, response.content
    assert state_of(fits) == State.SUBMITTED


def test_one_won_beyond_the_remaining_exposure_limit_is_refused(product, member, exposure):
    too_much = make_application(product, member=member, amount=15_000_001)

    with nothing_written():
        response = post(member, f"{A}{too_much.pk}/submit/")

    assert assert_error(response, 422, "limit_exceeded")["fields"].keys() == {"amount"}
    assert state_of(too_much) == State.DRAFT


def test_the_exposure_limit_is_checked_again_at_approval(product, member, reviewer):
    """Two submissions fit the limit one at a time; once the first is approved the second no longer does."""
    first = make_application(product, member=member, amount=30_000_000, state="recommended", reviewer=reviewer)
    second = make_application(product, member=member, amount=30_000_000, state="recommended", reviewer=reviewer)
    approver = ManagerFactory()
    assert post(approver, f"{A}{first.pk}/approve/").status_code == 200

    with nothing_written():
        response = post(approver, f"{A}{second.pk}/approve/")

    assert assert_error(response, 422, "limit_exceeded")["fields"].keys() == {"amount"}
    assert state_of(second) == State.RECOMMENDED


@pytest.mark.parametrize(
    "default",
    [{"days_past_due": 90}, {"days_past_due": 400}, {"accelerated_on": date(2026, 5, 1)}],
    ids=["90-days-past-due", "400-days-past-due", "accelerated"],
)
def test_an_enterprise_with_a_loan_of_the_fund_in_default_may_not_submit(product, member, default):
    loan = make_loan(product, member=member, amount=5_000_000, disbursed_on=date(2026, 2, 2))
    Loan.objects.filter(pk=loan.pk).update(**default)
    application = make_application(product, member=member, amount=5_000_000)

    with nothing_written():
        response = post(member, f"{A}{application.pk}/submit/")

    assert assert_error(response, 422, "ineligible")["fields"].keys() == {"enterprise"}


def test_eighty_nine_days_past_due_is_late_but_not_yet_in_default(product, member):
    loan = make_loan(product, member=member, amount=5_000_000, disbursed_on=date(2026, 2, 2))
    Loan.objects.filter(pk=loan.pk).update(days_past_due=89)
    application = make_application(product, member=member, amount=5_000_000)

    assert post(member, f"{A}{application.pk}/submit/").status_code == 200


def test_a_default_in_another_fund_does_not_block_this_one(product, member):
    elsewhere = make_product(make_fund(code="jung-gu"))
    loan = make_loan(elsewhere, member=member, amount=5_000_000, disbursed_on=date(2026, 2, 2))
    Loan.objects.filter(pk=loan.pk).update(days_past_due=120)
    application = make_application(product, member=member, amount=5_000_000)

    assert post(member, f"{A}{application.pk}/submit/").status_code == 200


def test_an_enterprise_that_fell_into_default_after_review_is_not_approved(product, member, reviewer):
    loan = make_loan(product, member=member, amount=5_000_000, disbursed_on=date(2026, 2, 2))
    application = make_application(product, member=member, amount=5_000_000, state="recommended", reviewer=reviewer)
    Loan.objects.filter(pk=loan.pk).update(days_past_due=90)

    with nothing_written():
        response = post(ManagerFactory(), f"{A}{application.pk}/approve/")

    assert assert_error(response, 422, "ineligible")["fields"].keys() == {"enterprise"}


# --- review -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("decision", "state"), [("recommend", State.RECOMMENDED), ("decline", State.DECLINED)])
def test_a_manager_reviews_a_submitted_application_with_a_reason(product, member, reviewer, decision, state):
    application = make_application(product, member=member, state="submitted")

    response = post(reviewer, f"{A}{application.pk}/review/", {"decision": decision, "reason": "재무 상태 검토"})

    assert response.status_code == 200, response.content
    assert state_of(application) == state
    assert application.reviewed_by == reviewer
    assert application.review_reason == "재무 상태 검토"
    assert (application.decided_at is not None) == (decision == "decline")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "recommend"}, "reason"),
        ({"decision": "recommend", "reason": "   "}, "reason"),
        ({"reason": "좋음"}, "decision"),
        ({"decision": "approve", "reason": "좋음"}, "decision"),
    ],
)
def test_a_review_needs_a_decision_and_a_reason(product, member, reviewer, body, field):
    application = make_application(product, member=member, state="submitted")

    with nothing_written():
        response = post(reviewer, f"{A}{application.pk}/review/", body)

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {field}


@pytest.mark.parametrize("state", ["draft", "recommended", "declined", "withdrawn"])
def test_only_a_submitted_application_can_be_reviewed(product, member, reviewer, state):
    application = make_application(product, member=member, state=state)

    with nothing_written():
        response = post(reviewer, f"{A}{application.pk}/review/", {"decision": "recommend", "reason": "양호"})

    assert_error(response, 409, "invalid_state")


def test_an_enterprise_member_may_not_review_or_decide_its_own_application(product, member, reviewer):
    submitted = make_application(product, member=member, state="submitted")
    recommended = make_application(product, member=member, state="recommended", reviewer=reviewer)

    with nothing_written():
        responses = [
            post(member, f"{A}{submitted.pk}/review/", {"decision": "recommend", "reason": "우리 회사"}),
            post(member, f"{A}{recommended.pk}/approve/", {"reason": "우리 회사"}),
            post(member, f"{A}{recommended.pk}/reject/", {"reason": "우리 회사"}),
        ]

    for response in responses:
        assert_error(response, 403, "permission_denied")


# --- approval ---------------------------------------------------------------------------------------------------


def test_approval_by_a_second_manager_creates_the_loan_on_the_applications_terms(product, member, reviewer):
    application = make_application(product, member=member, amount=30_000_000, state="recommended", reviewer=reviewer)
    approver = ManagerFactory()

    response = post(approver, f"{A}{application.pk}/approve/", {"reason": "상환 능력 충분"})

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"
    loan = Loan.objects.get(application=application)
    assert response.json()["loan"] == loan.pk
    assert (loan.state, loan.principal.amount, loan.enterprise_id) == (
        Loan.State.APPROVED, 30_000_000, application.enterprise_id
    )
    assert (loan.annual_rate, loan.term_months, loan.grace_months, loan.method) == (
        product.annual_rate, product.term_months, product.grace_months, product.method
    )
    assert loan.principal_account.balance.amount == 0  # nothing is paid out before disbursement
    assert application.approvals_required == 1  # 30,000,000 is not above the tier
    assert list(application.approvals.values_list("approver", flat=True)) == [approver.pk]


def test_the_reviewer_may_not_approve_even_after_another_manager_has(product, member, reviewer):
    application = make_application(product, member=member, amount=40_000_000, state="recommended", reviewer=reviewer)
    assert post(ManagerFactory(), f"{A}{application.pk}/approve/").status_code == 200

    with nothing_written():
        response = post(reviewer, f"{A}{application.pk}/approve/", {"reason": "제가 심사했습니다"})

    assert_error(response, 409, "invalid_state")
    assert not Loan.objects.exists()


def test_the_reviewer_may_not_reject_either(product, member, reviewer):
    application = make_application(product, member=member, state="recommended", reviewer=reviewer)

    with nothing_written():
        response = post(reviewer, f"{A}{application.pk}/reject/", {"reason": "재고"})

    assert_error(response, 409, "invalid_state")


def test_above_thirty_million_two_distinct_managers_must_approve(product, member, reviewer):
    application = make_application(product, member=member, amount=30_000_001, state="recommended", reviewer=reviewer)
    first, second = ManagerFactory(), ManagerFactory()
    assert application.approvals_required == 2

    assert post(first, f"{A}{application.pk}/approve/", {"reason": "1차 승인"}).json()["state"] == "recommended"
    assert not Loan.objects.exists()
    with nothing_written():
        again = post(first, f"{A}{application.pk}/approve/", {"reason": "한 번 더"})
    assert_error(again, 409, "invalid_state")

    done = post(second, f"{A}{application.pk}/approve/", {"reason": "2차 승인"})

    assert done.status_code == 200, done.content
    assert done.json()["state"] == "approved"
    assert [a["approver"] for a in done.json()["approvals"]] == [first.username, second.username]
    assert Loan.objects.get().principal.amount == 30_000_001


def test_a_product_with_three_tiers_needs_the_approvers_of_the_highest_tier_the_amount_is_above(fund, member):
    product = make_product(
        fund, name="대형 시설자금",
        approval_tiers=[{"above_amount": 0, "approvers": 1}, {"above_amount": 10_000_000, "approvers": 2},
                        {"above_amount": 40_000_000, "approvers": 3}],
    )
    required = {
        amount: make_application(product, member=member, amount=amount, state="submitted").approvals_required
        for amount in (1_000_000, 10_000_000, 10_000_001)
    }
    assert required == {1_000_000: 1, 10_000_000: 1, 10_000_001: 2}
    big = make_application(product, member=member_of(), amount=45_000_000, state="recommended")
    approvers = [ManagerFactory() for _ in range(3)]
    for approver in approvers[:2]:
        post(approver, f"{A}{big.pk}/approve/")
    assert state_of(big) == State.RECOMMENDED

    post(approvers[2], f"{A}{big.pk}/approve/")

    assert state_of(big) == State.APPROVED
    assert ApplicationApproval.objects.filter(application=big).count() == 3


@pytest.mark.parametrize("state", ["draft", "submitted", "declined", "rejected", "withdrawn", "approved"])
def test_only_a_recommended_application_can_be_approved_or_rejected(product, member, state):
    application = make_application(product, member=member, state=state)
    manager = ManagerFactory()

    with nothing_written():
        approved = post(manager, f"{A}{application.pk}/approve/", {"reason": "승인"})
        rejected = post(manager, f"{A}{application.pk}/reject/", {"reason": "반려"})

    assert_error(approved, 409, "invalid_state")
    assert_error(rejected, 409, "invalid_state")


# --- rejection --------------------------------------------------------------------------------------------------


def test_a_manager_other_than_the_reviewer_rejects_with_a_reason(product, member, reviewer):
    application = make_application(product, member=member, state="recommended", reviewer=reviewer)
    manager = ManagerFactory()

    response = post(manager, f"{A}{application.pk}/reject/", {"reason": "상환 계획 미흡"})

    assert response.status_code == 200, response.content
    assert state_of(application) == State.REJECTED
    assert application.decision_reason == "상환 계획 미흡"
    assert application.decided_at is not None
    assert not Loan.objects.exists()
    assert AuditEvent.objects.filter(action="funds.application.reject", actor=manager, reason="상환 계획 미흡").exists()


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  "}])
def test_a_rejection_needs_a_reason(product, member, reviewer, body):
    application = make_application(product, member=member, state="recommended", reviewer=reviewer)

    with nothing_written():
        response = post(ManagerFactory(), f"{A}{application.pk}/reject/", body)

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"reason"}


# --- conflict of interest ---------------------------------------------------------------------------------------


@pytest.fixture
def insider(enterprise):
    """A fund manager who is also a member of the applicant enterprise."""
    manager = ManagerFactory()
    MembershipFactory(user=manager, enterprise=enterprise)
    return manager


def test_a_manager_who_acts_for_the_applicant_may_not_review_it(product, member, insider):
    application = make_application(product, member=member, state="submitted")

    with nothing_written():
        response = post(insider, f"{A}{application.pk}/review/", {"decision": "recommend", "reason": "양호"})

    assert_error(response, 409, "invalid_state")


def test_a_manager_who_acts_for_the_applicant_may_not_approve_or_reject_it(product, member, insider, reviewer):
    application = make_application(product, member=member, state="recommended", reviewer=reviewer)

    with nothing_written():
        approved = post(insider, f"{A}{application.pk}/approve/", {"reason": "승인"})
        rejected = post(insider, f"{A}{application.pk}/reject/", {"reason": "반려"})

    assert_error(approved, 409, "invalid_state")
    assert_error(rejected, 409, "invalid_state")


def test_a_manager_who_acts_for_another_enterprise_may_judge_this_one(product, member, reviewer):
    outsider = ManagerFactory()
    MembershipFactory(user=outsider, enterprise=EnterpriseFactory())
    application = make_application(product, member=member, state="recommended", reviewer=reviewer)

    response = post(outsider, f"{A}{application.pk}/approve/", {"reason": "승인"})

    assert response.status_code == 200, response.content
    assert state_of(application) == State.APPROVED
