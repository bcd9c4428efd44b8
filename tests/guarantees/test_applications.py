"""Guarantee applications (보증 신청) through the services: the program's rules on drafting and submitting, the
workflow and its four eyes, and approval, which makes the guarantee within the program's capacity and the per-firm
limit. Known answers worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.errors import Forbidden, InvalidState, LimitExceeded, NotFound, ValidationFailed
from core.models import AuditEvent
from enterprises.models import Enterprise, Institution
from guarantees import services
from guarantees.models import Guarantee, GuaranteeApplication, GuaranteeProgram
from guarantees.selectors import program_position
from tests.factories import EnterpriseFactory, InstitutionFactory, ManagerFactory
from tests.funds.factories import make_fund, make_loan, make_product

from .factories import contribute, make_guarantee, make_program
from .pipeline import TODAY, approved_guarantee, make_application, member_of

pytestmark = pytest.mark.django_db
EOK = 100_000_000


@pytest.fixture
def program() -> GuaranteeProgram:
    """Dalseong-gun's terms (12x, 30,000,000 won per firm, ratio 100 %), 1억 paid in: capacity 12억."""
    program = make_program()
    contribute(program, EOK)
    return program


def create(program: GuaranteeProgram, member, **overrides):
    own = member.memberships.first()
    data = {"program_id": program.pk, "enterprise_id": own.enterprise_id if own else None,
            "bank_id": program.partner_banks.get().pk, "amount": 30_000_000, "term_months": 60,
            "repayment_method": "equal_principal", "grace_months": 12, "purpose": "운영자금", "today": TODAY}
    return services.application_create(actor=member, **{**data, **overrides})


def field_of(error: pytest.ExceptionInfo) -> set[str]:
    return set(error.value.fields)


# --- drafting ---------------------------------------------------------------------------------------------------


def test_a_member_drafts_an_application_on_the_national_standard_terms(program):
    member = member_of()

    application = create(program, member)

    assert application.state == "draft"
    assert application.amount.amount == 30_000_000
    assert (application.term_months, application.grace_months) == (60, 12)  # 1 year of grace, then 4 years
    assert application.repayment_method == "equal_principal"
    assert application.created_by == member
    assert AuditEvent.objects.filter(action="guarantees.application.create", actor=member).count() == 1


@pytest.mark.parametrize(("overrides", "field"), [
    ({"amount": 0}, "amount"),
    ({"amount": -1}, "amount"),
    ({"amount": "1000000.5"}, "amount"),
    ({"amount": 1.5}, "amount"),
    ({"term_months": 0}, "term_months"),
    ({"term_months": 121}, "term_months"),
    ({"grace_months": 60}, "grace_months"),  # grace must end before the term does
    ({"grace_months": -1}, "grace_months"),
    ({"repayment_method": "bullet", "grace_months": 12}, "grace_months"),  # a bullet loan has no grace months
    ({"repayment_method": "equal_payment"}, "repayment_method"),  # not one of the two the programs name
    ({"today": date(2025, 12, 31)}, "program"),  # before the window opens (2026-01-01)
    ({"today": date(2027, 1, 1)}, "program"),  # after it closes (2026-12-31)
])
def test_a_draft_that_breaks_a_rule_is_refused_naming_the_field(program, overrides, field):
    with pytest.raises(ValidationFailed) as error:
        create(program, member_of(), **overrides)

    assert field in field_of(error)
    assert not GuaranteeApplication.objects.exists()


def test_the_window_is_open_on_its_first_and_last_days(program):
    create(program, member_of(), today=date(2026, 1, 1))
    create(program, member_of(), today=date(2026, 12, 31))

    assert GuaranteeApplication.objects.count() == 2


def test_an_ineligible_kind_is_refused(program):
    program.eligible_kinds = ["social"]
    program.save()
    member = member_of(EnterpriseFactory(kind=Enterprise.Kind.COOPERATIVE))

    with pytest.raises(ValidationFailed) as error:
        create(program, member)

    assert field_of(error) == {"enterprise"}


