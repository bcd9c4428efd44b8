"""The interest subsidies on the bank desk: the runs with lines of the officer's bank (another bank's run is 404),
the run's page with only its bank's lines, and the bank's payment file (CSV, XLSX)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import ManagerFactory

from ..desk import subsidy_runs, text

pytestmark = pytest.mark.django_db


def test_the_runs_paying_the_bank_are_listed_with_its_part(desk, client_as):
    mine, others = subsidy_runs(desk)
    page = text(client_as(desk.officer).get(reverse("web:bank-subsidy-runs")))
    assert f'href="/bank/subsidy-runs/{mine.pk}/"' in page
    assert f'href="/bank/subsidy-runs/{others.pk}/"' not in page
    own_line = mine.lines.get(bank=desk.bank)
    assert f"₩{int(own_line.amount.amount):,}" in page


def test_a_runs_page_shows_the_banks_lines_only_and_its_payment_files(desk, client_as):
    mine, _others = subsidy_runs(desk)
    own_line, other_line = mine.lines.get(bank=desk.bank), mine.lines.get(bank=desk.other_bank)
    page = text(client_as(desk.officer).get(reverse("web:bank-subsidy-run", args=[mine.pk])))
    assert f'href="/bank/guarantees/{own_line.guarantee_id}/"' in page
    assert f"G{other_line.guarantee_id}" not in page
    assert f'href="/bank/subsidy-runs/{mine.pk}/payment-file/?format=xlsx"' in page
    assert f'href="/bank/subsidy-runs/{mine.pk}/payment-file/?format=csv"' in page


def test_another_banks_run_is_not_found(desk, client_as):
    _mine, others = subsidy_runs(desk)
    client = client_as(desk.officer)
    assert client.get(reverse("web:bank-subsidy-run", args=[others.pk])).status_code == 404
    assert client.get(reverse("web:bank-subsidy-run-file", args=[others.pk])).status_code == 404


def test_the_payment_file_downloads_as_csv_and_xlsx_with_the_banks_lines(desk, client_as):
    mine, _others = subsidy_runs(desk)
    own_line, other_line = mine.lines.get(bank=desk.bank), mine.lines.get(bank=desk.other_bank)
    client = client_as(desk.officer)

    csv = client.get(reverse("web:bank-subsidy-run-file", args=[mine.pk]), {"format": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "attachment" in csv["Content-Disposition"]
    body = csv.content.decode("utf-8-sig")
    assert f"G{own_line.guarantee_id}" in body and f"G{other_line.guarantee_id}" not in body

    xlsx = client.get(reverse("web:bank-subsidy-run-file", args=[mine.pk]), {"format": "xlsx"})
    assert xlsx.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True) for c in row]
    assert f"G{own_line.guarantee_id}" in cells and f"G{other_line.guarantee_id}" not in cells


def test_an_unknown_file_type_is_refused_with_its_rule(desk, client_as):
    mine, _others = subsidy_runs(desk)
    response = client_as(desk.officer).get(reverse("web:bank-subsidy-run-file", args=[mine.pk]), {"format": "pdf"})
    assert response.status_code == 400
    assert 'class="message' not in text(response) and "pdf" not in response.get("Content-Type", "")


def test_the_lines_table_downloads(desk, client_as):
    mine, _others = subsidy_runs(desk)
    own_line = mine.lines.get(bank=desk.bank)
    response = client_as(desk.officer).get(reverse("web:bank-subsidy-run", args=[mine.pk]), {"_export": "csv"})
    rows = response.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 2 and f"G{own_line.guarantee_id}" in rows[1]


def test_staff_are_refused_the_banks_subsidy_pages(desk, client_as):
    mine, _others = subsidy_runs(desk)
    client = client_as(ManagerFactory())
    for name in ("web:bank-subsidy-run", "web:bank-subsidy-run-file"):
        assert client.get(reverse(name, args=[mine.pk])).status_code == 403
    assert client.get(reverse("web:bank-subsidy-runs")).status_code == 403
