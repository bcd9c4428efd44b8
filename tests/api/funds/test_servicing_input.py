"""Bad input on the loan-servicing endpoints that move money (repayments, recoveries, and the disbursement's optional
``secured_amount``): a 4xx with the common error shape naming the field or header, and nothing written (no audit
event, journal, repayment, loan transaction, changed installment or balance, idempotency key kept).

Also the rules around a repayment: the Idempotency-Key header (required, replayed, refused when reused with another
body), the loan's state (409), overpaying (422 stating the payoff), who may choose a value date (a member pays
today; a manager may backdate into the open period, never into a closed one or the future), and the payoff quote's
date.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import IdempotencyRecord
from core.money import format_won
from funds import services
from funds.models import Fund, Loan, LoanProduct, Recovery, Repayment
from ledger.selectors import ledger_check
from tests.factories import ManagerFactory
from tests.funds.factories import make_fund, make_loan, make_product

from .helpers import assert_error, months_before, nothing_written
from .test_money_input import BAD_AMOUNTS, GOOD_AMOUNTS

L = "/api/v1/loans/"


def client(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


class Setting:
    """The member's enterprise borrows 20,000,000 won (equal principal, 12 months, 7 %, monthly day count, 1 won
    floor), disbursed ten days ago: ``loan``. ``approved`` is approved and not paid out. ``written_off`` is a
    20,000,000 won bullet loan of one month, in another fund, disbursed 14 months ago, closed through yesterday and
    written off today by two other managers. Objects are built the first time a test asks for them."""

    def __init__(self, member: Any, manager: Any) -> None:
        self.member = member
        self.manager = manager
        self.today = timezone.localdate()
        self.yesterday = self.today - timedelta(days=1)

    @cached_property
    def fund(self) -> Fund:
        return make_fund(exposure_limit=200_000_000)

    @cached_property
    def product(self) -> LoanProduct:
        return make_product(self.fund, method="equal_principal", grace_months=0, term_months=12,
                            annual_rate=Decimal("0.07000"), rounding_unit=1, approval_tiers=[])

    @cached_property
    def loan(self) -> Loan:
        return make_loan(self.product, member=self.member, amount=20_000_000,
                         disbursed_on=self.today - timedelta(days=10))

    @cached_property
    def approved(self) -> Loan:
        return make_loan(self.product, member=self.member, amount=20_000_000)

    @cached_property
    def written_off(self) -> Loan:
        fund = make_fund(code="bad-debts", exposure_limit=200_000_000)
        bullet = make_product(fund, method="bullet", grace_months=0, term_months=1, annual_rate=Decimal("0.03650"),
                              day_count="actual_365", rounding_unit=1, approval_tiers=[])
        loan = make_loan(bullet, member=self.member, amount=20_000_000, disbursed_on=months_before(self.today, 14))
        services.close_business(through=self.yesterday, today=timezone.localdate())
        write_off = services.write_off_request(actor=ManagerFactory(), loan_id=loan.pk, reason="회수 불능")
        services.write_off_approve(actor=ManagerFactory(), write_off_id=write_off.pk, reason="의결",
                                   today=timezone.localdate())
        loan.refresh_from_db()
        assert loan.state == Loan.State.WRITTEN_OFF
        return loan


@pytest.fixture
def setting(member, manager) -> Setting:
    return Setting(member, manager)


def repay(setting: Setting, body: dict[str, Any], *, user: Any = None, loan: Loan | None = None,
          key: str | None = "repay-1") -> Any:
    loan = loan or setting.loan
    headers = {} if key is None else {"Idempotency-Key": key}
    return client(user or setting.member).post(f"{L}{loan.pk}/repayments/", body, format="json", headers=headers)


def recover(setting: Setting, body: dict[str, Any], *, loan: Loan | None = None, key: str | None = "recover-1") -> Any:
    loan = loan or setting.written_off
    headers = {} if key is None else {"Idempotency-Key": key}
    return client(setting.manager).post(f"{L}{loan.pk}/recoveries/", body, format="json", headers=headers)


def disburse(setting: Setting, body: dict[str, Any], key: str = "disburse-1") -> Any:
    return client(setting.manager).post(
        f"{L}{setting.approved.pk}/disburse/", body, format="json", headers={"Idempotency-Key": key}
    )


def payoff_of(setting: Setting, loan: Loan | None = None, on: str | None = None) -> Any:
    query = f"?on={on}" if on is not None else ""
    return client(setting.member).get(f"{L}{(loan or setting.loan).pk}/payoff/{query}")


# name: (field, call with the amount, status of a good call)
ENDPOINTS = {
    "member repays": ("amount", lambda s, x: repay(s, {"amount": x}), 201),
    "manager repays": ("amount", lambda s, x: repay(s, {"amount": x, "value_date": s.today.isoformat()},
                                                    user=s.manager), 201),
    "manager recovers": ("amount", lambda s, x: recover(s, {"amount": x, "memo": "회수"}), 201),
    "disbursement secured amount": ("secured_amount", lambda s, x: disburse(s, {"secured_amount": x}), 200),
}
# The secured part of a loan may be nothing at all.
NOT_BAD_FOR = {("disbursement secured amount", "zero")}


def _bad_amount_cases() -> list[Any]:
    cases = []
    for name in ENDPOINTS:
        for param in BAD_AMOUNTS:
            if (name, param.id) not in NOT_BAD_FOR:
                cases.append(pytest.param(name, param.values[0], id=f"{name}-{param.id}"))
    return cases


def _prepare(setting: Setting, name: str) -> None:
    """Build what the endpoint acts on before the database is looked at."""
    {"member repays": lambda: setting.loan, "manager repays": lambda: setting.loan,
     "manager recovers": lambda: setting.written_off, "disbursement secured amount": lambda: setting.approved}[name]()


@pytest.mark.parametrize(("name", "amount"), _bad_amount_cases())
def test_a_bad_amount_is_refused_naming_the_field_and_writes_nothing(setting, name, amount):
    field, call, _created = ENDPOINTS[name]
    _prepare(setting, name)

    with nothing_written():
        response = call(setting, amount)

    body = assert_error(response, 400, "validation_error")
    assert field in body["fields"], body
    assert field in body["message"]


@pytest.mark.parametrize("amount", GOOD_AMOUNTS)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_a_whole_number_of_won_is_accepted_as_a_string_an_integer_or_a_won_object(setting, name, amount):
    field, call, created = ENDPOINTS[name]

    response = call(setting, amount)

    assert response.status_code == created, response.content
    assert response.json()[field] == "10000000"
    assert ledger_check().ok


@pytest.mark.parametrize("name", ["member repays", "manager recovers"])
def test_malformed_json_is_refused_and_writes_nothing(setting, name):
    loan = setting.loan if name == "member repays" else setting.written_off
    path = f"{L}{loan.pk}/{'repayments' if name == 'member repays' else 'recoveries'}/"
    user = setting.member if name == "member repays" else setting.manager

    with nothing_written():
        response = client(user).generic("POST", path, '{"amount": 1000,', content_type="application/json",
                                        headers={"Idempotency-Key": "k-1"})

    assert_error(response, 400, "parse_error")


@pytest.mark.parametrize(("call", "field"), [
    (lambda s: repay(s, {}), "amount"),
    (lambda s: repay(s, {"amount": "1000", "value_date": "2026-02-30"}, user=s.manager), "value_date"),
    (lambda s: repay(s, {"amount": "1000", "value_date": "today"}, user=s.manager), "value_date"),
    (lambda s: recover(s, {}), "amount"),
    (lambda s: recover(s, {"amount": "1000", "received_on": "2026-13-01"}), "received_on"),
    (lambda s: recover(s, {"amount": "1000", "memo": "가" * 301}), "memo"),
], ids=["repay-no-amount", "repay-impossible-date", "repay-word-date", "recover-no-amount",
        "recover-impossible-date", "recover-long-memo"])
def test_a_missing_or_malformed_field_is_refused_naming_it(setting, call, field):
    setting.loan, setting.written_off  # noqa: B018 - built before the database is looked at

    with nothing_written():
        response = call(setting)

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {field}


def test_a_secured_amount_above_the_principal_is_refused_naming_it(setting):
    setting.approved  # noqa: B018

    with nothing_written():
        response = disburse(setting, {"secured_amount": "20000001"})

    body = assert_error(response, 400, "validation_error")
    assert body["fields"].keys() == {"secured_amount"}
    assert "20,000,000원" in body["fields"]["secured_amount"][0]


def test_a_secured_amount_equal_to_the_principal_is_kept(setting):
    response = disburse(setting, {"secured_amount": "20000000"})

    assert response.status_code == 200, response.content
    assert response.json()["secured_amount"] == "20000000"
    assert Loan.objects.get(pk=setting.approved.pk).secured_amount.amount == 20_000_000


# --- the Idempotency-Key header -------------------------------------------------------------------------------

NO_KEYS = [pytest.param(None, id="absent"), pytest.param("", id="empty"), pytest.param("   ", id="blank"),
           pytest.param("k" * 201, id="too-long")]


@pytest.mark.parametrize("key", NO_KEYS)
def test_a_repayment_or_a_recovery_needs_an_idempotency_key(setting, key):
    setting.loan, setting.written_off  # noqa: B018

    with nothing_written():
        repaid = repay(setting, {"amount": "10000"}, key=key)
        recovered = recover(setting, {"amount": "10000"}, key=key)

    for response in (repaid, recovered):
        body = assert_error(response, 400, "validation_error")
        assert body["fields"].keys() == {"Idempotency-Key"}
        assert "Idempotency-Key" in body["message"]


def test_the_same_key_and_body_replays_the_repayment_instead_of_paying_twice(setting):
    first = repay(setting, {"amount": "100000"})
    assert first.status_code == 201, first.content

    with nothing_written():
        again = repay(setting, {"amount": "100000"})

    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert not first.has_header("Idempotent-Replayed")
    assert Repayment.objects.filter(loan=setting.loan).count() == 1


@pytest.mark.parametrize("body", [{"amount": "100001"}, {"amount": "100000", "value_date": "2000-01-01"}],
                         ids=["another-amount", "another-date"])
def test_the_same_key_with_another_body_is_refused(setting, body):
    assert repay(setting, {"amount": "100000"}).status_code == 201

    with nothing_written():
        response = repay(setting, body)

    assert assert_error(response, 422, "idempotency_key_reused")["fields"].keys() == {"Idempotency-Key"}


def test_a_key_another_user_used_on_the_loan_is_refused_naming_the_header(setting):
    """The API keeps keys per caller; the repayment service keeps them per loan, and refuses another user's. Its
    refusal names the header the key came in, not the service's argument."""
    assert repay(setting, {"amount": "100000"}, key="shared-key").status_code == 201

    with nothing_written():
        response = repay(setting, {"amount": "100000"}, user=setting.manager, key="shared-key")

    body = assert_error(response, 422, "idempotency_key_reused")
    assert body["fields"].keys() == {"Idempotency-Key"}


