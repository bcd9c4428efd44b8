"""Interest subsidy runs in the console: the list, preparing a run (program, period), the run's page (its lines and
its totals by bank), approving it (four eyes visible: the manager who prepared it sees a note, and a forged approval
of his is refused), each bank's payment file (CSV, XLSX) and asking for the PDF payment statement."""

from __future__ import annotations

import calendar
import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from core.models import AuditEvent
from guarantees import services
from guarantees.models import SubsidyRun
from ledger.models import Journal
from statements.models import Statement
from tests.factories import ManagerFactory
from tests.guarantees.factories import make_guarantee, make_program

from .helpers import PREPARED_NOTE, field_errors, ko, nothing_written, text
from .world import last_month

pytestmark = pytest.mark.django_db

# One loan of 20,000,000 for the whole of last month, at 5 %, subsidised at 2 %p: 20,000,000 x 0.02 x days / 365,
# floored to 10 won (the program's rule): 28 days 30,684.93 -> 30,680; 29 days 31,780.82 -> 31,780; 30 days
# 32,876.71 -> 32,870; 31 days 33,972.60 -> 33,970.
SUBSIDY_BY_DAYS = {28: 30_680, 29: 31_780, 30: 32_870, 31: 33_970}


def _expected(gw) -> int:
    start = last_month(gw.today)
    return SUBSIDY_BY_DAYS[calendar.monthrange(start.year, start.month)[1]]


def _url(name: str, run: SubsidyRun) -> str:
    return reverse(f"web:{name}", args=[run.pk])


def test_a_manager_prepares_last_months_run_and_reads_its_lines_and_totals_by_bank(gw, client_as, manager):
    guarantee = gw.active
    client = client_as(manager)
    form = client.get("/console/subsidy-runs/prepare/", {"program": gw.program.pk})
    assert form.status_code == 200 and last_month(gw.today).isoformat() in text(form)

    response = client.post("/console/subsidy-runs/prepare/", {"program": gw.program.pk,
                                                              "period_start": last_month(gw.today).isoformat()})

    run = SubsidyRun.objects.get()
    assert response.status_code == 303 and response["Location"] == _url("subsidy-run", run)
    assert (run.state, run.prepared_by_id, run.total.amount) == ("prepared", manager.pk, _expected(gw))
    page = text(client.get(_url("subsidy-run", run)))
    won = f"₩{_expected(gw):,}"
    assert page.count(won) >= 3  # the run's total, the bank's total, the line
    assert f"G{guarantee.pk}<" in page and guarantee.enterprise.name in page and gw.bank.name in page
    assert f"?bank={gw.bank.pk}&amp;format=csv" in page
    assert ko(PREPARED_NOTE) in page and _url("subsidy-run-approve", run) not in page  # four eyes
    listing = text(client.get("/console/subsidy-runs/", {"program": gw.program.pk}))
    assert f"SR{run.pk}<" in listing


def test_preparing_the_same_period_again_shows_the_run_unchanged(gw, client_as, manager):
    run = gw.prepared_run
    with nothing_written():
        response = client_as(manager).post("/console/subsidy-runs/prepare/", {
            "program": gw.program.pk, "period_start": run.period_start.isoformat()})
    assert response.status_code == 303 and response["Location"] == _url("subsidy-run", run)


@pytest.mark.parametrize(("data", "field"), [
    ({"period_start": "2026-11-01"}, "program"),
    ({"program": "x", "period_start": "2026-11-01"}, "program"),
    ({"program": "PROGRAM"}, "period_start"),
    ({"program": "PROGRAM", "period_start": "not-a-date"}, "period_start"),
    ({"program": "PROGRAM", "period_start": "2026-11-15"}, "period_start"),  # not a month's first day
    ({"program": "PROGRAM", "period_start": "2099-01-01"}, "period_start"),  # not ended
], ids=["no-program", "bad-program", "no-period", "bad-date", "mid-month", "not-ended"])
def test_preparing_with_bad_input_is_a_400_beside_the_field_and_writes_nothing(gw, client_as, manager, data, field):
    data = {key: (gw.program.pk if value == "PROGRAM" else value) for key, value in data.items()}
    client = client_as(manager)
    with nothing_written():
        response = client.post("/console/subsidy-runs/prepare/", data)
    assert response.status_code == 400
    assert field in field_errors(response) and 'class="error"' in text(response)


def test_a_program_without_an_interest_subsidy_is_refused_beside_the_program(client_as, manager):
    from django.utils import timezone

    program = make_program(code="nosub", subsidy_rate=0, subsidy_months=0)
    with nothing_written():
        response = client_as(manager).post("/console/subsidy-runs/prepare/", {
            "program": program.pk, "period_start": last_month(timezone.localdate()).isoformat()})
    assert response.status_code == 400 and "program" in field_errors(response)


def test_the_preparer_may_not_approve_and_a_forged_approval_is_refused(gw, client_as):
    run = gw.prepared_run  # prepared by gw.preparer
    client = client_as(gw.preparer)
    action = client.get(_url("subsidy-run-approve", run))
    assert action.status_code == 200 and ko(PREPARED_NOTE) in text(action)
    assert 'class="action-form"' not in text(action)
    with nothing_written():
        response = client.post(_url("subsidy-run-approve", run), {"idempotency_key": "web-forged"})
    assert response.status_code == 403
    run.refresh_from_db()
    assert run.state == SubsidyRun.State.PREPARED


