"""The whole life of a loan through the API, each person with a real signed JWT: a fund and a product are set up, an
enterprise applies, two managers decide (four eyes), the loan is paid out, repaid on time, paid late with default
interest, caught up by the close of business, paid off by the enterprise itself; then its schedule, its statement of
transactions, the fund's summary, the ledger and the audit trail are checked. Also a bounced repayment reversed by
a manager, and a bad loan written off by two managers and partly recovered.

Dates are computed from today (Asia/Seoul), since a member always pays with today's date and a day can be closed
only once it has ended. Expected figures are worked out by hand in the comments, not by the code under test.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from enterprises.models import Enterprise, Institution
from funds.models import Loan
from funds.selectors import loan_disagreements
from tests.factories import AuditorFactory, InstitutionFactory, ManagerFactory
from tests.funds.factories import make_fund, make_loan, make_product, member_of

from .helpers import assert_error, months_before, nothing_written

pytestmark = pytest.mark.django_db

F, P, A, L, R, W = (
    "/api/v1/funds/", "/api/v1/loan-products/", "/api/v1/loan-applications/", "/api/v1/loans/",
    "/api/v1/repayments/", "/api/v1/write-offs/",
)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response.json()


def run(command: str, *args: str) -> str:
    """A management command; it raises CommandError (a non-zero exit) if it fails."""
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def won(value: str) -> int:
    return int(value)


def test_the_life_of_a_loan_from_application_to_payoff_through_the_api(bearer_client, enterprise, member):
    today = timezone.localdate()
    manager_a, manager_b, auditor = ManagerFactory(), ManagerFactory(), AuditorFactory()
    a, b, me, audit = (bearer_client(u) for u in (manager_a, manager_b, member, auditor))

    # --- a fund with 600,000,000 won and a product: 3 %, 12 months, equal principal, monthly day count ---------
    operator = InstitutionFactory(kind=Institution.Kind.INTERMEDIARY)
    seeded = months_before(today, 12).isoformat()
    fund = ok(a.post(F, {"code": "seongdong", "name": "성동구 사회적경제활성화기금", "operator": operator.pk,
                         "exposure_limit": "50000000", "eligible_kinds": list(Enterprise.Kind.values),
                         "opened_on": seeded}, format="json"), 201)
    assert fund["opened_on"] == seeded
    for source in ("municipality", "private"):
        ok(a.post(f"{F}{fund['id']}/contributions/", {"source": source, "amount": "300000000", "received_on": seeded},
                  format="json", headers={"Idempotency-Key": f"seed-{source}"}), 201)
    product = ok(a.post(P, {
        "fund": fund["id"], "name": "사회적경제기업 운영자금", "annual_rate": "0.03000", "term_months": 12,
        "grace_months": 0, "method": "equal_principal", "day_count": "monthly", "rounding_unit": 1,
        "rounding_mode": "floor", "min_amount": "1000000", "max_amount": "50000000", "approval_tiers": [],
    }, format="json"), 201)

    # --- the member applies; manager A reviews; A may not approve what A recommended; B approves --------------------
    application = ok(me.post(A, {"product": product["id"], "enterprise": enterprise.pk, "amount": "12000000",
                                 "purpose": "공방 운영자금"}, format="json"), 201)
    assert application["state"] == "draft"
    assert ok(me.post(f"{A}{application['id']}/submit/"))["state"] == "submitted"
    reviewed = ok(a.post(f"{A}{application['id']}/review/", {"decision": "recommend", "reason": "사업성 양호"},
                         format="json"))
    assert reviewed["state"] == "recommended" and reviewed["reviewed_by"] == manager_a.pk
    with nothing_written():
        refused = a.post(f"{A}{application['id']}/approve/", {"reason": "승인"}, format="json")
    assert_error(refused, 409, "invalid_state")  # four eyes: the reviewer's approval is a wrong-state refusal
    approved = ok(b.post(f"{A}{application['id']}/approve/", {"reason": "위원회 승인"}, format="json"))
    assert approved["state"] == "approved" and approved["loan"] is not None
    loan_url = f"{L}{approved['loan']}/"

    # --- paid out about eleven months ago ---------------------------------------------------------------------------
    d0 = months_before(today, 11)
    loan = ok(a.post(f"{loan_url}disburse/", {"disbursed_on": d0.isoformat()}, format="json",
                     headers={"Idempotency-Key": "disburse-1"}))
    assert loan["state"] == "active" and loan["disbursed_on"] == d0.isoformat()
    assert loan["outstanding_principal"] == "12000000" and loan["default_rate"] == "0.06000"  # 3 % + 3 %p
    schedule = ok(me.get(f"{loan_url}schedule/"))
    assert len(schedule) == 12
    assert {row["principal_due"] for row in schedule} == {"1000000"}  # 12,000,000 / 12
    # interest = the balance x 3 % / 12: 12,000,000 -> 30,000; 11,000,000 -> 27,500; 10,000,000 -> 25,000; ...
    assert [won(row["interest_due"]) for row in schedule] == [(12 - k) * 2_500 for k in range(12)]
    due = [date.fromisoformat(row["due_on"]) for row in schedule]

    # --- the manager records the first two installments, each on its due date --------------------------------------
    total_paid = 0
    for k in (0, 1):
        amount = 1_000_000 + (12 - k) * 2_500
        paid = ok(a.post(f"{loan_url}repayments/", {"amount": str(amount), "value_date": due[k].isoformat()},
                         format="json", headers={"Idempotency-Key": f"installment-{k + 1}"}), 201)
        total_paid += amount
        assert paid["value_date"] == due[k].isoformat()
        assert paid["allocation"] == {"default_interest": "0", "overdue_interest": "0", "overdue_principal": "0",
                                      "interest": str((12 - k) * 2_500), "principal": "1000000",
                                      "accrued_interest": "0", "prepayment": "0"}

    # --- installment 3 is not paid; the close of business runs through its due date and four days more ----------
    late_through = due[2] + timedelta(days=4)
    output = run("close_business", "--date", late_through.isoformat())
    assert f"{late_through} closed" in output
    # Default interest: the overdue principal 1,000,000 x min(3 % + 3 %p, 20 %) = 6 % / 365 = 164.3835616... won a
    # day, from the due date (day 1) to the close of day 5; each day floored, the part of a won carried (kept to
    # six places): 164 (.383561), 164 (.767122), 165 (.150683), 164 (.534244), 164 (.917805): 821 won.
    loan = ok(me.get(loan_url))
    assert loan["closed_through"] == late_through.isoformat()
    assert loan["days_past_due"] == 5
    assert loan["default_interest_receivable"] == "821"
    assert loan["interest_receivable"] == "25000"  # installment 3's interest fell due and is unpaid
    assert loan["asset_class"] == "normal"
    assert Loan.objects.get(pk=loan["id"]).default_interest_carry == Decimal(335)  # 335/365 of a won, carried exactly

    # --- paid late, the next day: what is due is the default interest, then the interest, then the principal ------
    paid_on = late_through + timedelta(days=1)
    quote = ok(me.get(f"{loan_url}payoff/?on={paid_on.isoformat()}"))
    assert (quote["default_interest"], quote["overdue_interest"], quote["overdue_principal"]) == (
        "821", "25000", "1000000")
    assert quote["due"] == "1025821"
    # The payoff adds installment 4's period accrued so far (22,500 for the month, 9,000,000 x 3 % / 12, in
    # proportion to the days: 5 of them, floored) and the 9,000,000 won of principal not yet due.
    accrued = 22_500 * (paid_on - due[2]).days // (due[3] - due[2]).days
    assert quote["accrued_interest"] == str(accrued)
    assert quote["payoff"] == str(1_025_821 + accrued + 9_000_000)
    late = ok(a.post(f"{loan_url}repayments/", {"amount": "1025821", "value_date": paid_on.isoformat()},
                     format="json", headers={"Idempotency-Key": "installment-3"}), 201)
    total_paid += 1_025_821
    assert late["allocation"]["default_interest"] == "821"
    assert late["allocation"]["overdue_interest"] == "25000"
    assert late["allocation"]["overdue_principal"] == "1000000"
    assert late["days_past_due"] == 0 and late["balances"]["default_interest"] == "0"

    # --- every later installment already due is paid on its due date ------------------------------------------------
    for k in range(3, 12):
        if due[k] >= today:
            break
        amount = 1_000_000 + (12 - k) * 2_500
        ok(a.post(f"{loan_url}repayments/", {"amount": str(amount), "value_date": due[k].isoformat()},
                  format="json", headers={"Idempotency-Key": f"installment-{k + 1}"}), 201)
        total_paid += amount
    run("close_business")  # through yesterday
    loan = ok(me.get(loan_url))
    assert loan["closed_through"] == (today - timedelta(days=1)).isoformat()
    assert loan["days_past_due"] == 0 and loan["default_interest_receivable"] == "0"

    # --- the member pays the payoff today ---------------------------------------------------------------------------
    quote = ok(me.get(f"{loan_url}payoff/"))
    assert quote["on"] == today.isoformat()
    assert won(quote["principal"]) + won(quote["future_principal"]) + won(quote["overdue_principal"]) == won(
        loan["outstanding_principal"])
    paid = ok(me.post(f"{loan_url}repayments/", {"amount": quote["payoff"]}, format="json",
                      headers={"Idempotency-Key": "payoff"}), 201)
    total_paid += won(quote["payoff"])
    assert paid["paid_off"] is True and paid["loan_state"] == "paid_off"
    assert paid["value_date"] == today.isoformat()
    loan = ok(me.get(loan_url))
    assert loan["state"] == "paid_off" and loan["paid_off_on"] == today.isoformat()
    assert (loan["outstanding_principal"], loan["interest_receivable"], loan["default_interest_receivable"]) == (
        "0", "0", "0")

    # --- the schedule shows everything paid --------------------------------------------------------------------------
    schedule = ok(me.get(f"{loan_url}schedule/"))
    assert all(row["principal_outstanding"] == "0" and row["interest_outstanding"] == "0" for row in schedule)
    assert sum(won(row["principal_paid"]) for row in schedule) == 12_000_000

    # --- the statement: disbursement, repayments and close-of-business lines that net to nothing ----------------
    lines = ok(me.get(f"{loan_url}transactions/"))
    kinds = {line["kind"] for line in lines}
    assert {"disbursement", "repayment", "close_of_business"} <= kinds
    assert lines[0]["kind"] == "disbursement" and lines[0]["principal_change"] == "12000000"
    for change in ("principal_change", "interest_change", "default_interest_change"):
        assert sum(won(line[change]) for line in lines) == 0, change
    repayments = ok(me.get(f"{loan_url}repayments/"))
    assert sum(won(r["amount"]) for r in repayments) == total_paid
    assert sum(won(line["amount"]) for line in lines if line["kind"] == "repayment") == total_paid
    default_accrued = sum(won(line["default_interest_change"]) for line in lines
                          if line["kind"] == "close_of_business")
    assert default_accrued == 821

    # --- the fund's summary -----------------------------------------------------------------------------------------
    summary = ok(audit.get(f"{F}{fund['id']}/"))
    assert summary["disbursed_total"] == "12000000"
    assert summary["principal_repaid_total"] == "12000000"
    assert summary["outstanding_principal"] == "0"
    assert summary["cash"] == str(600_000_000 - 12_000_000 + total_paid)
    assert summary["loans_by_state"].get("paid_off") == 1

    # --- the books and the audit trail hold together ---------------------------------------------------------------
    assert "every account agrees" in run("ledger_verify")
    assert "chain intact" in run("audit_verify")
    assert loan_disagreements(Loan.objects.get(pk=loan["id"])) == []


# --- a bounced repayment ----------------------------------------------------------------------------------------


@pytest.fixture
def twin_loans(member) -> tuple[Loan, Loan]:
    """Two identical late loans: 12,000,000 won, equal principal over 12 months at 3 %, monthly day count, paid
    out two months and ten days ago; neither has paid anything, nothing has been closed."""
    fund = make_fund()
    product = make_product(fund, method="equal_principal", grace_months=0, term_months=12,
                           annual_rate=Decimal("0.03000"), rounding_unit=1, approval_tiers=[])
    d0 = months_before(timezone.localdate(), 2) - timedelta(days=10)
    return (make_loan(product, member=member, amount=12_000_000, disbursed_on=d0),
            make_loan(product, member=member_of(), amount=12_000_000, disbursed_on=d0))


def test_a_manager_reverses_a_bounced_repayment_and_the_loan_owes_as_if_it_never_came(
    bearer_client, twin_loans, manager, member
):
    loan, twin = twin_loans
    client = bearer_client(manager)
    first_due = loan.installments.get(number=1).due_on
    on = first_due + timedelta(days=3)

    # Three days late: default interest on 1,000,000 at 6 % for days 1..3 (164 + 164 + 165, the part of a won carried:
    # 493.15 -> 493), installment 1's 30,000 of interest and its 1,000,000 of principal.
    due_then = ok(client.get(f"{L}{loan.pk}/payoff/?on={on.isoformat()}"))["due"]
    assert due_then == "1030493"
    paid = ok(client.post(f"{L}{loan.pk}/repayments/", {"amount": due_then, "value_date": on.isoformat()},
                          format="json", headers={"Idempotency-Key": "bounced"}), 201)
    assert paid["allocation"]["default_interest"] == "493"
    assert paid["allocation"]["overdue_interest"] == "30000" and paid["allocation"]["overdue_principal"] == "1000000"
    run("close_business")  # through yesterday: the days after the payment are closed with it on the books

    with nothing_written():
        refused = bearer_client(member).post(f"{R}{paid['id']}/reverse/", {"reason": "부도"}, format="json")
    assert_error(refused, 403, "permission_denied")
    reversed_ = ok(client.post(f"{R}{paid['id']}/reverse/", {"reason": "부도 이체 (잔액 부족)"}, format="json"))
    assert reversed_["reversed"] is True and reversed_["reversal_reason"] == "부도 이체 (잔액 부족)"
    assert reversed_["reversal_journal"] is not None and reversed_["reversed_at"] is not None
    with nothing_written():
        again = client.post(f"{R}{paid['id']}/reverse/", {"reason": "다시"}, format="json")
    assert_error(again, 409, "invalid_state")

    mine, theirs = ok(client.get(f"{L}{loan.pk}/")), ok(client.get(f"{L}{twin.pk}/"))
    for name in ("outstanding_principal", "interest_receivable", "default_interest_receivable", "days_past_due",
                 "accelerated_on", "asset_class", "closed_through"):
        assert mine[name] == theirs[name], name
    assert won(mine["default_interest_receivable"]) > 0
    lines = ok(client.get(f"{L}{loan.pk}/transactions/"))
    kinds = [line["kind"] for line in lines]
    assert "repayment_reversal" in kinds and "close_reversal" in kinds
    assert sum(won(line["principal_change"]) for line in lines) == won(mine["outstanding_principal"]) == 12_000_000
    history = ok(bearer_client(member).get(f"{L}{loan.pk}/repayments/"))
    assert [(r["id"], r["reversed"]) for r in history] == [(paid["id"], True)]
    assert "every account agrees" in run("ledger_verify")
    assert "chain intact" in run("audit_verify")
    loan.refresh_from_db()
    twin.refresh_from_db()
    assert loan_disagreements(loan) == loan_disagreements(twin) == []


# --- a bad loan, written off and partly recovered --------------------------------------------------------------


def test_a_loan_in_estimated_loss_is_written_off_by_two_managers_and_recoveries_are_recorded(
    bearer_client, member, auditor
):
    """1,000,000 won, bullet, one month at 3 % (monthly day count), paid out 14 months ago and never repaid. Its
    single installment (1,000,000 + 2,500 interest) fell due 13 months ago; closed through yesterday it is about
    396 days past due: 추정손실 (estimated loss, from 365 days)."""
    today = timezone.localdate()
    fund = make_fund()
    product = make_product(fund, method="bullet", grace_months=0, term_months=1, annual_rate=Decimal("0.03000"),
                           rounding_unit=1, approval_tiers=[])
    loan = make_loan(product, member=member, amount=1_000_000, disbursed_on=months_before(today, 14))
    manager_a, manager_b = ManagerFactory(), ManagerFactory()
    a, b = bearer_client(manager_a), bearer_client(manager_b)

    with nothing_written():
        early = a.post(f"{L}{loan.pk}/write-off/", {"reason": "회수 불능"}, format="json")
    assert_error(early, 409, "invalid_state")  # not yet classed 추정손실: nothing has been closed
    run("close_business")
    shown = ok(a.get(f"{L}{loan.pk}/"))
    dpd = shown["days_past_due"]
    due_on = loan.installments.get().due_on
    assert dpd == (today - timedelta(days=1) - due_on).days + 1 >= 365
    assert shown["asset_class"] == "estimated_loss"
    # default interest: 1,000,000 x 6 % / 365 = 164.38356... a day for every day past due, floored day by day
    # with the part of a won carried: within a won of the whole sum floored.
    exact = Decimal(60_000) * dpd / 365
    assert int(exact) - 1 <= won(shown["default_interest_receivable"]) <= int(exact)
    default_interest = shown["default_interest_receivable"]

    asked = ok(a.post(f"{L}{loan.pk}/write-off/", {"reason": "폐업, 회수 불능"}, format="json"), 201)
    assert asked["state"] == "requested"
    with nothing_written():
        own = a.post(f"{W}{asked['id']}/approve/", {"reason": "승인"}, format="json")
    assert_error(own, 403, "permission_denied")
    decided = ok(b.post(f"{W}{asked['id']}/approve/", {"reason": "채권관리위원회 의결"}, format="json"))
    assert decided["state"] == "approved" and decided["decided_by"] == manager_b.pk
    assert decided["written_off_on"] == today.isoformat()
    assert (decided["principal"], decided["interest"], decided["default_interest"]) == (
        "1000000", "2500", default_interest)
    total = 1_000_000 + 2_500 + won(default_interest)

    shown = ok(bearer_client(member).get(f"{L}{loan.pk}/"))
    assert shown["state"] == "written_off" and shown["written_off_on"] == today.isoformat()
    assert (shown["outstanding_principal"], shown["interest_receivable"], shown["default_interest_receivable"]) == (
        "0", "0", "0")
    lines = ok(bearer_client(auditor).get(f"{L}{loan.pk}/transactions/"))
    write_off = [line for line in lines if line["kind"] == "write_off"]
    assert len(write_off) == 1
    assert write_off[0]["principal_change"] == "-1000000" and write_off[0]["amount"] == str(total)
    for change in ("principal_change", "interest_change", "default_interest_change"):
        assert sum(won(line[change]) for line in lines) == 0, change

    with nothing_written():
        repaid = a.post(f"{L}{loan.pk}/repayments/", {"amount": "1000"}, format="json",
                        headers={"Idempotency-Key": "too-late"})
    assert_error(repaid, 409, "invalid_state")
    recovered = ok(a.post(f"{L}{loan.pk}/recoveries/", {"amount": "400000", "memo": "보증인 변제"}, format="json",
                          headers={"Idempotency-Key": "recovery-1"}), 201)
    assert recovered["amount"] == "400000" and recovered["received_on"] == today.isoformat()
    with nothing_written():
        too_much = a.post(f"{L}{loan.pk}/recoveries/", {"amount": str(total - 400_000 + 1)}, format="json",
                          headers={"Idempotency-Key": "recovery-2"})
    assert_error(too_much, 422, "limit_exceeded")
    ok(b.post(f"{L}{loan.pk}/recoveries/", {"amount": str(total - 400_000)}, format="json",
              headers={"Idempotency-Key": "recovery-2"}), 201)
    listed = ok(bearer_client(member).get(f"{L}{loan.pk}/recoveries/"))
    assert sum(won(r["amount"]) for r in listed) == total

    summary = ok(bearer_client(auditor).get(f"{F}{fund.pk}/"))
    assert summary["loans_by_state"].get("written_off") == 1
    assert summary["outstanding_principal"] == "0"
    assert "every account agrees" in run("ledger_verify")
    assert "chain intact" in run("audit_verify")