def test_the_same_key_and_body_replays_the_recovery_and_another_amount_is_refused(setting):
    first = recover(setting, {"amount": "300000"})
    assert first.status_code == 201, first.content

    with nothing_written():
        again = recover(setting, {"amount": "300000"})
        reused = recover(setting, {"amount": "300001"})

    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert_error(reused, 422, "idempotency_key_reused")
    assert Recovery.objects.count() == 1


# --- the loan's state -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "manager"])
def test_repaying_a_loan_not_yet_paid_out_is_refused(setting, who):
    loan = setting.approved

    with nothing_written():
        response = repay(setting, {"amount": "10000"}, user=getattr(setting, who), loan=loan)

    body = assert_error(response, 409, "invalid_state")
    assert "실행 대기" in body["message"]  # the current state is named


def test_repaying_a_paid_off_loan_is_refused(setting):
    payoff = payoff_of(setting).json()["payoff"]
    paid = repay(setting, {"amount": payoff}, key="payoff")
    assert paid.status_code == 201, paid.content
    assert paid.json()["paid_off"] is True and paid.json()["loan_state"] == "paid_off"

    with nothing_written():
        response = repay(setting, {"amount": "1000"}, key="after")
        quote = payoff_of(setting)

    assert_error(response, 409, "invalid_state")
    assert_error(quote, 409, "invalid_state")