def test_another_manager_approves_and_pays_the_run_once_however_often_the_form_is_sent(gw, client_as, manager):
    run = gw.prepared_run
    client = client_as(manager)
    page = text(client.get(_url("subsidy-run", run)))
    assert _url("subsidy-run-approve", run) in page and ko(PREPARED_NOTE) not in page
    form = client.get(_url("subsidy-run-approve", run))
    key = form.context["form"]["idempotency_key"].value()
    journals = Journal.objects.count()

    first = client.post(_url("subsidy-run-approve", run), {"idempotency_key": key})
    again = client.post(_url("subsidy-run-approve", run), {"idempotency_key": key})  # a double click

    assert first.status_code == again.status_code == 303
    run.refresh_from_db()
    assert (run.state, run.approved_by_id, run.paid_on) == ("paid", manager.pk, gw.today)
    assert Journal.objects.count() == journals + 1
    page = text(client.get(_url("subsidy-run", run)))
    assert 'name="kind" value="subsidy_run"' in page  # the PDF payment statement may be asked for now


def test_a_run_the_budget_cannot_pay_is_a_422_and_writes_nothing(client_as, manager):
    from django.utils import timezone

    today = timezone.localdate()
    program = make_program()  # no subsidy budget at all
    make_guarantee(program, amount=20_000_000)
    run, _created = services.subsidy_run_prepare(program_id=program.pk, period_start=last_month(today),
                                                 actor=ManagerFactory(), today=today)
    with nothing_written():
        response = client_as(manager).post(_url("subsidy-run-approve", run), {"idempotency_key": "web-1"})
    assert response.status_code == 422 and "form-errors" in text(response)


def test_approving_without_the_forms_key_is_a_400(gw, client_as, manager):
    run = gw.prepared_run
    with nothing_written():
        response = client_as(manager).post(_url("subsidy-run-approve", run), {})
    assert response.status_code == 400 and "idempotency_key" in field_errors(response)


def test_each_banks_payment_file_downloads_as_csv_and_xlsx_and_is_logged(gw, client_as, manager):
    run = gw.prepared_run
    client = client_as(manager)
    url = _url("subsidy-run-payment-file", run)

    listing = client.get(url)
    assert listing.status_code == 200 and f"?bank={gw.bank.pk}&amp;format=xlsx" in text(listing)
    download = client.get(url, {"bank": gw.bank.pk, "format": "csv"})
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    body = download.content.decode("utf-8-sig")
    assert gw.active.enterprise.name in body and str(_expected(gw)) in body.replace(",", "")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) >= 2
    xlsx = client.get(url, {"bank": gw.bank.pk, "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row >= 2
    assert AuditEvent.objects.filter(action="web.table.export", object_id=str(run.pk)).count() == 2


@pytest.mark.parametrize(("query", "status"), [
    ({"bank": "999999", "format": "csv"}, 404),
    ({"bank": "x", "format": "csv"}, 400),
    ({"format": "csv"}, 400),
    ({"bank": "BANK", "format": "pdf"}, 400),
], ids=["another-bank", "bad-bank", "no-bank", "bad-format"])
def test_a_payment_file_asked_for_wrongly_is_refused(gw, client_as, manager, query, status):
    run = gw.prepared_run
    query = {key: (gw.bank.pk if value == "BANK" else value) for key, value in query.items()}
    response = client_as(manager).get(_url("subsidy-run-payment-file", run), query)
    assert response.status_code == status


def test_the_pdf_payment_statement_of_a_paid_run_is_asked_for_from_its_page(gw, client_as, manager):
    run = gw.prepared_run
    services.subsidy_run_approve(run_id=run.pk, actor=manager, today=gw.today, idempotency_key="pay")
    client = client_as(manager)
    page = _url("subsidy-run", run)

    response = client.post("/statements/request/", {"kind": "subsidy_run", "subject_id": run.pk, "next": page})

    assert response.status_code == 303 and response["Location"] == page
    statement = Statement.objects.get()
    assert (statement.kind, statement.subsidy_run_id) == ("subsidy_run", run.pk)
    assert f"?kind=subsidy_run&amp;subject_id={run.pk}" in text(client.get(page))


def test_an_auditor_reads_runs_and_downloads_but_may_not_prepare_or_approve(gw, client_as, auditor):
    run = gw.prepared_run
    client = client_as(auditor)
    page = text(client.get(_url("subsidy-run", run)))
    assert _url("subsidy-run-approve", run) not in page and "/console/subsidy-runs/prepare/" not in page
    assert "/console/subsidy-runs/prepare/" not in text(client.get("/console/subsidy-runs/"))
    assert client.get(_url("subsidy-run-payment-file", run), {"bank": gw.bank.pk, "format": "csv"}).status_code == 200
    assert client.get("/console/subsidy-runs/prepare/").status_code == 403
    with nothing_written():
        assert client.post(_url("subsidy-run-approve", run), {"idempotency_key": "web-a"}).status_code == 403
        assert client.post("/console/subsidy-runs/prepare/", {
            "program": gw.program.pk, "period_start": run.period_start.isoformat()}).status_code == 403


def test_the_lines_download_as_a_table(gw, client_as, manager):
    run = gw.prepared_run
    download = client_as(manager).get(_url("subsidy-run", run), {"_export": "csv"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == f"G{gw.active.pk}" and rows[1][-1] == str(_expected(gw))