def test_the_bank_must_be_a_partner_bank_of_the_program(program):
    other_bank = InstitutionFactory(kind=Institution.Kind.BANK)
    not_a_bank = InstitutionFactory(kind=Institution.Kind.MUNICIPALITY)

    for bank in (other_bank, not_a_bank):
        with pytest.raises(ValidationFailed) as error:
            create(program, member_of(), bank_id=bank.pk)
        assert field_of(error) == {"bank"}


def test_the_guaranteed_share_must_be_within_the_per_firm_limit():
    # Ratio 85 %: a loan of 35,294,117 is guaranteed 35,294,117 x 0.85 = 29,999,999.45 -> 29,999,999, within
    # 30,000,000; 35,294,118 x 0.85 = 30,000,000.3 -> 30,000,000, exactly the limit; 35,294,119 -> 30,000,001.15
    # -> 30,000,001: over it.
    program = make_program(guarantee_ratio=Decimal("0.85"))

    create(program, member_of(), amount=35_294_117)
    create(program, member_of(), amount=35_294_118)
    with pytest.raises(LimitExceeded) as error:
        create(program, member_of(), amount=35_294_119)

    assert field_of(error) == {"amount"}
    assert "30,000,001" in error.value.fields["amount"][0]


def test_only_a_member_drafts_for_its_enterprise(program):
    stranger = member_of()
    other = EnterpriseFactory()

    with pytest.raises(ValidationFailed) as error:
        create(program, stranger, enterprise_id=other.pk)

    assert field_of(error) == {"enterprise"}
    with pytest.raises(Forbidden):
        create(program, ManagerFactory(), enterprise_id=other.pk)


# --- submit, withdraw ---------------------------------------------------------------------------------------------


def test_submitting_checks_the_rules_again_on_the_day(program):
    member = member_of()
    late = create(program, member, today=date(2026, 12, 30))

    with pytest.raises(ValidationFailed) as error:
        services.application_submit(actor=member, application_id=late.pk, today=date(2027, 1, 4))

    assert field_of(error) == {"program"}
    late.refresh_from_db()
    assert late.state == "draft"
    submitted = services.application_submit(actor=member, application_id=late.pk, today=date(2026, 12, 31))
    assert submitted.state == "submitted" and submitted.submitted_at is not None


def test_a_member_of_another_enterprise_finds_no_application(program):
    application = make_application(program)

    with pytest.raises(NotFound):
        services.application_submit(actor=member_of(), application_id=application.pk, today=TODAY)
    with pytest.raises(NotFound):
        services.application_withdraw(actor=member_of(), application_id=application.pk)


@pytest.mark.parametrize("state", ["draft", "submitted", "recommended"])
def test_an_application_is_withdrawn_before_a_decision(program, state):
    application = make_application(program, state=state)
    member = application.created_by

    withdrawn = services.application_withdraw(actor=member, application_id=application.pk, reason="사정 변경")

    assert withdrawn.state == "withdrawn"
    assert AuditEvent.objects.get(action="guarantees.application.withdraw").reason == "사정 변경"


@pytest.mark.parametrize("state", ["approved", "rejected", "declined", "withdrawn"])
def test_a_decided_application_cannot_be_withdrawn_or_submitted(program, state):
    application = make_application(program, state=state)

    with pytest.raises(InvalidState):
        services.application_withdraw(actor=application.created_by, application_id=application.pk)
    with pytest.raises(InvalidState):
        services.application_submit(actor=application.created_by, application_id=application.pk, today=TODAY)


# --- recommend, decide, four eyes -------------------------------------------------------------------------------


def test_a_manager_recommends_with_a_reason_and_another_approves(program):
    recommender, approver = ManagerFactory(), ManagerFactory()
    application = make_application(program, state="submitted")

    with pytest.raises(ValidationFailed) as error:
        services.application_recommend(actor=recommender, application_id=application.pk, recommend=True, reason=" ")
    assert field_of(error) == {"reason"}
    services.application_recommend(actor=recommender, application_id=application.pk, recommend=True,
                                   reason="사업성 양호")
    approved = services.application_approve(actor=approver, application_id=application.pk, reason="의결")

    assert approved.state == "approved"
    assert (approved.recommended_by, approved.decided_by) == (recommender, approver)
    assert approved.recommend_reason == "사업성 양호" and approved.decision_reason == "의결"
    assert Guarantee.objects.get(application=application).approved_by == approver


