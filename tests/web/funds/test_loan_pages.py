"""The console's loan pages through the test client: the list (filters, sorting, paging, downloads), a loan's page,
its schedule and transactions, and the actions on it, each with the roles that may and may not, bad input and the
services' refusals. The same objects as the API's tests (tests.api.funds.world)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.test import Client

from core.models import AuditEvent
from funds.models import Loan, Recovery, Repayment, WriteOff
from tests.api.funds.world import FundsWorld
from tests.factories import AuditorFactory, ManagerFactory
from tests.funds.factories import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> FundsWorld:
    return FundsWorld(member_of())


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager():
    return ManagerFactory()


def test_the_loan_list_filters_sorts_pages_and_downloads_every_filtered_row(world: FundsWorld, manager, settings):
    world.build("own_loan", "other_loan", "own_approved_loan")
    client = _as(manager)
    page = client.get("/console/loans/?state=active&sort=-principal")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"L{world.own_loan.pk}" in html and f"L{world.own_approved_loan.pk}" not in html
    assert "₩10,000,000" in html

    download = client.get("/console/loans/?state=active&_export=csv")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="loans-' in download["Content-Disposition"]
    text = download.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Hangul as UTF-8
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 1 + 2  # the header and both active loans, not the approved one
    assert {row[0] for row in rows[1:]} == {f"L{world.own_loan.pk}", f"L{world.other_loan.pk}"}
    assert "10000000" in rows[1]  # an amount is a number in the download

    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/console/loans/?_export=xlsx").content))
    assert workbook.active.max_row == 1 + 3
    event = AuditEvent.objects.filter(action="web.table.export").order_by("-id").first()
    assert event is not None and event.actor_label == manager.username
    assert event.after["rows"] == 3 and event.after["format"] == "xlsx"


def test_the_download_holds_every_row_not_just_the_page_on_screen(world: FundsWorld, manager, settings):
    world.build("own_loan", "other_loan", "own_approved_loan")
    from web.funds.views import LoanList

    LoanList.table_pagination = {"per_page": 1}
    try:
        client = _as(manager)
        page = client.get("/console/loans/")
        assert page.status_code == 200 and len(re.findall(r'href="/console/loans/\d+/"', page.content.decode())) == 1
        rows = list(csv.reader(io.StringIO(client.get("/console/loans/?_export=csv").content.decode("utf-8-sig"))))
        assert len(rows) == 1 + 3
    finally:
        del LoanList.table_pagination


def test_a_bad_filter_is_a_400_naming_the_field_and_downloads_nothing(world: FundsWorld, manager):
    client = _as(manager)
    response = client.get("/console/loans/?disbursed_from=not-a-date")
    assert response.status_code == 400
    assert 'id="id_disbursed_from_error"' in response.content.decode()
    assert client.get("/console/loans/?disbursed_from=not-a-date&_export=csv").status_code == 400


def test_an_htmx_request_gets_the_table_alone(world: FundsWorld, manager):
    world.build("own_loan")
    response = _as(manager).get("/console/loans/?sort=principal", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<table" in html and "<html" not in html


def test_a_loans_page_shows_its_position_payoff_and_repayments_with_a_bounded_number_of_queries(
        world: FundsWorld, manager, django_assert_max_num_queries):
    loan = world.own_loan
    client = _as(manager)
    with django_assert_max_num_queries(40):
        response = client.get(f"/console/loans/{loan.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "₩10,000,000" in html and "₩50,000" in html  # the principal and the repayment
    assert f"/console/loans/{loan.pk}/repay/" in html and f"/console/loans/{loan.pk}/write-off/" in html
    assert f"/console/repayments/{world.own_repayment.pk}/reverse/" in html
    schedule = client.get(f"/console/loans/{loan.pk}/schedule/")
    assert schedule.status_code == 200 and schedule.content.decode().count("<tr") == 1 + 12
    assert client.get(f"/console/loans/{loan.pk}/transactions/").status_code == 200


def test_the_loan_list_costs_the_same_queries_for_three_loans_as_for_one(
        world: FundsWorld, manager, django_assert_max_num_queries):
    world.build("own_loan")
    client = _as(manager)
    client.get("/console/loans/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/console/loans/")
    world.build("other_loan", "own_approved_loan")
    with CaptureQueriesContext(connection) as three:
        client.get("/console/loans/")
    assert len(three.captured_queries) == len(one.captured_queries)


def test_an_auditor_reads_the_loan_without_any_action_and_a_forged_post_is_refused(world: FundsWorld):
    loan = world.own_loan
    client = _as(AuditorFactory())
    html = client.get(f"/console/loans/{loan.pk}/").content.decode()
    for action in ("repay/", "write-off/", "disburse/", "reverse/"):
        assert action not in html
    before = Repayment.objects.count()
    response = client.post(f"/console/loans/{loan.pk}/repay/", {"amount": "10000", "idempotency_key": "web-x"})
    assert response.status_code == 403
    assert client.post(f"/console/loans/{loan.pk}/write-off/", {"reason": "x"}).status_code == 403
    assert Repayment.objects.count() == before and not WriteOff.objects.filter(loan=loan).exists()


def test_another_enterprises_member_cannot_reach_the_console(world: FundsWorld):
    client = _as(world.other_member)
    assert client.get(f"/console/loans/{world.own_loan.pk}/").status_code == 403


def test_a_manager_disburses_an_approved_loan(world: FundsWorld, manager):
    loan = world.own_approved_loan
    client = _as(manager)
    assert client.get(f"/console/loans/{loan.pk}/disburse/").status_code == 200
    response = client.post(f"/console/loans/{loan.pk}/disburse/", {"disbursed_on": "", "secured_amount": ""})
    assert response.status_code == 303 and response["Location"] == f"/console/loans/{loan.pk}/"
    loan.refresh_from_db()
    assert loan.state == Loan.State.ACTIVE and loan.disbursed_on == world.today
    again = client.post(f"/console/loans/{loan.pk}/disburse/", {})
    assert again.status_code == 409  # the service's refusal, shown on the form
    assert "form-errors" in again.content.decode()


def test_a_repayment_recorded_twice_from_one_form_moves_the_money_once(world: FundsWorld, manager):
    loan = world.own_loan
    client = _as(manager)
    form = client.get(f"/console/loans/{loan.pk}/repay/").content.decode()
    assert 'name="idempotency_key"' in form
    data = {"amount": "₩100,000", "value_date": "", "idempotency_key": "web-double-click-1"}
    first = client.post(f"/console/loans/{loan.pk}/repay/", data)
    second = client.post(f"/console/loans/{loan.pk}/repay/", data)
    assert first.status_code == second.status_code == 303
    assert Repayment.objects.filter(loan=loan, idempotency_key="web-double-click-1").count() == 1


@pytest.mark.parametrize(("amount", "rule"), [("12.5", "whole"), ("-100", ""), ("abc", ""), ("", "")])
def test_a_bad_amount_is_a_400_beside_the_field_and_writes_nothing(world: FundsWorld, manager, amount, rule):
    loan = world.own_loan
    before = Repayment.objects.count()
    response = _as(manager).post(f"/console/loans/{loan.pk}/repay/", {"amount": amount, "idempotency_key": "web-k"})
    assert response.status_code == 400
    assert 'id="id_amount_error"' in response.content.decode()
    assert Repayment.objects.count() == before


def test_more_than_the_payoff_is_refused_with_the_services_message(world: FundsWorld, manager):
    loan = world.own_loan
    response = _as(manager).post(f"/console/loans/{loan.pk}/repay/",
                                 {"amount": "999,999,999", "idempotency_key": "web-too-much"})
    assert response.status_code == 422
    assert Repayment.objects.filter(idempotency_key="web-too-much").count() == 0


def test_a_back_dated_repayment_before_the_loan_is_refused_with_the_date_rule(world: FundsWorld, manager):
    loan = world.own_loan
    response = _as(manager).post(f"/console/loans/{loan.pk}/repay/", {
        "amount": "10000", "value_date": (world.today + timedelta(days=1)).isoformat(), "idempotency_key": "web-f"})
    assert response.status_code == 400
    assert 'id="id_value_date_error"' in response.content.decode()


def test_only_the_latest_live_repayment_offers_a_reversal_and_reversing_needs_a_reason(world: FundsWorld, manager):
    loan = world.own_loan
    client = _as(manager)
    latest = world.own_repayment
    assert client.post(f"/console/repayments/{latest.pk}/reverse/", {"reason": ""}).status_code == 400
    response = client.post(f"/console/repayments/{latest.pk}/reverse/", {"reason": "부도 수표"})
    assert response.status_code == 303 and response["Location"] == f"/console/loans/{loan.pk}/"
    latest.refresh_from_db()
    assert latest.reversed_at is not None and latest.reversal_reason == "부도 수표"


def test_a_write_off_is_asked_with_a_reason(world: FundsWorld, manager):
    doomed = world.own_doomed
    client = _as(manager)
    assert client.post(f"/console/loans/{doomed.pk}/write-off/", {"reason": ""}).status_code == 400
    assert not WriteOff.objects.filter(loan=doomed).exists()
    assert client.post(f"/console/loans/{doomed.pk}/write-off/", {"reason": "회수 불능"}).status_code == 303
    assert WriteOff.objects.get(loan=doomed).state == WriteOff.State.REQUESTED


def test_a_recovery_is_recorded_on_a_written_off_loan(world: FundsWorld, manager):
    written_off = world.own_written_off
    client = _as(manager)
    page = client.get(f"/console/loans/{written_off.pk}/").content.decode()
    assert f"/console/loans/{written_off.pk}/recover/" in page
    response = client.post(f"/console/loans/{written_off.pk}/recover/",
                           {"amount": "100000", "received_on": "", "memo": "경매 배당", "idempotency_key": "web-r1"})
    assert response.status_code == 303
    assert Recovery.objects.get(loan=written_off).amount.amount == 100_000


def test_an_unknown_loan_is_404_for_pages_and_actions(world: FundsWorld, manager):
    client = _as(manager)
    assert client.get("/console/loans/999999/").status_code == 404
    assert client.post("/console/loans/999999/repay/", {"amount": "1"}).status_code == 404


def test_a_name_that_would_be_a_spreadsheet_formula_is_downloaded_as_text(world: FundsWorld, manager):
    loan = world.own_loan
    loan.enterprise.name = '=HYPERLINK("http://evil.example","click")'
    loan.enterprise.save(update_fields=["name"])
    client = _as(manager)
    text = client.get("/console/loans/?_export=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK(" in text
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/console/loans/?_export=xlsx").content)).active
    cells = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'" + loan.enterprise.name in cells
    assert all(not (isinstance(c, str) and c.startswith("=")) for c in cells)
    assert 10_000_000 in cells  # amounts stay numbers