def test_repaying_a_written_off_loan_is_refused(setting):
    loan = setting.written_off

    with nothing_written():
        response = repay(setting, {"amount": "1000"}, user=setting.manager, loan=loan)

    assert_error(response, 409, "invalid_state")


def test_recovering_on_an_active_loan_is_refused(setting):
    loan = setting.loan

    with nothing_written():
        response = recover(setting, {"amount": "1000"}, loan=loan)

    assert_error(response, 409, "invalid_state")


def test_recovering_more_than_was_written_off_is_refused_stating_what_is_left(setting):
    loan = setting.written_off
    written_off = loan.write_offs.get()
    total = int(written_off.total.amount)
    assert recover(setting, {"amount": "1000000"}, key="r-1").status_code == 201
    left = format_won(total - 1_000_000)

    with nothing_written():
        response = recover(setting, {"amount": str(total - 1_000_000 + 1)}, key="r-2")

    body = assert_error(response, 422, "limit_exceeded")
    assert body["fields"].keys() == {"amount"}
    assert left in body["message"] and left in body["fields"]["amount"][0]
    assert recover(setting, {"amount": str(total - 1_000_000)}, key="r-2").status_code == 201


@pytest.mark.parametrize("when", ["tomorrow", "before the write-off"])
def test_a_recovery_received_on_a_date_outside_its_range_is_refused_naming_it(setting, when):
    loan = setting.written_off
    on = setting.today + timedelta(days=1) if when == "tomorrow" else setting.yesterday

    with nothing_written():
        response = recover(setting, {"amount": "1000", "received_on": on.isoformat()}, loan=loan)

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"received_on"}


