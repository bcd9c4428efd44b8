"""Applications and guarantees taken through the services (draft, submit, recommend, approve; the bank's reports),
for the tests of applications and of a guarantee's life. (``factories.make_guarantee`` writes a guarantee straight to
the database instead, for the tests of what comes after.)

The stories are told on fixed days of 2026 (``TODAY`` and before), inside the factories' program window (2026)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from enterprises.models import Enterprise, Institution, User
from guarantees import services
from guarantees.models import Guarantee, GuaranteeApplication, GuaranteeProgram
from tests.factories import BankOfficerFactory, ManagerFactory, MembershipFactory

TODAY = date(2026, 6, 30)


def member_of(enterprise: Enterprise | None = None) -> User:
    """A user acting for ``enterprise`` (a new social enterprise if none is given)."""
    return MembershipFactory(enterprise=enterprise).user if enterprise else MembershipFactory().user


def officer_of(program: GuaranteeProgram, bank: Institution | None = None) -> User:
    """An officer of ``bank`` (the program's first partner bank if none is given)."""
    return BankOfficerFactory(institution=bank or program.partner_banks.order_by("pk").first())


def make_application(
    program: GuaranteeProgram,
    *,
    member: User | None = None,
    enterprise: Enterprise | None = None,
    bank: Institution | None = None,
    amount: int = 30_000_000,
    term_months: int = 60,
    repayment_method: str = "equal_principal",
    grace_months: int = 12,
    state: str = "draft",
    recommender: User | None = None,
    approver: User | None = None,
    today: date = TODAY,
) -> GuaranteeApplication:
    """An application of ``member``'s enterprise (a new member of a new enterprise if none is given) for a loan from
    ``bank`` (the program's first partner bank), taken through the services to ``state``: draft, submitted,
    recommended, declined, approved, rejected or withdrawn."""
    member = member or member_of(enterprise)
    enterprise = enterprise or member.memberships.get().enterprise
    bank = bank or program.partner_banks.order_by("pk").first()
    assert bank is not None
    application = services.application_create(
        actor=member, today=today, program_id=program.pk, enterprise_id=enterprise.pk, bank_id=bank.pk,
        amount=amount, term_months=term_months, repayment_method=repayment_method, grace_months=grace_months,
        purpose="운영자금")
    if state == "withdrawn":
        return services.application_withdraw(actor=member, application_id=application.pk, reason="사정 변경")
    if state != "draft":
        application = services.application_submit(actor=member, application_id=application.pk, today=today)
    if state in ("recommended", "declined", "approved", "rejected"):
        application = services.application_recommend(
            actor=recommender or ManagerFactory(), application_id=application.pk, recommend=state != "declined",
            reason="사업성 양호")
    if state == "approved":
        services.application_approve(actor=approver or ManagerFactory(), application_id=application.pk,
                                     reason="승인")
    if state == "rejected":
        services.application_reject(actor=approver or ManagerFactory(), application_id=application.pk,
                                    reason="상환 계획 미흡")
    application.refresh_from_db()
    assert application.state == state, application.state
    return application


def approved_guarantee(program: GuaranteeProgram, **application: Any) -> Guarantee:
    """A guarantee made by approving an application through the services (state approved)."""
    return Guarantee.objects.get(application=make_application(program, state="approved", **application))


def executed_guarantee(program: GuaranteeProgram, *, officer: User | None = None, loan_amount: int | None = None,
                       loan_rate: Decimal = Decimal("0.04500"), start_on: date = date(2026, 3, 31),
                       **application: Any) -> Guarantee:
    """An approved guarantee whose bank lent ``loan_amount`` (the amount approved if none is given) on
    ``start_on``, reported by ``officer`` (an officer of its bank if none is given)."""
    guarantee = approved_guarantee(program, **application)
    officer = officer or officer_of(program, guarantee.bank)
    services.guarantee_execute(
        actor=officer, guarantee_id=guarantee.pk, loan_amount=loan_amount or guarantee.approved_amount.amount,
        loan_rate=loan_rate, start_on=start_on, bank_reference="LN-1", idempotency_key=f"execute-{guarantee.pk}",
        today=TODAY)
    guarantee.refresh_from_db()
    return guarantee
