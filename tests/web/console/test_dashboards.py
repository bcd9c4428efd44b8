"""The funds' pages and the console's start page: the list and its downloads, each fund's dashboard (every chart
with a table of the same figures), the inbox panel (four eyes visible; read only for an auditor) and a card per
fund; each page within a bounded number of queries, however many rows it shows."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from html import escape

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from funds import selectors
from tests.factories import AuditorFactory, ManagerFactory
from tests.funds.factories import make_application, make_loan, member_of


def _ko(msgid: str) -> str:
    with translation.override("ko"):
        return escape(translation.gettext(msgid))


def test_the_fund_list_shows_each_funds_figures_and_links_to_its_page(world, client_as, manager):
    world.build("own_loan", "other_loan")
    body = client_as(manager).get(reverse("web:funds")).content.decode()
    summary = selectors.fund_summary(world.fund)
    assert f'href="{reverse("web:fund", args=[world.fund.pk])}"' in body
    assert f"₩{int(summary.capital):,}" in body
    assert f"₩{int(summary.cash):,}" in body
    assert f"₩{int(summary.outstanding_principal):,}" in body
    assert f"{summary.turnover * 100:.2f}%" in body


def test_the_fund_list_downloads_as_csv_and_xlsx_with_numbers(world, client_as, manager):
    world.build("own_loan")
    client = client_as(manager)
    response = client.get(reverse("web:funds"), {"_export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == world.fund.code and rows[1][3] == "600000000"
    response = client.get(reverse("web:funds"), {"_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=4).value == 600_000_000


def test_the_fund_page_shows_the_summary_and_a_table_for_every_chart(world, client_as):
    world.build("own_loan", "other_loan", "own_approved_loan")
    response = client_as(AuditorFactory()).get(reverse("web:fund", args=[world.fund.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    summary = response.context["summary"]
    for amount in (summary.capital, summary.cash, summary.outstanding_principal, summary.disbursed_total,
                   summary.principal_repaid_total, summary.interest_income):
        assert f"₩{int(amount):,}" in body
    charts = re.findall(r'<canvas data-chart="([\w-]+)"', body)
    assert charts == ["chart-position", "chart-classes", "chart-months"]
    for chart in charts:
        spec = json.loads(re.search(rf'<script id="{chart}" type="application/json">(.*?)</script>', body).group(1))
        assert spec["money"] and spec["data"]["datasets"]
    months = response.context["months"]
    assert len(months) == 12 and sum(m.disbursed for m in months) == 20_000_000  # two 10,000,000 loans, 10 days ago
    assert body.count("<caption") >= 4  # the charts' figures as tables too
    assert 'name="kind" value="fund"' in body  # ask for the fund statement


def test_the_fund_page_counts_loans_past_due(world, client_as, manager):
    world.build("own_doomed")
    response = client_as(manager).get(reverse("web:fund", args=[world.bad_fund.pk]))
    assert response.context["past_due_loans"] == 1
    assert response.context["past_due_amount"] == 1_000_000


def test_the_inbox_panel_keeps_four_eyes_visible(world, client_as):
    world.build("own_submitted", "own_recommended", "pending_write_off", "own_approved_loan")
    reviewer = client_as(world.reviewer).get(reverse("web:console")).content.decode()
    assert _ko("You recommended this; another manager must approve.") in reviewer
    assert f'href="{reverse("web:application", args=[world.own_recommended.pk])}"' in reviewer
    requester = client_as(world.requester).get(reverse("web:console")).content.decode()
    assert _ko("You asked for this write-off; another manager must approve.") in requester
    assert f'href="{reverse("web:write-off-approve", args=[world.pending_write_off.pk])}"' not in requester
    other = client_as(ManagerFactory()).get(reverse("web:console")).content.decode()
    for url in (reverse("web:application", args=[world.own_submitted.pk]),
                reverse("web:application", args=[world.own_recommended.pk]),
                reverse("web:write-off-approve", args=[world.pending_write_off.pk]),
                reverse("web:loan", args=[world.own_approved_loan.pk])):
        assert f'href="{url}"' in other, url


def test_an_auditor_sees_the_queues_read_only_and_the_fund_cards(world, client_as):
    world.build("own_submitted", "pending_write_off")
    response = client_as(AuditorFactory()).get(reverse("web:console"))
    body = response.content.decode()
    assert f'href="{reverse("web:application", args=[world.own_submitted.pk])}"' in body
    assert f'href="{reverse("web:write-off-approve", args=[world.pending_write_off.pk])}"' not in body
    assert f'href="{reverse("web:fund", args=[world.fund.pk])}"' in body
    assert f'href="{reverse("web:fund", args=[world.bad_fund.pk])}"' in body


# --- query bounds -------------------------------------------------------------------------------------------------


def _more_rows(world, n: int) -> None:
    for _ in range(n):
        member = member_of()
        make_application(world.product, member=member, state="submitted")
        make_application(world.product, member=member_of(), state="recommended", reviewer=world.reviewer)
        loan = make_loan(world.servicing_product, member=member_of(), amount=1_000_000,
                         disbursed_on=world.today - timedelta(days=10))
        world._repay(loan, 10_000, f"more-{loan.pk}")


def test_the_pages_queries_do_not_grow_with_their_rows(world, client_as, django_assert_max_num_queries):
    world.build("own_loan", "other_loan", "own_submitted", "own_recommended", "pending_write_off",
                "other_written_off")
    client = client_as(ManagerFactory())
    urls = [reverse("web:console"), reverse("web:funds"), reverse("web:fund", args=[world.fund.pk]),
            reverse("web:applications"), reverse("web:repayments"), reverse("web:write-offs"),
            reverse("web:application", args=[world.own_recommended.pk])]
    before = {}
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        before[url] = len(captured)
    _more_rows(world, 4)
    for url in urls:
        with django_assert_max_num_queries(before[url]):
            assert client.get(url).status_code == 200, url
    assert max(before.values()) <= 40, before


def test_the_fund_statement_is_asked_for_from_the_fund_page(world, client_as, manager, settings, tmp_path):
    from statements.models import Statement

    settings.MEDIA_ROOT = tmp_path
    client = client_as(manager)
    page = reverse("web:fund", args=[world.fund.pk])
    body = client.get(page).content.decode()
    assert 'name="period_start"' in body and 'name="period_end"' in body
    today = world.today
    response = client.post(reverse("web:statement-request"), {
        "kind": "fund", "subject_id": world.fund.pk, "next": page,
        "period_start": today.replace(month=1, day=1).isoformat(), "period_end": today.isoformat()})
    assert response.status_code == 303 and response["Location"] == page
    assert Statement.objects.filter(kind="fund", fund=world.fund).count() == 1


def test_the_funds_journal_downloads_for_a_period_and_is_recorded(world, client_as):
    from core.models import AuditEvent

    world.build("own_loan")
    auditor = AuditorFactory()
    client = client_as(auditor)
    url = reverse("web:fund-journal", args=[world.fund.pk])
    assert client.get(url).status_code == 200
    start, end = world.today.replace(month=1, day=1).isoformat(), world.today.isoformat()
    response = client.get(url, {"start": start, "end": end, "file": "csv"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response.content
    assert AuditEvent.objects.filter(action="web.table.export", object_id=str(world.fund.pk)).count() == 1


def test_a_journal_period_that_ends_in_the_future_is_a_400_beside_the_field(world, client_as):
    from core.models import AuditEvent

    url = reverse("web:fund-journal", args=[world.fund.pk])
    client = client_as(ManagerFactory())
    later = (world.today + timedelta(days=30)).isoformat()
    response = client.get(url, {"start": world.today.isoformat(), "end": later, "file": "csv"})
    assert response.status_code == 400
    assert response.context["form"].errors
    response = client.get(url, {"start": "not-a-date", "end": later, "file": "pdf"})
    assert response.status_code == 400
    assert {"start", "file"} <= set(response.context["form"].errors)
    assert not AuditEvent.objects.filter(action="web.table.export").exists()