def test_a_declined_application_is_decided_at_review(program):
    application = make_application(program, state="declined")

    assert application.decided_at is not None
    with pytest.raises(InvalidState):
        services.application_approve(actor=ManagerFactory(), application_id=application.pk)


def test_the_recommender_may_not_approve_or_reject_four_eyes(program):
    recommender = ManagerFactory()
    application = make_application(program, state="recommended", recommender=recommender)

    with pytest.raises(InvalidState, match="심사·승인 분리 원칙"):  # four eyes, in Korean (the default language)
        services.application_approve(actor=recommender, application_id=application.pk)
    with pytest.raises(InvalidState, match="심사·승인 분리 원칙"):  # four eyes, in Korean (the default language)
        services.application_reject(actor=recommender, application_id=application.pk, reason="미흡")

    application.refresh_from_db()
    assert application.state == "recommended"
    assert not Guarantee.objects.exists()


def test_the_database_refuses_a_decision_by_the_recommender_too(program):
    recommender = ManagerFactory()
    application = make_application(program, state="recommended", recommender=recommender)

    with pytest.raises(IntegrityError), transaction.atomic():
        GuaranteeApplication.objects.filter(pk=application.pk).update(decided_by=recommender)


def test_someone_who_acts_for_the_enterprise_may_not_judge_it(program):
    application = make_application(program, state="submitted")
    insider = ManagerFactory()
    insider.memberships.create(enterprise=application.enterprise, role="member")

    with pytest.raises(InvalidState):
        services.application_recommend(actor=insider, application_id=application.pk, recommend=True, reason="좋음")


@pytest.mark.parametrize("state", ["draft", "submitted", "approved", "rejected", "withdrawn"])
def test_only_a_recommended_application_is_decided(program, state):
    application = make_application(program, state=state)

    with pytest.raises(InvalidState):
        services.application_approve(actor=ManagerFactory(), application_id=application.pk)
    with pytest.raises(InvalidState):
        services.application_reject(actor=ManagerFactory(), application_id=application.pk, reason="미흡")


def test_a_rejection_needs_a_reason(program):
    application = make_application(program, state="recommended")

    with pytest.raises(ValidationFailed):
        services.application_reject(actor=ManagerFactory(), application_id=application.pk, reason="")
    rejected = services.application_reject(actor=ManagerFactory(), application_id=application.pk, reason="미흡")

    assert rejected.state == "rejected"


@pytest.mark.parametrize("role", ["auditor", "member", "bank_officer"])
def test_only_managers_recommend_and_decide(request, program, role):
    user = request.getfixturevalue(role)
    submitted = make_application(program, state="submitted")
    recommended = make_application(program, state="recommended")

    with pytest.raises(Forbidden):
        services.application_recommend(actor=user, application_id=submitted.pk, recommend=True, reason="좋음")
    with pytest.raises(Forbidden):
        services.application_approve(actor=user, application_id=recommended.pk)


# --- approval makes the guarantee ---------------------------------------------------------------------------------


def test_approval_makes_a_guarantee_of_the_amount_times_the_ratio_floored():
    # Ratio 85 %, 33,333,333 won asked: 33,333,333 x 0.85 = 28,333,333.05 -> 28,333,333 guaranteed.
    program = make_program(guarantee_ratio=Decimal("0.85"))
    contribute(program, EOK)
    approver = ManagerFactory()

    application = make_application(program, amount=33_333_333, term_months=48, grace_months=6, state="approved",
                                   approver=approver)

    guarantee = Guarantee.objects.get(application=application)
    assert guarantee.state == "approved"
    assert guarantee.guaranteed.amount == 28_333_333
    assert guarantee.approved_amount.amount == 33_333_333
    assert guarantee.ratio == Decimal("0.85")
    assert (guarantee.term_months, guarantee.grace_months, guarantee.repayment_method) == (48, 6, "equal_principal")
    assert (guarantee.enterprise, guarantee.bank, guarantee.program) == (application.enterprise, application.bank,
                                                                         program)
    assert guarantee.approved_by == approver and guarantee.loan_amount is None
    program.refresh_from_db()
    assert program.committed.amount == 28_333_333
    position = program_position(program)
    assert position.used == 28_333_333
    assert position.available == 12 * EOK - 28_333_333
    assert position.guarantees_by_state["approved"].count == 1
    assert position.guarantees_by_state["approved"].guaranteed == 28_333_333
    event = AuditEvent.objects.get(action="guarantees.application.approve")
    assert event.actor == approver and event.after["guarantee"] == guarantee.pk


