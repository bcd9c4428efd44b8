"""The investors' statements on their pages: an investor asks for its investment's statement (사회성과보상사업 투자
명세서) from the investment's page, sees it there and on its start page (pending, then ready with its download
link), and downloads the PDF; another institution's investor gets 404 for the page, the statement and the request,
and never sees it listed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from statements.models import Statement, StatementDownload

pytestmark = pytest.mark.django_db


def _ask(client, investment_id: int, back: str):
    return client.post(reverse("web:statement-request"),
                       {"kind": "bond_investor", "subject_id": str(investment_id), "next": back})


def test_an_investor_asks_for_its_statement_on_its_page_and_downloads_it(bw, client_as,
                                                                         django_capture_on_commit_callbacks):
    investment = bw.bond.investments[0]
    page = reverse("web:investor-investment", args=[investment.pk])
    client = client_as(bw.bond.investor_users[0])
    html = client.get(page).content.decode()
    assert 'id="statement-request"' in html and f'name="subject_id" value="{investment.pk}"' in html
    assert '<tr id="st-' not in html

    with django_capture_on_commit_callbacks() as rendering:  # asked for; not rendered yet
        response = _ask(client, investment.pk, page)
    assert response.status_code == 303 and response["Location"] == page
    statement = Statement.objects.get(kind=Statement.Kind.BOND_INVESTOR, bond_investment=investment)
    download = reverse("web:statement-download", args=[statement.pk])
    html = client.get(page).content.decode()
    assert f'<tr id="st-{statement.pk}">' in html and download not in html  # pending: no link yet

    for callback in rendering:  # the worker renders it
        callback()
    statement.refresh_from_db()
    assert statement.state == Statement.State.READY
    for path in (page, "/investor/"):
        html = client.get(path).content.decode()
        assert f'<tr id="st-{statement.pk}">' in html and f'href="{download}"' in html, path
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content[:5] == b"%PDF-"
    assert StatementDownload.objects.filter(statement=statement, user=bw.bond.investor_users[0]).count() == 1


def test_another_institutions_investor_neither_sees_nor_downloads_nor_asks_for_it(bw, client_as,
                                                                                 django_capture_on_commit_callbacks):
    investment = bw.bond.investments[0]
    page = reverse("web:investor-investment", args=[investment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert _ask(client_as(bw.bond.investor_users[0]), investment.pk, page).status_code == 303
    statement = Statement.objects.get(kind=Statement.Kind.BOND_INVESTOR, bond_investment=investment)
    assert statement.state == Statement.State.READY
    download = reverse("web:statement-download", args=[statement.pk])

    # An investor of no investment here, and the investor of the same contract's second investment (another
    # institution): 404 for the page, the PDF and the request; the statement is not on their start pages.
    for stranger in (bw.other_investor, bw.bond.investor_users[1]):
        client = client_as(stranger)
        assert client.get(page).status_code == 404
        assert client.get(download).status_code == 404
        assert _ask(client, investment.pk, "/investor/").status_code == 404
        assert f'id="st-{statement.pk}"' not in client.get("/investor/").content.decode()
    assert Statement.objects.filter(kind=Statement.Kind.BOND_INVESTOR).count() == 1
    assert not StatementDownload.objects.exists()
    # The second investor's own page lists only its own statements, with a request form for its own investment.
    own = bw.bond.investments[1]
    html = client_as(bw.bond.investor_users[1]).get(reverse("web:investor-investment", args=[own.pk])).content
    assert f'name="subject_id" value="{own.pk}"'.encode() in html and b'<tr id="st-' not in html
