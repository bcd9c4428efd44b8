"""The console's reads (``funds.selectors``): the funds at a glance agree with each fund's summary; principal
disbursed and repaid by month; loans past due by days; the fund manager's inbox, which keeps four eyes visible
(what one manager recommended or asked for waits for another); repayments and write-offs as each role sees them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from funds import selectors, services
from funds.models import Loan
from tests.factories import AuditorFactory, ManagerFactory, MembershipFactory
from tests.funds.factories import make_application, make_fund, make_loan, make_product, member_of, repay
from tests.funds.helpers import months_before

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - timedelta(days=1)


def _servicing_product(fund):
    """Equal principal over 12 months at 7 %, monthly day count, 1 won floor, one approver."""
    return make_product(fund, name="원금균등", method="equal_principal", grace_months=0, term_months=12,
                        annual_rate=Decimal("0.07000"), rounding_unit=1, approval_tiers=[])


# --- funds at a glance ------------------------------------------------------------------------------------------


def test_the_funds_overview_agrees_with_each_funds_summary():
    fund = make_fund(exposure_limit=200_000_000)
    other = make_fund(code="other", capital=100_000_000)
    product = _servicing_product(fund)
    loan = make_loan(product, member=member_of(), amount=10_000_000, disbursed_on=months_before(TODAY, 2))
    repay(loan, 900_000, on_date=months_before(TODAY, 1))
    make_loan(product, member=member_of(), amount=5_000_000)  # approved, not paid out

    rows = {f.pk: f for f in selectors.funds_overview()}
    for f in (fund, other):
        summary = selectors.fund_summary(f)
        row = rows[f.pk]
        assert row.capital_total == summary.capital
        assert row.cash_balance == summary.cash
        assert row.outstanding_total == summary.outstanding_principal
        assert row.disbursed_sum == summary.disbursed_total
        assert selectors.fund_turnover(row.disbursed_sum, row.capital_total) == summary.turnover
    assert (rows[fund.pk].capital_total, rows[fund.pk].disbursed_sum) == (600_000_000, 10_000_000)
    assert rows[fund.pk].active_loans == 1
    assert (rows[other.pk].outstanding_total, rows[other.pk].active_loans, rows[other.pk].past_due_loans) == (0, 0, 0)
    assert rows[other.pk].cash_balance == 100_000_000


def test_turnover_is_disbursed_over_capital_floored_to_four_places_and_zero_without_capital():
    assert selectors.fund_turnover(Decimal(128_000_000), Decimal(600_000_000)) == Decimal("0.2133")
    assert selectors.fund_turnover(Decimal(2), Decimal(3)) == Decimal("0.6666")
    assert selectors.fund_turnover(Decimal(5), Decimal(0)) == 0


# --- money by month ---------------------------------------------------------------------------------------------


def test_principal_flows_by_month_count_disbursements_and_repayments_net_of_reversals_by_value_date():
    fund = make_fund(exposure_limit=200_000_000)
    product = _servicing_product(fund)
    disbursed_on = months_before(TODAY, 2)
    loan = make_loan(product, member=member_of(), amount=10_000_000, disbursed_on=disbursed_on)
    # Installment 1, due a month after: 10,000,000 / 12 = 833,333 principal and 10,000,000 x 0.07 / 12 = 58,333
    # interest; paid on its day, exactly.
    first = repay(loan, 891_666, on_date=months_before(TODAY, 1))
    assert (first.principal.amount, first.interest.amount, first.prepayment.amount) == (833_333, 58_333, 0)
    # A second repayment, reversed (it bounced): it nets to nothing.
    second = repay(loan, 100_000, on_date=months_before(TODAY, 1) + timedelta(days=1))
    services.repayment_reverse(actor=ManagerFactory(), repayment_id=second.pk, reason="부도")
    # Out of the window (13 months ago), and another fund's loan: neither counts.
    make_loan(product, member=member_of(), amount=3_000_000, disbursed_on=months_before(TODAY, 13))
    other_fund = make_fund(code="other")
    make_loan(_servicing_product(other_fund), member=member_of(), amount=7_000_000, disbursed_on=disbursed_on)

    flows = selectors.principal_flows_by_month(fund, through=TODAY, months=12)

    assert len(flows) == 12
    assert flows[-1].month == TODAY.replace(day=1)
    assert flows[0].month == months_before(TODAY, 11).replace(day=1)
    by_month = {f.month: (f.disbursed, f.repaid) for f in flows}
    assert by_month[disbursed_on.replace(day=1)] == (10_000_000, 0)
    assert by_month[months_before(TODAY, 1).replace(day=1)] == (0, 833_333)
    assert sum(f.disbursed for f in flows) == 10_000_000
    assert sum(f.repaid for f in flows) == 833_333


# --- past due ---------------------------------------------------------------------------------------------------


def test_loans_past_due_are_counted_by_days_past_due_with_their_outstanding_principal():
    fund = make_fund(exposure_limit=200_000_000)
    product = _servicing_product(fund)
    current = make_loan(product, member=member_of(), amount=4_000_000, disbursed_on=TODAY - timedelta(days=5))
    ten_days = make_loan(product, member=member_of(), amount=6_000_000,
                         disbursed_on=months_before(TODAY - timedelta(days=10), 1))
    two_months = make_loan(product, member=member_of(), amount=8_000_000, disbursed_on=months_before(TODAY, 3))
    services.close_days(YESTERDAY, YESTERDAY)
    for loan in (current, ten_days, two_months):
        loan.refresh_from_db()
    assert current.days_past_due == 0
    assert 1 <= ten_days.days_past_due <= 29
    assert 30 <= two_months.days_past_due <= 89

    bands = {band.label: (band.loans, band.outstanding) for band in selectors.past_due(fund)}

    assert bands == {"1-29": (1, 6_000_000), "30-89": (1, 8_000_000), "90+": (0, 0)}


# --- the inbox --------------------------------------------------------------------------------------------------


@pytest.fixture
def desk():
    """Managers a, b, c; an application submitted; one recommended by a (one approver needed); one of 40,000,000
    recommended by c and approved once by b (two needed); a write-off asked for by a; an approved loan."""
    fund = make_fund(exposure_limit=200_000_000)
    product = make_product(fund)  # above 30,000,000 two approvers
    a, b, c = ManagerFactory(), ManagerFactory(), ManagerFactory()
    submitted = make_application(product, member=member_of(), state="submitted")
    by_a = make_application(product, member=member_of(), state="recommended", reviewer=a)
    by_c = make_application(product, member=member_of(), amount=40_000_000, state="recommended", reviewer=c)
    services.application_approve(actor=b, application_id=by_c.pk, reason="1차 승인")
    loan = make_loan(product, member=member_of())
    bad_fund = make_fund(code="bad", exposure_limit=200_000_000)
    bullet = make_product(bad_fund, method="bullet", grace_months=0, term_months=1, annual_rate=Decimal("0.03650"),
                          day_count="actual_365", rounding_unit=1, approval_tiers=[])
    doomed = make_loan(bullet, member=member_of(), amount=1_000_000, disbursed_on=months_before(TODAY, 14))
    services.close_days(YESTERDAY, YESTERDAY)
    write_off = services.write_off_request(actor=a, loan_id=doomed.pk, reason="회수 불능")
    return {"a": a, "b": b, "c": c, "submitted": submitted, "by_a": by_a, "by_c": by_c, "loan": loan,
            "write_off": write_off}


def _ids(items):
    return [item.pk for item in items]


def test_a_manager_sees_what_to_review_and_what_another_manager_recommended(desk):
    inbox = selectors.inbox_for(desk["a"])
    assert inbox.acts
    assert _ids(inbox.to_review) == [desk["submitted"].pk]
    assert _ids(inbox.to_approve) == [desk["by_c"].pk]
    assert (inbox.to_approve[0].approvals_given, inbox.to_approve[0].approvals_required) == (1, 2)
    assert _ids(inbox.to_disburse) == [desk["loan"].pk]


def test_what_a_manager_recommended_or_asked_for_waits_for_another_four_eyes(desk):
    a = selectors.inbox_for(desk["a"])
    assert _ids(a.awaiting_others) == [desk["by_a"].pk]
    assert _ids(a.write_offs_asked) == [desk["write_off"].pk]
    assert a.write_offs_to_decide == []

    b = selectors.inbox_for(desk["b"])
    assert _ids(b.to_approve) == [desk["by_a"].pk]  # by_c: b approved it already
    assert _ids(b.awaiting_others) == [desk["by_c"].pk]
    assert _ids(b.write_offs_to_decide) == [desk["write_off"].pk]
    assert b.write_offs_asked == []

    c = selectors.inbox_for(desk["c"])
    assert _ids(c.to_approve) == [desk["by_a"].pk]
    assert _ids(c.awaiting_others) == [desk["by_c"].pk]


def test_a_manager_who_acts_for_the_enterprise_is_not_asked_to_judge_its_application(desk):
    MembershipFactory(user=desk["b"], enterprise=desk["submitted"].enterprise)
    MembershipFactory(user=desk["b"], enterprise=desk["by_a"].enterprise)
    inbox = selectors.inbox_for(desk["b"])
    assert desk["submitted"].pk not in _ids(inbox.to_review)
    assert desk["by_a"].pk not in _ids(inbox.to_approve)


def test_an_auditor_sees_every_queue_and_acts_on_none(desk):
    inbox = selectors.inbox_for(AuditorFactory())
    assert not inbox.acts
    assert _ids(inbox.to_review) == [desk["submitted"].pk]
    assert sorted(_ids(inbox.to_approve)) == sorted([desk["by_a"].pk, desk["by_c"].pk])
    assert _ids(inbox.write_offs_to_decide) == [desk["write_off"].pk]
    assert _ids(inbox.to_disburse) == [desk["loan"].pk]
    assert inbox.awaiting_others == [] and inbox.write_offs_asked == []


def test_a_member_has_no_inbox(desk):
    inbox = selectors.inbox_for(member_of(desk["submitted"].enterprise))
    assert (inbox.to_review, inbox.to_approve, inbox.write_offs_to_decide, inbox.to_disburse) == ([], [], [], [])


def test_the_inbox_costs_the_same_queries_whatever_it_holds(desk, django_assert_max_num_queries):
    product = desk["by_a"].product
    for _ in range(4):
        make_application(product, member=member_of(), state="submitted")
        make_application(product, member=member_of(), state="recommended", reviewer=ManagerFactory())
    with django_assert_max_num_queries(8):
        inbox = selectors.inbox_for(desk["b"])
        assert len(inbox.to_review) == 5
        for application in inbox.to_approve:
            _ = (application.enterprise.name, application.reviewed_by.username, application.approvals_given)


# --- repayments and write-offs by role --------------------------------------------------------------------------


def test_repayments_and_write_offs_are_narrowed_to_what_the_user_may_see(desk):
    fund = make_fund(code="servicing", exposure_limit=200_000_000)
    product = _servicing_product(fund)
    member = member_of()
    own = make_loan(product, member=member, amount=10_000_000, disbursed_on=months_before(TODAY, 2))
    other = make_loan(product, member=member_of(), amount=10_000_000, disbursed_on=months_before(TODAY, 2))
    mine = repay(own, 100_000, on_date=TODAY)  # the desk closed yesterday: today's value date is the open one
    theirs = repay(other, 100_000, on_date=TODAY)

    assert list(selectors.repayments_visible_to(member)) == [mine]
    assert set(selectors.repayments_visible_to(AuditorFactory())) == {mine, theirs}
    assert _ids(selectors.write_offs_visible_to(AuditorFactory())) == [desk["write_off"].pk]
    assert not selectors.write_offs_visible_to(member).exists()
    assert Loan.objects.filter(pk=own.pk, state=Loan.State.ACTIVE).exists()


# --- the portal's loans with their next payment ----------------------------------------------------------------


def test_each_loan_comes_with_the_installment_that_falls_due_next_and_a_member_sees_only_its_own():
    product = _servicing_product(make_fund(exposure_limit=200_000_000))
    member = member_of()
    loan = make_loan(product, member=member, amount=12_000_000, disbursed_on=months_before(TODAY, 2))
    approved = make_loan(product, member=member, amount=3_000_000)  # no schedule yet
    other = make_loan(product, member=member_of(), amount=6_000_000, disbursed_on=months_before(TODAY, 1))

    rows = {row.pk: row for row in selectors.loans_with_next_payment(member, on=TODAY)}
    assert set(rows) == {loan.pk, approved.pk}
    upcoming = loan.installments.filter(due_on__gte=TODAY).order_by("number").first()
    assert rows[loan.pk].next_due_on == upcoming.due_on
    assert rows[loan.pk].next_amount == upcoming.principal_due.amount + upcoming.interest_due.amount
    assert rows[loan.pk].next_amount == Decimal(1_000_000) + upcoming.interest_due.amount  # 12,000,000 / 12
    assert rows[approved.pk].next_due_on is None and rows[approved.pk].next_amount is None
    staff = {row.pk for row in selectors.loans_with_next_payment(ManagerFactory(), on=TODAY)}
    assert {loan.pk, approved.pk, other.pk} <= staff