def test_the_last_won_of_capacity_is_given_and_no_more():
    # 1,000,000 won paid in x 12 = 12,000,000 of capacity. 2,000,000 is already guaranteed: 10,000,000 is left.
    program = make_program()
    contribute(program, 1_000_000)
    make_guarantee(program, amount=2_000_000, state="approved")
    exact = make_application(program, amount=10_000_000, state="recommended")
    one_more = make_application(program, amount=1, state="recommended")

    services.application_approve(actor=ManagerFactory(), application_id=exact.pk)
    with pytest.raises(LimitExceeded) as error:
        services.application_approve(actor=ManagerFactory(), application_id=one_more.pk)

    assert set(error.value.fields) == {"capacity"}
    message = error.value.message
    assert "12,000,000" in message and "남은 한도는 0원" in message  # the capacity, and nothing left (in Korean)
    program.refresh_from_db()
    assert program.committed.amount == 12_000_000
    one_more.refresh_from_db()
    assert one_more.state == "recommended"
    assert Guarantee.objects.count() == 2


def test_a_program_with_nothing_paid_in_guarantees_nothing():
    program = make_program()
    application = make_application(program, amount=1_000_000, state="recommended")

    with pytest.raises(LimitExceeded) as error:
        services.application_approve(actor=ManagerFactory(), application_id=application.pk)

    assert "capacity" in error.value.fields


def test_the_per_firm_limit_counts_the_enterprises_loans_and_other_guarantees(program):
    # The enterprise owes 10,000,000 on a revolving-fund loan (approved, not paid out) and stands behind 15,000,000
    # under another program: 25,000,000. With a limit of 30,000,000, 5,000,000 more may be guaranteed, not 5,000,001.
    member = member_of()
    enterprise = member.memberships.get().enterprise
    make_loan(make_product(make_fund(exposure_limit=50_000_000)), member=member, amount=10_000_000)
    elsewhere = make_program(code="dalseo-2026")
    contribute(elsewhere, EOK)
    make_guarantee(elsewhere, enterprise=enterprise, amount=15_000_000)
    too_much = make_application(program, member=member, amount=5_000_001, state="recommended")
    enough = make_application(program, member=member, amount=5_000_000, state="recommended")

    with pytest.raises(LimitExceeded) as error:
        services.application_approve(actor=ManagerFactory(), application_id=too_much.pk)
    services.application_approve(actor=ManagerFactory(), application_id=enough.pk)

    assert set(error.value.fields) == {"per_firm_limit"}
    assert "25,000,000" in error.value.fields["per_firm_limit"][0]
    assert Guarantee.objects.filter(program=program).count() == 1


def test_guarantees_released_no_longer_count_in_the_limit(program):
    member = member_of()
    enterprise = member.memberships.get().enterprise
    first = approved_guarantee(program, member=member, amount=30_000_000)
    second = make_application(program, member=member, amount=30_000_000, state="recommended")

    with pytest.raises(LimitExceeded):
        services.application_approve(actor=ManagerFactory(), application_id=second.pk)
    services.guarantee_cancel(actor=ManagerFactory(), guarantee_id=first.pk, reason="은행 대출 미실행",
                              today=TODAY)
    services.application_approve(actor=ManagerFactory(), application_id=second.pk)

    assert Guarantee.objects.get(application=second).enterprise == enterprise


def test_an_enterprise_whose_kind_became_ineligible_is_refused_at_approval(program):
    application = make_application(program, state="recommended")
    program.eligible_kinds = ["cooperative"]
    program.save()

    with pytest.raises(ValidationFailed) as error:
        services.application_approve(actor=ManagerFactory(), application_id=application.pk)

    assert field_of(error) == {"enterprise"}


def test_approving_a_missing_application_is_not_found():
    with pytest.raises(NotFound):
        services.application_approve(actor=ManagerFactory(), application_id=10**9)