# --- overpaying -----------------------------------------------------------------------------------------------


def test_overpaying_is_refused_stating_the_payoff_and_the_key_can_be_used_again(setting):
    quote = payoff_of(setting)
    assert quote.status_code == 200, quote.content
    payoff = int(quote.json()["payoff"])
    # 20,000,000 principal and 10 days of the first period's interest (20,000,000 x 7 % / 12 = 116,666 for the
    # month), in proportion to the days; nothing is overdue yet.
    assert 20_000_000 < payoff < 20_000_000 + 116_666
    assert quote.json()["due"] == "0"

    with nothing_written():
        response = repay(setting, {"amount": str(payoff + 1)}, key="too-much")

    body = assert_error(response, 422, "limit_exceeded")
    assert body["fields"].keys() == {"amount"}
    assert format_won(payoff) in body["message"]
    assert format_won(payoff) in body["fields"]["amount"][0]
    assert not IdempotencyRecord.objects.filter(key="too-much").exists()

    paid = repay(setting, {"amount": str(payoff)}, key="too-much")
    assert paid.status_code == 201, paid.content
    assert paid.json()["paid_off"] is True


def test_the_largest_amount_there_is_is_an_overpayment_not_an_error(setting):
    setting.loan  # noqa: B018

    with nothing_written():
        response = repay(setting, {"amount": "999999999999999999"})

    assert assert_error(response, 422, "limit_exceeded")["fields"].keys() == {"amount"}


# --- value dates ------------------------------------------------------------------------------------------------


def test_a_member_may_name_today_as_the_value_date(setting):
    response = repay(setting, {"amount": "10000", "value_date": setting.today.isoformat()})

    assert response.status_code == 201, response.content
    assert response.json()["value_date"] == setting.today.isoformat()


