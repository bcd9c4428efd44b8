"""``/api/v1/subsidy-runs/`` and ``/api/v1/guarantee-programs/{id}/subsidy-budget/``: the city's subsidy budget,
preparing, reading and approving interest subsidy runs (이차보전), and each bank's payment file, through the real URLs.
Every role on every operation is the role matrix's (tests/api/test_roles_matrix.py)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from enterprises.models import Institution
from guarantees.models import Guarantee, SubsidyBudget, SubsidyRun
from guarantees.services.subsidies import last_ended_period
from ledger.models import Journal
from tests.factories import BankOfficerFactory, EnterpriseFactory, InstitutionFactory
from tests.guarantees.factories import make_guarantee, make_program

from ..helpers import assert_error

pytestmark = pytest.mark.django_db
RUNS = "/api/v1/subsidy-runs/"
MAN = 10_000


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def post(user: Any, path: str, data: Any = None, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client(user).post(path, data=json.dumps(data or {}), content_type="application/json", headers=headers)


def budget_path(program: Any) -> str:
    return f"/api/v1/guarantee-programs/{program.pk}/subsidy-budget/"


class Setting:
    """A program with two partner banks; two guarantees at the first bank, one at the second, all lent 100 days
    before the last month that ended, at 5 %, with the 2 %p subsidy."""

    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.month = last_ended_period("monthly", self.today)
        self.days = ((self.month.replace(day=28) + timedelta(days=4)).replace(day=1) - self.month).days
        self.program = make_program()
        self.bank = self.program.partner_banks.get()
        self.other_bank = InstitutionFactory(kind=Institution.Kind.BANK)
        self.program.partner_banks.add(self.other_bank)
        start = self.month - timedelta(days=100)
        self.a = make_guarantee(self.program, enterprise=EnterpriseFactory(name="=HYPERLINK(\"x\")"), bank=self.bank,
                                amount=3000 * MAN, start_on=start)
        self.b = make_guarantee(self.program, bank=self.bank, amount=1000 * MAN, start_on=start)
        self.c = make_guarantee(self.program, bank=self.other_bank, amount=2000 * MAN, start_on=start)
        Guarantee.objects.filter(pk=self.a.pk).update(bank_reference="110-222-333")

    def amount(self, balance: int) -> int:
        """balance x days x 2 % / 365, floored to 10 won."""
        exact = Decimal(balance) * self.days * Decimal("0.02") / 365
        return int(exact // 10 * 10)


@pytest.fixture
def s() -> Setting:
    return Setting()


def prepare(s: Setting, user: Any, **extra: Any) -> Any:
    return post(user, RUNS, {"program": s.program.pk, "period_start": s.month.isoformat(), **extra})


def test_a_manager_prepares_a_run_and_the_same_period_again_gives_it_back(s, manager, other_manager):
    first = prepare(s, manager)

    assert first.status_code == 201, first.content
    run = first.json()
    assert run["state"] == "prepared" and run["prepared_by"] == manager.username
    assert run["period_start"] == s.month.isoformat() and run["line_count"] == 3
    expected = s.amount(3000 * MAN) + s.amount(1000 * MAN) + s.amount(2000 * MAN)
    assert run["total"] == str(expected)
    assert sorted(int(line["amount"]) for line in run["lines"]) == sorted(
        [s.amount(3000 * MAN), s.amount(1000 * MAN), s.amount(2000 * MAN)])
    line = next(line for line in run["lines"] if line["guarantee"] == s.a.pk)
    assert line["bank_reference"] == "110-222-333" and line["days"] == s.days and line["rate"] == "0.02000"

    again = prepare(s, other_manager)
    assert again.status_code == 200 and again.json()["id"] == run["id"]
    assert again.json()["prepared_by"] == manager.username
    assert SubsidyRun.objects.count() == 1


def test_a_bank_officer_sees_only_its_own_banks_lines(s, manager):
    run_id = prepare(s, manager).json()["id"]
    officer = BankOfficerFactory(institution=s.other_bank)
    stranger = BankOfficerFactory(institution=InstitutionFactory(kind=Institution.Kind.BANK))

    detail = client(officer).get(f"{RUNS}{run_id}/")
    listed = client(officer).get(RUNS)

    assert detail.status_code == 200
    assert [line["guarantee"] for line in detail.json()["lines"]] == [s.c.pk]
    assert [run["id"] for run in listed.json()["results"]] == [run_id]
    assert client(stranger).get(RUNS).json()["results"] == []
    assert_error(client(stranger).get(f"{RUNS}{run_id}/"), 404, "not_found")


def test_runs_are_filtered_by_program(s, manager):
    run_id = prepare(s, manager).json()["id"]
    other = make_program(code="other-2026")
    assert [r["id"] for r in client(manager).get(f"{RUNS}?program={s.program.pk}").json()["results"]] == [run_id]
    assert client(manager).get(f"{RUNS}?program={other.pk}").json()["results"] == []
    assert_error(client(manager).get(f"{RUNS}?program=abc"), 400, "validation_error")


def test_the_budget_is_recorded_with_a_key_and_listed(s, manager):
    response = post(manager, budget_path(s.program), {"amount": "1000000", "received_on": s.today.isoformat(),
                                                      "memo": "군 이차보전 예산"}, key="budget-1")
    replay = post(manager, budget_path(s.program), {"amount": "1000000", "received_on": s.today.isoformat(),
                                                    "memo": "군 이차보전 예산"}, key="budget-1")

    assert response.status_code == 201, response.content
    assert replay.status_code == 201 and replay.json()["id"] == response.json()["id"]
    assert SubsidyBudget.objects.count() == 1
    listed = client(manager).get(budget_path(s.program)).json()
    assert listed["balance"] == "1000000"
    assert [entry["id"] for entry in listed["entries"]] == [response.json()["id"]]


@pytest.mark.parametrize(("body", "field"), [
    ({"amount": "-1", "received_on": "2026-01-01"}, "amount"),
    ({"amount": "10.5", "received_on": "2026-01-01"}, "amount"),
    ({"amount": {"amount": "1000", "currency": "USD"}, "received_on": "2026-01-01"}, "amount"),
    ({"amount": "1000", "received_on": "2999-01-01"}, "received_on"),
    ({"amount": "1000", "received_on": "20260101"}, "received_on"),
])
def test_bad_budget_input_is_a_400_naming_the_field(s, manager, body, field):
    response = post(manager, budget_path(s.program), body, key="bad")
    assert_error(response, 400, "validation_error")
    assert field in response.json()["fields"]
    assert SubsidyBudget.objects.count() == 0


def test_the_budget_needs_a_key_and_a_known_program(s, manager):
    body = {"amount": "1000", "received_on": timezone.localdate().isoformat()}
    assert_error(post(manager, budget_path(s.program), body), 400, "validation_error")
    assert_error(post(manager, "/api/v1/guarantee-programs/987654/subsidy-budget/", body, key="k"), 404, "not_found")


def test_a_second_manager_approves_and_the_run_is_paid_once(s, manager, other_manager):
    post(manager, budget_path(s.program), {"amount": "1000000", "received_on": s.today.isoformat()}, key="b")
    run_id = prepare(s, manager).json()["id"]

    refused = post(manager, f"{RUNS}{run_id}/approve/", key="approve-1")
    approved = post(other_manager, f"{RUNS}{run_id}/approve/", key="approve-2")
    replay = post(other_manager, f"{RUNS}{run_id}/approve/", key="approve-2")
    again = post(other_manager, f"{RUNS}{run_id}/approve/", key="approve-3")

    assert_error(refused, 403, "permission_denied")
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "paid" and approved.json()["approved_by"] == other_manager.username
    assert replay.status_code == 200 and replay.headers.get("Idempotent-Replayed") == "true"
    assert_error(again, 409, "invalid_state")
    assert Journal.objects.filter(kind="guarantee.subsidy_run").count() == 1


def test_a_run_over_the_budget_is_a_422_and_stays_prepared(s, manager, other_manager):
    post(manager, budget_path(s.program), {"amount": "1000", "received_on": s.today.isoformat()}, key="b")
    run_id = prepare(s, manager).json()["id"]

    response = post(other_manager, f"{RUNS}{run_id}/approve/", key="approve")

    assert_error(response, 422, "insufficient_funds")
    assert "1,000" in response.json()["message"]
    assert SubsidyRun.objects.get().state == "prepared"
    assert not Journal.objects.filter(kind="guarantee.subsidy_run").exists()


def test_approving_needs_a_key(s, manager, other_manager):
    run_id = prepare(s, manager).json()["id"]
    assert_error(post(other_manager, f"{RUNS}{run_id}/approve/"), 400, "validation_error")
    assert_error(post(other_manager, f"{RUNS}987654/approve/", key="k"), 404, "not_found")


@pytest.mark.parametrize(("extra", "field"), [
    ({"period_start": "2026-10-02"}, "period_start"),
    ({"period_start": "2999-01-01"}, "period_start"),
    ({"period_start": "10/01/2026"}, "period_start"),
    ({"period_end": "2026-10-30", "period_start": "2026-10-01"}, "period_end"),
    ({"program": "x"}, "program"),
    ({"program": 0}, "program"),
])
def test_bad_prepare_input_is_a_400_naming_the_field(s, manager, extra, field):
    response = prepare(s, manager, **extra)
    assert_error(response, 400, "validation_error")
    assert field in response.json()["fields"]
    assert SubsidyRun.objects.count() == 0


def test_a_period_not_ended_and_an_unknown_program(s, manager):
    this_month = s.today.replace(day=1)
    not_ended = post(manager, RUNS, {"program": s.program.pk, "period_start": this_month.isoformat()})
    unknown = post(manager, RUNS, {"program": 987654, "period_start": s.month.isoformat()})
    assert_error(not_ended, 400, "validation_error")
    assert "period_start" in not_ended.json()["fields"]
    assert_error(unknown, 404, "not_found")
    broken = client(manager).post(RUNS, data="{", content_type="application/json")
    assert broken.status_code == 400


# --- payment files -----------------------------------------------------------------------------------------------


def payment_file(user: Any, run_id: int, query: str) -> Any:
    return client(user).get(f"{RUNS}{run_id}/payment-file/?{query}")


def test_the_csv_payment_file_of_a_bank_lists_its_lines_and_totals(s, manager):
    run_id = prepare(s, manager).json()["id"]

    response = payment_file(manager, run_id, f"bank={s.bank.pk}&format=csv")

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1][:5] == ["번호", "보증번호", "기업명", "사업자등록번호", "대출번호"]
    lines = rows[2:-1]
    assert sorted(int(row[11]) for row in lines) == sorted([s.amount(3000 * MAN), s.amount(1000 * MAN)])
    first = next(row for row in lines if row[1] == f"G{s.a.pk}")
    assert first[2] == "'=HYPERLINK(\"x\")"  # a formula stays text
    assert first[4] == "110-222-333" and first[8] == str(3000 * MAN * s.days) and first[10] == "0.02000"
    assert rows[-1][0] == "합계" and int(rows[-1][11]) == s.amount(3000 * MAN) + s.amount(1000 * MAN)
    assert int(rows[-1][8]) == 4000 * MAN * s.days


def test_the_xlsx_payment_file_has_the_same_figures(s, manager):
    run_id = prepare(s, manager).json()["id"]

    response = payment_file(manager, run_id, f"bank={s.other_bank.pk}&format=xlsx")

    assert response.status_code == 200, response.content
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "번호"
    assert rows[2][1] == f"G{s.c.pk}" and rows[2][11] == s.amount(2000 * MAN)
    assert rows[-1][0] == "합계" and rows[-1][11] == s.amount(2000 * MAN)


def test_a_bank_officer_downloads_only_its_own_banks_file(s, manager):
    run_id = prepare(s, manager).json()["id"]
    officer = BankOfficerFactory(institution=s.other_bank)

    own = payment_file(officer, run_id, "format=csv")
    named = payment_file(officer, run_id, f"format=csv&bank={s.other_bank.pk}")
    other = payment_file(officer, run_id, f"format=csv&bank={s.bank.pk}")

    assert own.status_code == 200 and named.status_code == 200
    assert f"G{s.c.pk}".encode() in own.content and f"G{s.a.pk}".encode() not in own.content
    assert_error(other, 404, "not_found")
    stranger = BankOfficerFactory(institution=InstitutionFactory(kind=Institution.Kind.BANK))
    assert_error(payment_file(stranger, run_id, "format=csv"), 404, "not_found")


@pytest.mark.parametrize(("query", "status"), [
    ("format=csv", 400),  # staff name the bank
    ("format=pdf&bank={bank}", 400),
    ("format=csv&bank=abc", 400),
    ("format=csv&bank={stranger}", 404),  # a bank without lines in the run
    ("format=csv&bank=987654", 404),
])
def test_bad_payment_file_queries(s, manager, query, status):
    run_id = prepare(s, manager).json()["id"]
    stranger = InstitutionFactory(kind=Institution.Kind.BANK)
    response = payment_file(manager, run_id, query.format(bank=s.bank.pk, stranger=stranger.pk))
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")

