"""Factories and builders for revolving-fund tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from enterprises.models import Enterprise, Institution, User
from funds import services
from funds.models import Fund, Loan, LoanApplication, LoanProduct, Repayment
from tests.factories import InstitutionFactory, ManagerFactory, MembershipFactory

ALL_KINDS = list(Enterprise.Kind.values)


FUND_OPENED_ON = date(2020, 1, 2)  # before every date the tests' stories use
CAPITAL_ON = FUND_OPENED_ON


def make_fund(*, capital: int = 600_000_000, exposure_limit: int = 50_000_000, code: str = "seongdong",
              kinds: list[str] | None = None, opened_on: date = FUND_OPENED_ON,
              capital_on: date = CAPITAL_ON) -> Fund:
    """A fund opened on ``opened_on``, with ``capital`` received on ``capital_on`` (half from the district, half
    private). A loan disbursed before ``capital_on`` would overdraw the fund's cash on its day, and is refused."""
    operator = InstitutionFactory(kind=Institution.Kind.INTERMEDIARY)
    fund = services.fund_create(
        actor=None, code=code, name="성동구 사회적경제활성화기금", operator=operator,
        exposure_limit=exposure_limit, eligible_kinds=kinds or ALL_KINDS, opened_on=opened_on,
        today=timezone.localdate())
    if capital:
        services.contribution_record(
            actor=None, fund_id=fund.pk, source="municipality", amount=capital // 2, received_on=capital_on,
            idempotency_key="seed-municipality", today=timezone.localdate())
        services.contribution_record(
            actor=None, fund_id=fund.pk, source="private", amount=capital - capital // 2,
            received_on=capital_on, idempotency_key="seed-private", today=timezone.localdate())
    return fund


def make_product(fund: Fund, **overrides: Any) -> LoanProduct:
    data: dict[str, Any] = {
        "name": "사회적경제기업 운영자금",
        "annual_rate": Decimal("0.02000"),
        "term_months": 36,
        "grace_months": 6,
        "method": "equal_payment",
        "day_count": "monthly",
        "rounding_unit": 10,
        "rounding_mode": "floor",
        "min_amount": 1_000_000,
        "max_amount": 50_000_000,
    }
    tiers = overrides.pop("approval_tiers", [{"above_amount": 30_000_000, "approvers": 2}])
    data.update(overrides)
    return services.product_create(actor=None, fund_id=fund.pk, data=data, approval_tiers=tiers)


# --- applications and loans, moved along their workflow through the services ------------------------------------


def member_of(enterprise: Enterprise | None = None) -> User:
    """A user acting for ``enterprise`` (a new social enterprise if none is given)."""
    if enterprise is None:
        return MembershipFactory().user
    return MembershipFactory(enterprise=enterprise).user


def make_application(
    product: LoanProduct,
    *,
    member: User,
    enterprise: Enterprise | None = None,
    amount: int = 10_000_000,
    state: str = "draft",
    reviewer: User | None = None,
    approvers: list[User] | None = None,
) -> LoanApplication:
    """An application of ``member``'s enterprise, taken through the services to ``state`` (draft, submitted,
    recommended, declined, approved, rejected or withdrawn). Approval uses as many new managers as it needs."""
    if enterprise is None:
        enterprise = member.memberships.get().enterprise
    application = services.application_create(
        actor=member, product_id=product.pk, enterprise_id=enterprise.pk, amount=amount, purpose="운영자금"
    )
    if state == "withdrawn":
        return services.application_withdraw(actor=member, application_id=application.pk, reason="사정 변경")
    if state != "draft":
        application = services.application_submit(actor=member, application_id=application.pk)
    if state in ("recommended", "declined", "approved", "rejected"):
        application = services.application_review(
            actor=reviewer or ManagerFactory(),
            application_id=application.pk,
            recommend=state != "declined",
            reason="심사 의견",
        )
    if state == "approved":
        for approver in approvers or [ManagerFactory() for _ in range(application.approvals_required)]:
            services.application_approve(actor=approver, application_id=application.pk, reason="승인")
    if state == "rejected":
        services.application_reject(actor=ManagerFactory(), application_id=application.pk, reason="서류 미비")
    application.refresh_from_db()
    assert application.state == state, application.state
    return application


def make_loan(
    product: LoanProduct,
    *,
    member: User,
    enterprise: Enterprise | None = None,
    amount: int = 10_000_000,
    disbursed_on: date | None = None,
    secured_amount: int | None = None,
    reviewer: User | None = None,
    approvers: list[User] | None = None,
) -> Loan:
    """An approved loan; disbursed on ``disbursed_on`` (by its approver) when a date is given, with
    ``secured_amount`` of it covered by collateral or a guarantee."""
    application = make_application(
        product, member=member, enterprise=enterprise, amount=amount, state="approved", reviewer=reviewer,
        approvers=approvers,
    )
    loan = Loan.objects.get(application=application)
    if disbursed_on is not None:
        approver = application.approvals.order_by("approved_at", "id").last()
        assert approver is not None
        loan = services.loan_disburse(actor=approver.approver, loan_id=loan.pk, on_date=disbursed_on,
                                      secured_amount=secured_amount, today=timezone.localdate())
    return loan


def repay(loan: Loan, amount: int, *, on_date: date, manager: User | None = None) -> Repayment:
    """A repayment of ``amount`` through the servicing service, recorded by a fund manager with ``on_date`` as its
    value date (which must be in the loan's open period and not after today). It is allocated in the service's
    order: default interest, overdue interest and principal, what is due on the day, accrued interest, and only
    then prepaid principal; the caller works out by hand how much of ``amount`` goes where."""
    repayment, created = services.repayment_make(
        actor=manager or ManagerFactory(), loan_id=loan.pk, amount=amount, value_date=on_date,
        idempotency_key=f"test:loan:{loan.pk}:repayment:{on_date}:{amount}", today=timezone.localdate())
    assert created
    return repayment


def make_catch_up_product() -> LoanProduct:
    """Equal payment over 12 months at 5 %, monthly, no grace: the first installment falls due a month after."""
    fund = make_fund(exposure_limit=500_000_000)
    return make_product(fund, method="equal_payment", grace_months=0, term_months=12,
                        annual_rate=Decimal("0.05000"), rounding_unit=1, approval_tiers=[])


def make_loan_left_behind(product: LoanProduct, *, disbursed_on: date, **loan: Any) -> Loan:
    """A loan whose days were not closed though the fund's were (however it came to lag): the business days up to
    yesterday are recorded as closed without it."""
    from funds.models import BusinessDay

    lagging = make_loan(product, member=member_of(), disbursed_on=disbursed_on, **loan)
    BusinessDay.objects.create(date=timezone.localdate() - timedelta(days=1), closed_at=timezone.now())
    assert Loan.objects.get(pk=lagging.pk).closed_through == disbursed_on - timedelta(days=1)
    return lagging