@pytest.mark.parametrize("days", [-1, -5, 1], ids=["yesterday", "five-days-ago", "tomorrow"])
def test_a_member_may_not_choose_another_value_date(setting, days):
    setting.loan  # noqa: B018
    on = setting.today + timedelta(days=days)

    with nothing_written():
        response = repay(setting, {"amount": "10000", "value_date": on.isoformat()})

    body = assert_error(response, 403, "permission_denied")
    assert body["fields"].keys() == {"value_date"}


def test_a_manager_may_backdate_a_repayment_into_the_open_period(setting):
    on = setting.today - timedelta(days=5)

    response = repay(setting, {"amount": "10000", "value_date": on.isoformat()}, user=setting.manager)

    assert response.status_code == 201, response.content
    assert response.json()["value_date"] == on.isoformat()
    setting.loan.refresh_from_db()
    assert setting.loan.closed_through == on - timedelta(days=1)


def test_a_value_date_in_the_future_is_refused_naming_it(setting):
    setting.loan  # noqa: B018

    with nothing_written():
        response = repay(setting, {"amount": "10000", "value_date": (setting.today + timedelta(days=1)).isoformat()},
                         user=setting.manager)

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"value_date"}


@pytest.mark.parametrize("days_before_today", [1, 3, 10, 11, 400])
def test_a_value_date_in_a_closed_period_is_refused_naming_it(setting, days_before_today):
    """Closed through yesterday: any day up to it is closed, the disbursement date and before included."""
    setting.loan  # noqa: B018
    services.close_business(through=setting.yesterday, today=timezone.localdate())
    on = setting.today - timedelta(days=days_before_today)

    with nothing_written():
        response = repay(setting, {"amount": "10000", "value_date": on.isoformat()}, user=setting.manager)

    body = assert_error(response, 400, "validation_error")
    assert body["fields"].keys() == {"value_date"}
    assert setting.yesterday.isoformat() in body["message"]


def test_a_backdated_repayment_closes_the_period_before_it(setting):
    """A manager's repayment of five days ago brings the loan up to the day before; a second one before it is then
    in a closed period."""
    first = repay(setting, {"amount": "10000", "value_date": (setting.today - timedelta(days=5)).isoformat()},
                  user=setting.manager, key="a")
    assert first.status_code == 201, first.content

    with nothing_written():
        second = repay(setting, {"amount": "10000", "value_date": (setting.today - timedelta(days=7)).isoformat()},
                       user=setting.manager, key="b")

    assert assert_error(second, 400, "validation_error")["fields"].keys() == {"value_date"}


# --- the payoff quote -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("on", ["2026-02-30", "soon", "2026-12-31T00:00", "2026-1-5x"])
def test_a_payoff_quote_for_a_malformed_date_names_on(setting, on):
    setting.loan  # noqa: B018

    with nothing_written():
        response = payoff_of(setting, on=on)

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"on"}


def test_a_payoff_quote_for_a_closed_day_names_on(setting):
    setting.loan  # noqa: B018
    services.close_business(through=setting.yesterday, today=timezone.localdate())

    with nothing_written():
        response = payoff_of(setting, on=setting.yesterday.isoformat())

    assert assert_error(response, 400, "validation_error")["fields"].keys() == {"on"}


def test_a_payoff_quote_for_today_or_a_later_day_changes_nothing(setting):
    setting.loan  # noqa: B018

    with nothing_written():
        today = payoff_of(setting)
        explicit = payoff_of(setting, on=setting.today.isoformat())
        later = payoff_of(setting, on=(setting.today + timedelta(days=5)).isoformat())

    assert today.status_code == explicit.status_code == later.status_code == 200
    assert today.json() == explicit.json()
    assert int(later.json()["payoff"]) > int(today.json()["payoff"])  # five more days of interest
    assert later.json()["on"] == (setting.today + timedelta(days=5)).isoformat()
